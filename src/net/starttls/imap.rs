//! IMAP STARTTLS (RFC 3501 §6.2.1, RFC 9051): read the `* OK` greeting, CAPABILITY unless the
//! greeting already lists them, look for STARTTLS, send `STARTTLS`, expect the tagged OK.

use super::{Fail, Session, preview, text};

fn has_starttls(caps: &str) -> bool {
    caps.split(|c: char| c.is_whitespace() || c == '[' || c == ']')
        .any(|w| w.eq_ignore_ascii_case("STARTTLS"))
}

/// Reads untagged (`*`) and continuation (`+`) lines up to the first other line, which must
/// be the answer tagged `tag`; returns (all bytes, the answer after the tag).
fn tagged(s: &mut Session<'_>, tag: &str) -> Result<(Vec<u8>, String), Fail> {
    let all = s.read_lines(|_, line| !line.starts_with(b"*") && !line.starts_with(b"+"))?;
    let last = all
        .split_inclusive(|&b| b == b'\n')
        .next_back()
        .unwrap_or_default();
    let answer = text(last)
        .strip_prefix(tag)
        .and_then(|r| r.strip_prefix(' '))
        .map(str::to_string)
        .ok_or_else(|| {
            Fail::Protocol(format!(
                "expected an untagged line or the answer tagged {tag}, got \"{}\"",
                preview(last)
            ))
        })?;
    Ok((all, answer))
}

fn ok(answer: &str) -> bool {
    answer
        .split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("OK"))
}

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    let raw = s.read_reply("banner", |_, _| true)?;
    let greeting = text(&raw);
    if greeting.starts_with("* PREAUTH") {
        return Err(Fail::Refused(
            "the connection is pre-authenticated (* PREAUTH): STARTTLS is not allowed in that state"
                .into(),
        ));
    }
    if !greeting.starts_with("* OK") {
        return Err(Fail::Refused(format!("greeting \"{}\"", preview(&raw))));
    }
    let caps = if greeting.to_ascii_uppercase().contains("[CAPABILITY ") {
        greeting
    } else {
        s.send_line("command", "a1 CAPABILITY")?;
        let (all, answer) = tagged(s, "a1")?;
        let t = text(&all);
        s.server_step("capabilities", all, t.clone());
        if !ok(&answer) {
            return Err(Fail::Protocol(format!("CAPABILITY answered \"{answer}\"")));
        }
        t
    };
    if !has_starttls(&caps) {
        return Err(Fail::NotOffered("no STARTTLS in its capabilities".into()));
    }
    s.send_line("command", "a2 STARTTLS")?;
    let (all, answer) = tagged(s, "a2")?;
    let good = ok(&answer);
    s.answer_step(all, good);
    if good {
        Ok(())
    } else {
        Err(Fail::Refused(format!("\"a2 {answer}\"")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, StarttlsError};

    #[test]
    fn capabilities_in_greeting_or_asked() {
        let x = run(
            Protocol::Imap,
            vec![
                S::Send(b"* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n"),
                S::Expect(b"a2 STARTTLS\r\n"),
                S::Send(b"a2 OK Begin TLS negotiation now.\r\n"),
            ],
        )
        .unwrap();
        assert_eq!(x.steps.len(), 3);
        let x = run(
            Protocol::Imap,
            vec![
                S::Send(b"* OK ready\r\n"),
                S::Expect(b"a1 CAPABILITY\r\n"),
                S::Send(b"* CAPABILITY IMAP4rev1 STARTTLS\r\na1 OK done\r\n"),
                S::Expect(b"a2 STARTTLS\r\n"),
                S::Send(b"a2 OK go\r\n"),
            ],
        )
        .unwrap();
        assert!(x.upgraded);
        let e = run(
            Protocol::Imap,
            vec![
                S::Send(b"* OK ready\r\n"),
                S::Expect(b"a1 CAPABILITY"),
                S::Send(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\na1 OK done\r\n"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::NotOffered { .. }), "{e}");
        // After untagged lines, a line that is neither untagged nor ours.
        let e = run(
            Protocol::Imap,
            vec![
                S::Send(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n"),
                S::Expect(b"a2 STARTTLS"),
                S::Send(b"* BYE going\r\nzz NO what\r\n"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::Protocol { .. }), "{e}");
        assert!(
            e.to_string().contains("tagged a2, got \"zz NO what\""),
            "{e}"
        );
    }
}
