//! The cipher-suite parameters record decryption and tlsight's own TLS 1.0-1.2 client need:
//! protocol, key exchange, bulk cipher and PRF/HKDF hash. Only suites this module can run are
//! listed; everything else is reported by name through [`super::CryptoError::UnsupportedSuite`].

use serde::Serialize;

use super::CryptoError;

/// Hash of the PRF (TLS 1.2), HKDF (TLS 1.3), or the MD5+SHA-1 pair of TLS 1.0/1.1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// TLS 1.0/1.1: the PRF is P_MD5 XOR P_SHA1 and handshake hashes are MD5 ‖ SHA-1 (36 bytes).
    Md5Sha1,
}

impl HashAlg {
    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Md5Sha1 => 36,
        }
    }

    /// Digest of `data` (MD5 ‖ SHA-1 for [`Self::Md5Sha1`], RFC 2246 §7.4.9).
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Md5Sha1 => {
                use md5::Digest;
                let mut out = md5::Md5::digest(data).to_vec();
                out.extend_from_slice(
                    ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, data).as_ref(),
                );
                out
            }
            _ => ring::digest::digest(self.ring_digest(), data)
                .as_ref()
                .to_vec(),
        }
    }

    pub(crate) fn ring_digest(self) -> &'static ring::digest::Algorithm {
        match self {
            // Only TLS 1.3 (HKDF) and the TLS 1.2 PRF reach here; Md5Sha1 is handled by its
            // callers (digest, prf) and never names a TLS 1.3 hash.
            Self::Sha256 | Self::Md5Sha1 => &ring::digest::SHA256,
            Self::Sha384 => &ring::digest::SHA384,
        }
    }

    pub(crate) fn hmac(self) -> ring::hmac::Algorithm {
        match self {
            // See ring_digest: tls12::prf splits Md5Sha1 before asking for an HMAC.
            Self::Sha256 | Self::Md5Sha1 => ring::hmac::HMAC_SHA256,
            Self::Sha384 => ring::hmac::HMAC_SHA384,
        }
    }

    pub(crate) fn hkdf(self) -> ring::hkdf::Algorithm {
        match self {
            Self::Sha256 | Self::Md5Sha1 => ring::hkdf::HKDF_SHA256,
            Self::Sha384 => ring::hkdf::HKDF_SHA384,
        }
    }
}

/// A 64- or 128-bit block cipher used in CBC mode (or, for Camellia and ARIA, GCM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BlockAlg {
    /// AES-128.
    Aes128,
    /// AES-256.
    Aes256,
    /// Triple DES EDE (168-bit key, 64-bit block).
    TripleDes,
    /// Camellia-128.
    Camellia128,
    /// Camellia-256.
    Camellia256,
    /// ARIA-128.
    Aria128,
    /// ARIA-256.
    Aria256,
}

impl BlockAlg {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128 | Self::Camellia128 | Self::Aria128 => 16,
            Self::TripleDes => 24,
            Self::Aes256 | Self::Camellia256 | Self::Aria256 => 32,
        }
    }

    /// Block length in bytes.
    pub fn block_len(self) -> usize {
        match self {
            Self::TripleDes => 8,
            _ => 16,
        }
    }
}

/// The record protection of a suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Bulk {
    /// AES-128-GCM (RFC 5288 in TLS 1.2), from ring.
    Aes128Gcm,
    /// AES-256-GCM, from ring.
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905 in TLS 1.2), from ring.
    Chacha20Poly1305,
    /// Camellia or ARIA in GCM (RFC 6367, RFC 6209), from RustCrypto `aes-gcm` over the cipher.
    Gcm(BlockAlg),
    /// AES-CCM with a 16-byte (`tag_len` 16) or 8-byte (CCM_8) tag (RFC 6655).
    Ccm(BlockAlg, u8),
    /// A block cipher in CBC mode with an HMAC (explicit IV from TLS 1.1 on, chained in TLS 1.0;
    /// RFC 7366 encrypt-then-MAC when agreed).
    Cbc(BlockAlg, MacAlg),
    /// RC4-128 stream with an HMAC (RFC 7465 prohibits it; servers still offer it).
    Rc4(MacAlg),
    /// No encryption, only the HMAC.
    Null(MacAlg),
}

/// The HMAC of a CBC, stream or NULL suite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MacAlg {
    /// HMAC-MD5 (the `_MD5` suites).
    Md5,
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
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
        }
    }
}

impl Bulk {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Gcm => 16,
            Self::Aes256Gcm | Self::Chacha20Poly1305 => 32,
            Self::Gcm(b) | Self::Ccm(b, _) | Self::Cbc(b, _) => b.key_len(),
            Self::Rc4(_) => 16,
            Self::Null(_) => 0,
        }
    }

    /// MAC key length in the key block (0 for AEADs).
    pub fn mac_key_len(self) -> usize {
        self.mac().map(MacAlg::output_len).unwrap_or(0)
    }

    /// The record HMAC, for non-AEAD suites.
    pub fn mac(self) -> Option<MacAlg> {
        match self {
            Self::Cbc(_, m) | Self::Rc4(m) | Self::Null(m) => Some(m),
            _ => None,
        }
    }

    /// TLS 1.2 fixed IV length from the key block: the 4-byte GCM/CCM salt (the other 8 nonce
    /// bytes travel in each record), the whole 12-byte ChaCha20 IV (RFC 7905 has no explicit
    /// nonce), nothing for CBC (TLS 1.1+ sends each record's IV explicitly), RC4 or NULL.
    pub fn tls12_fixed_iv_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm | Self::Gcm(_) | Self::Ccm(..) => 4,
            Self::Chacha20Poly1305 => 12,
            Self::Cbc(..) | Self::Rc4(_) | Self::Null(_) => 0,
        }
    }

    /// Bytes of explicit nonce / IV at the start of every TLS 1.1/1.2 record.
    pub fn tls12_explicit_nonce_len(self) -> usize {
        match self {
            Self::Aes128Gcm | Self::Aes256Gcm | Self::Gcm(_) | Self::Ccm(..) => 8,
            Self::Cbc(b, _) => b.block_len(),
            Self::Chacha20Poly1305 | Self::Rc4(_) | Self::Null(_) => 0,
        }
    }

    /// Whether this is an AEAD.
    pub fn is_aead(self) -> bool {
        self.mac().is_none()
    }

    pub(crate) fn ring_alg(self) -> Option<&'static ring::aead::Algorithm> {
        match self {
            Self::Aes128Gcm => Some(&ring::aead::AES_128_GCM),
            Self::Aes256Gcm => Some(&ring::aead::AES_256_GCM),
            Self::Chacha20Poly1305 => Some(&ring::aead::CHACHA20_POLY1305),
            _ => None,
        }
    }
}

/// How the pre-master secret is agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KeyExchange {
    /// RSA key transport: the client encrypts the pre-master secret to the server's key.
    Rsa,
    /// Finite-field ephemeral Diffie-Hellman, signed by the certificate's key.
    Dhe,
    /// Elliptic-curve ephemeral Diffie-Hellman, signed by the certificate's key.
    Ecdhe,
    /// Anonymous finite-field Diffie-Hellman (`DH_anon`): no certificate, no signature.
    DhAnon,
    /// Anonymous elliptic-curve Diffie-Hellman (`ECDH_anon`): no certificate, no signature.
    EcdhAnon,
    /// TLS 1.3: negotiated by extensions, always (EC)DHE or PSK.
    Tls13,
}

impl KeyExchange {
    /// Whether the ServerKeyExchange carries finite-field DH parameters.
    pub fn is_dh(self) -> bool {
        matches!(self, Self::Dhe | Self::DhAnon)
    }

    /// Whether the ServerKeyExchange carries an elliptic-curve point.
    pub fn is_ecdh(self) -> bool {
        matches!(self, Self::Ecdhe | Self::EcdhAnon)
    }

    /// Whether the server is anonymous (no certificate, unsigned parameters).
    pub fn is_anonymous(self) -> bool {
        matches!(self, Self::DhAnon | Self::EcdhAnon)
    }
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
    /// PRF / HKDF hash ([`HashAlg::Md5Sha1`] once [`Self::for_version`] picked TLS 1.0/1.1).
    pub hash: HashAlg,
    /// The protocol version the parameters are for: 0x0303 in the table (0x0304 for TLS 1.3
    /// suites); [`Self::for_version`] sets TLS 1.0 (0x0301) or 1.1 (0x0302).
    pub version: u16,
}

impl SuiteParams {
    /// The parameters for a session of `version`: TLS 1.0/1.1 use the MD5+SHA-1 PRF and, in
    /// TLS 1.0, CBC IVs chained from the key block.
    pub fn for_version(&self, version: u16) -> Self {
        let mut s = *self;
        if !self.tls13 {
            s.version = version;
            if version < 0x0303 {
                s.hash = HashAlg::Md5Sha1;
            }
        }
        s
    }

    /// Whether this suite can be used at `version` (AEADs and SHA-2 MACs need TLS 1.2).
    pub fn usable_at(&self, version: u16) -> bool {
        if self.tls13 {
            return version == 0x0304;
        }
        if !(0x0301..=0x0303).contains(&version) {
            return false;
        }
        version == 0x0303
            || (!self.bulk.is_aead()
                && matches!(self.bulk.mac(), Some(Md5 | MSha1))
                && self.hash == HashAlg::Sha256)
    }

    /// TLS 1.0: CBC IVs come from the key block and chain across records (RFC 2246 §6.2.3.2).
    pub fn implicit_cbc_iv(&self) -> bool {
        self.version <= 0x0301 && matches!(self.bulk, Cbc(..))
    }
}

macro_rules! suites {
    ($($code:literal $name:ident $tls13:literal $kx:ident $bulk:expr, $hash:ident;)*) => {
        /// Every suite this module decrypts and tlsight's own client can negotiate.
        pub const SUPPORTED: &[SuiteParams] = &[
            $(SuiteParams {
                code: $code,
                name: stringify!($name),
                tls13: $tls13,
                kx: KeyExchange::$kx,
                bulk: $bulk,
                hash: HashAlg::$hash,
                version: if $tls13 { 0x0304 } else { 0x0303 },
            },)*
        ];
    };
}

use BlockAlg::{Aes128, Aes256, Aria128, Aria256, Camellia128, Camellia256, TripleDes};
use Bulk::{Cbc, Ccm, Gcm, Null, Rc4};
use MacAlg::{Md5, Sha1 as MSha1, Sha256 as MSha256, Sha384 as MSha384};

// The PRF hash column is TLS 1.2's (SHA-256 unless the suite names SHA-384); TLS 1.0/1.1
// replace it with MD5+SHA-1 (`for_version`).
suites! {
    0x1301 TLS_AES_128_GCM_SHA256 true Tls13 Bulk::Aes128Gcm, Sha256;
    0x1302 TLS_AES_256_GCM_SHA384 true Tls13 Bulk::Aes256Gcm, Sha384;
    0x1303 TLS_CHACHA20_POLY1305_SHA256 true Tls13 Bulk::Chacha20Poly1305, Sha256;
    // AES-GCM and ChaCha20-Poly1305 (ring).
    0x009C TLS_RSA_WITH_AES_128_GCM_SHA256 false Rsa Bulk::Aes128Gcm, Sha256;
    0x009D TLS_RSA_WITH_AES_256_GCM_SHA384 false Rsa Bulk::Aes256Gcm, Sha384;
    0x009E TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 false Dhe Bulk::Aes128Gcm, Sha256;
    0x009F TLS_DHE_RSA_WITH_AES_256_GCM_SHA384 false Dhe Bulk::Aes256Gcm, Sha384;
    0x00A6 TLS_DH_anon_WITH_AES_128_GCM_SHA256 false DhAnon Bulk::Aes128Gcm, Sha256;
    0x00A7 TLS_DH_anon_WITH_AES_256_GCM_SHA384 false DhAnon Bulk::Aes256Gcm, Sha384;
    0xC02B TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 false Ecdhe Bulk::Aes128Gcm, Sha256;
    0xC02C TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 false Ecdhe Bulk::Aes256Gcm, Sha384;
    0xC02F TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 false Ecdhe Bulk::Aes128Gcm, Sha256;
    0xC030 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 false Ecdhe Bulk::Aes256Gcm, Sha384;
    0xCCA8 TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 false Ecdhe Bulk::Chacha20Poly1305, Sha256;
    0xCCA9 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 false Ecdhe Bulk::Chacha20Poly1305, Sha256;
    0xCCAA TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256 false Dhe Bulk::Chacha20Poly1305, Sha256;
    // AES-CBC with HMAC.
    0x002F TLS_RSA_WITH_AES_128_CBC_SHA false Rsa Cbc(Aes128, MSha1), Sha256;
    0x0035 TLS_RSA_WITH_AES_256_CBC_SHA false Rsa Cbc(Aes256, MSha1), Sha256;
    0x003C TLS_RSA_WITH_AES_128_CBC_SHA256 false Rsa Cbc(Aes128, MSha256), Sha256;
    0x003D TLS_RSA_WITH_AES_256_CBC_SHA256 false Rsa Cbc(Aes256, MSha256), Sha256;
    0x0033 TLS_DHE_RSA_WITH_AES_128_CBC_SHA false Dhe Cbc(Aes128, MSha1), Sha256;
    0x0039 TLS_DHE_RSA_WITH_AES_256_CBC_SHA false Dhe Cbc(Aes256, MSha1), Sha256;
    0x0067 TLS_DHE_RSA_WITH_AES_128_CBC_SHA256 false Dhe Cbc(Aes128, MSha256), Sha256;
    0x006B TLS_DHE_RSA_WITH_AES_256_CBC_SHA256 false Dhe Cbc(Aes256, MSha256), Sha256;
    0x0034 TLS_DH_anon_WITH_AES_128_CBC_SHA false DhAnon Cbc(Aes128, MSha1), Sha256;
    0x003A TLS_DH_anon_WITH_AES_256_CBC_SHA false DhAnon Cbc(Aes256, MSha1), Sha256;
    0x006C TLS_DH_anon_WITH_AES_128_CBC_SHA256 false DhAnon Cbc(Aes128, MSha256), Sha256;
    0x006D TLS_DH_anon_WITH_AES_256_CBC_SHA256 false DhAnon Cbc(Aes256, MSha256), Sha256;
    0xC009 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA false Ecdhe Cbc(Aes128, MSha1), Sha256;
    0xC00A TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA false Ecdhe Cbc(Aes256, MSha1), Sha256;
    0xC013 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA false Ecdhe Cbc(Aes128, MSha1), Sha256;
    0xC014 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA false Ecdhe Cbc(Aes256, MSha1), Sha256;
    0xC018 TLS_ECDH_anon_WITH_AES_128_CBC_SHA false EcdhAnon Cbc(Aes128, MSha1), Sha256;
    0xC019 TLS_ECDH_anon_WITH_AES_256_CBC_SHA false EcdhAnon Cbc(Aes256, MSha1), Sha256;
    0xC023 TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 false Ecdhe Cbc(Aes128, MSha256), Sha256;
    0xC024 TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384 false Ecdhe Cbc(Aes256, MSha384), Sha384;
    0xC027 TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 false Ecdhe Cbc(Aes128, MSha256), Sha256;
    0xC028 TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384 false Ecdhe Cbc(Aes256, MSha384), Sha384;
    // AES-CCM and CCM_8 (RFC 6655, RFC 7251).
    0xC09C TLS_RSA_WITH_AES_128_CCM false Rsa Ccm(Aes128, 16), Sha256;
    0xC09D TLS_RSA_WITH_AES_256_CCM false Rsa Ccm(Aes256, 16), Sha256;
    0xC09E TLS_DHE_RSA_WITH_AES_128_CCM false Dhe Ccm(Aes128, 16), Sha256;
    0xC09F TLS_DHE_RSA_WITH_AES_256_CCM false Dhe Ccm(Aes256, 16), Sha256;
    0xC0A0 TLS_RSA_WITH_AES_128_CCM_8 false Rsa Ccm(Aes128, 8), Sha256;
    0xC0A1 TLS_RSA_WITH_AES_256_CCM_8 false Rsa Ccm(Aes256, 8), Sha256;
    0xC0A2 TLS_DHE_RSA_WITH_AES_128_CCM_8 false Dhe Ccm(Aes128, 8), Sha256;
    0xC0A3 TLS_DHE_RSA_WITH_AES_256_CCM_8 false Dhe Ccm(Aes256, 8), Sha256;
    0xC0AC TLS_ECDHE_ECDSA_WITH_AES_128_CCM false Ecdhe Ccm(Aes128, 16), Sha256;
    0xC0AD TLS_ECDHE_ECDSA_WITH_AES_256_CCM false Ecdhe Ccm(Aes256, 16), Sha256;
    0xC0AE TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 false Ecdhe Ccm(Aes128, 8), Sha256;
    0xC0AF TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8 false Ecdhe Ccm(Aes256, 8), Sha256;
    // 3DES (64-bit block).
    0x000A TLS_RSA_WITH_3DES_EDE_CBC_SHA false Rsa Cbc(TripleDes, MSha1), Sha256;
    0x0016 TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA false Dhe Cbc(TripleDes, MSha1), Sha256;
    0x001B TLS_DH_anon_WITH_3DES_EDE_CBC_SHA false DhAnon Cbc(TripleDes, MSha1), Sha256;
    0xC008 TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA false Ecdhe Cbc(TripleDes, MSha1), Sha256;
    0xC012 TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA false Ecdhe Cbc(TripleDes, MSha1), Sha256;
    0xC017 TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA false EcdhAnon Cbc(TripleDes, MSha1), Sha256;
    // Camellia CBC (RFC 5932) and GCM (RFC 6367).
    0x0041 TLS_RSA_WITH_CAMELLIA_128_CBC_SHA false Rsa Cbc(Camellia128, MSha1), Sha256;
    0x0084 TLS_RSA_WITH_CAMELLIA_256_CBC_SHA false Rsa Cbc(Camellia256, MSha1), Sha256;
    0x0045 TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA false Dhe Cbc(Camellia128, MSha1), Sha256;
    0x0088 TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA false Dhe Cbc(Camellia256, MSha1), Sha256;
    0x0046 TLS_DH_anon_WITH_CAMELLIA_128_CBC_SHA false DhAnon Cbc(Camellia128, MSha1), Sha256;
    0x0089 TLS_DH_anon_WITH_CAMELLIA_256_CBC_SHA false DhAnon Cbc(Camellia256, MSha1), Sha256;
    0x00BA TLS_RSA_WITH_CAMELLIA_128_CBC_SHA256 false Rsa Cbc(Camellia128, MSha256), Sha256;
    0x00C0 TLS_RSA_WITH_CAMELLIA_256_CBC_SHA256 false Rsa Cbc(Camellia256, MSha256), Sha256;
    0x00BE TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 false Dhe Cbc(Camellia128, MSha256), Sha256;
    0x00C4 TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256 false Dhe Cbc(Camellia256, MSha256), Sha256;
    0xC072 TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_CBC_SHA256 false Ecdhe Cbc(Camellia128, MSha256), Sha256;
    0xC073 TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_CBC_SHA384 false Ecdhe Cbc(Camellia256, MSha384), Sha384;
    0xC076 TLS_ECDHE_RSA_WITH_CAMELLIA_128_CBC_SHA256 false Ecdhe Cbc(Camellia128, MSha256), Sha256;
    0xC077 TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384 false Ecdhe Cbc(Camellia256, MSha384), Sha384;
    0xC07A TLS_RSA_WITH_CAMELLIA_128_GCM_SHA256 false Rsa Gcm(Camellia128), Sha256;
    0xC07B TLS_RSA_WITH_CAMELLIA_256_GCM_SHA384 false Rsa Gcm(Camellia256), Sha384;
    0xC07C TLS_DHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 false Dhe Gcm(Camellia128), Sha256;
    0xC07D TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 false Dhe Gcm(Camellia256), Sha384;
    0xC086 TLS_ECDHE_ECDSA_WITH_CAMELLIA_128_GCM_SHA256 false Ecdhe Gcm(Camellia128), Sha256;
    0xC087 TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384 false Ecdhe Gcm(Camellia256), Sha384;
    0xC08A TLS_ECDHE_RSA_WITH_CAMELLIA_128_GCM_SHA256 false Ecdhe Gcm(Camellia128), Sha256;
    0xC08B TLS_ECDHE_RSA_WITH_CAMELLIA_256_GCM_SHA384 false Ecdhe Gcm(Camellia256), Sha384;
    // ARIA CBC and GCM (RFC 6209).
    0xC03C TLS_RSA_WITH_ARIA_128_CBC_SHA256 false Rsa Cbc(Aria128, MSha256), Sha256;
    0xC03D TLS_RSA_WITH_ARIA_256_CBC_SHA384 false Rsa Cbc(Aria256, MSha384), Sha384;
    0xC044 TLS_DHE_RSA_WITH_ARIA_128_CBC_SHA256 false Dhe Cbc(Aria128, MSha256), Sha256;
    0xC045 TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384 false Dhe Cbc(Aria256, MSha384), Sha384;
    0xC048 TLS_ECDHE_ECDSA_WITH_ARIA_128_CBC_SHA256 false Ecdhe Cbc(Aria128, MSha256), Sha256;
    0xC049 TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384 false Ecdhe Cbc(Aria256, MSha384), Sha384;
    0xC04C TLS_ECDHE_RSA_WITH_ARIA_128_CBC_SHA256 false Ecdhe Cbc(Aria128, MSha256), Sha256;
    0xC04D TLS_ECDHE_RSA_WITH_ARIA_256_CBC_SHA384 false Ecdhe Cbc(Aria256, MSha384), Sha384;
    0xC050 TLS_RSA_WITH_ARIA_128_GCM_SHA256 false Rsa Gcm(Aria128), Sha256;
    0xC051 TLS_RSA_WITH_ARIA_256_GCM_SHA384 false Rsa Gcm(Aria256), Sha384;
    0xC052 TLS_DHE_RSA_WITH_ARIA_128_GCM_SHA256 false Dhe Gcm(Aria128), Sha256;
    0xC053 TLS_DHE_RSA_WITH_ARIA_256_GCM_SHA384 false Dhe Gcm(Aria256), Sha384;
    0xC05C TLS_ECDHE_ECDSA_WITH_ARIA_128_GCM_SHA256 false Ecdhe Gcm(Aria128), Sha256;
    0xC05D TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384 false Ecdhe Gcm(Aria256), Sha384;
    0xC060 TLS_ECDHE_RSA_WITH_ARIA_128_GCM_SHA256 false Ecdhe Gcm(Aria128), Sha256;
    0xC061 TLS_ECDHE_RSA_WITH_ARIA_256_GCM_SHA384 false Ecdhe Gcm(Aria256), Sha384;
    // RC4 (prohibited by RFC 7465).
    0x0004 TLS_RSA_WITH_RC4_128_MD5 false Rsa Rc4(Md5), Sha256;
    0x0005 TLS_RSA_WITH_RC4_128_SHA false Rsa Rc4(MSha1), Sha256;
    0x0018 TLS_DH_anon_WITH_RC4_128_MD5 false DhAnon Rc4(Md5), Sha256;
    0xC007 TLS_ECDHE_ECDSA_WITH_RC4_128_SHA false Ecdhe Rc4(MSha1), Sha256;
    0xC011 TLS_ECDHE_RSA_WITH_RC4_128_SHA false Ecdhe Rc4(MSha1), Sha256;
    0xC016 TLS_ECDH_anon_WITH_RC4_128_SHA false EcdhAnon Rc4(MSha1), Sha256;
    // NULL encryption: integrity only.
    0x0001 TLS_RSA_WITH_NULL_MD5 false Rsa Null(Md5), Sha256;
    0x0002 TLS_RSA_WITH_NULL_SHA false Rsa Null(MSha1), Sha256;
    0x003B TLS_RSA_WITH_NULL_SHA256 false Rsa Null(MSha256), Sha256;
    0xC006 TLS_ECDHE_ECDSA_WITH_NULL_SHA false Ecdhe Null(MSha1), Sha256;
    0xC010 TLS_ECDHE_RSA_WITH_NULL_SHA false Ecdhe Null(MSha1), Sha256;
    0xC015 TLS_ECDH_anon_WITH_NULL_SHA false EcdhAnon Null(MSha1), Sha256;
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
        let mut codes: Vec<u16> = SUPPORTED.iter().map(|s| s.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), SUPPORTED.len(), "no code listed twice");
    }

    #[test]
    fn unsupported_suite_is_named() {
        let e = SuiteParams::lookup(0x0013).unwrap_err();
        assert_eq!(
            e.to_string(),
            "cipher suite TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA (0x0013) is not supported for decryption"
        );
    }

    #[test]
    fn versions_pick_the_prf_and_the_iv_style() {
        let cbc = SuiteParams::lookup(0x002F).unwrap();
        assert!(cbc.usable_at(0x0301) && cbc.usable_at(0x0303));
        let v10 = cbc.for_version(0x0301);
        assert_eq!(v10.hash, HashAlg::Md5Sha1);
        assert!(v10.implicit_cbc_iv());
        assert!(!cbc.for_version(0x0302).implicit_cbc_iv());
        let gcm = SuiteParams::lookup(0x009C).unwrap();
        assert!(!gcm.usable_at(0x0302) && gcm.usable_at(0x0303));
        assert!(!SuiteParams::lookup(0x003C).unwrap().usable_at(0x0301));
    }
}
