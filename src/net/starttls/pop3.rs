//! POP3 STLS (RFC 2595 §4): read the +OK greeting, CAPA (RFC 2449) to see whether STLS is
//! listed, send STLS, expect +OK.

use super::{Fail, Session, preview, text};

fn status(s: &mut Session<'_>, role: &'static str) -> Result<(bool, String), Fail> {
    let raw = s.read_line()?;
    let t = text(&raw);
    s.server_step(role, raw.clone(), t.clone());
    if t.starts_with("+OK") {
        Ok((true, t))
    } else if t.starts_with("-ERR") {
        Ok((false, t))
    } else {
        Err(Fail::Protocol(format!(
            "expected +OK or -ERR, got \"{}\"",
            preview(&raw)
        )))
    }
}

/// A multi-line answer ends with a line holding a single dot.
fn multiline_end(b: &[u8]) -> Option<usize> {
    if b.starts_with(b".\r\n") {
        return Some(3);
    }
    if b.starts_with(b".\n") {
        return Some(2);
    }
    memchr::memmem::find(b, b"\n.\r\n")
        .map(|i| i + 4)
        .or_else(|| memchr::memmem::find(b, b"\n.\n").map(|i| i + 3))
}

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    let (ok, line) = status(s, "banner")?;
    if !ok {
        return Err(Fail::Refused(format!("greeting \"{line}\"")));
    }
    s.send_line("command", "CAPA")?;
    let raw = s.read_line()?;
    let first = text(&raw);
    if first.starts_with("+OK") {
        let body = s.read_until(multiline_end)?;
        let mut all = raw.clone();
        all.extend_from_slice(&body);
        let t = text(&all);
        s.server_step("capabilities", all, t.clone());
        let offered = t
            .lines()
            .skip(1)
            .any(|l| l.trim().eq_ignore_ascii_case("STLS"));
        if !offered {
            return Err(Fail::NotOffered("no STLS in its CAPA answer".into()));
        }
    } else {
        // No CAPA (RFC 1939-only server): STLS may still work, so try it.
        s.server_step("capabilities", raw, first);
    }
    s.send_line("command", "STLS")?;
    let (ok, line) = status(s, "go-ahead")?;
    if ok {
        Ok(())
    } else {
        Err(Fail::Refused(format!("\"{line}\"")))
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
    }
}
