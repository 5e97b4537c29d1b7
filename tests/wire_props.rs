//! The decoder is panic-free on arbitrary bytes (proptest, run in CI; a cargo-fuzz target in
//! fuzz/ explores further outside CI), and agrees with tls-parser, an independent decoder, on
//! the hellos of real handshakes.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use tls_parser::{TlsMessage, TlsMessageHandshake, parse_tls_extensions, parse_tls_plaintext};
use tlsight::capture::{Chunk, Direction, Transcript};
use tlsight::handshake::messages::{decode_messages, records_without_keys};
use tlsight::handshake::server::{LocalServer, ServerSettings};
use tlsight::handshake::{InspectOptions, Target, Timeouts, VersionChoice};
use tlsight::wire::extensions::{ExtContext, decode_extensions};
use tlsight::wire::handshake::{ClientHello, DecodeContext, ServerHello, decode_body};
use tlsight::wire::{HandshakeType, split_records};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn records_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let (records, _) = split_records(&bytes);
        let total: usize = records.iter().map(|r| r.wire_len()).sum();
        prop_assert!(total <= bytes.len());
    }

    #[test]
    fn message_bodies_never_panic(typ in any::<u8>(), tls13 in any::<bool>(), body in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = decode_body(HandshakeType(typ), &body, DecodeContext {
                tls13,
                kx: None,
                pre_tls12: false,
            });
        let _ = decode_extensions(&body, ExtContext::ClientHello);
        let _ = decode_extensions(&body, ExtContext::HelloRetryRequest);
    }

    #[test]
    fn transcripts_never_panic(chunks in proptest::collection::vec((any::<bool>(), proptest::collection::vec(any::<u8>(), 0..200)), 0..6)) {
        // Bias towards plausible record headers so the deeper layers are reached.
        let mut t = Transcript::new(None);
        for (i, (client, mut data)) in chunks.into_iter().enumerate() {
            if data.len() >= 5 { data[0] = 20 + (data[0] % 4); data[1] = 3; data[2] %= 5; data[3] = 0; data[4] = (data.len() - 5) as u8; }
            t.chunks.push(Chunk { dir: if client { Direction::ClientToServer } else { Direction::ServerToClient }, t_us: i as u64, data });
        }
        let _ = decode_messages(&records_without_keys(&t, false));
        let _ = decode_messages(&records_without_keys(&t, true));
    }

    #[test]
    fn client_hello_with_valid_frame_and_random_extensions(exts in proptest::collection::vec((any::<u16>(), proptest::collection::vec(any::<u8>(), 0..40)), 0..12)) {
        let mut block = Vec::new();
        for (t, body) in &exts {
            block.extend_from_slice(&t.to_be_bytes());
            block.extend_from_slice(&(body.len() as u16).to_be_bytes());
            block.extend_from_slice(body);
        }
        let decoded = decode_extensions(&block, ExtContext::ClientHello).unwrap();
        // Nothing dropped, order kept, raw bytes kept.
        prop_assert_eq!(decoded.len(), exts.len());
        for (d, (t, body)) in decoded.iter().zip(&exts) {
            prop_assert_eq!(d.typ, *t);
            prop_assert_eq!(&d.raw, body);
        }
    }
}

/// Hellos of a real handshake (both directions, both versions) decoded by us and by tls-parser.
#[test]
fn hellos_agree_with_tls_parser() {
    let server = LocalServer::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        &ServerSettings::default(),
    )
    .unwrap();
    for versions in [VersionChoice::Tls13, VersionChoice::Tls12] {
        let mut o = InspectOptions::new(Target {
            host: "127.0.0.1".into(),
            port: server.addr().port(),
        });
        o.sni = Some("localhost".into());
        o.versions = versions;
        o.alpn = vec![b"h2".to_vec()];
        o.timeouts = Timeouts::uniform(Duration::from_secs(5));
        let ins = tlsight::handshake::inspect(&o).unwrap();
        let mut checked = 0;
        for dir in [Direction::ClientToServer, Direction::ServerToClient] {
            let (stream, _) = ins.transcript.stream(dir);
            let (records, _) = split_records(&stream);
            for rec in records
                .iter()
                .filter(|r| r.content_type.0 == 22 && r.fragment.first().is_some_and(|t| *t <= 2))
            {
                let mut bytes = rec.header.to_vec();
                bytes.extend_from_slice(rec.fragment);
                let (_, plain) = parse_tls_plaintext(&bytes).expect("tls-parser parses the record");
                for msg in plain.msg {
                    match msg {
                        TlsMessage::Handshake(TlsMessageHandshake::ClientHello(theirs)) => {
                            let ours = ClientHello::decode(first_body(rec.fragment)).unwrap();
                            assert_eq!(ours.legacy_version, theirs.version.0);
                            assert_eq!(ours.random, theirs.random);
                            assert_eq!(ours.session_id, theirs.session_id.unwrap_or_default());
                            assert_eq!(
                                ours.cipher_suites,
                                theirs.ciphers.iter().map(|c| c.0).collect::<Vec<_>>()
                            );
                            assert_eq!(
                                ours.compression_methods,
                                theirs.comp.iter().map(|c| c.0).collect::<Vec<_>>()
                            );
                            let (_, their_exts) =
                                parse_tls_extensions(theirs.ext.unwrap_or_default()).unwrap();
                            let their_types: Vec<u16> = their_exts
                                .iter()
                                .map(|e| tls_parser::TlsExtensionType::from(e).0)
                                .collect();
                            assert_eq!(
                                ours.extensions.iter().map(|e| e.typ).collect::<Vec<_>>(),
                                their_types
                            );
                            checked += 1;
                        }
                        TlsMessage::Handshake(TlsMessageHandshake::ServerHello(theirs)) => {
                            let ours = ServerHello::decode(first_body(rec.fragment)).unwrap();
                            assert_eq!(ours.legacy_version, theirs.version.0);
                            assert_eq!(ours.random, theirs.random);
                            assert_eq!(ours.cipher_suite, theirs.cipher.0);
                            let (_, their_exts) =
                                parse_tls_extensions(theirs.ext.unwrap_or_default()).unwrap();
                            let their_types: Vec<u16> = their_exts
                                .iter()
                                .map(|e| tls_parser::TlsExtensionType::from(e).0)
                                .collect();
                            assert_eq!(
                                ours.extensions.iter().map(|e| e.typ).collect::<Vec<_>>(),
                                their_types
                            );
                            checked += 1;
                        }
                        _ => {}
                    }
                }
            }
        }
        assert_eq!(
            checked, 2,
            "{versions:?}: one ClientHello and one ServerHello compared"
        );
    }
}

/// The body of the first handshake message in a record fragment.
fn first_body(fragment: &[u8]) -> &[u8] {
    let len = u32::from_be_bytes([0, fragment[1], fragment[2], fragment[3]]) as usize;
    &fragment[4..4 + len]
}
