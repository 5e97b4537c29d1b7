//! PostgreSQL: the SSLRequest message (length 8, code 80877103); the server answers one byte,
//! `S` (go ahead) or `N` (no SSL), or an ErrorResponse from servers that predate SSL.

use super::{Fail, Session};

const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];

/// Length of an ErrorResponse ('E', int32 length including itself, fields).
fn error_end(b: &[u8]) -> Option<usize> {
    let len = u32::from_be_bytes(b.get(1..5)?.try_into().ok()?) as usize;
    (b.len() > len).then_some(len + 1)
}

/// The 'M' (message) field of an ErrorResponse.
fn error_message(b: &[u8]) -> String {
    b.get(5..)
        .unwrap_or_default()
        .split(|&x| x == 0)
        .find_map(|f| f.strip_prefix(b"M"))
        .map(|m| String::from_utf8_lossy(m).into_owned())
        .unwrap_or_else(|| "no message".into())
}

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    s.send(
        "command",
        &SSL_REQUEST,
        "SSLRequest (length 8, code 80877103)",
    )?;
    let b = s.read_exact(1)?;
    match b[0] {
        b'S' => {
            s.server_step("go-ahead", b, "S: willing to perform SSL".into());
            Ok(())
        }
        b'N' => {
            s.server_step("refusal", b, "N: SSL is not enabled on this server".into());
            Err(Fail::NotOffered(
                "it answered 'N' to the SSLRequest (ssl = off)".into(),
            ))
        }
        b'E' => {
            let mut raw = b;
            let rest = s.read_until(|x| {
                let mut all = vec![b'E'];
                all.extend_from_slice(x);
                error_end(&all).map(|n| n - 1)
            })?;
            raw.extend_from_slice(&rest);
            let m = error_message(&raw);
            s.server_step("refusal", raw, format!("ErrorResponse: {m}"));
            Err(Fail::Refused(format!(
                "ErrorResponse to the SSLRequest: \"{m}\""
            )))
        }
        other => {
            s.server_step("refusal", b.clone(), format!("byte 0x{other:02x}"));
            Err(Fail::Protocol(format!(
                "expected 'S' or 'N' in answer to the SSLRequest, got byte 0x{other:02x} (not a PostgreSQL server?)"
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, StarttlsError};

    #[test]
    fn s_n_and_error() {
        let x = run(
            Protocol::Postgres,
            vec![S::Expect(&super::SSL_REQUEST), S::Send(b"S")],
        )
        .unwrap();
        assert!(x.upgraded);
        let e = run(
            Protocol::Postgres,
            vec![S::Expect(&super::SSL_REQUEST), S::Send(b"N")],
        )
        .unwrap_err();
        assert!(matches!(e, StarttlsError::NotOffered { .. }), "{e}");
        let e = run(
            Protocol::Postgres,
            vec![
                S::Expect(&super::SSL_REQUEST),
                S::Send(b"E\x00\x00\x00\x12SFATAL\x00Mno way\x00\x00"),
            ],
        )
        .unwrap_err();
        assert!(e.to_string().contains("no way"), "{e}");
    }
}
