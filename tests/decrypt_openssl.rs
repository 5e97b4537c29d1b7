//! The minimal TLS 1.2 client and the decryptor against a real `openssl s_server` on loopback:
//! RSA key transport recovered from the server's private key alone (and cross-checked against
//! OpenSSL's own key log), ECDHE refused for the right reason, TLS 1.3 decrypted with OpenSSL's
//! key log.

mod sserver;

use std::time::Duration;

use sserver::{CERTS, SServer};
use tlsight::capture::{Direction, KeyLogSecrets};
use tlsight::crypto::{CryptoError, decrypt_session, rsa_kx};
use tlsight::handshake::legacy12::{self, Options};

fn opts(suite: u16) -> Options {
    Options {
        suite,
        server_name: Some("localhost".into()),
        request: b"GET / HTTP/1.0\r\n\r\n".to_vec(),
        timeout: Duration::from_secs(10),
        extended_master_secret: true,
        encrypt_then_mac: true,
    }
}

fn server_key() -> rsa::PrivateKey {
    rsa_kx::load_private_key_file(std::path::Path::new(&format!("{CERTS}/rsa2048.key"))).unwrap()
}

#[test]
fn rsa_key_transport_is_decrypted_with_the_server_key_alone() {
    let srv = SServer::start("-tls1_2", "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    let s = legacy12::run(srv.addr, &opts(0x009C)).unwrap();
    assert!(
        s.extended_master_secret,
        "OpenSSL negotiates EMS by default"
    );
    assert!(
        String::from_utf8_lossy(&s.response).contains("HTTP/1.0 200 ok"),
        "{:?}",
        String::from_utf8_lossy(&s.response)
    );

    // Only the recording and the private key.
    let rec = rsa_kx::recover(&s.transcript, &server_key()).unwrap();
    assert_eq!(rec.pre_master.len(), 48);
    assert_eq!(&rec.pre_master[..2], &[3, 3]);
    assert!(rec.session_hash.is_some());
    // OpenSSL's own key log has the same master secret.
    let server_log = KeyLogSecrets::load(srv.keylog_path()).unwrap();
    assert_eq!(
        server_log.get(&rec.client_random, "CLIENT_RANDOM").unwrap(),
        &rec.master_secret[..]
    );
    let d = decrypt_session(&s.transcript, &rec.secrets).unwrap();
    assert!(d.fully_verified(), "{:?}", d.finished);
    assert_eq!(d.finished.len(), 2);
    assert_eq!(
        d.application_data(Direction::ClientToServer),
        b"GET / HTTP/1.0\r\n\r\n"
    );
    assert_eq!(d.application_data(Direction::ServerToClient), s.response);
}

#[test]
fn ecdhe_cannot_be_recovered_but_the_client_key_log_decrypts() {
    let srv = SServer::start("-tls1_2", "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    let s = legacy12::run(srv.addr, &opts(0xC02F)).unwrap();
    let e = rsa_kx::recover(&s.transcript, &server_key()).unwrap_err();
    assert!(
        matches!(e, CryptoError::ForwardSecret { public_len: 32, .. }),
        "{e}"
    );
    assert!(e.to_string().contains("forward secrecy"));
    // Both the client's and OpenSSL's key logs decrypt it: the secret exists only at the ends.
    for secrets in [
        s.secrets.clone(),
        KeyLogSecrets::load(srv.keylog_path()).unwrap(),
    ] {
        let d = decrypt_session(&s.transcript, &secrets).unwrap();
        assert!(d.fully_verified());
        assert_eq!(d.application_data(Direction::ServerToClient), s.response);
    }
}

#[test]
fn wrong_private_key_is_named() {
    let srv = SServer::start("-tls1_2", "AES128-GCM-SHA256");
    let s = legacy12::run(srv.addr, &opts(0x009C)).unwrap();
    // A different RSA-2048 key: the root CA's.
    let other =
        rsa_kx::load_private_key_file(std::path::Path::new(&format!("{CERTS}/root.key"))).unwrap();
    let e = rsa_kx::recover(&s.transcript, &other).unwrap_err();
    assert!(e.to_string().contains("wrong private key"), "{e}");
}

#[test]
fn server_refusing_the_suite_is_a_clear_error() {
    let srv = SServer::start("-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256");
    let e = legacy12::run(srv.addr, &opts(0x009C)).unwrap_err();
    assert!(e.to_string().contains("handshake_failure"), "{e}");
}

#[test]
fn sha384_and_chacha20_suites_match_openssl_key_log() {
    let srv = SServer::start(
        "-tls1_2",
        "AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305",
    );
    let server_log_path = srv.keylog_path().to_path_buf();
    for suite in [0x009D, 0xC030, 0xCCA8] {
        let s = legacy12::run(srv.addr, &opts(suite)).unwrap();
        let server_log = KeyLogSecrets::load(&server_log_path).unwrap();
        let d = decrypt_session(&s.transcript, &server_log).unwrap();
        assert_eq!(d.cipher_suite, suite);
        assert!(d.fully_verified(), "0x{suite:04X}: {:?}", d.finished);
        assert_eq!(d.application_data(Direction::ServerToClient), s.response);
        if suite == 0x009D {
            let rec = rsa_kx::recover(&s.transcript, &server_key()).unwrap();
            assert_eq!(rec.master_secret.len(), 48);
            assert_eq!(
                server_log.get(&rec.client_random, "CLIENT_RANDOM").unwrap(),
                &rec.master_secret[..]
            );
        }
    }
}

#[test]
fn tls13_session_decrypts_with_openssl_key_log() {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    use tlsight::capture::{Recorder, Transcript};

    let srv = SServer::start("-tls1_3", "TLS_AES_256_GCM_SHA384");
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(format!("{CERTS}/root.pem")).unwrap())
        .unwrap();
    // s_server is given the leaf only, so trust the intermediate too (this test is about keys).
    roots
        .add(CertificateDer::from_pem_file(format!("{CERTS}/intermediate.pem")).unwrap())
        .unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = std::net::TcpStream::connect(srv.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let log = Arc::new(Mutex::new(Transcript::new(None)));
    let mut io = Recorder::new(tcp, std::time::Instant::now(), log.clone());
    let mut conn =
        rustls::ClientConnection::new(Arc::new(cfg), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let mut tls = rustls::Stream::new(&mut conn, &mut io);
    tls.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response);
    drop(io);
    let t = log.lock().unwrap().clone();
    let server_log = KeyLogSecrets::load(srv.keylog_path()).unwrap();
    let d = decrypt_session(&t, &server_log).unwrap();
    assert_eq!(d.cipher_suite, 0x1302);
    assert!(
        d.finished.len() == 2 && d.finished.iter().all(|f| f.ok),
        "{:?}",
        d.finished
    );
    assert!(d.records.iter().all(|r| r.error.is_none()));
    assert_eq!(
        d.application_data(Direction::ClientToServer),
        b"GET / HTTP/1.0\r\n\r\n"
    );
    assert!(!response.is_empty());
    assert_eq!(d.application_data(Direction::ServerToClient), response);
}

#[test]
fn cbc_hmac_suites_with_and_without_encrypt_then_mac() {
    let ciphers = "AES128-SHA:AES256-SHA256:ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA384";
    for server_etm in [true, false] {
        let srv = if server_etm {
            SServer::start("-tls1_2", ciphers)
        } else {
            SServer::start_with("-tls1_2", ciphers, &["-no_etm"])
        };
        for suite in [0x002F, 0x003D, 0xC013, 0xC028] {
            let s = legacy12::run(srv.addr, &opts(suite))
                .unwrap_or_else(|e| panic!("0x{suite:04X} etm={server_etm}: {e}"));
            let server_log = KeyLogSecrets::load(srv.keylog_path()).unwrap();
            let d = decrypt_session(&s.transcript, &server_log).unwrap();
            assert_eq!(d.cipher_suite, suite);
            assert!(
                d.fully_verified(),
                "0x{suite:04X} etm={server_etm}: {:?}",
                d.records
            );
            assert_eq!(
                d.application_data(Direction::ClientToServer),
                b"GET / HTTP/1.0\r\n\r\n"
            );
            assert_eq!(d.application_data(Direction::ServerToClient), s.response);
            assert!(String::from_utf8_lossy(&s.response).contains("HTTP/1.0 200 ok"));
        }
    }
}
