//! Record MACs (RFC 5246 §6.2.3.1): HMAC-SHA1/SHA256/SHA384 from ring, HMAC-MD5 from RustCrypto
//! `hmac` + `md-5` (ring has no MD5).

use super::suite::MacAlg;

/// HMAC-MD5 over the concatenation of `parts`.
pub(crate) fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    use hmac::{KeyInit, Mac};
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let Ok(mut m) = <hmac::Hmac<md5::Md5> as KeyInit>::new_from_slice(key) else {
        return Vec::new();
    };
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// A record MAC key.
#[derive(Clone)]
pub(crate) enum MacKey {
    /// ring HMAC (SHA-1, SHA-256, SHA-384).
    Ring(ring::hmac::Key),
    /// HMAC-MD5 key bytes.
    Md5(Vec<u8>),
}

impl MacKey {
    pub(crate) fn new(alg: MacAlg, key: &[u8]) -> Self {
        let ring_alg = match alg {
            MacAlg::Md5 => return Self::Md5(key.to_vec()),
            // SHA-1 only as HMAC, as the suites require; not a signature.
            MacAlg::Sha1 => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            MacAlg::Sha256 => ring::hmac::HMAC_SHA256,
            MacAlg::Sha384 => ring::hmac::HMAC_SHA384,
        };
        Self::Ring(ring::hmac::Key::new(ring_alg, key))
    }

    /// The MAC over the concatenation of `parts`.
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Self::Ring(k) => {
                let mut ctx = ring::hmac::Context::with_key(k);
                for p in parts {
                    ctx.update(p);
                }
                ctx.sign().as_ref().to_vec()
            }
            Self::Md5(k) => hmac_md5(k, parts),
        }
    }

    /// Compares in constant time.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        let mine = self.sign(parts);
        mine.len() == tag.len() && mine.iter().zip(tag).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 2202 test case 2.
    #[test]
    fn hmac_md5_rfc2202() {
        assert_eq!(
            hex::encode(hmac_md5(b"Jefe", &[b"what do ya want ", b"for nothing?"])),
            "750c783e6ab0b503eaa86e310a5db738"
        );
        let k = MacKey::new(MacAlg::Md5, b"Jefe");
        let tag = k.sign(&[b"what do ya want for nothing?"]);
        assert!(k.verify(&[b"what do ya want for nothing?"], &tag));
        assert!(!k.verify(&[b"what do ya want for nothing!"], &tag));
    }
}
