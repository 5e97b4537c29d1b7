//! SMTP STARTTLS (RFC 3207): read the 220 greeting, EHLO, look for STARTTLS in the 250 answer,
//! send STARTTLS, expect 220.

use super::lines::{greeting, read_coded, upgrade};
use super::{Fail, Session};

/// The name we greet with: reserved (RFC 2606), so it never claims a real host.
const EHLO: &str = "EHLO tlsight.invalid";

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    greeting(s)?;
    s.send_line("command", EHLO)?;
    let ehlo = read_coded(s, "capabilities")?;
    if ehlo.code != 250 {
        return Err(Fail::Protocol(format!(
            "EHLO answered \"{}\" (an SMTP server without ESMTP cannot offer STARTTLS)",
            ehlo.first_line()
        )));
    }
    let offered = ehlo.lines.iter().any(|l| {
        l.split_whitespace()
            .next()
            .is_some_and(|k| k.eq_ignore_ascii_case("STARTTLS"))
    });
    if !offered {
        let caps: Vec<&str> = ehlo
            .lines
            .iter()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        return Err(Fail::NotOffered(format!(
            "no STARTTLS in its EHLO answer (it offers: {})",
            if caps.is_empty() {
                "nothing".into()
            } else {
                caps.join(" ")
            }
        )));
    }
    upgrade(s, "STARTTLS", 220, |r| {
        Fail::Refused(format!("\"{}\"", r.first_line()))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, Side, StarttlsError};

    #[test]
    fn upgrade_with_multiline_answers() {
        let x = run(
            Protocol::Smtp,
            vec![
                S::Send(b"220-mail.example ESMTP\r\n220 hello\r\n"),
                S::Expect(b"EHLO tlsight.invalid\r\n"),
                S::Send(b"250-mail.example\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 8BITMIME\r\n"),
                S::Expect(b"STARTTLS\r\n"),
                S::Send(b"220 2.0.0 Ready to start TLS\r\n"),
            ],
        )
        .unwrap();
        assert!(x.upgraded);
        let roles: Vec<_> = x.steps.iter().map(|s| (s.from, s.role)).collect();
        assert_eq!(
            roles,
            [
                (Side::Server, "banner"),
                (Side::Client, "command"),
                (Side::Server, "capabilities"),
                (Side::Client, "command"),
                (Side::Server, "go-ahead")
            ]
        );
        assert_eq!(x.steps[4].text, "220 2.0.0 Ready to start TLS");
    }

    #[test]
    fn not_offered_and_refused() {
        let e = run(
            Protocol::Smtp,
            vec![
                S::Send(b"220 mx ESMTP\r\n"),
                S::Expect(b"EHLO"),
                S::Send(b"250-mx\r\n250-SIZE 100\r\n250 8BITMIME\r\n"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::NotOffered { .. }), "{e}");
        assert!(e.to_string().contains("SIZE 8BITMIME"), "{e}");
        let e = run(
            Protocol::Smtp,
            vec![
                S::Send(b"220 mx ESMTP\r\n"),
                S::Expect(b"EHLO"),
                S::Send(b"250-mx\r\n250 STARTTLS\r\n"),
                S::Expect(b"STARTTLS"),
                S::Send(b"454 4.7.0 TLS not available due to local problem\r\n"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::Refused { .. }), "{e}");
        assert!(e.to_string().contains("454 4.7.0"), "{e}");
        assert!(e.is_finding());
        assert_eq!(e.exchange().steps.last().map(|s| s.role), Some("refusal"));
    }

    #[test]
    fn silent_server_times_out() {
        let e = run(Protocol::Smtp, vec![]).unwrap_err();
        assert!(
            matches!(e, StarttlsError::Io { .. } | StarttlsError::Timeout { .. }),
            "{e}"
        );
        assert!(!e.is_finding());
    }
}
