//! LDAP StartTLS (RFC 4511 §4.14): an ExtendedRequest with the StartTLS OID; the
//! ExtendedResponse's resultCode says yes (0) or why not.

use super::{Fail, Session};

const START_TLS_OID: &[u8] = b"1.3.6.1.4.1.1466.20037";

/// LDAPMessage { messageID 1, [APPLICATION 23] ExtendedRequest { [0] requestName } }.
fn request() -> Vec<u8> {
    let oid_len = START_TLS_OID.len() as u8;
    let mut v = vec![0x30, 0, 0x02, 0x01, 0x01, 0x77, oid_len + 2, 0x80, oid_len];
    v.extend_from_slice(START_TLS_OID);
    v[1] = (v.len() - 2) as u8;
    v
}

/// BER tag + length at `b[pos..]`: (content start, content length).
fn tlv(b: &[u8], pos: usize) -> Option<(u8, usize, usize)> {
    let tag = *b.get(pos)?;
    let first = *b.get(pos + 1)?;
    if first < 0x80 {
        return Some((tag, pos + 2, first as usize));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *b.get(pos + 2 + i)? as usize;
    }
    Some((tag, pos + 2 + n, len))
}

/// Length of one complete BER message at the start of `b`.
fn complete(b: &[u8]) -> Option<usize> {
    if b.len() >= 2 && (b[1] & 0x7f) as usize > 4 && b[1] > 0x80 {
        // An impossible length form: hand it over and let the decoder complain.
        return Some(b.len());
    }
    let (_, start, len) = tlv(b, 0)?;
    (b.len() >= start + len).then_some(start + len)
}

fn result_name(code: u32) -> &'static str {
    match code {
        0 => "success",
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        7 => "authMethodNotSupported",
        8 => "strongerAuthRequired",
        12 => "unavailableCriticalExtension",
        13 => "confidentialityRequired",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        80 => "other",
        _ => "unknown",
    }
}

/// (messageID, resultCode, diagnosticMessage) of an ExtendedResponse.
fn decode(b: &[u8]) -> Option<(u32, u32, String)> {
    let int = |p: usize, l: usize| -> Option<u32> {
        (l <= 4).then_some(())?;
        Some(
            b.get(p..p + l)?
                .iter()
                .fold(0u32, |a, &x| (a << 8) | x as u32),
        )
    };
    let (t, p, _) = tlv(b, 0)?;
    (t == 0x30).then_some(())?;
    let (t, p, l) = tlv(b, p)?;
    (t == 0x02).then_some(())?;
    let id = int(p, l)?;
    let (t, p, _) = tlv(b, p + l)?;
    (t == 0x78).then_some(())?;
    let (t, p, l) = tlv(b, p)?;
    (t == 0x0a).then_some(())?;
    let code = int(p, l)?;
    let (_, p, l) = tlv(b, p + l)?; // matchedDN
    let (_, p, l) = tlv(b, p + l)?; // diagnosticMessage
    let diag = String::from_utf8_lossy(b.get(p..p + l)?).into_owned();
    Some((id, code, diag))
}

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    let req = request();
    s.send(
        "command",
        &req,
        "ExtendedRequest StartTLS (1.3.6.1.4.1.1466.20037), messageID 1",
    )?;
    let raw = s.read_until(complete)?;
    let Some((id, code, diag)) = decode(&raw) else {
        s.server_step(
            "refusal",
            raw.clone(),
            "not an LDAP ExtendedResponse".into(),
        );
        return Err(Fail::Protocol(format!(
            "expected an LDAP ExtendedResponse, got {} bytes: {}",
            raw.len(),
            hex::encode(&raw[..raw.len().min(32)])
        )));
    };
    let summary = format!(
        "ExtendedResponse messageID {id}: {} ({code}){}",
        result_name(code),
        if diag.is_empty() {
            String::new()
        } else {
            format!(", \"{diag}\"")
        }
    );
    s.server_step(
        if code == 0 { "go-ahead" } else { "refusal" },
        raw,
        summary.clone(),
    );
    match code {
        0 => Ok(()),
        // protocolError: the server does not know the operation (no TLS configured).
        2 => Err(Fail::NotOffered(summary)),
        _ => Err(Fail::Refused(summary)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, StarttlsError};

    #[test]
    fn request_bytes_and_answers() {
        let r = super::request();
        assert_eq!(
            &r[..9],
            &[0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16]
        );
        assert_eq!(r.len(), 31);
        // success
        let x = run(
            Protocol::Ldap,
            vec![
                S::Expect(b"\x30\x1d"),
                S::Send(b"\x30\x0c\x02\x01\x01\x78\x07\x0a\x01\x00\x04\x00\x04\x00"),
            ],
        )
        .unwrap();
        assert!(x.steps[1].text.contains("success (0)"));
        // protocolError with a message: not offered
        let e = run(
            Protocol::Ldap,
            vec![
                S::Expect(b"\x30"),
                S::Send(b"\x30\x0f\x02\x01\x01\x78\x0a\x0a\x01\x02\x04\x00\x04\x03bad"),
            ],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::NotOffered { .. }), "{e}");
        assert!(e.to_string().contains("protocolError (2), \"bad\""), "{e}");
    }
}
