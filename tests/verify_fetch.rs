//! `tlsight verify --fetch`: a chain whose intermediate is missing is completed from the AIA
//! caIssuers URL and checked against the CRL its distribution point names, both served by a
//! loopback HTTP server this test starts. The PKI is made here with rcgen so the URLs can carry
//! the server's ephemeral port.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CrlDistributionPoint,
    CustomExtension, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair,
    KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use serde_json::Value;

/// A one-thread HTTP/1.0 server on 127.0.0.1 answering from a path -> body map.
struct Http {
    port: u16,
    hits: Arc<AtomicUsize>,
}

impl Http {
    fn start(files: Arc<Mutex<HashMap<String, Vec<u8>>>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(AtomicUsize::new(0));
        let hits2 = hits.clone();
        std::thread::spawn(move || {
            for sock in listener.incoming() {
                let Ok(mut sock) = sock else { break };
                hits2.fetch_add(1, Ordering::SeqCst);
                let mut req = Vec::new();
                let mut b = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut b) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => req.extend_from_slice(&b[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&req)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_string();
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                let body = files.lock().expect("lock").get(&path).cloned();
                let resp = match body {
                    Some(b) => {
                        let mut r =
                            format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", b.len())
                                .into_bytes();
                        r.extend_from_slice(&b);
                        r
                    }
                    None => b"HTTP/1.0 404 Not Found\r\n\r\n".to_vec(),
                };
                let _ = sock.write_all(&resp);
            }
        });
        Self { port, hits }
    }
}

/// AuthorityInfoAccess with one caIssuers URI (RFC 5280 4.2.2.1), DER by hand.
fn aia(url: &str) -> CustomExtension {
    let mut access = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    access.push(0x86);
    access.push(u8::try_from(url.len()).expect("short url"));
    access.extend_from_slice(url.as_bytes());
    let mut desc = vec![0x30, u8::try_from(access.len()).expect("short")];
    desc.extend(access);
    let mut seq = vec![0x30, u8::try_from(desc.len()).expect("short")];
    seq.extend(desc);
    CustomExtension::from_oid_content(&[1, 3, 6, 1, 5, 5, 7, 1, 1], seq)
}

fn ca_params(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(Vec::<String>::new()).expect("params");
    p.distinguished_name.push(DnType::CommonName, cn);
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.key_identifier_method = KeyIdMethod::Sha256;
    p.use_authority_key_identifier_extension = true;
    p
}

struct Pki {
    dir: tempfile::TempDir,
    http: Http,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
}

fn pki() -> Pki {
    let files = Arc::new(Mutex::new(HashMap::new()));
    let http = Http::start(files.clone());
    let base = format!("http://127.0.0.1:{}", http.port);

    let root_key = KeyPair::generate().expect("key");
    let root_params = ca_params("fetch root");
    let root = root_params.self_signed(&root_key).expect("root");
    let root_issuer = Issuer::from_params(&root_params, &root_key);

    let int_key = KeyPair::generate().expect("key");
    let int_params = ca_params("fetch intermediate");
    let int = int_params.signed_by(&int_key, &root_issuer).expect("int");
    let int_issuer = Issuer::from_params(&int_params, &int_key);

    let leaf_key = KeyPair::generate().expect("key");
    let leaf = |serial: u64| {
        let mut p = CertificateParams::new(vec!["good.test".to_string()]).expect("params");
        p.distinguished_name.push(DnType::CommonName, "good.test");
        p.serial_number = Some(SerialNumber::from(serial));
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.use_authority_key_identifier_extension = true;
        p.custom_extensions.push(aia(&format!("{base}/int.der")));
        p.crl_distribution_points = vec![CrlDistributionPoint {
            uris: vec![format!("{base}/int.crl")],
        }];
        p.signed_by(&leaf_key, &int_issuer).expect("leaf")
    };
    let good = leaf(100);
    let revoked = leaf(200);
    let now = time::OffsetDateTime::from_unix_timestamp(1_893_456_000).expect("time");
    let crl = CertificateRevocationListParams {
        this_update: now - time::Duration::days(1),
        next_update: now + time::Duration::days(30),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(200u64),
            revocation_time: now - time::Duration::days(2),
            reason_code: None,
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&int_issuer)
    .expect("crl");
    {
        let mut f = files.lock().expect("lock");
        f.insert("/int.der".into(), int.der().to_vec());
        f.insert("/int.crl".into(), crl.der().to_vec());
    }
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("root.pem"), root.pem()).expect("write");
    std::fs::write(dir.path().join("good.pem"), good.pem()).expect("write");
    std::fs::write(dir.path().join("revoked.pem"), revoked.pem()).expect("write");
    Pki { dir, http, files }
}

fn verify(p: &Pki, leaf: &str, fetch: bool) -> (Option<i32>, Value) {
    let d = p.dir.path();
    let mut cmd = Command::cargo_bin("tlsight").expect("binary");
    cmd.args(["verify", "--chain"])
        .arg(d.join(leaf))
        .arg("--ca")
        .arg(d.join("root.pem"))
        .args([
            "--store",
            "custom",
            "--host",
            "good.test",
            "--at",
            "2030-01-01",
            "--json",
        ]);
    if fetch {
        cmd.arg("--fetch");
    }
    let out = cmd.output().expect("runs");
    (
        out.status.code(),
        serde_json::from_slice(&out.stdout).expect("json"),
    )
}

fn codes(v: &Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|e| e["code"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn without_fetch_the_chain_is_incomplete_and_nothing_is_downloaded() {
    let p = pki();
    let (code, v) = verify(&p, "good.pem", false);
    assert_eq!(code, Some(1));
    assert_eq!(codes(&v, "errors"), vec!["incomplete_chain"]);
    assert_eq!(p.http.hits.load(Ordering::SeqCst), 0);
}

#[test]
fn fetch_completes_the_chain_from_aia_and_checks_the_crl() {
    let p = pki();
    let (code, v) = verify(&p, "good.pem", true);
    assert_eq!(code, Some(0), "{v:#}");
    assert!(codes(&v, "warnings").contains(&"incomplete_chain_recovered".to_string()));
    assert_eq!(v["chain"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["chain"][1]["signature_valid"], true);
    let fetched = v["fetched"].as_array().expect("fetched");
    let purposes: Vec<&str> = fetched
        .iter()
        .filter_map(|f| f["purpose"].as_str())
        .collect();
    assert_eq!(purposes, vec!["ca_issuers", "crl"]);
    assert!(fetched.iter().all(|f| f["error"].is_null()), "{fetched:#?}");
    assert!(
        v["sent"][1]["fetched_from"]
            .as_str()
            .is_some_and(|u| u.ends_with("/int.der"))
    );
    assert_eq!(p.http.hits.load(Ordering::SeqCst), 2);
}

#[test]
fn fetched_crl_revokes() {
    let p = pki();
    let (code, v) = verify(&p, "revoked.pem", true);
    assert_eq!(code, Some(1), "{v:#}");
    assert_eq!(codes(&v, "errors"), vec!["revoked"]);
}

#[test]
fn failed_downloads_are_recorded_not_fatal() {
    let p = pki();
    p.files.lock().expect("lock").clear(); // every URL now answers 404
    let (code, v) = verify(&p, "good.pem", true);
    assert_eq!(code, Some(1), "verification ran: {v:#}");
    assert!(codes(&v, "errors").contains(&"incomplete_chain".to_string()));
    let fetched = v["fetched"].as_array().expect("fetched");
    assert!(
        fetched[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP status 404")),
        "{fetched:#?}"
    );
}
