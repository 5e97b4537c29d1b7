//! SMTP STARTTLS (RFC 3207): read the 220 greeting, EHLO, look for STARTTLS in the 250 answer,
//! send STARTTLS, expect 220.

use super::{Fail, Session, preview, text};

/// The name we greet with: reserved (RFC 2606), so it never claims a real host.
const EHLO: &str = "EHLO tlsight.invalid";

/// A reply with a three-digit code, possibly multi-line (`250-…` lines then `250 …`); also
/// FTP's format (RFC 959 §4.2), where the inner lines may be anything.
pub(super) struct Reply {
    pub(super) code: u16,
    pub(super) raw: Vec<u8>,
    /// Lines without the code prefix.
    pub(super) lines: Vec<String>,
}

impl Reply {
    pub(super) fn first_line(&self) -> String {
        preview(self.raw.split(|&b| b == b'\n').next().unwrap_or_default())
    }
}

/// Length of a complete reply in `b`: lines up to one that starts with the first line's code
/// followed by a space.
fn complete(b: &[u8]) -> Option<usize> {
    let code = b.get(..3)?;
    let mut pos = 0;
    loop {
        let end = pos + memchr::memchr(b'\n', &b[pos..])? + 1;
        let line = &b[pos..end];
        if line.len() >= 4 && &line[..3] == code && line[3] != b'-' {
            return Some(end);
        }
        pos = end;
    }
}

pub(super) fn read_reply(s: &mut Session<'_>, role: &'static str) -> Result<Reply, Fail> {
    let raw = s.read_until(complete)?;
    let t = text(&raw);
    let code = std::str::from_utf8(&raw[..3.min(raw.len())])
        .ok()
        .and_then(|c| c.parse::<u16>().ok());
    s.server_step(role, raw.clone(), t.clone());
    let Some(code) = code else {
        return Err(Fail::Protocol(format!(
            "expected a reply with a 3-digit code, got \"{}\"",
            preview(&raw)
        )));
    };
    let lines = t
        .lines()
        .map(|l| l.get(4..).unwrap_or_default().to_string())
        .collect();
    Ok(Reply { code, raw, lines })
}

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    let greeting = read_reply(s, "banner")?;
    if greeting.code != 220 {
        // 554: "no SMTP service here" (RFC 5321 §3.1).
        return Err(Fail::Refused(format!(
            "greeting is not 220: \"{}\"",
            greeting.first_line()
        )));
    }
    s.send_line("command", EHLO)?;
    let ehlo = read_reply(s, "capabilities")?;
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
    s.send_line("command", "STARTTLS")?;
    let go = read_reply(s, "go-ahead")?;
    match go.code {
        220 => Ok(()),
        _ => Err(Fail::Refused(format!("\"{}\"", go.first_line()))),
    }
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
