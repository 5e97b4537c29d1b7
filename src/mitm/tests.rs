//! Judgement rules on hand-made chains: a generated CA stands in for a Mozilla or OS anchor by
//! relabelling the store that validated it, so CT, local anchoring and path/baseline rules are
//! exercised without touching the real stores.

use super::*;
use crate::x509::{ChainReport, StoreKind, StoreSelection, VerifyOptions};
use rustls_pki_types::CertificateDer;

struct Pki {
    ca: CertificateDer<'static>,
    leaf: CertificateDer<'static>,
}

/// A CA and a leaf for `example.test`, optionally with `scts` embedded SCTs.
fn pki(scts: usize) -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.distinguished_name = rcgen::DistinguishedName::new();
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Example Public Root");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let mut leaf = rcgen::CertificateParams::new(vec!["example.test".to_string()]).unwrap();
    leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    if scts > 0 {
        // extnValue = OCTET STRING { TLS SignedCertificateTimestampList } (RFC 6962 §3.3)
        let mut list = Vec::new();
        for i in 0..scts {
            let mut one = vec![0u8];
            one.extend([u8::try_from(i).unwrap() + 1; 32]);
            one.extend(1_700_000_000_000u64.to_be_bytes());
            one.extend([0, 0, 4, 3, 0, 2, 0xaa, 0xbb]);
            list.extend(u16::try_from(one.len()).unwrap().to_be_bytes());
            list.extend(one);
        }
        let mut tls = u16::try_from(list.len()).unwrap().to_be_bytes().to_vec();
        tls.extend(list);
        let mut content = vec![0x04, u8::try_from(tls.len()).unwrap()];
        content.extend(tls);
        leaf.custom_extensions
            .push(rcgen::CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2],
                content,
            ));
    }
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    Pki {
        ca: ca_cert.der().clone(),
        leaf: leaf_cert.der().clone(),
    }
}

fn observation(p: &Pki) -> Observation {
    Observation {
        target: "example.test:443".into(),
        address: "127.0.0.1:443".into(),
        via_proxy: None,
        name: "example.test".into(),
        certificates: vec![p.leaf.clone()],
        ocsp: Vec::new(),
        handshake_signature_valid: Some(true),
        key_possession_failed: false,
        signature_proof: Some(crate::x509::ProofKind::CertificateVerify),
        failure: None,
        version: Some("TLSv1.3".into()),
        cipher_suite: Some("TLS_AES_128_GCM_SHA256".into()),
        ja3s: Some("aaaa".into()),
        ja3s_string: Some("771,4865,43-51".into()),
        tls_scts: Vec::new(),
        sct_errors: Vec::new(),
    }
}

fn options(layout: StoreLayout) -> AssessOptions {
    AssessOptions {
        layout,
        ..AssessOptions::new().unwrap()
    }
}

fn empty_layout() -> StoreLayout {
    StoreLayout {
        ssl_cert_file: None,
        ssl_cert_dir: None,
        local_dirs: Vec::new(),
        distro_dirs: Vec::new(),
    }
}

/// The chain validated against only `p.ca`, reported as if the stores `as_` had anchored it.
fn report_anchored_in(obs: &Observation, p: &Pki, as_: &[StoreKind]) -> ChainReport {
    let vopts = VerifyOptions {
        stores: StoreSelection {
            mozilla: false,
            os: false,
        },
        extra_anchors: vec![p.ca.clone()],
        ..verify_options(obs, &options(empty_layout()))
    };
    let mut r = crate::x509::verify_chain(&obs.certificates, &vopts);
    let custom = r.stores.remove(&StoreKind::Custom).unwrap();
    assert!(custom.trusted, "{custom:?}");
    for k in as_ {
        r.stores.insert(*k, custom.clone());
    }
    r
}

fn ids(a: &Assessment) -> Vec<&'static str> {
    a.signals.iter().map(|s| s.id).collect()
}

#[test]
fn a_public_chain_without_scts_is_suspicious() {
    let p = pki(0);
    let obs = observation(&p);
    let r = report_anchored_in(&obs, &p, &[StoreKind::Mozilla, StoreKind::Os]);
    let a = assess_with_report(&obs, &r, &options(empty_layout())).unwrap();
    assert_eq!(ids(&a), vec!["missing_sct"]);
    assert_eq!(a.verdict, Verdict::Suspicious);
    assert!(a.ct.expected);
}

#[test]
fn a_public_chain_with_embedded_scts_is_clean_and_they_are_decoded() {
    let p = pki(2);
    let obs = observation(&p);
    let r = report_anchored_in(&obs, &p, &[StoreKind::Mozilla, StoreKind::Os]);
    let a = assess_with_report(&obs, &r, &options(empty_layout())).unwrap();
    assert!(a.signals.is_empty(), "{:?}", a.signals);
    assert_eq!(a.verdict, Verdict::Clean);
    assert_eq!(a.ct.embedded, 2);
    assert_eq!(a.chain[0].sct_count, 2);
    assert_eq!(a.ct.scts[1].time, "2023-11-14T22:13:20Z");
    // An SCT delivered in the TLS extension alone also satisfies CT.
    let p = pki(0);
    let mut obs = observation(&p);
    let mut one = vec![0u8];
    one.extend([9u8; 32]);
    one.extend(1u64.to_be_bytes());
    one.extend([0, 0]);
    let mut l = u16::try_from(one.len()).unwrap().to_be_bytes().to_vec();
    l.extend(one);
    let mut body = u16::try_from(l.len()).unwrap().to_be_bytes().to_vec();
    body.extend(l);
    obs.tls_scts = sct::from_tls_list(&body, SctSource::TlsExtension).unwrap();
    let r = report_anchored_in(&obs, &p, &[StoreKind::Mozilla]);
    let a = assess_with_report(&obs, &r, &options(empty_layout())).unwrap();
    assert!(a.signals.is_empty(), "{:?}", a.signals);
    assert_eq!((a.ct.embedded, a.ct.tls_extension), (0, 1));
}

#[test]
fn an_os_only_anchor_is_weighed_by_its_origin() {
    let p = pki(0);
    let obs = observation(&p);
    let r = report_anchored_in(&obs, &p, &[StoreKind::Os]);
    let tmp = tempfile::tempdir().unwrap();
    let local = tmp.path().join("local");
    let distro = tmp.path().join("distro");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::create_dir_all(&distro).unwrap();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &p.ca)
    );
    let layout = StoreLayout {
        ssl_cert_file: None,
        ssl_cert_dir: None,
        local_dirs: vec![local.clone()],
        distro_dirs: vec![distro.clone()],
    };
    // Added under the local tree: a warning.
    std::fs::write(local.join("corp.crt"), &pem).unwrap();
    let a = assess_with_report(&obs, &r, &options(layout.clone())).unwrap();
    assert_eq!(ids(&a), vec!["anchored_only_locally"]);
    assert_eq!(a.signals[0].severity, Severity::Warning);
    assert_eq!(a.os_anchor_origin.as_ref().unwrap().kind, OriginKind::Local);
    // Shipped by the distribution: information only (snapshot skew), verdict clean.
    std::fs::remove_file(local.join("corp.crt")).unwrap();
    std::fs::write(distro.join("ca.crt"), &pem).unwrap();
    let a = assess_with_report(&obs, &r, &options(layout.clone())).unwrap();
    assert_eq!(a.signals[0].severity, Severity::Info);
    assert_eq!(a.verdict, Verdict::Clean);
    // No CT expectation without a Mozilla anchor.
    assert!(!a.ct.expected);
    // The same anchor given with --ca is expected: no signal.
    let mut r2 = r.clone();
    r2.stores
        .insert(StoreKind::Custom, r.stores[&StoreKind::Os].clone());
    let a = assess_with_report(&obs, &r2, &options(layout)).unwrap();
    assert!(a.signals.is_empty(), "{:?}", a.signals);
}

#[test]
fn server_hello_change_alone_is_information() {
    let p = pki(1);
    let obs = observation(&p);
    let r = report_anchored_in(&obs, &p, &[StoreKind::Mozilla]);
    let mut opts = options(empty_layout());
    let mut old = obs.baseline_entry(0).unwrap();
    old.ja3s = Some("bbbb".into());
    opts.baseline = Some(("example.test:443".into(), Some(old)));
    let a = assess_with_report(&obs, &r, &opts).unwrap();
    assert_eq!(ids(&a), vec!["server_hello_changed"]);
    assert_eq!(a.verdict, Verdict::Clean);
}

#[test]
fn paths_with_the_same_key_but_another_server_hello_differ() {
    let p = pki(1);
    let obs = observation(&p);
    let r = report_anchored_in(&obs, &p, &[StoreKind::Mozilla]);
    let mut opts = options(empty_layout());
    let mut direct = observation(&p);
    direct.ja3s = Some("cccc".into());
    direct.address = "127.0.0.1:8443".into();
    opts.direct = Some(direct);
    let a = assess_with_report(&obs, &r, &opts).unwrap();
    assert_eq!(ids(&a), vec!["proxy_path_differs"]);
    let pc = a.path_comparison.unwrap();
    assert_eq!(pc.differences.len(), 1);
    assert_eq!(pc.differences[0].field, "ja3s");
}

#[test]
fn an_incomplete_handshake_is_noted_and_no_certificate_is_an_error() {
    let p = pki(1);
    let mut obs = observation(&p);
    obs.failure = Some("server sent alert handshake_failure".into());
    let r = report_anchored_in(&obs, &p, &[StoreKind::Mozilla]);
    let a = assess_with_report(&obs, &r, &options(empty_layout())).unwrap();
    assert_eq!(ids(&a), vec!["handshake_incomplete"]);
    assert_eq!(a.verdict, Verdict::Clean);
    obs.certificates.clear();
    let e = assess_with_report(&obs, &r, &options(empty_layout())).unwrap_err();
    assert!(e.to_string().contains("handshake_failure"), "{e}");
}

#[test]
fn a_wrong_name_is_suspicious() {
    let p = pki(1);
    let mut obs = observation(&p);
    obs.name = "other.test".into();
    let r = report_anchored_in(&obs, &p, &[StoreKind::Mozilla]);
    let a = assess_with_report(&obs, &r, &options(empty_layout())).unwrap();
    assert_eq!(ids(&a), vec!["hostname_mismatch"]);
    assert!(
        a.signals[0].evidence[0].contains("DNS:example.test"),
        "{:?}",
        a.signals[0]
    );
}

#[test]
fn a_handshake_that_stops_before_the_key_proof_is_never_clean() {
    let p = pki(2);
    let mut obs = observation(&p);
    obs.handshake_signature_valid = None;
    obs.failure = Some("server closed the connection during the handshake".into());
    let r = report_anchored_in(&obs, &p, &[StoreKind::Custom]);
    let a = assess_with_report(&obs, &r, &options(empty_layout())).unwrap();
    assert_eq!(ids(&a)[0], "key_possession_failed", "{:?}", ids(&a));
    assert_eq!(a.verdict, Verdict::Suspicious);
    assert_eq!(
        a.server.key_possession.status,
        crate::x509::PossessionStatus::NotShown
    );
}
