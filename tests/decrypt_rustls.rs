//! `crypto::decrypt_session` against real rustls sessions (ring provider, the handshakes
//! `tlsight handshake` performs): a rustls client and server talk in memory, every byte both
//! ways is recorded into a `Transcript`, the client's key log is captured, and the recording must
//! decrypt to exactly the application data that was sent, with both Finished messages verified.

use std::sync::Arc;

use rustls::crypto::{CryptoProvider, ring as rp};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
use tlsight::capture::{Chunk, Direction, KeyLogSecrets, RecordingKeyLog, Transcript};
use tlsight::crypto::{CryptoError, decrypt_session};
use tlsight::wire::{ContentType, HandshakeType, ProtocolVersion};

const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/certs");

struct Setup {
    suite: rustls::SupportedCipherSuite,
    version: &'static rustls::SupportedProtocolVersion,
    /// Server key-exchange groups (a group the client does not share first forces an HRR).
    server_groups: Option<Vec<&'static dyn rustls::crypto::SupportedKxGroup>>,
    key_update: bool,
}

/// Early data to send on resumed TLS 1.3 connections (0-RTT), when set.
const EARLY: &[u8] = b"early hello";

fn provider(suite: rustls::SupportedCipherSuite) -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![suite],
        ..rp::default_provider()
    }
}

fn configs(s: &Setup) -> (Arc<ClientConfig>, Arc<ServerConfig>, Arc<RecordingKeyLog>) {
    configs_with(s, false)
}

fn configs_with(
    s: &Setup,
    early: bool,
) -> (Arc<ClientConfig>, Arc<ServerConfig>, Arc<RecordingKeyLog>) {
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(format!("{CERTS}/rsa2048-chain.pem"))
            .unwrap()
            .map(|c| c.unwrap())
            .collect();
    let key = PrivateKeyDer::from_pem_file(format!("{CERTS}/rsa2048.key")).unwrap();
    let mut sp = provider(s.suite);
    if let Some(g) = &s.server_groups {
        sp.kx_groups = g.clone();
    }
    let mut server_cfg = ServerConfig::builder_with_provider(Arc::new(sp))
        .with_protocol_versions(&[s.version])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(format!("{CERTS}/root.pem")).unwrap())
        .unwrap();
    let keylog = Arc::new(RecordingKeyLog::default());
    let mut client_cfg = ClientConfig::builder_with_provider(Arc::new(provider(s.suite)))
        .with_protocol_versions(&[s.version])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    client_cfg.key_log = keylog.clone();
    if early {
        client_cfg.enable_early_data = true;
        server_cfg.max_early_data_size = 1024;
    }
    (Arc::new(client_cfg), Arc::new(server_cfg), keylog)
}

/// Runs one session in memory; returns the recording and the client's key log.
fn run(s: Setup) -> (Transcript, KeyLogSecrets) {
    let (c, srv, keylog) = configs(&s);
    let t = run_with(&s, c, srv);
    (t, keylog.secrets())
}

fn run_with(s: &Setup, client_cfg: Arc<ClientConfig>, server_cfg: Arc<ServerConfig>) -> Transcript {
    let mut client =
        ClientConnection::new(client_cfg, ServerName::try_from("localhost").unwrap()).unwrap();
    let mut server = ServerConnection::new(server_cfg).unwrap();
    if let Some(mut early) = client.early_data() {
        use std::io::Write;
        early.write_all(EARLY).unwrap();
    }
    let mut t = Transcript::new(Some("memory".into()));
    let mut clock = 0u64;

    let mut pump = |client: &mut ClientConnection, server: &mut ServerConnection| {
        for _ in 0..20 {
            let mut moved = false;
            while client.wants_write() {
                let mut buf = Vec::new();
                client.write_tls(&mut buf).unwrap();
                clock += 100;
                t.chunks.push(Chunk {
                    dir: Direction::ClientToServer,
                    t_us: clock,
                    data: buf.clone(),
                });
                server.read_tls(&mut &buf[..]).unwrap();
                server.process_new_packets().unwrap();
                moved = true;
            }
            while server.wants_write() {
                let mut buf = Vec::new();
                server.write_tls(&mut buf).unwrap();
                clock += 100;
                t.chunks.push(Chunk {
                    dir: Direction::ServerToClient,
                    t_us: clock,
                    data: buf.clone(),
                });
                client.read_tls(&mut &buf[..]).unwrap();
                client.process_new_packets().unwrap();
                moved = true;
            }
            if !moved {
                break;
            }
        }
    };
    use std::io::Write;
    pump(&mut client, &mut server);
    assert!(!client.is_handshaking());
    client
        .writer()
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    pump(&mut client, &mut server);
    if s.key_update {
        client.refresh_traffic_keys().unwrap();
        server.refresh_traffic_keys().unwrap();
        pump(&mut client, &mut server);
        client.writer().write_all(b"after key update").unwrap();
    }
    server
        .writer()
        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
        .unwrap();
    pump(&mut client, &mut server);
    client.send_close_notify();
    pump(&mut client, &mut server);
    t
}

fn check(setup: Setup, version: ProtocolVersion, suite: u16) -> tlsight::crypto::DecryptedSession {
    let key_update = setup.key_update;
    let (t, secrets) = run(setup);
    let s = decrypt_session(&t, &secrets).unwrap();
    assert_eq!(s.version, version);
    assert_eq!(s.cipher_suite, suite);
    for r in &s.records {
        assert!(r.error.is_none(), "{r:?}");
    }
    let mut want_c = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec();
    if key_update {
        want_c.extend_from_slice(b"after key update");
    }
    assert_eq!(s.application_data(Direction::ClientToServer), want_c);
    assert_eq!(
        s.application_data(Direction::ServerToClient),
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
    );
    assert_eq!(s.finished.len(), 2, "{:?}", s.finished);
    assert!(s.finished.iter().all(|f| f.ok), "{:?}", s.finished);
    assert!(s.fully_verified());
    // The close_notify alert is decrypted with its real type.
    assert!(
        s.records
            .iter()
            .any(|r| r.encrypted && r.content_type == ContentType::ALERT && r.plaintext == [1, 0])
    );
    s
}

#[test]
fn tls13_aes128_gcm_flight_and_application_data() {
    let s = check(
        Setup {
            suite: rp::cipher_suite::TLS13_AES_128_GCM_SHA256,
            version: &rustls::version::TLS13,
            server_groups: None,
            key_update: false,
        },
        ProtocolVersion::TLS13,
        0x1301,
    );
    // The encrypted server flight: EncryptedExtensions, Certificate, CertificateVerify, Finished.
    let server_enc: Vec<HandshakeType> = s
        .handshake
        .iter()
        .filter(|m| m.dir == Direction::ServerToClient && m.encrypted)
        .map(|m| m.typ)
        .take(4)
        .collect();
    assert_eq!(
        server_enc,
        [
            HandshakeType::ENCRYPTED_EXTENSIONS,
            HandshakeType::CERTIFICATE,
            HandshakeType::CERTIFICATE_VERIFY,
            HandshakeType::FINISHED
        ]
    );
}

#[test]
fn tls13_aes256_gcm_sha384() {
    check(
        Setup {
            suite: rp::cipher_suite::TLS13_AES_256_GCM_SHA384,
            version: &rustls::version::TLS13,
            server_groups: None,
            key_update: false,
        },
        ProtocolVersion::TLS13,
        0x1302,
    );
}

#[test]
fn tls13_chacha20_with_key_update() {
    check(
        Setup {
            suite: rp::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
            version: &rustls::version::TLS13,
            server_groups: None,
            key_update: true,
        },
        ProtocolVersion::TLS13,
        0x1303,
    );
}

#[test]
fn tls13_after_hello_retry_request() {
    // The client's first key share is X25519; a server that only takes P-256 asks again.
    let s = check(
        Setup {
            suite: rp::cipher_suite::TLS13_AES_128_GCM_SHA256,
            version: &rustls::version::TLS13,
            server_groups: Some(vec![rp::kx_group::SECP256R1]),
            key_update: false,
        },
        ProtocolVersion::TLS13,
        0x1301,
    );
    let hellos = s
        .handshake
        .iter()
        .filter(|m| m.typ == HandshakeType::CLIENT_HELLO)
        .count();
    assert_eq!(
        hellos, 2,
        "an HRR makes the client send a second ClientHello"
    );
}

#[test]
fn tls12_ecdhe_aes128_gcm() {
    let s = check(
        Setup {
            suite: rp::cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            version: &rustls::version::TLS12,
            server_groups: None,
            key_update: false,
        },
        ProtocolVersion::TLS12,
        0xC02F,
    );
    assert!(s.extended_master_secret, "rustls negotiates EMS by default");
    let fins: Vec<bool> = s
        .handshake
        .iter()
        .filter(|m| m.typ == HandshakeType::FINISHED)
        .map(|m| m.encrypted)
        .collect();
    assert_eq!(fins, [true, true]);
}

#[test]
fn tls12_ecdhe_aes256_gcm_sha384() {
    check(
        Setup {
            suite: rp::cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            version: &rustls::version::TLS12,
            server_groups: None,
            key_update: false,
        },
        ProtocolVersion::TLS12,
        0xC030,
    );
}

#[test]
fn tls12_ecdhe_chacha20() {
    check(
        Setup {
            suite: rp::cipher_suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            version: &rustls::version::TLS12,
            server_groups: None,
            key_update: false,
        },
        ProtocolVersion::TLS12,
        0xCCA8,
    );
}

#[test]
fn key_log_without_the_session_is_a_clear_error() {
    let (t, _) = run(Setup {
        suite: rp::cipher_suite::TLS13_AES_128_GCM_SHA256,
        version: &rustls::version::TLS13,
        server_groups: None,
        key_update: false,
    });
    let (_, other) = run(Setup {
        suite: rp::cipher_suite::TLS13_AES_128_GCM_SHA256,
        version: &rustls::version::TLS13,
        server_groups: None,
        key_update: false,
    });
    let e = decrypt_session(&t, &other).unwrap_err();
    assert!(matches!(e, CryptoError::MissingSecret { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("key log has no traffic secret for client random ")
    );
}

#[test]
fn wrong_secret_marks_records_and_keeps_walking() {
    let (t, secrets) = run(Setup {
        suite: rp::cipher_suite::TLS13_AES_128_GCM_SHA256,
        version: &rustls::version::TLS13,
        server_groups: None,
        key_update: false,
    });
    // Corrupt only the server's application secret: the handshake still decrypts and verifies,
    // the server's application records carry errors, the client's are intact.
    let mut bad = KeyLogSecrets::default();
    for mut e in secrets.entries() {
        if e.label == "SERVER_TRAFFIC_SECRET_0" {
            e.secret[0] ^= 1;
        }
        bad.insert(e);
    }
    let s = decrypt_session(&t, &bad).unwrap();
    assert!(s.finished.iter().all(|f| f.ok));
    let failed: Vec<_> = s.records.iter().filter(|r| r.error.is_some()).collect();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|r| r.dir == Direction::ServerToClient));
    assert!(
        failed[0]
            .error
            .as_deref()
            .unwrap()
            .contains("authentication tag mismatch"),
        "{failed:?}"
    );
    assert_eq!(
        s.application_data(Direction::ClientToServer),
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
    );
    assert!(!s.fully_verified());
}

#[test]
fn truncated_recording_is_noted_not_fatal() {
    let (mut t, secrets) = run(Setup {
        suite: rp::cipher_suite::TLS13_AES_128_GCM_SHA256,
        version: &rustls::version::TLS13,
        server_groups: None,
        key_update: false,
    });
    let last = t.chunks.len() - 1;
    let n = t.chunks[last].data.len();
    t.chunks[last].data.truncate(n - 3);
    let s = decrypt_session(&t, &secrets).unwrap();
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("stream ends inside a record")),
        "{:?}",
        s.notes
    );
}

#[test]
fn not_tls_is_rejected() {
    let mut t = Transcript::new(None);
    t.chunks.push(Chunk {
        dir: Direction::ClientToServer,
        t_us: 0,
        data: b"GET / HTTP/1.1\r\n\r\n".to_vec(),
    });
    let e = decrypt_session(&t, &KeyLogSecrets::default()).unwrap_err();
    assert_eq!(e.to_string(), "recording: client stream: not TLS at byte 0");
}

#[test]
fn tls12_resumed_session_decrypts_with_the_key_log_and_names_resumption() {
    let setup = Setup {
        suite: rp::cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        version: &rustls::version::TLS12,
        server_groups: None,
        key_update: false,
    };
    let (c, srv, keylog) = configs(&setup);
    let _first = run_with(&setup, c.clone(), srv.clone());
    let second = run_with(&setup, c, srv);
    let s = decrypt_session(&second, &keylog.secrets()).unwrap();
    // Abbreviated handshake: no Certificate, the server's Finished comes first.
    assert!(
        !s.handshake
            .iter()
            .any(|m| m.typ == HandshakeType::CERTIFICATE)
    );
    assert_eq!(s.finished.len(), 2);
    assert_eq!(s.finished[0].dir, Direction::ServerToClient);
    assert!(s.fully_verified(), "{:?}", s.finished);
    let key = tlsight::crypto::rsa_kx::load_private_key_file(std::path::Path::new(&format!(
        "{CERTS}/rsa2048.key"
    )))
    .unwrap();
    let e = tlsight::crypto::rsa_kx::recover(&second, &key).unwrap_err();
    assert!(matches!(e, CryptoError::Resumed), "{e}");
}

fn early_setup() -> Setup {
    Setup {
        suite: rp::cipher_suite::TLS13_AES_128_GCM_SHA256,
        version: &rustls::version::TLS13,
        server_groups: None,
        key_update: false,
    }
}

#[test]
fn tls13_zero_rtt_early_data_accepted() {
    let setup = early_setup();
    let (c, srv, keylog) = configs_with(&setup, true);
    let _first = run_with(&setup, c.clone(), srv.clone());
    let second = run_with(&setup, c, srv);
    let secrets = keylog.secrets();
    let s = decrypt_session(&second, &secrets).unwrap();
    assert!(
        s.records.iter().all(|r| r.error.is_none()),
        "{:#?}",
        s.records
    );
    assert!(
        s.handshake
            .iter()
            .any(|m| m.typ == HandshakeType::END_OF_EARLY_DATA && m.encrypted),
        "the server accepted 0-RTT, so the client ends it"
    );
    let client = s.application_data(Direction::ClientToServer);
    assert!(
        client.starts_with(EARLY),
        "{:?}",
        String::from_utf8_lossy(&client)
    );
    assert!(
        s.finished.len() == 2 && s.finished.iter().all(|f| f.ok),
        "{:?}",
        s.finished
    );
}

#[test]
fn tls13_zero_rtt_early_data_rejected() {
    let setup = early_setup();
    let (c, srv, keylog) = configs_with(&setup, true);
    let _first = run_with(&setup, c.clone(), srv);
    // A server that never issued the ticket: full handshake, early data ignored.
    let (_, other_srv, _) = configs_with(&setup, true);
    let second = run_with(&setup, c, other_srv);
    let s = decrypt_session(&second, &keylog.secrets()).unwrap();
    assert!(
        s.records.iter().all(|r| r.error.is_none()),
        "{:#?}",
        s.records
    );
    assert!(
        !s.handshake
            .iter()
            .any(|m| m.typ == HandshakeType::END_OF_EARLY_DATA)
    );
    assert!(
        s.application_data(Direction::ClientToServer)
            .starts_with(EARLY)
    );
    assert!(
        s.finished.len() == 2 && s.finished.iter().all(|f| f.ok),
        "{:?}",
        s.finished
    );
}
