//! Explanation of registry entries: the part-by-part decomposition people read, and the JSON
//! form (`serde::Serialize`) shared by every command that shows a suite, group or scheme.

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};

use super::rating::{Rating, Reason, worst};
use super::types::*;

/// One part of a decomposed name: what the part is, its value, and what that means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    /// The role ("key exchange", "authentication", "cipher", "integrity", "PRF").
    pub part: &'static str,
    /// The value as written in the name ("ECDHE", "AES-128 GCM", "SHA256").
    pub value: String,
    /// What it means, in one sentence.
    pub meaning: String,
}

fn part(part: &'static str, value: impl Into<String>, meaning: impl Into<String>) -> Part {
    Part {
        part,
        value: value.into(),
        meaning: meaning.into(),
    }
}

/// "AES-128", "3DES", "CHACHA20" (with the key size where the name carries one).
pub fn cipher_label(s: &CipherSuite) -> String {
    match s.cipher {
        Cipher::Aes | Cipher::Camellia | Cipher::Aria => format!("{}-{}", s.cipher, s.key_bits),
        Cipher::Rc4 | Cipher::Rc2 if s.key_bits != 128 => format!("{}-{}", s.cipher, s.key_bits),
        Cipher::Des if s.key_bits == 40 => "DES40".to_string(),
        c => c.name().to_string(),
    }
}

impl CipherSuite {
    /// Whether this suite is a TLS 1.3 suite (key exchange and authentication negotiated apart).
    pub fn is_tls13(&self) -> bool {
        self.versions == Versions::TLS13
    }

    /// "0xC02F".
    pub fn code_hex(&self) -> String {
        format!("0x{:04X}", self.code)
    }

    /// The name decomposed part by part. SCSV and GREASE values have a single "meaning" part.
    pub fn parts(&self) -> Vec<Part> {
        if matches!(self.kind, SuiteKind::Scsv | SuiteKind::Grease) {
            return vec![part("meaning", self.kind.name(), self.kind.describe())];
        }
        let mut out = Vec::new();
        let kx_meaning = if self.export {
            format!(
                "{}; export grade: deliberately limited key sizes",
                self.kx.describe()
            )
        } else {
            self.kx.describe().to_string()
        };
        out.push(part("key exchange", self.kx.name(), kx_meaning));
        out.push(part(
            "authentication",
            self.auth.name(),
            self.auth.describe(),
        ));
        let cipher = if self.null {
            part("cipher", "NULL", Cipher::Null.describe())
        } else {
            let mode = match self.mode {
                Mode::Stream | Mode::Poly1305 | Mode::Aegis => String::new(),
                m => format!(" in {m} mode"),
            };
            let with = if self.mode == Mode::Poly1305 {
                "-POLY1305"
            } else {
                ""
            };
            part(
                "cipher",
                format!("{}{with}{mode}", cipher_label(self)),
                format!(
                    "{}, {}-bit key; {}",
                    self.cipher.describe(),
                    self.key_bits,
                    self.mode.describe()
                ),
            )
        };
        out.push(cipher);
        out.push(match self.mac {
            None if self.aead => part(
                "integrity",
                "AEAD",
                "the cipher's authentication tag protects integrity; no separate MAC",
            ),
            None => part("integrity", "none", "no record integrity protection at all"),
            Some(m) => part("integrity", m.name(), m.describe()),
        });
        let prf_role = if self.is_tls13() {
            "hash for the HKDF key schedule and transcript"
        } else {
            "hash for the PRF (key derivation) and Finished messages"
        };
        out.push(part(
            "PRF",
            self.prf.name(),
            format!("{prf_role}: {}", self.prf.describe()),
        ));
        out
    }

    /// A one-line summary of the tricky properties ("TLS 1.3 suite: ...", forward secrecy).
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.is_tls13() {
            out.push(
                "TLS 1.3 suite: it fixes only the AEAD cipher and the hash; key exchange (supported_groups/key_share) and authentication (signature_algorithms) are negotiated separately".to_string(),
            );
        }
        if matches!(self.kind, SuiteKind::Standard | SuiteKind::NonIana) {
            out.push(if self.forward_secrecy {
                "forward secret: recorded traffic stays safe if the server's key leaks later"
                    .to_string()
            } else {
                "not forward secret: a leaked long-term key decrypts recorded traffic".to_string()
            });
        }
        out
    }
}

fn reasons_and_rating<S: SerializeStruct>(
    st: &mut S,
    rating: Rating,
    reasons: &[Reason],
) -> Result<(), S::Error> {
    st.serialize_field("rating", &rating)?;
    st.serialize_field("reasons", reasons)
}

impl Serialize for CipherSuite {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let reasons = self.reasons();
        let mut st = s.serialize_struct("CipherSuite", 24)?;
        st.serialize_field("type", "cipher_suite")?;
        st.serialize_field("code", &self.code_hex())?;
        st.serialize_field("iana", self.iana)?;
        st.serialize_field("openssl", &self.openssl)?;
        st.serialize_field("gnutls", &self.gnutls)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("versions", &self.versions)?;
        st.serialize_field("kx", &self.kx)?;
        st.serialize_field("auth", &self.auth)?;
        st.serialize_field("cipher", &self.cipher)?;
        st.serialize_field("key_bits", &self.key_bits)?;
        st.serialize_field("mode", &self.mode)?;
        st.serialize_field("aead", &self.aead)?;
        st.serialize_field("mac", &self.mac)?;
        st.serialize_field("prf", &self.prf)?;
        st.serialize_field("forward_secrecy", &self.forward_secrecy)?;
        st.serialize_field("export", &self.export)?;
        st.serialize_field("anon", &self.anon)?;
        st.serialize_field("null", &self.null)?;
        st.serialize_field("iana_recommended", &self.iana_recommended)?;
        st.serialize_field("dtls_ok", &self.dtls_ok)?;
        st.serialize_field("reference", self.reference)?;
        reasons_and_rating(&mut st, worst(&reasons), &reasons)?;
        st.end()
    }
}

impl Sslv2CipherSpec {
    /// "0x010080".
    pub fn code_hex(&self) -> String {
        format!("0x{:06X}", self.code)
    }
}

impl Serialize for Sslv2CipherSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let reasons = self.reasons();
        let mut st = s.serialize_struct("Sslv2CipherSpec", 11)?;
        st.serialize_field("type", "sslv2_cipher_spec")?;
        st.serialize_field("code", &self.code_hex())?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("openssl", self.openssl)?;
        st.serialize_field("versions", &["SSLv2"])?;
        st.serialize_field("cipher", &self.cipher)?;
        st.serialize_field("key_bits", &self.key_bits)?;
        st.serialize_field("mode", &self.mode)?;
        st.serialize_field("export", &self.export)?;
        reasons_and_rating(&mut st, worst(&reasons), &reasons)?;
        st.end()
    }
}

impl NamedGroup {
    /// "0x001D".
    pub fn code_hex(&self) -> String {
        format!("0x{:04X}", self.code)
    }
}

impl Serialize for NamedGroup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let reasons = self.reasons();
        let mut st = s.serialize_struct("NamedGroup", 12)?;
        st.serialize_field("type", "group")?;
        st.serialize_field("code", &self.code_hex())?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("key_bits", &self.key_bits)?;
        st.serialize_field("security_bits", &self.security_bits)?;
        st.serialize_field("post_quantum", &self.post_quantum())?;
        st.serialize_field("pq_category", &self.pq_category)?;
        st.serialize_field("iana_recommended", &self.iana_recommended)?;
        st.serialize_field("reference", self.reference)?;
        st.serialize_field("hybrid", &crate::wire::hybrid::layout(self.code))?;
        reasons_and_rating(&mut st, worst(&reasons), &reasons)?;
        st.end()
    }
}

impl SignatureScheme {
    /// "0x0804".
    pub fn code_hex(&self) -> String {
        format!("0x{:04X}", self.code)
    }
}

impl Serialize for SignatureScheme {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let reasons = self.reasons();
        let mut st = s.serialize_struct("SignatureScheme", 11)?;
        st.serialize_field("type", "signature_scheme")?;
        st.serialize_field("code", &self.code_hex())?;
        st.serialize_field("name", self.name)?;
        st.serialize_field("kind", &self.kind)?;
        st.serialize_field("algorithm", &self.algorithm)?;
        st.serialize_field("hash", &self.hash)?;
        st.serialize_field("curve", &self.curve)?;
        st.serialize_field("iana_recommended", &self.iana_recommended)?;
        st.serialize_field("reference", self.reference)?;
        reasons_and_rating(&mut st, worst(&reasons), &reasons)?;
        st.end()
    }
}
