//! The probes' view of the cipher-suite, group and signature-scheme registry
//! ([`crate::suites`]): the handful of properties enumeration and grading ask about.

use crate::suites::{self, Authentication, Cipher, KeyExchange, Mode, SuiteKind, Versions};

pub use crate::suites::Rating;

/// One cipher suite as the probes see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteInfo {
    /// IANA code point.
    pub code: u16,
    /// IANA name.
    pub name: &'static str,
    /// The registry row.
    pub entry: &'static suites::CipherSuite,
}

impl SuiteInfo {
    /// TLS 1.3 suite (key exchange and authentication negotiated separately).
    pub fn is_tls13(&self) -> bool {
        self.entry.kx == KeyExchange::Tls13
    }
    /// Whether the suite is defined for `version` (0x0300..=0x0304).
    pub fn allowed_in(&self, version: u16) -> bool {
        let v = match version {
            0x0300 => Versions::SSL3,
            0x0301 => Versions::TLS10,
            0x0302 => Versions::TLS11,
            0x0303 => Versions::TLS12,
            0x0304 => Versions::TLS13,
            _ => return false,
        };
        self.entry.versions.contains(v)
    }
    /// Ephemeral finite-field DH parameters in ServerKeyExchange (DHE, anonymous DH).
    pub fn is_dhe(&self) -> bool {
        self.entry.kx == KeyExchange::Dhe
            || (self.entry.kx == KeyExchange::Dh && self.entry.auth == Authentication::Anon)
    }
    /// Ephemeral elliptic-curve parameters in ServerKeyExchange (ECDHE, anonymous ECDH).
    pub fn is_ecdhe(&self) -> bool {
        self.entry.kx == KeyExchange::Ecdhe
            || (self.entry.kx == KeyExchange::Ecdh && self.entry.auth == Authentication::Anon)
    }
    /// Forward secrecy.
    pub fn forward_secret(&self) -> bool {
        self.entry.forward_secrecy
    }
    /// Anonymous (no server authentication).
    pub fn anonymous(&self) -> bool {
        self.entry.anon
    }
    /// AEAD cipher.
    pub fn aead(&self) -> bool {
        self.entry.aead
    }
    /// CBC mode.
    pub fn cbc(&self) -> bool {
        self.entry.mode == Mode::Cbc
    }
    /// Whether the ServerKeyExchange carries a PSK identity hint before the parameters.
    pub fn psk(&self) -> bool {
        matches!(
            self.entry.kx,
            KeyExchange::Psk | KeyExchange::DhePsk | KeyExchange::EcdhePsk | KeyExchange::RsaPsk
        ) || self.entry.auth == Authentication::Psk
    }
    /// No encryption.
    pub fn null(&self) -> bool {
        self.entry.null || self.entry.cipher == Cipher::Null
    }
    /// Export grade.
    pub fn export(&self) -> bool {
        self.entry.export
    }
    /// RC4.
    pub fn rc4(&self) -> bool {
        self.entry.cipher == Cipher::Rc4
    }
    /// Single DES or RC2 (56-bit or weaker).
    pub fn des(&self) -> bool {
        matches!(self.entry.cipher, Cipher::Des | Cipher::Rc2)
    }
    /// 64-bit block cipher with a long enough key to be used for a while (Sweet32).
    pub fn sweet32(&self) -> bool {
        matches!(
            self.entry.cipher,
            Cipher::TripleDes | Cipher::Idea | Cipher::Magma | Cipher::Gost28147
        )
    }
    /// ChaCha20-Poly1305.
    pub fn chacha(&self) -> bool {
        self.entry.cipher == Cipher::Chacha20
    }
    /// Key bits of the bulk cipher.
    pub fn bits(&self) -> u16 {
        self.entry.key_bits
    }
    /// Rating and the reasons for it (id, sentence), from the registry.
    pub fn rating(&self) -> (Rating, Vec<(String, String)>) {
        let reasons = self.entry.reasons();
        (
            self.entry.rating(),
            reasons
                .into_iter()
                .filter(|r| r.rating > Rating::Recommended)
                .map(|r| (r.id.to_string(), r.text))
                .collect(),
        )
    }
    /// The key exchange's registry name (RSA, DHE, ECDHE, ...).
    pub fn kx_name(&self) -> &'static str {
        self.entry.kx.name()
    }
}

/// Looks a suite up by code point.
pub fn cipher_suite(code: u16) -> Option<SuiteInfo> {
    suites::cipher_suite(code).map(|e| SuiteInfo {
        code,
        name: e.iana,
        entry: e,
    })
}

/// IANA name, or `unassigned (0x....)`.
pub fn suite_name(code: u16) -> String {
    suites::suite_name(code)
}

/// Every suite worth offering: registry suites and non-IANA code points stacks used, minus
/// SCSVs, GREASE and TLS_NULL_WITH_NULL_NULL (never negotiable).
pub fn all_codes() -> impl Iterator<Item = u16> {
    suites::all_cipher_suites()
        .iter()
        .filter(|s| matches!(s.kind, SuiteKind::Standard | SuiteKind::NonIana))
        .map(|s| s.code)
        .filter(|c| *c != 0x0000)
}

/// Every registered group code (GREASE excluded), for TLS 1.3 HelloRetryRequest probing.
pub fn all_groups() -> Vec<u16> {
    suites::all_groups()
        .iter()
        .filter(|g| g.kind != suites::GroupKind::Grease)
        .map(|g| g.code)
        .collect()
}

/// Elliptic-curve groups usable for TLS ≤ 1.2 ECDHE.
pub fn ec_groups() -> Vec<u16> {
    suites::all_groups()
        .iter()
        .filter(|g| g.kind == suites::GroupKind::Ecdhe)
        .map(|g| g.code)
        .collect()
}

/// Finite-field groups (RFC 7919).
pub fn ffdhe_groups() -> Vec<u16> {
    suites::all_groups()
        .iter()
        .filter(|g| g.kind == suites::GroupKind::Ffdhe)
        .map(|g| g.code)
        .collect()
}

/// Group name.
pub fn group_name(code: u16) -> String {
    suites::group_name(code)
}

/// Classical security of a group in bits (for grading); 128 when unknown.
pub fn group_strength(code: u16) -> u16 {
    suites::group(code)
        .map(|g| g.security_bits)
        .filter(|b| *b > 0)
        .unwrap_or(128)
}

/// Signature scheme name.
pub fn sig_scheme_name(code: u16) -> String {
    suites::sig_scheme_name(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_view() {
        let s = cipher_suite(0xC02F).unwrap();
        assert_eq!(s.name, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
        assert!(s.is_ecdhe() && s.forward_secret() && s.aead() && s.allowed_in(0x0303));
        assert!(!s.allowed_in(0x0301));
        assert!(cipher_suite(0x0033).unwrap().is_dhe());
        assert!(cipher_suite(0x0018).unwrap().anonymous());
        assert!(!cipher_suite(0x002F).unwrap().forward_secret());
        assert!(cipher_suite(0x000A).unwrap().sweet32());
        assert_eq!(cipher_suite(0x0005).unwrap().rating().0, Rating::Insecure);
        assert!(all_codes().all(|c| c != 0x00FF && c != 0x5600));
        assert!(ec_groups().contains(&0x001D) && !ec_groups().contains(&0x0100));
        assert!(all_groups().contains(&0x11EC));
    }
}
