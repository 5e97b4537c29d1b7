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

/// The AEAD protecting records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Bulk {
    /// AES-128-GCM (RFC 5288 in TLS 1.2).
    Aes128Gcm,
    /// AES-256-GCM.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905 in TLS 1.2).
    Chacha20Poly1305,
}

impl Bulk {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::Chacha20Poly1305 => 32,
        }
    }

    /// TLS 1.2 fixed IV length from the key block: the 4-byte GCM salt (the other 8 nonce bytes
    /// travel in each record), or the whole 12-byte ChaCha20 IV (RFC 7905 has no explicit nonce).
    pub fn tls12_fixed_iv_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 4,
            Self::Chacha20Poly1305 => 12,
        }
    }

    /// Bytes of explicit nonce at the start of every TLS 1.2 record.
    pub fn tls12_explicit_nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm => 8,
            Self::Chacha20Poly1305 => 0,
        }
    }

    pub(crate) fn ring_alg(self) -> &'static ring::aead::Algorithm {
        match self {
            Self::Aes128Gcm => &ring::aead::AES_128_GCM,
            Self::Aes256Gcm => &ring::aead::AES_256_GCM,
            Self::Chacha20Poly1305 => &ring::aead::CHACHA20_POLY1305,
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
    ($($code:literal $name:ident $tls13:literal $kx:ident $bulk:ident $hash:ident;)*) => {
        /// Every suite this module decrypts.
        pub const SUPPORTED: &[SuiteParams] = &[
            $(SuiteParams {
                code: $code,
                name: stringify!($name),
                tls13: $tls13,
                kx: KeyExchange::$kx,
                bulk: Bulk::$bulk,
                hash: HashAlg::$hash,
            },)*
        ];
    };
}

suites! {
    0x1301 TLS_AES_128_GCM_SHA256 true Tls13 Aes128Gcm Sha256;
    0x1302 TLS_AES_256_GCM_SHA384 true Tls13 Aes256Gcm Sha384;
    0x1303 TLS_CHACHA20_POLY1305_SHA256 true Tls13 Chacha20Poly1305 Sha256;
    0x009C TLS_RSA_WITH_AES_128_GCM_SHA256 false Rsa Aes128Gcm Sha256;
    0x009D TLS_RSA_WITH_AES_256_GCM_SHA384 false Rsa Aes256Gcm Sha384;
    0x009E TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 false Dhe Aes128Gcm Sha256;
    0x009F TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 false Dhe Aes256Gcm Sha384;
    0xC02B TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 false Ecdhe Aes128Gcm Sha256;
    0xC02C TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 false Ecdhe Aes256Gcm Sha384;
    0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 false Ecdhe Aes128Gcm Sha256;
    0xC030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 false Ecdhe Aes256Gcm Sha384;
    0xCCA8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 false Ecdhe Chacha20Poly1305 Sha256;
    0xCCA9 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 false Ecdhe Chacha20Poly1305 Sha256;
    0xCCAA TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 false Dhe Chacha20Poly1305 Sha256;
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
