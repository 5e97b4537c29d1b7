//! MySQL / MariaDB: the server speaks first with its Handshake v10 packet, whose capability
//! flags say whether it can do TLS (CLIENT_SSL); we answer with the short SSLRequest packet and
//! start TLS right after it (the server sends no go-ahead).

use super::{Fail, Session, preview};

const CLIENT_LONG_PASSWORD: u32 = 0x1;
const CLIENT_LONG_FLAG: u32 = 0x4;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SSL: u32 = 0x800;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;

fn packet_end(b: &[u8]) -> Option<usize> {
    let len = u32::from_le_bytes([*b.first()?, *b.get(1)?, *b.get(2)?, 0]) as usize;
    (b.len() >= 4 + len).then_some(4 + len)
}

struct Greeting {
    version: String,
    connection_id: u32,
    capabilities: u32,
    charset: u8,
}

fn parse_greeting(p: &[u8]) -> Option<Greeting> {
    if *p.first()? != 10 {
        return None;
    }
    let nul = memchr::memchr(0, &p[1..])? + 1;
    let version = String::from_utf8_lossy(&p[1..nul]).into_owned();
    let mut pos = nul + 1;
    let connection_id = u32::from_le_bytes(p.get(pos..pos + 4)?.try_into().ok()?);
    pos += 4 + 8 + 1; // auth-plugin-data part 1, filler
    let low = u16::from_le_bytes(p.get(pos..pos + 2)?.try_into().ok()?) as u32;
    pos += 2;
    let (charset, high) = match p.get(pos..pos + 5) {
        Some(x) => (x[0], u16::from_le_bytes([x[3], x[4]]) as u32),
        None => (0x21, 0),
    };
    Some(Greeting {
        version,
        connection_id,
        capabilities: low | (high << 16),
        charset,
    })
}

pub(super) fn run(s: &mut Session<'_>) -> Result<(), Fail> {
    let raw = s.read_until(packet_end)?;
    let payload = &raw[4..];
    if payload.first() == Some(&0xff) {
        // ERR packet: 0xff, error code (2, LE), message (4.1+: '#' and a 5-char SQL state first).
        let code = payload
            .get(1..3)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .unwrap_or(0);
        let mut msg = payload.get(3..).unwrap_or_default();
        if msg.first() == Some(&b'#') {
            msg = msg.get(6..).unwrap_or_default();
        }
        let m = String::from_utf8_lossy(msg).into_owned();
        s.server_step("refusal", raw.clone(), format!("ERR {code}: {m}"));
        return Err(Fail::Refused(format!(
            "it greeted with error {code}: \"{m}\""
        )));
    }
    let Some(g) = parse_greeting(payload) else {
        s.server_step("banner", raw.clone(), preview(&raw));
        return Err(Fail::Protocol(format!(
            "expected a MySQL Handshake v10 packet, got \"{}\"",
            preview(&raw)
        )));
    };
    let ssl = g.capabilities & CLIENT_SSL != 0;
    s.server_step(
        "banner",
        raw.clone(),
        format!(
            "Handshake v10: server {}, connection {}, capabilities 0x{:08x} (CLIENT_SSL {})",
            g.version,
            g.connection_id,
            g.capabilities,
            if ssl { "set" } else { "not set" }
        ),
    );
    if !ssl {
        return Err(Fail::NotOffered(format!(
            "server {} does not set CLIENT_SSL in its greeting",
            g.version
        )));
    }
    let caps = CLIENT_LONG_PASSWORD
        | CLIENT_LONG_FLAG
        | CLIENT_PROTOCOL_41
        | CLIENT_SSL
        | CLIENT_SECURE_CONNECTION;
    let mut pkt = vec![32, 0, 0, 1];
    pkt.extend_from_slice(&caps.to_le_bytes());
    pkt.extend_from_slice(&(16u32 << 20).to_le_bytes());
    pkt.push(g.charset);
    pkt.extend_from_slice(&[0; 23]);
    s.send(
        "command",
        &pkt,
        &format!("SSLRequest packet: capabilities 0x{caps:08x} (CLIENT_SSL), then TLS"),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::{S, run};
    use super::super::{Protocol, StarttlsError};

    const GREETING_SSL: &[u8] = b"\x31\x00\x00\x00\x0a10.11.6-MariaDB\x00\x07\x00\x00\x00abcdefgh\x00\x00\xfa\x21\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

    #[test]
    fn greeting_then_ssl_request() {
        let x = run(
            Protocol::Mysql,
            vec![
                S::Send(GREETING_SSL),
                S::Expect(b"\x20\x00\x00\x01\x05\x8a\x00\x00"),
            ],
        )
        .unwrap();
        assert!(
            x.steps[0].text.contains("10.11.6-MariaDB"),
            "{}",
            x.steps[0].text
        );
        assert!(x.steps[0].text.contains("CLIENT_SSL set"));
        let mut no_ssl = GREETING_SSL.to_vec();
        no_ssl[4 + 1 + 16 + 4 + 9 + 1] &= !0x08;
        let no_ssl: &'static [u8] = Box::leak(no_ssl.into_boxed_slice());
        let e = run(Protocol::Mysql, vec![S::Send(no_ssl)]).unwrap_err();
        assert!(matches!(e, StarttlsError::NotOffered { .. }), "{e}");
        let e = run(
            Protocol::Mysql,
            vec![S::Send(b"\x16\x00\x00\x00\xff\x6a\x04Host is not allowed")],
        )
        .unwrap_err();
        assert!(e.to_string().contains("1130"), "{e}");
    }
}
