//! The cipher-suite parameters record decryption needs: protocol, key exchange, bulk cipher and
//! PRF/HKDF hash. Only suites this module can decrypt are listed; everything else is reported by
//! name through [`super::CryptoError::UnsupportedSuite`].

use serde::Serialize;

use super::CryptoError;

/// Hash of the PRF (TLS 1.2) or HKDF (TLS 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlg {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    /// Digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.ring_digest(), data)
            .as_ref()
            .to_vec()
    }

    pub(crate) fn ring_digest(self) -> &'static ring::digest::Algorithm {
        match self {
            Self::Sha256 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
        }
    }

    pub(crate) fn hmac(self) -> ring::hmac::Algorithm {
        match self {
            Self::Sha256 => ring::hmac::HMAC_SHA256,
            Self::Sha384 => ring::hmac::HMAC_SHA384,
        }
    }

    pub(crate) fn hkdf(self) -> ring::hkdf::Algorithm {
        match self {
            Self::Sha256 => ring::hkdf::HKDF_SHA256,
            Self::Sha384 => ring::hkdf::HKDF_SHA384,
        }
    }
}

/// The record protection of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Bulk {
    /// AES-128-GCM (RFC 5288 in TLS 1.2).
    Aes128Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905 in TLS 1.2).
    Chacha20Poly1305,
    /// AES-128-CBC with an HMAC (TLS 1.2, explicit IV; RFC 7366 encrypt-then-MAC when agreed).
    Aes128Cbc(MacAlg),
    /// AES-256-CBC with an HMAC.
    Aes256Cbc(MacAlg),
}

/// The HMAC of a CBC suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MacAlg {
    /// HMAC-SHA1 (the `_SHA` suites).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
}

impl MacAlg {
    /// MAC key and tag length.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }

    pub(crate) fn hmac(self) -> ring::hmac::Algorithm {
        match self {
            // SHA-1 only as HMAC, as the suite requires; not a signature.
            Self::Sha1 => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => ring::hmac::HMAC_SHA256,
            Self::Sha384 => ring::hmac::HMAC_SHA384,
        }
    }
}

impl Bulk {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes128Cbc(_) => 16,
            Self::Aes256Gcm | Self::Chacha20Poly1305 | Self::Aes256Cbc(_) => 32,
        }
    }

    /// MAC key length in the TLS 1.2 key block (0 for AEADs).
    pub fn mac_key_len(self) -> usize {
        match self {
            Self::Aes128Cbc(m) | Self::Aes256Cbc(m) => m.output_len(),
            _ => 0,
        }
    }

    /// TLS 1.2 fixed IV length from the key block: the 4-byte GCM salt (the other 8 nonce bytes
    /// travel in each record), the whole 12-byte ChaCha20 IV (RFC 7905 has no explicit nonce),
    /// nothing for CBC (TLS 1.2 sends each record's IV explicitly).
    pub fn tls12_fixed_iv_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 4,
            Self::Chacha20Poly1305 => 12,
            Self::Aes128Cbc(_) | Self::Aes256Cbc(_) => 0,
        }
    }

    /// Bytes of explicit nonce / IV at the start of every TLS 1.2 record.
    pub fn tls12_explicit_nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 8,
            Self::Chacha20Poly1305 => 0,
            Self::Aes128Cbc(_) | Self::Aes256Cbc(_) => 16,
        }
    }

    /// Whether this is an AEAD.
    pub fn is_aead(self) -> bool {
        self.ring_alg().is_some()
    }

    pub(crate) fn ring_alg(self) -> Option<&'static ring::aead::Algorithm> {
        match self {
            Self::Aes128Gcm => Some(&ring::aead::AES_128_GCM),
            Self::Aes256Gcm => Some(&ring::aead::AES_256_GCM),
            Self::Chacha20Poly1305 => Some(&ring::aead::CHACHA20_POLY1305),
            Self::Aes128Cbc(_) | Self::Aes256Cbc(_) => None,
        }
    }
}

/// How the TLS 1.2 pre-master secret was agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyExchange {
    /// RSA key transport: the client encrypts the pre-master secret to the server's key.
    Rsa,
    /// Finite-field ephemeral Diffie-Hellman.
    Dhe,
    /// Elliptic-curve ephemeral Diffie-Hellman.
    Ecdhe,
    /// TLS 1.3: negotiated by extensions, always (EC)DHE or PSK.
    Tls13,
}

/// What decryption needs to know about a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SuiteParams {
    /// IANA code point.
    pub code: u16,
    /// IANA name.
    pub name: &'static str,
    /// Whether this is a TLS 1.3 suite.
    pub tls13: bool,
    /// Key exchange.
    pub kx: KeyExchange,
    /// Record protection.
    pub bulk: Bulk,
    /// PRF / HKDF hash.
    pub hash: HashAlg,
}

macro_rules! suites {
    ($($code:literal $name:ident $tls13:literal $kx:ident $bulk:expr, $hash:ident;)*) => {
        /// Every suite this module decrypts.
        pub const SUPPORTED: &[SuiteParams] = &[
            $(SuiteParams {
                code: $code,
                name: stringify!($name),
                tls13: $tls13,
                kx: KeyExchange::$kx,
                bulk: $bulk,
                hash: HashAlg::$hash,
            },)*
        ];
    };
}

suites! {
    0x1301 TLS_AES_128_GCM_SHA256 true Tls13 Bulk::Aes128Gcm, Sha256;
    0x1302 TLS_AES_256_GCM_SHA384 true Tls13 Bulk::Aes256Gcm, Sha384;
    0x1303 TLS_CHACHA20_POLY1305_SHA256 true Tls13 Bulk::Chacha20Poly1305, Sha256;
    0x009C TLS_RSA_WITH_AES_128_GCM_SHA256 false Rsa Bulk::Aes128Gcm, Sha256;
    0x009D TLS_RSA_WITH_AES_256_GCM_SHA384 false Rsa Bulk::Aes256Gcm, Sha384;
    0x009E TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 false Dhe Bulk::Aes128Gcm, Sha256;
    0x009F TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 false Dhe Bulk::Aes256Gcm, Sha384;
    0xC02B TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 false Ecdhe Bulk::Aes128Gcm, Sha256;
    0xC02C TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 false Ecdhe Bulk::Aes256Gcm, Sha384;
    0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 false Ecdhe Bulk::Aes128Gcm, Sha256;
    0xC030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 false Ecdhe Bulk::Aes256Gcm, Sha384;
    0xCCA8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 false Ecdhe Bulk::Chacha20Poly1305, Sha256;
    0xCCA9 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 false Ecdhe Bulk::Chacha20Poly1305, Sha256;
    0xCCAA TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 false Dhe Bulk::Chacha20Poly1305, Sha256;
    // CBC-HMAC, TLS 1.2 only (the PRF is SHA-256 unless the suite names SHA-384).
    0x002F TLS_RSA_WITH_AES_128_CBC_SHA false Rsa Bulk::Aes128Cbc(MacAlg::Sha1), Sha256;
    0x0035 TLS_RSA_WITH_AES_256_CBC_SHA false Rsa Bulk::Aes256Cbc(MacAlg::Sha1), Sha256;
    0x003C TLS_RSA_WITH_AES_128_CBC_SHA256 false Rsa Bulk::Aes128Cbc(MacAlg::Sha256), Sha256;
    0x003D TLS_RSA_WITH_AES_256_CBC_SHA256 false Rsa Bulk::Aes256Cbc(MacAlg::Sha256), Sha256;
    0x0033 TLS_DHE_RSA_WITH_AES_128_CBC_SHA false Dhe Bulk::Aes128Cbc(MacAlg::Sha1), Sha256;
    0x0039 TLS_DHE_RSA_WITH_AES_256_CBC_SHA false Dhe Bulk::Aes256Cbc(MacAlg::Sha1), Sha256;
    0x0067 TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 false Dhe Bulk::Aes128Cbc(MacAlg::Sha256), Sha256;
    0x006B TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 false Dhe Bulk::Aes256Cbc(MacAlg::Sha256), Sha256;
    0xC009 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA false Ecdhe Bulk::Aes128Cbc(MacAlg::Sha1), Sha256;
    0xC00A TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA false Ecdhe Bulk::Aes256Cbc(MacAlg::Sha1), Sha256;
    0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA false Ecdhe Bulk::Aes128Cbc(MacAlg::Sha1), Sha256;
    0xC014 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA false Ecdhe Bulk::Aes256Cbc(MacAlg::Sha1), Sha256;
    0xC023 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 false Ecdhe Bulk::Aes128Cbc(MacAlg::Sha256), Sha256;
    0xC024 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 false Ecdhe Bulk::Aes256Cbc(MacAlg::Sha384), Sha384;
    0xC027 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 false Ecdhe Bulk::Aes128Cbc(MacAlg::Sha256), Sha256;
    0xC028 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 false Ecdhe Bulk::Aes256Cbc(MacAlg::Sha384), Sha384;
}

impl SuiteParams {
    /// Looks up a suite; unsupported ones are named in the error.
    pub fn lookup(code: u16) -> Result<&'static Self, CryptoError> {
        SUPPORTED
            .iter()
            .find(|s| s.code == code)
            .ok_or_else(|| CryptoError::UnsupportedSuite {
                code,
                name: super::suite_name(code),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_match_rustls_registry() {
        for s in SUPPORTED {
            assert_eq!(super::super::suite_name(s.code), s.name, "0x{:04X}", s.code);
        }
    }

    #[test]
    fn unsupported_suite_is_named() {
        let e = SuiteParams::lookup(0x000A).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cipher suite TLS_RSA_WITH_3DES_EDE_CBC_SHA (0x000A) is not supported for decryption"
        );
    }
}
