//! XMPP client-to-server STARTTLS (RFC 6120 §5.4): open a stream to the domain, read the
//! server's stream header and features, look for `<starttls/>`, ask for it, expect `<proceed/>`.
//! A full XML parser is not needed for these few fixed elements: the reads stop at their ends.

use super::{Fail, Session, text};

const NS_TLS: &str = "urn:ietf:params:xml:ns:xmpp-tls";

fn find(b: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(b, needle)
}

/// End of the features (or of a stream error) in the server's first bytes.
fn features_end(b: &[u8]) -> Option<usize> {
    for end in [
        &b"</stream:features>"[..],
        b"<stream:features/>",
        b"</stream:error>",
        b"</stream:stream>",
    ] {
        if let Some(i) = find(b, end) {
            return Some(i + end.len());
        }
    }
    None
}

/// End of `<proceed …/>` or `<failure …/>` / `<failure>…</failure>`.
fn answer_end(b: &[u8]) -> Option<usize> {
    if let Some(i) = find(b, b"<proceed") {
        return find(&b[i..], b">").map(|j| i + j + 1);
    }
    if let Some(i) = find(b, b"<failure") {
        let rest = &b[i..];
        let gt = find(rest, b">")?;
        if rest[..gt].ends_with(b"/") {
            return Some(i + gt + 1);
        }
        return find(rest, b"</failure>").map(|j| i + j + 10);
    }
    features_end(b)
}

/// A `<stream:error>`: its condition and text. host-unknown means the domain we named is not
/// served there (a setting to fix, not the server refusing TLS).
fn stream_error(b: &[u8]) -> Fail {
    let t = String::from_utf8_lossy(b);
    let condition = t
        .split('<')
        .skip(2)
        .find_map(|e| {
            let name = e
                .split(|c: char| c.is_whitespace() || c == '/' || c == '>')
                .next()?;
            (!name.is_empty() && name != "text").then(|| name.to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let text = t
        .split_once("<text")
        .and_then(|(_, r)| r.split_once('>'))
        .and_then(|(_, r)| r.split_once("</text>"))
        .map(|(x, _)| format!(": \"{x}\""))
        .unwrap_or_default();
    let hint = if condition == "host-unknown" {
        " (name the served domain with --xmpp-host)"
    } else {
        ""
    };
    if condition == "host-unknown" || condition == "improper-addressing" {
        Fail::Protocol(format!("stream error {condition}{text}{hint}"))
    } else {
        Fail::Refused(format!("stream error {condition}{text}"))
    }
}

pub(super) fn run(s: &mut Session<'_>, domain: &str) -> Result<(), Fail> {
    let header = format!(
        "<?xml version='1.0'?><stream:stream to='{}' version='1.0' xml:lang='en' \
         xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>",
        // '&' first, so the entities added next are not escaped again.
        domain
            .replace('&', "&amp;")
            .replace('\'', "&apos;")
            .replace('<', "&lt;")
    );
    s.send("command", header.as_bytes(), &header)?;
    let raw = s.read_until(features_end)?;
    let t = text(&raw);
    s.server_step("capabilities", raw.clone(), t.clone());
    if let Some(i) = find(&raw, b"<stream:error") {
        return Err(stream_error(&raw[i..]));
    }
    if !t.contains("<starttls") {
        return Err(Fail::NotOffered(
            "no <starttls/> in its stream features".into(),
        ));
    }
    let cmd = format!("<starttls xmlns='{NS_TLS}'/>");
    s.send("command", cmd.as_bytes(), &cmd)?;
    let raw = s.read_until(answer_end)?;
    let t = text(&raw);
    let proceed = find(&raw, b"<proceed").is_some();
    s.server_step(if proceed { "go-ahead" } else { "refusal" }, raw, t.clone());
    if proceed {
        Ok(())
    } else {
        Err(Fail::Refused(format!("\"{}\"", t.replace('\n', " "))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, StarttlsError};

    #[test]
    fn features_then_proceed() {
        let x = run(
            Protocol::Xmpp,
            vec![
                S::Expect(b"<?xml version='1.0'?><stream:stream to='mail.example'"),
                S::Send(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' id='1' from='mail.example' version='1.0'>"),
                S::Send(b"<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>"),
                S::Expect(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
                S::Send(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
            ],
        )
        .unwrap();
        assert!(x.upgraded);
        let e = run(
            Protocol::Xmpp,
            vec![
                S::Expect(b"<?xml"),
                S::Send(b"<stream:stream version='1.0'><stream:features><mechanisms/></stream:features>"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::NotOffered { .. }), "{e}");
        let e = run(
            Protocol::Xmpp,
            vec![
                S::Expect(b"<?xml"),
                S::Send(b"<stream:stream version='1.0'><stream:error><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>This server does not serve 127.0.0.1</text></stream:error>"),
            ],
        )
        .unwrap_err();
        assert!(!e.is_finding());
        assert!(
            e.to_string().ends_with(
                "stream error host-unknown: \"This server does not serve 127.0.0.1\" (name the served domain with --xmpp-host)"
            ),
            "{e}"
        );
    }
}
