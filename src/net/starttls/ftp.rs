//! FTP AUTH TLS (RFC 4217): read the 220 greeting, FEAT (RFC 2389) to see whether AUTH TLS is
//! listed, send AUTH TLS, expect 234.

use super::lines::{greeting, read_coded, upgrade};
use super::{Fail, Session};

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    greeting(s)?;
    s.send_line("command", "FEAT")?;
    let feat = read_coded(s, "capabilities")?;
    // 211 lists features, but servers leave AUTH TLS out of it (vsftpd with ssl_tlsv1=NO
    // still accepts it), and one without FEAT (500/502) may know it: always ask.
    let listed = feat.code == 211
        && feat.lines.iter().any(|l| {
            let mut w = l.split_whitespace();
            w.next().is_some_and(|k| k.eq_ignore_ascii_case("AUTH"))
                && w.any(|m| m.split(';').any(|m| m.eq_ignore_ascii_case("TLS")))
        });
    upgrade(s, "AUTH TLS", 234, |r| {
        if listed {
            Fail::Refused(format!("\"{}\"", r.first_line()))
        } else {
            Fail::NotOffered(format!(
                "AUTH TLS is not in its FEAT answer and it answered \"{}\"",
                r.first_line()
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, StarttlsError};

    #[test]
    fn feat_then_auth_tls() {
        let x = run(
            Protocol::Ftp,
            vec![
                S::Send(b"220 (vsFTPd 3.0.3)\r\n"),
                S::Expect(b"FEAT\r\n"),
                S::Send(b"211-Features:\r\n AUTH TLS\r\n PBSZ\r\n211 End\r\n"),
                S::Expect(b"AUTH TLS\r\n"),
                S::Send(b"234 Proceed with negotiation.\r\n"),
            ],
        )
        .unwrap();
        assert!(x.upgraded);
        let e = run(
            Protocol::Ftp,
            vec![
                S::Send(b"220 hi\r\n"),
                S::Expect(b"FEAT"),
                S::Send(b"211-Features:\r\n PASV\r\n211 End\r\n"),
                S::Expect(b"AUTH TLS"),
                S::Send(b"530 Please login with USER and PASS.\r\n"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::NotOffered { .. }), "{e}");
    }
}
