//! POP3 STLS (RFC 2595 §4): read the +OK greeting, CAPA (RFC 2449) to see whether STLS is
//! listed, send STLS, expect +OK.

use super::{Fail, Session, preview, text};

/// A status line: `+OK` (true) or `-ERR` (false).
fn status(raw: &[u8]) -> Result<bool, Fail> {
    if raw.starts_with(b"+OK") {
        Ok(true)
    } else if raw.starts_with(b"-ERR") {
        Ok(false)
    } else {
        Err(Fail::Protocol(format!(
            "expected +OK or -ERR, got \"{}\"",
            preview(raw)
        )))
    }
}

/// A reply of one line.
fn one_line(_: &[u8], _: &[u8]) -> bool {
    true
}

/// CAPA's answer: `+OK` opens a list that a line holding a single dot closes; `-ERR` is one
/// line.
fn capa_end(first: &[u8], line: &[u8]) -> bool {
    !first.starts_with(b"+OK") || line == b".\r\n" || line == b".\n"
}

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    let raw = s.read_reply("banner", one_line)?;
    if !status(&raw)? {
        return Err(Fail::Refused(format!("greeting \"{}\"", text(&raw))));
    }
    s.send_line("command", "CAPA")?;
    let caps = text(&s.read_reply("capabilities", capa_end)?);
    // A server without CAPA (RFC 1939 only) may still know STLS, so it is asked anyway.
    if caps.starts_with("+OK")
        && !caps
            .lines()
            .skip(1)
            .any(|l| l.trim().eq_ignore_ascii_case("STLS"))
    {
        return Err(Fail::NotOffered("no STLS in its CAPA answer".into()));
    }
    s.send_line("command", "STLS")?;
    let raw = s.read_lines(one_line)?;
    let ok = status(&raw);
    s.answer_step(raw.clone(), ok.as_ref().is_ok_and(|&ok| ok));
    if ok? {
        Ok(())
    } else {
        Err(Fail::Refused(format!("\"{}\"", text(&raw))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, StarttlsError};

    #[test]
    fn capa_then_stls() {
        let x = run(
            Protocol::Pop3,
            vec![
                S::Send(b"+OK Dovecot ready.\r\n"),
                S::Expect(b"CAPA\r\n"),
                S::Send(b"+OK\r\nCAPA\r\nTOP\r\nSTLS\r\nUSER\r\n.\r\n"),
                S::Expect(b"STLS\r\n"),
                S::Send(b"+OK Begin TLS negotiation now.\r\n"),
            ],
        )
        .unwrap();
        assert!(x.upgraded);
        let e = run(
            Protocol::Pop3,
            vec![
                S::Send(b"+OK ready\r\n"),
                S::Expect(b"CAPA"),
                S::Send(b"+OK\r\nSTLS\r\n.\r\n"),
                S::Expect(b"STLS"),
                S::Send(b"-ERR TLS support isn't enabled.\r\n"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::Refused { .. }), "{e}");
        assert_eq!(e.exchange().steps.last().map(|s| s.role), Some("refusal"));
    }

    #[test]
    fn a_server_without_capa_is_asked_anyway() {
        let x = run(
            Protocol::Pop3,
            vec![
                S::Send(b"+OK POP3 ready\r\n"),
                S::Expect(b"CAPA\r\n"),
                S::Send(b"-ERR unknown command\r\n"),
                S::Expect(b"STLS\r\n"),
                S::Send(b"+OK go\r\n"),
            ],
        )
        .unwrap();
        let roles: Vec<_> = x.steps.iter().map(|s| s.role).collect();
        assert_eq!(
            roles,
            ["banner", "command", "capabilities", "command", "go-ahead"]
        );
        assert_eq!(x.steps[2].text, "-ERR unknown command");
    }
}
