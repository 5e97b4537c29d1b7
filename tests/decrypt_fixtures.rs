//! Known-answer tests on committed recordings (testdata/fs, made by scripts/capture-fixtures.sh
//! against `openssl s_server`): the secrets tlsight derives must equal the ones OpenSSL logged,
//! and the sessions must decrypt to the known plaintext with both Finished messages verified.

use std::path::{Path, PathBuf};

use tlsight::capture::{Direction, KeyLogSecrets, Transcript};
use tlsight::crypto::{CryptoError, decrypt_session, rsa_kx, tls12};
use tlsight::wire::{HandshakeType, ProtocolVersion};

fn path(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}
fn recording(name: &str) -> Transcript {
    Transcript::load(&path(&format!("testdata/fs/{name}"))).unwrap()
}
fn keylog(name: &str) -> KeyLogSecrets {
    KeyLogSecrets::load(&path(&format!("testdata/fs/{name}"))).unwrap()
}
fn server_key() -> rsa::PrivateKey {
    rsa_kx::load_private_key_file(&path("certs/rsa2048.key")).unwrap()
}

#[test]
fn rsa_recovery_reproduces_openssls_master_secret() {
    let t = recording("tls12-rsa.json");
    let rec = rsa_kx::recover(&t, &server_key()).unwrap();
    assert_eq!(rec.cipher_suite, 0x009C);
    assert!(rec.extended_master_secret);
    // The value OpenSSL wrote with -keylogfile for this session.
    let openssl = keylog("openssl-tls12.keylog");
    assert_eq!(
        openssl.get(&rec.client_random, "CLIENT_RANDOM").unwrap(),
        &rec.master_secret[..],
        "EMS master secret must equal OpenSSL's"
    );
    // Without RFC 7627 the master secret would differ: the classic bug this guards against.
    let classic = tls12::master_secret(
        tlsight::crypto::HashAlg::Sha256,
        &rec.pre_master,
        &rec.client_random,
        &rec.server_random,
    );
    assert_ne!(classic, rec.master_secret);
}

#[test]
fn rsa_session_decrypts_to_the_known_http_exchange() {
    let t = recording("tls12-rsa.json");
    for secrets in [
        rsa_kx::recover(&t, &server_key()).unwrap().secrets,
        keylog("openssl-tls12.keylog"),
    ] {
        let s = decrypt_session(&t, &secrets).unwrap();
        assert_eq!(s.version, ProtocolVersion::TLS12);
        assert!(s.fully_verified(), "{:?}", s.finished);
        assert_eq!(
            s.application_data(Direction::ClientToServer),
            b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"
        );
        let server = s.application_data(Direction::ServerToClient);
        assert!(server.starts_with(b"HTTP/1.0 200 ok\r\nContent-type: text/html"));
        assert!(
            String::from_utf8_lossy(&server).contains("Cipher is AES128-GCM-SHA256"),
            "s_server -www describes the session it served"
        );
    }
}

#[test]
fn ecdhe_session_resists_the_key_and_opens_with_the_key_log() {
    let t = recording("tls12-ecdhe.json");
    let e = rsa_kx::recover(&t, &server_key()).unwrap_err();
    assert!(
        matches!(
            e,
            CryptoError::ForwardSecret {
                kx: "ECDHE",
                public_len: 32,
                ..
            }
        ),
        "{e}"
    );
    let s = decrypt_session(&t, &keylog("openssl-tls12.keylog")).unwrap();
    assert_eq!(s.cipher_suite, 0xC02F);
    assert!(s.fully_verified());
    assert!(
        String::from_utf8_lossy(&s.application_data(Direction::ServerToClient))
            .contains("Cipher is ECDHE-RSA-AES128-GCM-SHA256")
    );
}

#[test]
fn tls13_flight_decrypts_with_openssls_traffic_secrets() {
    let t = recording("tls13.json");
    let s = decrypt_session(&t, &keylog("openssl-tls13.keylog")).unwrap();
    assert_eq!(s.version, ProtocolVersion::TLS13);
    assert_eq!(s.cipher_suite, 0x1302);
    assert!(
        s.records.iter().all(|r| r.error.is_none()),
        "{:?}",
        s.records
    );
    let server: Vec<HandshakeType> = s
        .handshake
        .iter()
        .filter(|m| m.dir == Direction::ServerToClient && m.encrypted)
        .map(|m| m.typ)
        .collect();
    assert_eq!(
        &server[..4],
        [
            HandshakeType::ENCRYPTED_EXTENSIONS,
            HandshakeType::CERTIFICATE,
            HandshakeType::CERTIFICATE_VERIFY,
            HandshakeType::FINISHED
        ]
    );
    assert_eq!(s.finished.len(), 2);
    assert!(s.finished.iter().all(|f| f.ok));
}

#[test]
fn key_log_without_the_client_random_is_named() {
    let t = recording("tls12-rsa.json");
    let e = decrypt_session(&t, &keylog("openssl-tls13.keylog")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("key log has no CLIENT_RANDOM line for client random "),
        "{e}"
    );
}

#[test]
fn truncated_recording_keeps_what_it_has() {
    let mut t = recording("tls12-rsa.json");
    // Cut the server's stream inside its last record.
    let i = t
        .chunks
        .iter()
        .rposition(|c| c.dir == Direction::ServerToClient)
        .unwrap();
    let n = t.chunks[i].data.len();
    t.chunks[i].data.truncate(n - 1);
    let s = decrypt_session(&t, &rsa_kx::recover(&t, &server_key()).unwrap().secrets).unwrap();
    assert!(
        s.notes
            .iter()
            .any(|n| n.starts_with("server stream: stream ends inside a record")),
        "{:?}",
        s.notes
    );
    assert!(s.finished.iter().all(|f| f.ok));
}

#[test]
fn recording_cut_before_the_key_exchange_is_a_clear_error() {
    let mut t = recording("tls12-rsa.json");
    t.chunks.truncate(1); // only the ClientHello
    let e = rsa_kx::recover(&t, &server_key()).unwrap_err();
    assert_eq!(e.to_string(), "recording: no ServerHello from the server");
}
