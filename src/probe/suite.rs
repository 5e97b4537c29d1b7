//! What the probes need to know about a cipher suite, group or signature scheme: name, key
//! exchange, cipher strength and a rating with reasons.
//!
//! Interim: backed by the generated [`super::registry`] table until `tlsight::suites` lands on
//! main; the audit only calls the functions below, so the switch is local to this file.

use serde::Serialize;

/// One cipher suite as the probes see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteInfo {
    /// IANA code point.
    pub code: u16,
    /// IANA name.
    pub name: &'static str,
    /// Key exchange as tls-parser spells it: RSA, DHE, ECDHE, DH, ECDH, PSK, SRP, TLS13, ...
    pub kx: &'static str,
    /// Authentication: RSA, ECDSA, DSS, PSK, NULL (anonymous), TLS13, ...
    pub au: &'static str,
    /// Bulk cipher: AES, CHACHA20_POLY1305, 3DES, RC4, NULL, ...
    pub enc: &'static str,
    /// Cipher mode: GCM, CBC, CCM, or empty for stream/AEAD ciphers.
    pub mode: &'static str,
    /// Effective key bits.
    pub bits: u16,
    /// MAC: HMAC-SHA1, AEAD, ...
    pub mac: &'static str,
    /// Export-grade suite.
    pub export: bool,
}

/// How safe a suite is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Forward secret AEAD.
    Recommended,
    /// Acceptable but dated (CBC, no forward secrecy).
    Weak,
    /// Broken: NULL, anonymous, export, RC4, DES, 3DES, MD5.
    Insecure,
}

impl SuiteInfo {
    /// TLS 1.3 suite (0x13xx; key exchange and authentication negotiated separately).
    pub fn is_tls13(&self) -> bool {
        self.kx == "TLS13"
    }
    /// Ephemeral finite-field Diffie-Hellman (incl. anonymous DH, whose parameters are ephemeral).
    pub fn is_dhe(&self) -> bool {
        self.kx == "DHE" || (self.kx == "DH" && self.au == "NULL")
    }
    /// Ephemeral elliptic-curve Diffie-Hellman (incl. anonymous ECDH).
    pub fn is_ecdhe(&self) -> bool {
        self.kx == "ECDHE" || (self.kx == "ECDH" && self.au == "NULL")
    }
    /// Forward secrecy.
    pub fn forward_secret(&self) -> bool {
        self.is_tls13() || self.is_dhe() || self.is_ecdhe()
    }
    /// Anonymous (no server authentication).
    pub fn anonymous(&self) -> bool {
        self.au == "NULL" && self.kx != "NULL"
    }
    /// AEAD cipher.
    pub fn aead(&self) -> bool {
        self.mac == "AEAD"
    }
    /// 64-bit block cipher (Sweet32).
    pub fn block64(&self) -> bool {
        matches!(self.enc, "3DES" | "DES" | "IDEA" | "RC2")
    }
    /// Whether the suite's ServerKeyExchange carries a PSK identity hint before the parameters.
    pub fn psk(&self) -> bool {
        self.au == "PSK" || self.kx == "PSK"
    }
    /// CBC mode.
    pub fn cbc(&self) -> bool {
        self.mode == "CBC"
    }
    /// Only defined for TLS 1.2 (GCM/CCM/ChaCha/SHA-256 MACs): testssl.sh's
    /// `strip_inconsistent_ciphers` reasoning; servers must not select them below TLS 1.2.
    pub fn tls12_only(&self) -> bool {
        self.aead() || self.mac.contains("SHA256") || self.mac.contains("SHA384")
    }

    /// Rating and the reasons for it.
    pub fn rating(&self) -> (Rating, Vec<&'static str>) {
        let mut insecure = Vec::new();
        if self.enc == "NULL" {
            insecure.push("no encryption (NULL cipher)");
        }
        if self.anonymous() {
            insecure.push("anonymous: no server authentication");
        }
        if self.export {
            insecure.push("export-grade (FREAK/Logjam)");
        }
        if self.enc == "RC4" {
            insecure.push("RC4 (RFC 7465)");
        }
        if self.enc == "DES" || self.enc == "RC2" {
            insecure.push("56-bit or weaker block cipher");
        }
        if self.enc == "3DES" || self.enc == "IDEA" {
            insecure.push("64-bit block cipher (Sweet32)");
        }
        if self.mac == "HMAC-MD5" {
            insecure.push("MD5 MAC");
        }
        if !insecure.is_empty() {
            return (Rating::Insecure, insecure);
        }
        let mut weak = Vec::new();
        if !self.forward_secret() {
            weak.push("no forward secrecy");
        }
        if self.cbc() {
            weak.push("CBC mode (padding-oracle history, MAC-then-encrypt)");
        }
        if weak.is_empty() {
            (Rating::Recommended, vec![])
        } else {
            (Rating::Weak, weak)
        }
    }
}

/// Looks a suite up by code point.
pub fn cipher_suite(code: u16) -> Option<&'static SuiteInfo> {
    let table = super::registry::SUITES;
    table
        .binary_search_by_key(&code, |s| s.code)
        .ok()
        .map(|i| &table[i])
}

/// IANA name, or `0xABCD` for an unlisted code point.
pub fn suite_name(code: u16) -> String {
    cipher_suite(code)
        .map(|s| s.name.to_string())
        .unwrap_or_else(|| format!("0x{code:04X}"))
}

/// Every listed suite code point worth offering (TLS_NULL_WITH_NULL_NULL is never negotiable).
pub fn all_codes() -> impl Iterator<Item = u16> {
    super::registry::SUITES
        .iter()
        .map(|s| s.code)
        .filter(|c| *c != 0x0000)
}

/// Named groups (IANA TLS Supported Groups), name and whether it is an elliptic curve group
/// usable in TLS 1.2 ECDHE.
pub const GROUPS: &[(u16, &str)] = &[
    (0x0001, "sect163k1"),
    (0x0002, "sect163r1"),
    (0x0003, "sect163r2"),
    (0x0004, "sect193r1"),
    (0x0005, "sect193r2"),
    (0x0006, "sect233k1"),
    (0x0007, "sect233r1"),
    (0x0008, "sect239k1"),
    (0x0009, "sect283k1"),
    (0x000A, "sect283r1"),
    (0x000B, "sect409k1"),
    (0x000C, "sect409r1"),
    (0x000D, "sect571k1"),
    (0x000E, "sect571r1"),
    (0x000F, "secp160k1"),
    (0x0010, "secp160r1"),
    (0x0011, "secp160r2"),
    (0x0012, "secp192k1"),
    (0x0013, "secp192r1"),
    (0x0014, "secp224k1"),
    (0x0015, "secp224r1"),
    (0x0016, "secp256k1"),
    (0x0017, "secp256r1"),
    (0x0018, "secp384r1"),
    (0x0019, "secp521r1"),
    (0x001A, "brainpoolP256r1"),
    (0x001B, "brainpoolP384r1"),
    (0x001C, "brainpoolP512r1"),
    (0x001D, "x25519"),
    (0x001E, "x448"),
    (0x001F, "brainpoolP256r1tls13"),
    (0x0020, "brainpoolP384r1tls13"),
    (0x0021, "brainpoolP512r1tls13"),
    (0x0022, "GC256A"),
    (0x0023, "GC256B"),
    (0x0024, "GC256C"),
    (0x0025, "GC256D"),
    (0x0026, "GC512A"),
    (0x0027, "GC512B"),
    (0x0028, "GC512C"),
    (0x0029, "curveSM2"),
    (0x0100, "ffdhe2048"),
    (0x0101, "ffdhe3072"),
    (0x0102, "ffdhe4096"),
    (0x0103, "ffdhe6144"),
    (0x0104, "ffdhe8192"),
    (0x0200, "MLKEM512"),
    (0x0201, "MLKEM768"),
    (0x0202, "MLKEM1024"),
    (0x11EB, "SecP256r1MLKEM768"),
    (0x11EC, "X25519MLKEM768"),
    (0x11ED, "SecP384r1MLKEM1024"),
    (0x6399, "X25519Kyber768Draft00"),
    (0x639A, "SecP256r1Kyber768Draft00"),
];

/// Group name, or `0xABCD`.
pub fn group_name(code: u16) -> String {
    GROUPS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("0x{code:04X}"))
}

/// Elliptic-curve groups usable for TLS 1.2 ECDHE (RFC 8422 and RFC 7027 brainpool curves).
pub fn ec_groups() -> Vec<u16> {
    GROUPS
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| (0x0001..=0x001E).contains(c))
        .collect()
}

/// Approximate symmetric-equivalent strength of a group in bits (for grading).
pub fn group_strength(code: u16) -> u16 {
    match code {
        0x0001..=0x0005 | 0x000F..=0x0013 => 80,
        0x0014 | 0x0015 => 112,
        0x0100 => 112,
        0x0101 => 128,
        0x0102 => 152,
        0x0103 => 176,
        0x0104 => 200,
        0x0018 | 0x001B | 0x0020 | 0x001E | 0x000B | 0x000C => 192,
        0x0019 | 0x001C | 0x0021 | 0x000D | 0x000E => 256,
        _ => 128,
    }
}

/// Signature schemes (RFC 8446 §4.2.3 and the TLS 1.2 hash/signature pairs).
pub const SIG_SCHEMES: &[(u16, &str)] = &[
    (0x0201, "rsa_pkcs1_sha1"),
    (0x0203, "ecdsa_sha1"),
    (0x0202, "dsa_sha1"),
    (0x0301, "rsa_pkcs1_sha224"),
    (0x0303, "ecdsa_sha224"),
    (0x0401, "rsa_pkcs1_sha256"),
    (0x0402, "dsa_sha256"),
    (0x0403, "ecdsa_secp256r1_sha256"),
    (0x0501, "rsa_pkcs1_sha384"),
    (0x0503, "ecdsa_secp384r1_sha384"),
    (0x0601, "rsa_pkcs1_sha512"),
    (0x0603, "ecdsa_secp521r1_sha512"),
    (0x0804, "rsa_pss_rsae_sha256"),
    (0x0805, "rsa_pss_rsae_sha384"),
    (0x0806, "rsa_pss_rsae_sha512"),
    (0x0807, "ed25519"),
    (0x0808, "ed448"),
    (0x0809, "rsa_pss_pss_sha256"),
    (0x080A, "rsa_pss_pss_sha384"),
    (0x080B, "rsa_pss_pss_sha512"),
    (0x081A, "ecdsa_brainpoolP256r1tls13_sha256"),
    (0x081B, "ecdsa_brainpoolP384r1tls13_sha384"),
    (0x081C, "ecdsa_brainpoolP512r1tls13_sha512"),
    (0x0101, "rsa_pkcs1_md5"),
];

/// Signature scheme name, or `0xABCD`.
pub fn sig_scheme_name(code: u16) -> String {
    SIG_SCHEMES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| n.to_string())
        .unwrap_or_else(|| format!("0x{code:04X}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete_enough() {
        let t = super::super::registry::SUITES;
        assert!(t.windows(2).all(|w| w[0].code < w[1].code));
        assert!(t.len() > 300);
        assert_eq!(
            cipher_suite(0xC02F).map(|s| s.name),
            Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        );
        assert_eq!(suite_name(0xFFFE), "0xFFFE");
    }

    #[test]
    fn ratings() {
        let r = |c| cipher_suite(c).unwrap().rating().0;
        assert_eq!(r(0xC02F), Rating::Recommended);
        assert_eq!(r(0x1301), Rating::Recommended);
        assert_eq!(r(0x009C), Rating::Weak); // RSA kx
        assert_eq!(r(0xC013), Rating::Weak); // CBC
        assert_eq!(r(0x000A), Rating::Insecure); // 3DES
        assert_eq!(r(0x0005), Rating::Insecure); // RC4
        assert_eq!(r(0x0018), Rating::Insecure); // anon
        assert!(cipher_suite(0x0033).unwrap().is_dhe());
        assert!(cipher_suite(0xC009).unwrap().is_ecdhe());
        assert!(!cipher_suite(0x002F).unwrap().forward_secret());
    }
}
