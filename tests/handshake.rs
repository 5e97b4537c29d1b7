//! `tlsight handshake` against real servers on loopback: the in-process rustls server (TLS 1.2
//! and 1.3, RSA / ECDSA / Ed25519 leaves, ALPN, a forced HelloRetryRequest, a server without the
//! private key) and `openssl s_server`. Decoded fields are checked against what the server was
//! configured to do, and the decrypted Certificate against the files in certs/.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use tlsight::capture::Direction;
use tlsight::handshake::messages::{Message, MessageContent};
use tlsight::handshake::server::{LocalServer, ServerSettings, TEST_ROOT_PEM, TestKey};
use tlsight::handshake::{self, InspectOptions, Inspection, Target, Timeouts, VersionChoice};
use tlsight::report::handshake::{BuildOptions, HandshakeReport};
use tlsight::wire::extensions::ExtensionValue;
use tlsight::wire::handshake::{ClientKeyExchange, HandshakeBody, KeyExchangeParams};

fn root() -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(TEST_ROOT_PEM).unwrap()
}

fn options(port: u16, versions: VersionChoice) -> InspectOptions {
    let mut o = InspectOptions::new(Target {
        host: "127.0.0.1".into(),
        port,
    });
    o.sni = Some("localhost".into());
    o.versions = versions;
    o.extra_roots = vec![root()];
    o.timeouts = Timeouts::uniform(Duration::from_secs(5));
    o
}

fn run(opts: &InspectOptions) -> (Inspection, HandshakeReport) {
    let ins = handshake::inspect(opts).expect("connect");
    let analysis = handshake::analyze(&ins);
    let rep = HandshakeReport::build(
        &ins,
        analysis,
        BuildOptions {
            extra_roots: opts.extra_roots.clone(),
            only_extra_roots: opts.only_extra_roots,
            ..BuildOptions::default()
        },
    );
    (ins, rep)
}

fn local(settings: ServerSettings) -> LocalServer {
    LocalServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), &settings).unwrap()
}

fn types(rep: &HandshakeReport, dir: Direction) -> Vec<String> {
    rep.messages
        .iter()
        .filter(|m| m.direction == dir)
        .map(|m| m.typ.clone())
        .collect()
}

fn find<'a>(rep: &'a HandshakeReport, typ: &str) -> &'a Message {
    rep.messages
        .iter()
        .find(|m| m.typ == typ)
        .unwrap_or_else(|| {
            panic!(
                "no {typ} in {:?}",
                rep.messages.iter().map(|m| &m.typ).collect::<Vec<_>>()
            )
        })
}

fn body(m: &Message) -> &HandshakeBody {
    match &m.fields {
        MessageContent::Handshake(b) => b,
        other => panic!("{} is not a handshake message: {other:?}", m.typ),
    }
}

fn pem_der(path: &str) -> Vec<u8> {
    let bytes = std::fs::read(common::repo(path)).unwrap();
    CertificateDer::from_pem_slice(&bytes).unwrap().to_vec()
}

#[test]
fn tls13_ecdsa_with_alpn_shows_the_decrypted_flight() {
    let server = local(ServerSettings {
        key: TestKey::EcdsaP256,
        alpn: vec![b"h2".to_vec()],
        ..ServerSettings::default()
    });
    let mut o = options(server.addr().port(), VersionChoice::Tls13);
    o.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let (ins, rep) = run(&o);
    assert!(ins.failure.is_none(), "{:?}", ins.failure);
    assert_eq!(rep.negotiated.version.as_deref(), Some("TLSv1.3"));
    assert_eq!(rep.negotiated.alpn.as_deref(), Some("h2"));
    assert!(rep.verification.trusted, "{:?}", rep.verification);
    assert_eq!(rep.verification.handshake_signature_valid, Some(true));
    assert!(rep.decryption.decrypted, "{:?}", rep.decryption);
    assert_eq!(rep.decryption.client_finished_verified, Some(true));
    assert_eq!(rep.decryption.server_finished_verified, Some(true));

    let server_types = types(&rep, Direction::ServerToClient);
    for t in [
        "ServerHello",
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
        "NewSessionTicket",
    ] {
        assert!(
            server_types.contains(&t.to_string()),
            "{t} missing from {server_types:?}"
        );
    }
    assert!(types(&rep, Direction::ClientToServer).contains(&"Finished".to_string()));
    for t in [
        "EncryptedExtensions",
        "Certificate",
        "CertificateVerify",
        "Finished",
        "NewSessionTicket",
    ] {
        assert!(find(&rep, t).encrypted, "{t} should be marked as decrypted");
    }
    // The client offered h2 and http/1.1 in order; the server's EE carries its choice.
    let ch = find(&rep, "ClientHello");
    let HandshakeBody::ClientHello(ch) = body(ch) else {
        unreachable!()
    };
    assert!(ch.extensions.iter().any(|e| e.value
        == ExtensionValue::Alpn {
            protocols: vec!["h2".into(), "http/1.1".into()]
        }));
    assert!(ch.extensions.iter().any(|e| e.value
        == ExtensionValue::ServerName {
            names: vec!["localhost".into()]
        }));
    let HandshakeBody::EncryptedExtensions { extensions } = body(find(&rep, "EncryptedExtensions"))
    else {
        unreachable!()
    };
    assert!(extensions.iter().any(|e| e.value
        == ExtensionValue::Alpn {
            protocols: vec!["h2".into()]
        }));
    assert!(rep.negotiated.sni_acknowledged);
    // The decrypted Certificate is exactly the leaf + intermediate from certs/.
    let HandshakeBody::Certificate(cert) = body(find(&rep, "Certificate")) else {
        unreachable!()
    };
    assert_eq!(cert.request_context.as_deref(), Some(""));
    assert_eq!(cert.entries.len(), 2);
    assert_eq!(cert.entries[0].der, pem_der("certs/ecdsa-p256.pem"));
    assert_eq!(cert.entries[1].der, pem_der("certs/intermediate.pem"));
    let HandshakeBody::CertificateVerify {
        signature_scheme, ..
    } = body(find(&rep, "CertificateVerify"))
    else {
        unreachable!()
    };
    assert_eq!(*signature_scheme, 0x0403, "ecdsa_secp256r1_sha256");
    // Fingerprints of both hellos.
    assert!(rep.fingerprints.ja3.as_ref().is_some_and(|j| j.len() == 32));
    assert!(
        rep.fingerprints
            .ja4
            .as_ref()
            .is_some_and(|j| j.starts_with("t13d"))
    );
    assert!(
        rep.fingerprints
            .ja3s_string
            .as_ref()
            .is_some_and(|s| s.starts_with("771,"))
    );
    assert!(rep.fingerprints.ja4s.is_none(), "JA4S only on request");
}

#[test]
fn tls12_rsa_shows_key_exchange_and_both_finished_messages() {
    let server = local(ServerSettings {
        key: TestKey::Rsa2048,
        versions: VersionChoice::Tls12,
        ..ServerSettings::default()
    });
    let (ins, rep) = run(&options(server.addr().port(), VersionChoice::Tls12));
    assert!(ins.failure.is_none(), "{:?}", ins.failure);
    assert_eq!(rep.negotiated.version.as_deref(), Some("TLSv1.2"));
    assert_eq!(rep.negotiated.extended_master_secret, Some(true));
    assert_eq!(rep.negotiated.secure_renegotiation, Some(true));
    let order: Vec<String> = rep
        .messages
        .iter()
        .map(|m| format!("{}:{}", m.direction.sender(), m.typ))
        .collect();
    let expect = [
        "client:ClientHello",
        "server:ServerHello",
        "server:Certificate",
        "server:ServerKeyExchange",
        "server:ServerHelloDone",
        "client:ClientKeyExchange",
        "client:ChangeCipherSpec",
        "client:Finished",
        "server:ChangeCipherSpec",
        "server:Finished",
    ];
    let mut it = order.iter();
    for e in expect {
        assert!(
            it.any(|o| o == e),
            "{e} missing or out of order in {order:?}"
        );
    }
    let HandshakeBody::ServerKeyExchange(ske) = body(find(&rep, "ServerKeyExchange")) else {
        unreachable!()
    };
    let KeyExchangeParams::Ecdhe {
        group, public_len, ..
    } = &ske.params
    else {
        panic!("not ECDHE")
    };
    assert_eq!(*group, 0x001D, "x25519 first in rustls' preference");
    assert_eq!(*public_len, 32);
    assert!(
        matches!(
            ske.signature_scheme,
            Some(0x0804..=0x0806) | Some(0x0401..=0x0601)
        ),
        "{:?}",
        ske.signature_scheme
    );
    let HandshakeBody::ClientKeyExchange(ClientKeyExchange::EcdhPublic { len, .. }) =
        body(find(&rep, "ClientKeyExchange"))
    else {
        panic!()
    };
    assert_eq!(*len, 32);
    let finished: Vec<&Message> = rep
        .messages
        .iter()
        .filter(|m| m.typ == "Finished")
        .collect();
    assert_eq!(finished.len(), 2);
    assert_eq!(rep.decryption.client_finished_verified, Some(true));
    assert_eq!(rep.decryption.server_finished_verified, Some(true));
    for f in finished {
        assert!(f.encrypted);
        let HandshakeBody::Finished { verify_data } = body(f) else {
            unreachable!()
        };
        assert_eq!(verify_data.len(), 12, "TLS 1.2 verify_data is 12 bytes");
    }
    let HandshakeBody::Certificate(cert) = body(find(&rep, "Certificate")) else {
        unreachable!()
    };
    assert_eq!(cert.request_context, None);
    assert_eq!(cert.entries[0].der, pem_der("certs/rsa2048.pem"));
}

#[test]
fn ed25519_certificate_verify_uses_ed25519() {
    let server = local(ServerSettings {
        key: TestKey::Ed25519,
        ..ServerSettings::default()
    });
    let (_, rep) = run(&options(server.addr().port(), VersionChoice::Tls13));
    let HandshakeBody::CertificateVerify {
        signature_scheme,
        signature_len,
    } = body(find(&rep, "CertificateVerify"))
    else {
        unreachable!()
    };
    assert_eq!((*signature_scheme, *signature_len), (0x0807, 64));
    assert!(rep.verification.trusted);
}

#[test]
fn group_mismatch_forces_a_hello_retry_request() {
    let server = local(ServerSettings {
        groups: vec![rustls::NamedGroup::secp384r1],
        ..ServerSettings::default()
    });
    let (ins, rep) = run(&options(server.addr().port(), VersionChoice::Tls13));
    assert!(ins.failure.is_none(), "{:?}", ins.failure);
    assert!(rep.negotiated.hello_retry_request);
    assert_eq!(
        rep.negotiated.handshake_kind.as_deref(),
        Some("full_with_hello_retry_request")
    );
    let hrr = find(&rep, "HelloRetryRequest");
    let HandshakeBody::ServerHello(sh) = body(hrr) else {
        unreachable!()
    };
    assert!(sh.hello_retry_request);
    assert!(
        sh.extensions
            .iter()
            .any(|e| e.value == ExtensionValue::KeyShareRequest { group: 0x0018 })
    );
    assert_eq!(
        types(&rep, Direction::ClientToServer)
            .iter()
            .filter(|t| *t == "ClientHello")
            .count(),
        2
    );
    assert_eq!(
        rep.negotiated
            .group
            .as_deref()
            .map(|g| g.contains("secp384r1") || g == "0x0018"),
        Some(true)
    );
}

#[test]
fn untrusted_chain_completes_and_says_why() {
    let server = local(ServerSettings::default());
    let mut o = options(server.addr().port(), VersionChoice::Any);
    o.extra_roots.clear();
    let (ins, rep) = run(&o);
    assert!(
        ins.failure.is_none(),
        "inspection must go on: {:?}",
        ins.failure
    );
    assert!(!rep.verification.trusted);
    assert_eq!(rep.verification.errors, vec!["unknown_issuer"]);
    assert_eq!(rep.verification.handshake_signature_valid, Some(true));
}

#[test]
fn wrong_name_is_a_hostname_mismatch() {
    let server = local(ServerSettings::default());
    let mut o = options(server.addr().port(), VersionChoice::Any);
    o.sni = Some("not-the-name.example".into());
    let (_, rep) = run(&o);
    assert_eq!(rep.verification.errors, vec!["hostname_mismatch"]);
}

#[test]
fn server_without_the_private_key_fails_loudly() {
    for versions in [VersionChoice::Tls13, VersionChoice::Tls12] {
        let server = local(ServerSettings {
            key: TestKey::EcdsaP256,
            wrong_key: Some(TestKey::Ed25519),
            versions,
            ..ServerSettings::default()
        });
        let (ins, rep) = run(&options(server.addr().port(), versions));
        let f = ins.failure.as_ref().expect("must fail");
        assert!(
            matches!(f, handshake::HandshakeError::KeyPossession(_))
                || f.to_string().contains("signature"),
            "{versions:?}: {f}"
        );
        assert!(!rep.verification.handshake_signature_valid.unwrap_or(false));
        assert!(!rep.verification.trusted);
    }
}

#[test]
fn no_sni_sends_no_server_name() {
    let server = local(ServerSettings::default());
    let mut o = options(server.addr().port(), VersionChoice::Tls13);
    o.sni = None;
    o.verify_name = Some("localhost".into());
    let (_, rep) = run(&o);
    let HandshakeBody::ClientHello(ch) = body(find(&rep, "ClientHello")) else {
        unreachable!()
    };
    assert!(ch.extensions.iter().all(|e| e.typ != 0));
    assert!(!rep.negotiated.sni_acknowledged);
}

#[test]
fn openssl_tls13_flight_is_decrypted() {
    let s = common::OpensslServer::start(&[
        "-tls1_3",
        "-cert",
        common::repo("certs/rsa2048.pem").to_str().unwrap(),
        "-key",
        common::repo("certs/rsa2048.key").to_str().unwrap(),
        "-cert_chain",
        common::repo("certs/intermediate.pem").to_str().unwrap(),
        "-ciphersuites",
        "TLS_CHACHA20_POLY1305_SHA256",
    ]);
    let (ins, rep) = run(&options(s.port, VersionChoice::Tls13));
    assert!(ins.failure.is_none(), "{:?}", ins.failure);
    assert_eq!(rep.negotiated.cipher_suite_code.as_deref(), Some("0x1303"));
    let HandshakeBody::Certificate(cert) = body(find(&rep, "Certificate")) else {
        unreachable!()
    };
    assert_eq!(cert.entries[0].der, pem_der("certs/rsa2048.pem"));
    let HandshakeBody::CertificateVerify {
        signature_scheme, ..
    } = body(find(&rep, "CertificateVerify"))
    else {
        unreachable!()
    };
    assert!(
        (0x0804..=0x0806).contains(signature_scheme),
        "RSA-PSS in TLS 1.3, got {signature_scheme:#06x}"
    );
    assert!(
        rep.messages
            .iter()
            .filter(|m| m.typ == "NewSessionTicket")
            .count()
            >= 1
    );
    assert!(rep.verification.trusted);
}

#[test]
fn openssl_tls12_ecdhe_with_p256_and_aes256() {
    let s = common::OpensslServer::start(&[
        "-tls1_2",
        "-cert",
        common::repo("certs/ecdsa-p256.pem").to_str().unwrap(),
        "-key",
        common::repo("certs/ecdsa-p256.key").to_str().unwrap(),
        "-cert_chain",
        common::repo("certs/intermediate.pem").to_str().unwrap(),
        "-cipher",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "-groups",
        "P-256",
    ]);
    let (ins, rep) = run(&options(s.port, VersionChoice::Tls12));
    assert!(ins.failure.is_none(), "{:?}", ins.failure);
    assert_eq!(rep.negotiated.cipher_suite_code.as_deref(), Some("0xC02C"));
    let HandshakeBody::ServerKeyExchange(ske) = body(find(&rep, "ServerKeyExchange")) else {
        unreachable!()
    };
    let KeyExchangeParams::Ecdhe {
        group, public_len, ..
    } = &ske.params
    else {
        panic!()
    };
    assert_eq!(
        (*group, *public_len),
        (0x0017, 65),
        "secp256r1, uncompressed point"
    );
    assert_eq!(
        rep.messages
            .iter()
            .filter(|m| m.typ == "Finished" && m.encrypted)
            .count(),
        2
    );
    assert_eq!(rep.negotiated.extended_master_secret, Some(true));
}

#[test]
fn certificate_request_is_decoded_in_both_versions() {
    for (flag, versions) in [
        ("-tls1_2", VersionChoice::Tls12),
        ("-tls1_3", VersionChoice::Tls13),
    ] {
        let s = common::OpensslServer::start(&[
            flag,
            "-verify",
            "1",
            "-cert",
            common::repo("certs/rsa2048.pem").to_str().unwrap(),
            "-key",
            common::repo("certs/rsa2048.key").to_str().unwrap(),
        ]);
        let (ins, rep) = run(&options(s.port, versions));
        assert!(ins.failure.is_none(), "{flag}: {:?}", ins.failure);
        let HandshakeBody::CertificateRequest(cr) = body(find(&rep, "CertificateRequest")) else {
            unreachable!()
        };
        if versions == VersionChoice::Tls12 {
            assert!(
                !cr.signature_schemes.is_empty(),
                "TLS 1.2 lists signature schemes"
            );
            assert!(cr.request_context.is_none());
        } else {
            assert!(find(&rep, "CertificateRequest").encrypted);
            assert!(
                cr.extensions.iter().any(|e| e.typ == 13),
                "TLS 1.3 carries signature_algorithms"
            );
        }
        // Without a client certificate, the client answers with an empty Certificate.
        let client_cert = rep
            .messages
            .iter()
            .find(|m| m.direction == Direction::ClientToServer && m.typ == "Certificate")
            .expect("client Certificate");
        let HandshakeBody::Certificate(c) = body(client_cert) else {
            unreachable!()
        };
        assert!(c.entries.is_empty());
    }
}

#[test]
fn ipv6_loopback_target() {
    let Ok(server) = LocalServer::start("[::1]:0".parse().unwrap(), &ServerSettings::default())
    else {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    };
    let target = Target::parse(&format!("[::1]:{}", server.addr().port()), 443).unwrap();
    assert_eq!(target.host, "::1");
    let mut o = InspectOptions::new(target);
    assert_eq!(o.sni, None, "no SNI for IP literals (RFC 6066 §3)");
    o.verify_name = Some("::1".into());
    o.extra_roots = vec![root()];
    let (ins, rep) = run(&o);
    assert!(ins.failure.is_none(), "{:?}", ins.failure);
    assert!(rep.address.starts_with("[::1]:"));
    assert!(
        rep.verification.trusted,
        "the test leaf carries IP:::1: {:?}",
        rep.verification
    );
}

/// A copied certificate (genuine chain, another P-256 key signs): the handshake verdict is
/// untrusted with `key_possession_failed` first, and the chain's own validity stays visible.
#[test]
fn copied_certificate_is_key_possession_failed_first_tls13_and_tls12() {
    for (versions, proof) in [
        (VersionChoice::Tls13, "certificate_verify"),
        (VersionChoice::Tls12, "server_key_exchange"),
    ] {
        let server = local(ServerSettings {
            key: TestKey::EcdsaP256,
            wrong_key: Some(TestKey::OtherEcdsaP256),
            versions,
            ..ServerSettings::default()
        });
        let (ins, rep) = run(&options(server.addr().port(), versions));
        assert!(
            matches!(
                ins.failure,
                Some(handshake::HandshakeError::KeyPossession(_))
            ),
            "{versions:?}: {:?}",
            ins.failure
        );
        let v = &rep.verification;
        assert!(!v.trusted, "{versions:?}");
        assert!(v.chain_trusted, "{versions:?}: the chain itself is valid");
        assert_eq!(
            v.errors.first().map(String::as_str),
            Some("key_possession_failed")
        );
        let json = serde_json::to_value(v).unwrap();
        assert_eq!(json["key_possession"]["status"], "failed");
        assert_eq!(json["key_possession"]["proof"], proof, "{versions:?}");
        let text = tlsight::report::handshake::render(
            &rep,
            tlsight::report::Palette::PLAIN,
            Default::default(),
        );
        assert!(
            text.contains("NOT trusted for localhost: key_possession_failed"),
            "{text}"
        );
        assert!(!text.contains("trusted for localhost ("), "{text}");
    }
}

/// Only the `--ca` root anchors the test chain: the verdict names that store and its anchor,
/// not every store consulted (Mozilla's roots were consulted too).
#[test]
fn trust_names_the_store_that_anchored_and_its_subject() {
    let server = local(ServerSettings::default());
    let (_, rep) = run(&options(server.addr().port(), VersionChoice::Tls13));
    let v = &rep.verification;
    assert!(v.trusted, "{v:?}");
    assert_eq!(v.anchors, vec!["custom"]);
    assert_eq!(v.stores_consulted, vec!["mozilla", "custom"]);
    assert_eq!(v.anchored_by.len(), 1);
    assert!(
        v.anchored_by[0].subject.contains("tlsight Test Root CA"),
        "{:?}",
        v.anchored_by
    );
    let json = serde_json::to_value(v).unwrap();
    assert_eq!(json["key_possession"]["status"], "proven");
    assert_eq!(json["key_possession"]["proof"], "certificate_verify");
    let text = tlsight::report::handshake::render(
        &rep,
        tlsight::report::Palette::PLAIN,
        Default::default(),
    );
    assert!(
        text.contains("trusted for localhost (custom anchor \"C=ZZ, O=tlsight test PKI, CN=tlsight Test Root CA\")")
            || text.contains("trusted for localhost (custom anchor"),
        "{text}"
    );
    assert!(
        !text.contains("mozilla"),
        "Mozilla did not anchor this chain:\n{text}"
    );
}
