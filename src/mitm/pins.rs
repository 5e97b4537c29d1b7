//! SPKI pins in HPKP syntax (`sha256/BASE64`, RFC 7469 §2.4): the SHA-256 of a certificate's DER
//! SubjectPublicKeyInfo, which survives certificate renewal with the same key.

use base64::Engine as _;
use serde::Serialize;

use super::MitmError;

/// A parsed pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    /// The 32-byte digest.
    pub digest: [u8; 32],
    /// As given.
    pub text: String,
}

impl Pin {
    /// Parses `sha256/BASE64` (also the `pin-sha256="BASE64"` header form).
    pub fn parse(s: &str) -> Result<Self, MitmError> {
        let bad = |reason: &str| MitmError::BadPin {
            pin: s.to_string(),
            reason: reason.to_string(),
        };
        let t = s.trim();
        let b64 = if let Some(rest) = t.strip_prefix("sha256/") {
            rest
        } else if let Some(rest) = t.strip_prefix("pin-sha256=") {
            rest.trim_matches('"')
        } else {
            return Err(bad("expected sha256/BASE64 (HPKP pin-sha256 syntax)"));
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| bad(&format!("not base64: {e}")))?;
        let digest: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            bad(&format!(
                "a SHA-256 digest has 32 bytes, this has {}",
                bytes.len()
            ))
        })?;
        Ok(Self {
            digest,
            text: format!("sha256/{b64}"),
        })
    }

    /// The base64 form used by [`crate::x509::CertSummary::spki_sha256`].
    pub fn base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.digest)
    }
}

/// One pin checked against the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinCheck {
    /// The pin, normalised to `sha256/BASE64`.
    pub pin: String,
    /// Whether some certificate of the chain (or its trust anchor) has this key.
    pub matched: bool,
    /// What matched: `certificate #N <subject>` or `anchor <subject> (store)`.
    pub matched_by: Option<String>,
}

/// A key in the chain a pin may name.
#[derive(Debug, Clone)]
pub struct PinnableKey {
    /// base64 SHA-256 of the SPKI.
    pub spki_sha256: String,
    /// Human description.
    pub label: String,
}

/// Checks each pin against the keys of the chain.
pub fn check(pins: &[Pin], keys: &[PinnableKey]) -> Vec<PinCheck> {
    pins.iter()
        .map(|p| {
            let b = p.base64();
            let hit = keys.iter().find(|k| k.spki_sha256 == b);
            PinCheck {
                pin: p.text.clone(),
                matched: hit.is_some(),
                matched_by: hit.map(|k| k.label.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_hpkp_forms_and_refuses_bad_ones() {
        let ok = "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let p = Pin::parse(ok).unwrap();
        assert_eq!(p.base64(), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(
            Pin::parse("pin-sha256=\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"").unwrap(),
            p
        );
        for bad in ["sha1/abc", "sha256/!!!", "sha256/AAAA", ""] {
            let e = Pin::parse(bad).unwrap_err().to_string();
            assert!(e.contains("pin"), "{e}");
        }
    }

    #[test]
    fn matches_any_key() {
        let p = Pin::parse("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").unwrap();
        let keys = vec![PinnableKey {
            spki_sha256: "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".into(),
            label: "certificate #1".into(),
        }];
        assert!(check(std::slice::from_ref(&p), &keys)[0].matched);
        assert!(!check(&[p], &[])[0].matched);
    }
}
