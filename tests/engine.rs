//! tlsight's own TLS 1.0-1.2 engine against real servers on loopback: `openssl s_server` at
//! `@SECLEVEL=0` in each legacy shape rustls refuses, `gnutls-serv` as a second implementation,
//! and servers built here on our codec that hold a certificate but not its key.
//!
//! Each scenario checks: the handshake completes with the expected engine, version and suite,
//! both Finished messages verify in the decoded transcript, the decoded messages match what the
//! server was told to do, the trust verdict is right, and the recording decrypts.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tlsight::handshake::{
    self, EngineChoice, EngineName, HandshakeError, InspectOptions, Inspection, Target, Timeouts,
    VersionChoice,
};
use tlsight::report::handshake::{BuildOptions, HandshakeReport};
use tlsight::x509::{PossessionStatus, ProofKind};

fn certs() -> PathBuf {
    common::repo("certs")
}

fn root() -> CertificateDer<'static> {
    CertificateDer::from_pem_file(certs().join("root.pem")).unwrap()
}

/// `openssl s_server` with the test PKI's RSA leaf (unless `extra` brings its own) and `extra`.
fn s_server(extra: &[&str]) -> common::OpensslServer {
    let c = certs();
    let mut args: Vec<String> = Vec::new();
    if !extra.contains(&"-cert") {
        args.extend([
            "-cert".into(),
            c.join("rsa2048.pem").display().to_string(),
            "-cert_chain".into(),
            c.join("intermediate.pem").display().to_string(),
            "-key".into(),
            c.join("rsa2048.key").display().to_string(),
        ]);
    }
    args.push("-www".into());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    common::OpensslServer::start(&refs)
}

fn options(port: u16) -> InspectOptions {
    let mut o = InspectOptions::new(Target {
        host: "127.0.0.1".into(),
        port,
    });
    o.extra_roots = vec![root()];
    o.only_extra_roots = true;
    o.timeouts = Timeouts::uniform(Duration::from_secs(10));
    o
}

struct Run {
    ins: Inspection,
    report: HandshakeReport,
}

fn inspect(opts: &InspectOptions) -> Run {
    let ins = handshake::inspect(opts).expect("connected");
    let analysis = handshake::analyze(&ins);
    let report = HandshakeReport::build(&ins, analysis, BuildOptions::default());
    Run { ins, report }
}

impl Run {
    /// The handshake completed with tlsight's engine at `version` with `suite`, both Finished
    /// verified in the decoded transcript, and the recording decrypts with the key log.
    fn assert_engine_completed(&self, version: &str, suite: &str) {
        let r = &self.report;
        assert_eq!(self.ins.failure.as_ref().map(|f| f.to_string()), None);
        assert_eq!(self.ins.engine, EngineName::Tlsight);
        assert_eq!(r.negotiated.version.as_deref(), Some(version));
        assert_eq!(r.negotiated.cipher_suite.as_deref(), Some(suite));
        assert!(r.decryption.decrypted, "{:?}", r.decryption);
        assert_eq!(r.decryption.client_finished_verified, Some(true));
        assert_eq!(r.decryption.server_finished_verified, Some(true));
        let d = tlsight::crypto::decrypt_session(&self.ins.transcript, &self.ins.secrets)
            .expect("recording decrypts");
        assert!(d.fully_verified(), "{:?}", d.notes);
        let json = serde_json::to_value(r).unwrap();
        assert_eq!(json["engine"], "tlsight");
    }

    fn message(&self, typ: &str) -> Option<&tlsight::handshake::messages::Message> {
        self.report.messages.iter().find(|m| m.typ == typ)
    }

    fn possession(&self) -> (Option<ProofKind>, PossessionStatus) {
        let k = self.ins.key_possession();
        (k.proof, k.status)
    }
}

/// A TLS 1.0-only server (`-tls1`, everything at SECLEVEL=0): rustls is refused with
/// protocol_version, the engine takes over, ECDHE (offered before DHE) with a signature in TLS
/// 1.0's MD5+SHA-1 form.
#[test]
fn tls10_only_server_falls_back_to_the_engine() {
    let s = s_server(&["-tls1", "-cipher", "ALL:@SECLEVEL=0"]);
    let run = inspect(&options(s.port));
    run.assert_engine_completed("TLSv1.0", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");
    let why = run.ins.fallback.clone().expect("fallback reason");
    assert!(why.contains("rustls could not negotiate"), "{why}");
    assert!(run.report.verification.trusted);
    assert_eq!(
        run.possession(),
        (Some(ProofKind::ServerKeyExchange), PossessionStatus::Proven)
    );
    assert_eq!(run.ins.seen.signature_valid, Some(true));
    // TLS 1.0: the ServerKeyExchange signature has no SignatureAndHashAlgorithm.
    let ske = run.message("ServerKeyExchange").expect("SKE decoded");
    assert_eq!(ske.decode_error, None);
    let json = serde_json::to_value(ske).unwrap();
    assert!(json["signature_scheme"].is_null(), "{json}");
    assert!(run.report.fingerprints.ja3s.is_some() && run.report.fingerprints.ja4.is_some());
}

/// TLS 1.1 with RSA key transport: possession is proven by the server's Finished.
#[test]
fn tls11_rsa_key_transport() {
    let s = s_server(&["-tls1_1", "-cipher", "AES256-SHA:@SECLEVEL=0"]);
    let run = inspect(&options(s.port));
    run.assert_engine_completed("TLSv1.1", "TLS_RSA_WITH_AES_256_CBC_SHA");
    assert_eq!(
        run.possession(),
        (Some(ProofKind::Finished), PossessionStatus::Proven)
    );
    assert_eq!(run.ins.seen.signature_valid, None);
    assert!(run.message("ServerKeyExchange").is_none());
    // The server's key recovers the same master secret from the recording alone.
    let key = tlsight::crypto::rsa_kx::load_private_key_file(&certs().join("rsa2048.key")).unwrap();
    let rec = tlsight::crypto::rsa_kx::recover(&run.ins.transcript, &key).unwrap();
    assert_eq!(
        rec.secrets.entries().next().map(|e| e.secret),
        run.ins.secrets.entries().next().map(|e| e.secret)
    );
}

/// A TLS 1.2 server that only does RSA key transport with AES-GCM: rustls offers it nothing.
#[test]
fn tls12_rsa_kx_only() {
    let s = s_server(&["-tls1_2", "-cipher", "AES128-GCM-SHA256"]);
    let run = inspect(&options(s.port));
    run.assert_engine_completed("TLSv1.2", "TLS_RSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(
        run.possession(),
        (Some(ProofKind::Finished), PossessionStatus::Proven)
    );
    assert_eq!(run.report.negotiated.extended_master_secret, Some(true));
    assert!(run.message("ClientKeyExchange").is_some());
}

/// DHE only, with the RFC 7919 2048-bit group.
#[test]
fn dhe_only_2048_bit_group() {
    let dir = tempfile::tempdir().unwrap();
    let params = dir.path().join("ffdhe2048.pem");
    let ok = Command::new("openssl")
        .args([
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            "group:ffdhe2048",
        ])
        .arg("-out")
        .arg(&params)
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let s = s_server(&[
        "-tls1_2",
        "-cipher",
        "DHE-RSA-AES256-GCM-SHA384",
        "-dhparam",
        params.to_str().unwrap(),
    ]);
    let run = inspect(&options(s.port));
    run.assert_engine_completed("TLSv1.2", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384");
    assert_eq!(run.ins.dh_prime_bits, Some(2048));
    assert_eq!(run.report.negotiated.dh_prime_bits, Some(2048));
    assert_eq!(
        run.possession(),
        (Some(ProofKind::ServerKeyExchange), PossessionStatus::Proven)
    );
    assert_eq!(
        run.report.negotiated.server_signature_scheme.as_deref(),
        Some("rsa_pss_rsae_sha256")
    );
}

/// CBC-only TLS 1.2, with and without encrypt-then-MAC (RFC 7366).
#[test]
fn tls12_cbc_with_and_without_encrypt_then_mac() {
    for (extra, etm) in [(None, true), (Some("-no_etm"), false)] {
        let mut args = vec!["-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA256"];
        args.extend(extra);
        let s = s_server(&args);
        let run = inspect(&options(s.port));
        run.assert_engine_completed("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");
        assert_eq!(
            run.report.negotiated.encrypt_then_mac,
            Some(etm),
            "{extra:?}"
        );
        assert_eq!(run.report.negotiated.group.as_deref(), Some("x25519"));
    }
}

/// A P-384 ECDSA chain made here (rcgen), in TLS 1.2 (SHA-384 signature) and TLS 1.0 (ECDSA
/// over SHA-1, verified by the p384 crate).
#[test]
fn ecdsa_p384_server() {
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "engine P-384 test root");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let leaf_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let mut leaf = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("leaf.pem"), dir.path().join("leaf.key"));
    std::fs::write(&cert, leaf_cert.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    for (version, cipher, suite, v) in [
        (
            "-tls1_2",
            "ECDHE-ECDSA-AES256-SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "TLSv1.2",
        ),
        (
            "-tls1",
            "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLSv1.0",
        ),
    ] {
        let s = s_server(&[
            "-cert",
            cert.to_str().unwrap(),
            "-key",
            key.to_str().unwrap(),
            version,
            "-cipher",
            cipher,
        ]);
        let mut o = options(s.port);
        o.extra_roots = vec![ca_cert.der().clone()];
        let run = inspect(&o);
        run.assert_engine_completed(v, suite);
        assert_eq!(
            run.possession(),
            (Some(ProofKind::ServerKeyExchange), PossessionStatus::Proven)
        );
        assert!(
            run.report.verification.trusted,
            "{:?}",
            run.report.verification
        );
    }
}

/// Camellia (CBC) and ARIA (GCM), by IANA and OpenSSL names through --cipher's parser.
#[test]
fn camellia_and_aria() {
    for (cipher, suite) in [
        (
            "DHE-RSA-CAMELLIA128-SHA256",
            "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256",
        ),
        ("CAMELLIA256-SHA", "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"),
        (
            "ECDHE-ARIA128-GCM-SHA256",
            "TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256",
        ),
        ("ARIA256-GCM-SHA384", "TLS_RSA_WITH_ARIA_256_GCM_SHA384"),
    ] {
        let s = s_server(&["-tls1_2", "-cipher", cipher]);
        let run = inspect(&options(s.port));
        run.assert_engine_completed("TLSv1.2", suite);
    }
}

/// AES-CCM and AES-CCM_8.
#[test]
fn aes_ccm_and_ccm8() {
    for (cipher, suite) in [
        ("AES256-CCM", "TLS_RSA_WITH_AES_256_CCM"),
        ("DHE-RSA-AES128-CCM8", "TLS_DHE_RSA_WITH_AES_128_CCM_8"),
    ] {
        let s = s_server(&["-tls1_2", "-cipher", &format!("{cipher}:@SECLEVEL=0")]);
        let run = inspect(&options(s.port));
        run.assert_engine_completed("TLSv1.2", suite);
    }
}

/// Anonymous DH and ECDH: no certificate, nothing to prove, never trusted.
#[test]
fn anonymous_suites() {
    for (cipher, suite) in [
        (
            "ADH-AES256-GCM-SHA384",
            "TLS_DH_anon_WITH_AES_256_GCM_SHA384",
        ),
        ("AECDH-AES128-SHA", "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"),
    ] {
        let s = s_server(&["-tls1_2", "-cipher", &format!("{cipher}:@SECLEVEL=0")]);
        let run = inspect(&options(s.port));
        run.assert_engine_completed("TLSv1.2", suite);
        assert_eq!(run.possession(), (None, PossessionStatus::NotShown));
        assert!(run.ins.seen.certificates.is_empty());
        assert!(!run.report.verification.trusted);
        assert!(run.message("Certificate").is_none());
        let ske = run.message("ServerKeyExchange").expect("SKE");
        assert_eq!(ske.decode_error, None, "unsigned SKE decodes");
    }
}

/// NULL encryption: integrity only, the records carry plaintext.
#[test]
fn null_suites() {
    for (cipher, suite) in [
        ("NULL-SHA256", "TLS_RSA_WITH_NULL_SHA256"),
        ("ECDHE-RSA-NULL-SHA", "TLS_ECDHE_RSA_WITH_NULL_SHA"),
    ] {
        let s = s_server(&["-tls1_2", "-cipher", &format!("{cipher}:@SECLEVEL=0")]);
        let run = inspect(&options(s.port));
        run.assert_engine_completed("TLSv1.2", suite);
    }
}

/// `--engine rustls` keeps rustls' answer; `--engine tlsight` talks to a modern server too.
#[test]
fn engine_choice_is_obeyed() {
    let s = s_server(&["-tls1", "-cipher", "ALL:@SECLEVEL=0"]);
    let mut o = options(s.port);
    o.engine = EngineChoice::Rustls;
    let run = inspect(&o);
    assert_eq!(run.ins.engine, EngineName::Rustls);
    assert!(matches!(run.ins.failure, Some(HandshakeError::Alert(_))));

    let modern = s_server(&["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]);
    let mut o = options(modern.port);
    o.engine = EngineChoice::Tlsight;
    o.cipher_suites = vec![0xC02F];
    let run = inspect(&o);
    run.assert_engine_completed("TLSv1.2", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(run.ins.fallback, None);
    // TLS 1.0 only asked for: rustls cannot, the engine goes first.
    let mut o = options(s.port);
    o.versions = VersionChoice::Range {
        min: 0x0301,
        max: 0x0301,
    };
    let run = inspect(&o);
    assert_eq!(run.ins.engine, EngineName::Tlsight);
    assert!(run.ins.fallback.is_some());
}

/// gnutls-serv, a second implementation: TLS 1.1 with 3DES and TLS 1.2 with RC4 (both gone
/// from this OpenSSL), and Camellia-GCM.
#[test]
fn gnutls_server_legacy_ciphers() {
    if Command::new("gnutls-serv")
        .arg("--version")
        .output()
        .is_err()
    {
        // Not a silent pass: say so on stderr (cargo test --nocapture shows it).
        eprintln!("gnutls-serv not installed (apt install gnutls-bin): skipped");
        return;
    }
    for (priority, version, suite) in [
        (
            "NONE:+VERS-TLS1.1:+3DES-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL",
            "TLSv1.1",
            "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        ),
        (
            "NONE:+VERS-TLS1.2:+ARCFOUR-128:+SHA1:+ECDHE-RSA:+CURVE-ALL:+COMP-NULL:+SIGN-ALL",
            "TLSv1.2",
            "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
        ),
        (
            "NONE:+VERS-TLS1.2:+CAMELLIA-128-GCM:+AEAD:+DHE-RSA:+COMP-NULL:+SIGN-ALL:+GROUP-ALL",
            "TLSv1.2",
            "TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256",
        ),
    ] {
        let Some(server) = common::GnutlsServer::start(priority) else {
            // Not a silent pass: say so on stderr (cargo test --nocapture shows it).
            eprintln!("gnutls-serv not installed (apt install gnutls-bin): skipped");
            return;
        };
        let run = inspect(&options(server.addr.port()));
        run.assert_engine_completed(version, suite);
        assert!(run.report.verification.trusted);
    }
}

// --- Servers that hold a certificate but not its key, built on our codec. ---

fn leaf_chain(name: &str) -> Vec<Vec<u8>> {
    CertificateDer::pem_file_iter(certs().join(name))
        .unwrap()
        .map(|c| c.unwrap().to_vec())
        .collect()
}

fn handshake_msg(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ];
    m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    m.extend_from_slice(body);
    m
}

fn record(ct: u8, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![ct, 3, 3];
    r.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    r.extend_from_slice(payload);
    r
}

fn server_hello(suite: u16, random: &[u8; 32]) -> Vec<u8> {
    let mut b = vec![3, 3];
    b.extend_from_slice(random);
    b.push(0); // no session id
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    b.extend_from_slice(&[0, 0]); // no extensions
    handshake_msg(2, &b)
}

fn certificate(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for c in chain {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(c);
    }
    let mut b = (list.len() as u32).to_be_bytes()[1..].to_vec();
    b.extend_from_slice(&list);
    handshake_msg(11, &b)
}

/// Reads the client's hello; returns its random.
fn read_client_random(s: &mut TcpStream) -> [u8; 32] {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = vec![0u8; 8192];
    let mut got = Vec::new();
    while got.len() < 5 + 4 + 2 + 32 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let mut r = [0u8; 32];
    if let Some(x) = got.get(11..43) {
        r.copy_from_slice(x);
    }
    r
}

/// The RSA key-transport shape: the server sends the certificate, cannot decrypt the
/// pre-master secret, and answers with a Finished it had to guess.
fn rsa_kx_without_key(mut s: TcpStream) {
    let _ = read_client_random(&mut s);
    let chain = leaf_chain("rsa2048-chain.pem");
    let mut flight = server_hello(0x002F, &[7; 32]);
    flight.extend_from_slice(&certificate(&chain));
    flight.extend_from_slice(&handshake_msg(14, &[]));
    let _ = s.write_all(&record(22, &flight));
    // The client's ClientKeyExchange, CCS and Finished.
    let mut buf = [0u8; 4096];
    let _ = s.read(&mut buf);
    let _ = s.write_all(&record(20, &[1]));
    // A guessed "Finished": IV + two blocks + a MAC's worth of bytes.
    let _ = s.write_all(&record(22, &[0x42; 16 + 48]));
    std::thread::sleep(Duration::from_millis(300));
}

/// The (EC)DHE shape: the server signs its key-exchange parameters with a key that is not the
/// certificate's (it has the certificate of someone else's key).
fn signed_kx_without_key(mut s: TcpStream, dhe: bool) {
    use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};
    let client_random = read_client_random(&mut s);
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let other =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let server_random = [9u8; 32];
    let params = if dhe {
        // RFC 7919 ffdhe2048, g = 2, Ys = the other key's public point bytes as a number.
        let p = hex_ffdhe2048();
        let mut b = Vec::new();
        for v in [&p[..], &[2][..], other.public_key().as_ref()] {
            b.extend_from_slice(&(v.len() as u16).to_be_bytes());
            b.extend_from_slice(v);
        }
        b
    } else {
        let mut b = vec![3, 0, 0x17, 65];
        b.extend_from_slice(other.public_key().as_ref());
        b
    };
    let signed = [&client_random[..], &server_random[..], &params[..]].concat();
    let sig = other.sign(&rng, &signed).unwrap();
    let mut ske = params.clone();
    ske.extend_from_slice(&[4, 3]);
    ske.extend_from_slice(&(sig.as_ref().len() as u16).to_be_bytes());
    ske.extend_from_slice(sig.as_ref());
    let suite = if dhe { 0x0067 } else { 0xC009 };
    let mut flight = server_hello(suite, &server_random);
    flight.extend_from_slice(&certificate(&leaf_chain("ecdsa-p256-chain.pem")));
    flight.extend_from_slice(&handshake_msg(12, &ske));
    flight.extend_from_slice(&handshake_msg(14, &[]));
    let _ = s.write_all(&record(22, &flight));
    std::thread::sleep(Duration::from_millis(300));
}

fn hex_ffdhe2048() -> Vec<u8> {
    let h = "FFFFFFFFFFFFFFFFADF85458A2BB4A9AAFDC5620273D3CF1D8B9C583CE2D3695A9E13641146433FBCC939DCE249B3EF97D2FE363630C75D8F681B202AEC4617AD3DF1ED5D5FD65612433F51F5F066ED0856365553DED1AF3B557135E7F57C935984F0C70E0E68B77E2A689DAF3EFE8721DF158A136ADE73530ACCA4F483A797ABC0AB182B324FB61D108A94BB2C8E3FBB96ADAB760D7F4681D4F42A3DE394DF4AE56EDE76372BB190B07A7C8EE0A6D709E02FCE1CDF7E2ECC03404CD28342F619172FE9CE98583FF8E4F1232EEF28183C3FE3B1B4C6FAD733BB5FCBC2EC22005C58EF1837D1683B2C6F34A26C1B2EFFA886B423861285C97FFFFFFFFFFFFFFFF";
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

fn fake_server(f: fn(TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || f(s));
        }
    });
    port
}

fn assert_possession_failed(port: u16, proof: ProofKind) {
    let mut o = options(port);
    o.engine = EngineChoice::Tlsight;
    let run = inspect(&o);
    let failure = run.ins.failure.as_ref().expect("handshake must fail");
    assert!(
        matches!(failure, HandshakeError::KeyPossession(_)),
        "{failure:?}"
    );
    assert_eq!(run.possession(), (Some(proof), PossessionStatus::Failed));
    assert!(!run.report.verification.trusted);
    let json = serde_json::to_value(&run.report).unwrap();
    assert_eq!(json["verification"]["key_possession"]["status"], "failed");
    assert_eq!(
        json["verification"]["key_possession"]["proof"],
        match proof {
            ProofKind::Finished => "finished",
            _ => "server_key_exchange",
        }
    );
    assert_eq!(json["verification"]["errors"][0], "key_possession_failed");
    assert!(
        run.report
            .error
            .as_deref()
            .is_some_and(|e| e.contains("private key") || e.contains("key possession")),
        "{:?}",
        run.report.error
    );
}

#[test]
fn rsa_kx_server_without_its_key_fails_possession() {
    let port = fake_server(rsa_kx_without_key);
    assert_possession_failed(port, ProofKind::Finished);
}

#[test]
fn ecdhe_server_without_its_key_fails_possession() {
    let port = fake_server(|s| signed_kx_without_key(s, false));
    assert_possession_failed(port, ProofKind::ServerKeyExchange);
}

#[test]
fn dhe_server_without_its_key_fails_possession() {
    let port = fake_server(|s| signed_kx_without_key(s, true));
    assert_possession_failed(port, ProofKind::ServerKeyExchange);
}

// --- The CLI: handshake names the engine, verify and decrypt work on legacy servers. ---

fn tlsight() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("tlsight").unwrap()
}

#[test]
fn cli_handshake_verify_and_decrypt_a_tls10_server() {
    let s = s_server(&["-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0"]);
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("rec.json");
    let kl = dir.path().join("keys.log");
    let root = certs().join("root.pem");
    let out = tlsight()
        .args([
            "handshake",
            &s.target(),
            "--json",
            "--tls10",
            "--cipher",
            "AES128-SHA",
        ])
        .arg("--ca")
        .arg(&root)
        .arg("--record")
        .arg(&rec)
        .arg("--keylog")
        .arg(&kl)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["engine"], "tlsight");
    assert_eq!(j["negotiated"]["version"], "TLSv1.0");
    assert_eq!(j["verification"]["key_possession"]["proof"], "finished");
    let human = tlsight()
        .args([
            "handshake",
            &s.target(),
            "--cipher",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
        ])
        .arg("--ca")
        .arg(&root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("tlsight (own TLS 1.0-1.2 engine"), "{text}");
    assert!(
        text.contains("Finished verified after RSA key transport"),
        "{text}"
    );
    // verify HOST: the chain arrives through the engine.
    let v = tlsight()
        .args(["verify", &s.target(), "--json"])
        .arg("--ca")
        .arg(&root)
        .output()
        .unwrap();
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stderr)
    );
    // decrypt opens the recording with the key log and with the server's RSA key.
    for args in [
        vec!["--keylog".to_string(), kl.display().to_string()],
        vec![
            "--key".to_string(),
            certs().join("rsa2048.key").display().to_string(),
        ],
    ] {
        let d = tlsight()
            .arg("decrypt")
            .args(&args)
            .arg(&rec)
            .arg("--json")
            .output()
            .unwrap();
        assert_eq!(
            d.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&d.stderr)
        );
        let j: serde_json::Value = serde_json::from_slice(&d.stdout).unwrap();
        let text = j.to_string();
        assert!(
            text.contains("\"ok\":true") && !text.contains("\"ok\":false"),
            "{text}"
        );
    }
}

#[test]
fn cli_rejects_unknown_cipher_names_in_one_line() {
    let out = tlsight()
        .args(["handshake", "127.0.0.1:1", "--cipher", "NOT-A-SUITE"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.starts_with("tlsight: --cipher NOT-A-SUITE"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1);
}

/// `mitm` on a server only tlsight's engine can speak to (TLS 1.0, RSA key transport), directly
/// and through a SOCKS5 proxy: the chain arrives through the engine, the server Finished is the
/// proof of the key, and the verdict is clean. Before the engine's proof reached the assessment,
/// this said "the server never proved it holds the leaf's key".
#[test]
fn cli_mitm_on_a_tls10_rsa_kx_server_direct_and_through_a_proxy() {
    let s = s_server(&["-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0"]);
    let root = certs().join("root.pem");
    let proxy = common::microsocks(None);
    let mut routes = vec![Vec::<String>::new()];
    if let Some(px) = &proxy {
        routes.push(vec!["--proxy".into(), px.url("socks5", None)]);
    }
    for route in routes {
        let out = tlsight()
            .args(["mitm", &s.target(), "--json"])
            .args(&route)
            .arg("--ca")
            .arg(&root)
            .output()
            .unwrap();
        let j: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
        assert_eq!(j["verdict"], "clean", "{route:?}: {j:#}");
        assert_eq!(out.status.code(), Some(0), "{route:?}");
        let kp = &j["server"]["key_possession"];
        assert_eq!(kp["status"], "proven", "{route:?}: {kp:#}");
        assert_eq!(kp["proof"], "finished", "{route:?}");
        let text = j.to_string();
        assert!(!text.contains("key_possession_failed"), "{route:?}: {j:#}");
    }
}
