//! Name rules on the server certificate beyond webpki's matching: wildcards over public
//! suffixes (Public Suffix List from the `psl` crate) and a subject CN that is not a copy of a
//! SAN, under the default rules and the `cabf` profile. Each scenario issues a fresh leaf from a
//! fresh root with rcgen and verifies it with that root as the only anchor; the last one runs
//! the `tlsight verify --profile` command line on the same kind of chain.

use assert_cmd::Command;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::CertificateDer;
use serde_json::Value;
use tlsight::x509::{self, ChainReport, Code, Profile, StoreSelection, VerifyOptions};

/// A root and one leaf it issued (DER), with the leaf's SANs, CN and EKU as given.
struct Pki {
    root: CertificateDer<'static>,
    leaf: CertificateDer<'static>,
    root_pem: String,
    leaf_pem: String,
}

fn issue(sans: Vec<SanType>, cn: &str, server_auth_eku: bool) -> Pki {
    let root_key = KeyPair::generate().expect("root key");
    let mut root = CertificateParams::new(Vec::<String>::new()).expect("root params");
    root.distinguished_name = DistinguishedName::new();
    root.distinguished_name
        .push(DnType::CommonName, "tlsight names test root");
    root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let root_cert = root.self_signed(&root_key).expect("root");
    let issuer = Issuer::new(root, root_key);
    let mut leaf = CertificateParams::new(Vec::<String>::new()).expect("leaf params");
    leaf.subject_alt_names = sans;
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name.push(DnType::CommonName, cn);
    if server_auth_eku {
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    }
    leaf.use_authority_key_identifier_extension = true;
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).expect("leaf");
    Pki {
        root: root_cert.der().clone(),
        leaf: leaf_cert.der().clone(),
        root_pem: root_cert.pem(),
        leaf_pem: leaf_cert.pem(),
    }
}

fn dns(names: &[&str]) -> Vec<SanType> {
    names
        .iter()
        .map(|n| SanType::DnsName((*n).try_into().expect("IA5 name")))
        .collect()
}

fn verify(p: &Pki, host: &str, profile: Profile) -> ChainReport {
    x509::verify_chain(
        std::slice::from_ref(&p.leaf),
        &VerifyOptions {
            host: Some(host.into()),
            stores: StoreSelection {
                mozilla: false,
                os: false,
            },
            extra_anchors: vec![p.root.clone()],
            profile,
            ..VerifyOptions::default()
        },
    )
}

fn codes(f: &[x509::Finding]) -> Vec<Code> {
    f.iter().map(|f| f.code).collect()
}

/// The chain is refused, and `code` is among the reasons.
fn assert_refused(r: &ChainReport, code: Code) {
    assert!(!r.trusted, "must not be trusted: {r:#?}");
    assert!(codes(&r.errors).contains(&code), "{code:?}: {:?}", r.errors);
}

#[test]
fn wildcard_over_registry_suffix_is_rejected() {
    let p = issue(dns(&["*.co.uk"]), "*.co.uk", true);
    let r = verify(&p, "example.co.uk", Profile::Default);
    assert_refused(&r, Code::WildcardPublicSuffix);
    assert!(
        r.errors.iter().any(|f| f.message.contains("\"*.co.uk\"")),
        "the finding names the wildcard: {:?}",
        r.errors
    );
}

#[test]
fn wildcard_below_a_public_suffix_is_accepted() {
    let p = issue(dns(&["*.example.co.uk"]), "*.example.co.uk", true);
    for profile in [Profile::Default, Profile::Cabf] {
        let r = verify(&p, "www.example.co.uk", profile);
        assert!(r.trusted, "{profile:?}: {r:#?}");
        assert!(r.warnings.is_empty(), "{profile:?}: {:?}", r.warnings);
    }
}

#[test]
fn wildcard_over_private_suffix_warns_and_is_rejected_with_cabf() {
    let p = issue(dns(&["*.s3.amazonaws.com"]), "*.s3.amazonaws.com", true);
    let r = verify(&p, "bucket.s3.amazonaws.com", Profile::Default);
    assert!(r.trusted, "{r:#?}");
    assert_eq!(codes(&r.warnings), vec![Code::WildcardPrivateSuffix]);
    assert_refused(
        &verify(&p, "bucket.s3.amazonaws.com", Profile::Cabf),
        Code::WildcardPublicSuffix,
    );
}

#[test]
fn cn_outside_the_sans_is_a_warning() {
    let p = issue(dns(&["www.example.test"]), "other.example.test", true);
    for profile in [Profile::Default, Profile::Cabf] {
        let r = verify(&p, "www.example.test", profile);
        assert!(r.trusted, "{profile:?}: {r:#?}");
        assert_eq!(codes(&r.warnings), vec![Code::CnNotInSan], "{profile:?}");
        assert!(
            r.warnings[0].message.contains("\"other.example.test\""),
            "{:?}",
            r.warnings
        );
    }
    // The CN is never matched: only the SANs name the server.
    assert_refused(
        &verify(&p, "other.example.test", Profile::Default),
        Code::HostnameMismatch,
    );
}

#[test]
fn cn_copied_from_a_san_raises_nothing() {
    let p = issue(
        dns(&["www.example.test", "example.test"]),
        "example.test",
        true,
    );
    let r = verify(&p, "www.example.test", Profile::Cabf);
    assert!(r.trusted, "{r:#?}");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn cn_spelling_a_san_differently_is_rejected_with_cabf() {
    let upper = issue(dns(&["www.example.test"]), "WWW.Example.TEST", true);
    let ip = issue(
        vec![SanType::IpAddress("192.168.1.1".parse().expect("ip"))],
        "192.168.001.001",
        true,
    );
    for (p, host) in [(&upper, "www.example.test"), (&ip, "192.168.1.1")] {
        let r = verify(p, host, Profile::Default);
        assert!(r.trusted, "default rules: {r:#?}");
        assert_eq!(codes(&r.warnings), vec![Code::CnNotInSan]);
        let r = verify(p, host, Profile::Cabf);
        assert_refused(&r, Code::ProfileViolation);
        assert!(
            r.errors
                .iter()
                .any(|f| f.code == Code::ProfileViolation && f.message.contains("7.1.4.3")),
            "{:?}",
            r.errors
        );
    }
}

#[test]
fn leaf_without_eku_is_rejected_only_with_cabf() {
    let p = issue(dns(&["www.example.test"]), "www.example.test", false);
    assert!(verify(&p, "www.example.test", Profile::Default).trusted);
    assert_refused(
        &verify(&p, "www.example.test", Profile::Cabf),
        Code::InvalidEku,
    );
}

#[test]
fn cli_profile_flag_selects_the_rules() {
    let p = issue(dns(&["www.example.test"]), "WWW.example.test", true);
    let dir = tempfile::tempdir().expect("tempdir");
    let leaf = dir.path().join("leaf.pem");
    let root = dir.path().join("root.pem");
    std::fs::write(&leaf, &p.leaf_pem).expect("write leaf");
    std::fs::write(&root, &p.root_pem).expect("write root");
    let run = |profile: &str| -> (i32, Value) {
        let out = Command::cargo_bin("tlsight")
            .expect("binary")
            .env("NO_COLOR", "1")
            .args(["verify", "--chain"])
            .arg(&leaf)
            .arg("--ca")
            .arg(&root)
            .args([
                "--store",
                "custom",
                "--host",
                "www.example.test",
                "--profile",
                profile,
                "--json",
            ])
            .output()
            .expect("runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        (out.status.code().unwrap_or(-1), v)
    };
    let (code, v) = run("default");
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["profile"], "default");
    assert_eq!(v["warnings"][0]["code"], "cn_not_in_san", "{v:#}");
    let (code, v) = run("cabf");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        v["profile"], "cabf",
        "the report names the rules it applied"
    );
    assert_eq!(v["trusted"], false);
    assert!(
        v["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .any(|e| e["code"] == "profile_violation"),
        "{v:#}"
    );
}
