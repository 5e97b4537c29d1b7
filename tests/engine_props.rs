//! tlsight's engine never panics on server bytes (proptest, run in CI; the cargo-fuzz target
//! `engine_client` in fuzz/ explores further outside CI): arbitrary bytes, and well-formed
//! flights that lead the state machine to its deeper states (anonymous key exchange with
//! arbitrary DH/ECDH parameters, encrypted records after an RSA key transport) before the
//! arbitrary part starts.

use proptest::prelude::*;
use tlsight::engine::{Client, Config};

fn handshake_msg(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn record(ct: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![ct];
    r.extend_from_slice(&version.to_be_bytes());
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

fn server_hello(version: u16, suite: u16) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&[0x11; 32]);
    b.push(0);
    b.extend_from_slice(&suite.to_be_bytes());
    b.extend_from_slice(&[0, 0, 0]);
    handshake_msg(2, &b)
}

fn vec16(v: &[u8]) -> Vec<u8> {
    let mut out = (v.len() as u16).to_be_bytes().to_vec();
    out.extend_from_slice(v);
    out
}

/// Feeds `bytes` in pieces of the given sizes; returns the client for further checks.
fn feed(client: &mut Client, bytes: &[u8], cuts: &[usize]) {
    let mut rest = bytes;
    for &c in cuts {
        if rest.is_empty() {
            break;
        }
        let (a, b) = rest.split_at(c.min(rest.len()));
        if client.receive(a).is_err() {
            return;
        }
        rest = b;
    }
    let _ = client.receive(rest);
    let _ = client.take_output();
}

fn leaf() -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("certs/rsa2048.pem");
    CertificateDer::from_pem_file(path).unwrap().to_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_server_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..2000),
        cuts in proptest::collection::vec(1usize..300, 0..8),
    ) {
        let mut c = Client::new(Config::default()).unwrap();
        feed(&mut c, &bytes, &cuts);
    }

    #[test]
    fn mutated_hello_flights_never_panic(
        version in 0x0300u16..0x0305,
        suite_pick in any::<prop::sample::Index>(),
        tail in proptest::collection::vec(any::<u8>(), 0..600),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
    ) {
        let suites = tlsight::engine::supported_suites();
        let suite = suites[suite_pick.index(suites.len())];
        let mut msgs = server_hello(version, suite);
        msgs.extend_from_slice(&tail);
        let mut bytes = record(22, version, &msgs);
        for (i, b) in flips {
            let n = bytes.len();
            bytes[i.index(n)] ^= b;
        }
        let mut c = Client::new(Config::default()).unwrap();
        feed(&mut c, &bytes, &[7, 64]);
    }

    /// DH_anon with arbitrary p, g, Ys (the engine must reject or agree, never panic or hang).
    #[test]
    fn anonymous_dh_parameters_never_panic(
        p in proptest::collection::vec(any::<u8>(), 0..300),
        g in proptest::collection::vec(any::<u8>(), 0..4),
        ys in proptest::collection::vec(any::<u8>(), 0..300),
        after in proptest::collection::vec(any::<u8>(), 0..200),
    ) {
        let mut ske = vec16(&p);
        ske.extend_from_slice(&vec16(&g));
        ske.extend_from_slice(&vec16(&ys));
        let mut msgs = server_hello(0x0303, 0x0034);
        msgs.extend_from_slice(&handshake_msg(12, &ske));
        msgs.extend_from_slice(&handshake_msg(14, &[]));
        let mut bytes = record(22, 0x0303, &msgs);
        bytes.extend_from_slice(&after);
        let mut c = Client::new(Config::default()).unwrap();
        feed(&mut c, &bytes, &[]);
    }

    /// ECDH_anon with an arbitrary group and point.
    #[test]
    fn anonymous_ecdh_points_never_panic(
        group in prop::sample::select(vec![0x001Du16, 0x0017, 0x0018, 0x0019, 0xFFFF]),
        point in proptest::collection::vec(any::<u8>(), 0..140),
    ) {
        let mut ske = vec![3];
        ske.extend_from_slice(&group.to_be_bytes());
        ske.push(point.len() as u8);
        ske.extend_from_slice(&point);
        let mut msgs = server_hello(0x0303, 0xC018);
        msgs.extend_from_slice(&handshake_msg(12, &ske));
        msgs.extend_from_slice(&handshake_msg(14, &[]));
        let mut c = Client::new(Config::default()).unwrap();
        feed(&mut c, &record(22, 0x0303, &msgs), &[]);
    }

    /// After an RSA key transport the client waits for CCS + Finished: arbitrary "encrypted"
    /// records for every bulk cipher family must be refused cleanly.
    #[test]
    fn arbitrary_protected_records_never_panic(
        suite in prop::sample::select(vec![0x002Fu16, 0x009C, 0x000A, 0x0041, 0xC050, 0xC0A0, 0x0005, 0x0002, 0x003C]),
        version in 0x0301u16..0x0304,
        fragments in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 1..4),
    ) {
        let mut cert_list = Vec::new();
        let l = leaf();
        cert_list.extend_from_slice(&(l.len() as u32).to_be_bytes()[1..]);
        cert_list.extend_from_slice(&l);
        let mut cert = (cert_list.len() as u32).to_be_bytes()[1..].to_vec();
        cert.extend_from_slice(&cert_list);
        let mut msgs = server_hello(version, suite);
        msgs.extend_from_slice(&handshake_msg(11, &cert));
        msgs.extend_from_slice(&handshake_msg(14, &[]));
        let mut bytes = record(22, version, &msgs);
        bytes.extend_from_slice(&record(20, version, &[1]));
        for f in &fragments {
            bytes.extend_from_slice(&record(22, version, f));
        }
        let mut c = Client::new(Config::default()).unwrap();
        feed(&mut c, &bytes, &[]);
        prop_assert!(!c.is_done());
    }
}
