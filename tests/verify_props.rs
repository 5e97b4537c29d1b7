//! Bad input never panics: random corruption, truncation and garbage through the parsers and
//! the whole verifier. A corrupted certificate is never trusted.

use proptest::prelude::*;
use rustls_pki_types::CertificateDer;
use tlsight::x509::{self, StoreSelection, VerifyOptions};

fn good() -> Vec<CertificateDer<'static>> {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/certs/chains/good.pem"
    ))
    .expect("fixture");
    x509::certs_from_bytes(&bytes, "good.pem").expect("certs")
}

fn opts() -> VerifyOptions {
    let root = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/certs/chains/root.pem"
    ))
    .expect("root");
    VerifyOptions {
        host: Some("good.test".into()),
        at: Some(1_893_456_000),
        stores: StoreSelection {
            mozilla: false,
            os: false,
        },
        extra_anchors: x509::certs_from_bytes(&root, "root.pem").expect("root"),
        ..VerifyOptions::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn flipped_bytes_are_never_trusted(pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut chain = good();
        let mut leaf = chain[0].as_ref().to_vec();
        let i = pos.index(leaf.len());
        leaf[i] ^= 1 << bit;
        chain[0] = CertificateDer::from(leaf);
        let r = x509::verify_chain(&chain, &opts());
        // a flip can only land in a spot that changes nothing if it is outside signed data,
        // which in a certificate means the signature itself: that must fail too
        prop_assert!(!r.trusted, "flip at {i} bit {bit} still trusted");
        prop_assert!(!r.errors.is_empty());
    }

    #[test]
    fn truncation_is_reported(cut in 1usize..400) {
        let mut chain = good();
        let leaf = chain[0].as_ref().to_vec();
        let keep = leaf.len().saturating_sub(cut);
        chain[0] = CertificateDer::from(leaf[..keep].to_vec());
        let r = x509::verify_chain(&chain, &opts());
        prop_assert!(!r.trusted);
        prop_assert!(x509::CertSummary::from_der(&leaf[..keep]).is_err());
    }

    #[test]
    fn garbage_input_is_an_error_or_a_finding(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = x509::CertSummary::from_der(&bytes);
        if let Ok(certs) = x509::certs_from_bytes(&bytes, "fuzz") {
            let r = x509::verify_chain(&certs, &opts());
            prop_assert!(!r.trusted);
        }
        let _ = x509::crls_from_bytes(&bytes, "fuzz");
    }
}
