//! Judgement: a [`Rating`] and one sourced [`Reason`] per flaw, for suites, groups and signature
//! schemes. Kept apart from the generated facts so the policy is readable and testable in one place.
//!
//! Policy: the rating is the worst rating among the reasons. An entry with no reason at all is
//! `Recommended`; every entry that is not IANA-Recommended gets at least the informational
//! `not-recommended` reason, so "why not recommended?" always has an answer.

use std::fmt;

use serde::Serialize;

use super::types::*;

/// How safe an algorithm choice is. Ordered from best to worst, so `max()` is "worst of".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    /// IANA-Recommended and no known weakness.
    Recommended,
    /// No known practical weakness, but not (or no longer) the first choice.
    Secure,
    /// Deprecated or "SHOULD NOT": attacks exist or the margin is thin.
    Weak,
    /// "MUST NOT" / practically broken.
    Insecure,
}

impl Rating {
    /// Lower-case name ("recommended", "secure", "weak", "insecure").
    pub fn name(self) -> &'static str {
        match self {
            Self::Recommended => "recommended",
            Self::Secure => "secure",
            Self::Weak => "weak",
            Self::Insecure => "insecure",
        }
    }
    /// All ratings, best first.
    pub const ALL: [Rating; 4] = [Self::Recommended, Self::Secure, Self::Weak, Self::Insecure];
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Rating {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown rating `{s}`: expected recommended, secure, weak or insecure")
            })
    }
}

/// One flaw (or informational note) with the rating it implies and where the judgement comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable identifier (`rc4`, `cbc`, `no-forward-secrecy`, ...), for filtering and tests.
    pub id: &'static str,
    /// Rating this flaw alone implies.
    pub rating: Rating,
    /// What is wrong, in one sentence.
    pub text: String,
    /// The document or attack the judgement rests on.
    pub source: &'static str,
}

fn reason(
    id: &'static str,
    rating: Rating,
    text: impl Into<String>,
    source: &'static str,
) -> Reason {
    Reason {
        id,
        rating,
        text: text.into(),
        source,
    }
}

/// The worst rating among `reasons`, `Recommended` when there is none.
pub(crate) fn worst(reasons: &[Reason]) -> Rating {
    reasons
        .iter()
        .map(|r| r.rating)
        .max()
        .unwrap_or(Rating::Recommended)
}

fn not_recommended(rec: Recommended, what: &str) -> Option<Reason> {
    match rec {
        Recommended::Yes => None,
        Recommended::Discouraged => Some(reason(
            "iana-discouraged",
            Rating::Weak,
            format!("IANA marks this {what} Discouraged (D)"),
            "IANA TLS registries; draft-ietf-tls-rfc8447bis",
        )),
        Recommended::No => Some(reason(
            "not-recommended",
            Rating::Secure,
            format!("IANA does not mark this {what} Recommended"),
            "IANA TLS registries, RFC 8447 §5",
        )),
        Recommended::NotListed => Some(reason(
            "not-iana",
            Rating::Secure,
            format!("not in the IANA registry: a legacy or vendor {what}"),
            "IANA TLS registries",
        )),
    }
}

fn grease_reason() -> Reason {
    reason(
        "grease",
        Rating::Secure,
        "GREASE placeholder: never negotiated",
        "RFC 8701",
    )
}

/// Effective symmetric strength in bits (3DES: 112, per NIST SP 800-57).
pub(crate) fn symmetric_security_bits(s: &CipherSuite) -> u16 {
    match s.cipher {
        Cipher::TripleDes => 112,
        _ => s.key_bits,
    }
}

fn has_64bit_block(c: Cipher) -> bool {
    matches!(
        c,
        Cipher::Des
            | Cipher::TripleDes
            | Cipher::Idea
            | Cipher::Rc2
            | Cipher::Magma
            | Cipher::Gost28147
    )
}

impl CipherSuite {
    /// Every flaw of this suite, each with its rating and source.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut out = Vec::new();
        match self.kind {
            SuiteKind::Grease => {
                out.push(reason(
                    "grease",
                    Rating::Secure,
                    "GREASE placeholder: sent to keep servers tolerant of unknown values, never negotiated",
                    "RFC 8701",
                ));
                return out;
            }
            SuiteKind::Scsv => {
                let text = if self.code == 0x5600 {
                    "signalling value: the client is retrying with a lower version; a server that supports better must abort (downgrade protection)"
                } else {
                    "signalling value: the client supports secure renegotiation (same meaning as an empty renegotiation_info extension)"
                };
                let src = if self.code == 0x5600 {
                    "RFC 7507"
                } else {
                    "RFC 5746"
                };
                out.push(reason("scsv", Rating::Secure, text, src));
                return out;
            }
            SuiteKind::Standard | SuiteKind::NonIana => {}
        }
        let tls13 = self.versions == Versions::TLS13;

        if self.null {
            out.push(reason(
                "null-cipher",
                Rating::Insecure,
                "NULL cipher: no encryption, anyone on the path reads the traffic",
                "RFC 9325 §4.1 (BCP 195)",
            ));
        }
        if self.anon {
            out.push(reason(
                "anonymous",
                Rating::Insecure,
                "anonymous: no authentication, so an active attacker can sit in the middle unnoticed",
                "RFC 5246 §A.5, §F.1.1.1",
            ));
        }
        if self.cipher == Cipher::Rc4 {
            out.push(reason(
                "rc4",
                Rating::Insecure,
                "RC4 keystream biases let attackers recover repeated plaintext such as cookies",
                "RFC 7465",
            ));
        }
        if self.export {
            let (text, src) = match self.kx {
                KeyExchange::Rsa => (
                    "export grade: 512-bit RSA key exchange and at most 56-bit encryption, breakable in hours (FREAK)",
                    "FREAK (CVE-2015-0204); RFC 9325 §4.1",
                ),
                KeyExchange::Dh | KeyExchange::Dhe => (
                    "export grade: 512-bit Diffie-Hellman and at most 56-bit encryption, breakable in real time (Logjam)",
                    "Logjam (CVE-2015-4000); RFC 9325 §4.1",
                ),
                _ => (
                    "export grade: deliberately weakened to at most 56-bit encryption",
                    "RFC 9325 §4.1",
                ),
            };
            out.push(reason("export", Rating::Insecure, text, src));
        }
        let bits = symmetric_security_bits(self);
        if !self.null && !self.export && bits < 112 {
            out.push(reason(
                "short-key",
                Rating::Insecure,
                format!(
                    "{bits}-bit encryption key: brute-force is practical (minimum is 112 bits)"
                ),
                "RFC 9325 §4.1 (BCP 195)",
            ));
        } else if !self.null && (112..128).contains(&bits) {
            out.push(reason(
                "under-128-bit",
                Rating::Weak,
                format!("only {bits}-bit security (SHOULD NOT go below 128)"),
                "RFC 9325 §4.1 (BCP 195)",
            ));
        }
        if has_64bit_block(self.cipher) {
            if matches!(self.cipher, Cipher::Magma | Cipher::Gost28147) {
                out.push(reason(
                    "64-bit-block",
                    Rating::Secure,
                    "64-bit block cipher: safe only because RFC 9189/9367 re-key (TLSTREE) long before the birthday bound",
                    "RFC 9189 (TLSTREE); Sweet32 (CVE-2016-2183)",
                ));
            } else {
                out.push(reason(
                    "sweet32",
                    Rating::Weak,
                    "64-bit block cipher: after a few hundred GB on one connection, block collisions leak plaintext (Sweet32)",
                    "Sweet32 (CVE-2016-2183)",
                ));
            }
        }
        if !self.versions.is_empty()
            && self
                .versions
                .max()
                .is_some_and(|v| v != Versions::TLS12 && v != Versions::TLS13)
        {
            out.push(reason(
                "legacy-versions-only",
                Rating::Insecure,
                format!(
                    "only usable with {}, protocol versions that must no longer be used",
                    self.versions
                ),
                "RFC 8996 (TLS 1.0/1.1); RFC 7568 (SSLv3)",
            ));
        }
        if self.mode == Mode::Cbc {
            out.push(reason(
                "cbc",
                Rating::Weak,
                "CBC with MAC-then-encrypt: padding-oracle and timing attacks (Lucky13, POODLE in SSLv3) unless encrypt_then_mac is negotiated",
                "Lucky13 (CVE-2013-0169); POODLE (CVE-2014-3566); RFC 7366",
            ));
        }
        if !self.forward_secrecy && !self.anon && !self.null {
            let (text, src) = match self.kx {
                KeyExchange::Rsa | KeyExchange::RsaPsk => (
                    "RSA key transport: no forward secrecy (a stolen server key decrypts recorded traffic) and Bleichenbacher-style oracles (ROBOT)",
                    "RFC 9325 §4.1; ROBOT (Böck, Somorovsky, Young 2018); draft-ietf-tls-deprecate-obsolete-kex",
                ),
                KeyExchange::Dh | KeyExchange::Ecdh => (
                    "static Diffie-Hellman: the server key never changes, so there is no forward secrecy",
                    "RFC 9325 §4.1; draft-ietf-tls-deprecate-obsolete-kex",
                ),
                _ => (
                    "no forward secrecy: whoever obtains the long-term secret decrypts recorded traffic",
                    "RFC 9325 §4.1 (BCP 195)",
                ),
            };
            out.push(reason("no-forward-secrecy", Rating::Weak, text, src));
        }
        if self.auth == Authentication::Dss {
            out.push(reason(
                "dsa",
                Rating::Weak,
                "DSA authentication: dropped from TLS 1.3 and no longer approved for signing",
                "RFC 8446 §4.2.3; FIPS 186-5",
            ));
        }
        if self.mac == Some(Mac::Md5) {
            out.push(reason(
                "md5-mac",
                Rating::Weak,
                "HMAC-MD5 record MAC: MD5 is broken and discouraged even inside HMAC",
                "RFC 6151",
            ));
        }
        if matches!(self.kx, KeyExchange::Dhe | KeyExchange::DhePsk) && !tls13 {
            out.push(reason(
                "ffdhe-tls12",
                Rating::Secure,
                "finite-field DHE in TLS 1.2: the server picks the group, which may be small or weak (Logjam, Raccoon)",
                "draft-ietf-tls-deprecate-obsolete-kex; Logjam (CVE-2015-4000)",
            ));
        }
        if self.mode == Mode::Ccm8 {
            out.push(reason(
                "ccm8",
                Rating::Secure,
                "CCM_8: truncated 64-bit authentication tag, meant for constrained devices",
                "RFC 6655; IANA (IESG Action 2018-08-16)",
            ));
        }
        if let Some(r) = not_recommended(self.iana_recommended, "cipher suite") {
            out.push(r);
        }
        out
    }

    /// The worst rating among [`CipherSuite::reasons`] (`Recommended` when there is none).
    pub fn rating(&self) -> Rating {
        worst(&self.reasons())
    }
}

impl Sslv2CipherSpec {
    /// Every SSLv2 spec is insecure: the protocol itself is prohibited.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut out = vec![reason(
            "sslv2",
            Rating::Insecure,
            "SSLv2 cipher spec: SSL 2.0 is broken (no handshake integrity, DROWN) and prohibited",
            "RFC 6176; DROWN (CVE-2016-0800)",
        )];
        if self.export {
            out.push(reason(
                "export",
                Rating::Insecure,
                "export grade: 40-bit encryption",
                "RFC 9325 §4.1",
            ));
        }
        if self.cipher == Cipher::Rc4 {
            out.push(reason(
                "rc4",
                Rating::Insecure,
                "RC4 keystream biases",
                "RFC 7465",
            ));
        }
        out
    }
    /// Always [`Rating::Insecure`].
    pub fn rating(&self) -> Rating {
        worst(&self.reasons())
    }
}

impl NamedGroup {
    /// Every flaw of this group, each with its rating and source.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut out = Vec::new();
        if self.kind == GroupKind::Grease {
            return vec![grease_reason()];
        }
        if self.kind == GroupKind::ExplicitCurve {
            out.push(reason(
                "explicit-curve",
                Rating::Insecure,
                "explicit curve parameters: deprecated, and validating them has led to spoofing bugs (CurveBall)",
                "RFC 8422 §5.1.1; CVE-2020-0601",
            ));
        } else if self.security_bits < 112 {
            out.push(reason(
                "under-112-bit",
                Rating::Insecure,
                format!(
                    "about {}-bit security: below the 112-bit minimum",
                    self.security_bits
                ),
                "NIST SP 800-131A Rev. 2; RFC 9325 §4.1",
            ));
        }
        // RFC 8422 deprecated every curve of the original RFC 4492 list except the three NIST
        // prime curves (values 1-22 minus 23-25; 23-25 are below this bound).
        if (1..=22).contains(&self.code) {
            out.push(reason(
                "deprecated-curve",
                Rating::Weak,
                "curve deprecated for TLS (binary or rarely implemented curve)",
                "RFC 8422 §5.1.1",
            ));
        }
        if self.obsolete {
            out.push(reason(
                "obsolete-draft",
                Rating::Weak,
                "pre-standard Kyber draft code point, obsoleted by the ML-KEM hybrids",
                "IANA Supported Groups registry; draft-kwiatkowski-tls-ecdhe-mlkem",
            ));
        }
        if self.kind == GroupKind::Ffdhe && self.security_bits <= 112 {
            out.push(reason(
                "ffdhe-2048",
                Rating::Secure,
                "2048-bit finite field: 112-bit security, the minimum still acceptable",
                "NIST SP 800-57 Part 1 Rev. 5 Table 2",
            ));
        }
        if self.kind == GroupKind::MlKem {
            out.push(reason(
                "pure-pq",
                Rating::Secure,
                "pure ML-KEM without a classical component: no fallback if ML-KEM or its implementation fails",
                "draft-connolly-tls-mlkem-key-agreement",
            ));
        }
        // tlsight rates the standard hybrids Recommended although IANA still says N (they were
        // drafts when the registry snapshot was taken): they resist harvest-now-decrypt-later.
        let pq_hybrid = self.kind == GroupKind::HybridPq && !self.obsolete;
        if !pq_hybrid && let Some(r) = not_recommended(self.iana_recommended, "group") {
            out.push(r);
        }
        out
    }

    /// Context for the rating that is not a flaw (why a hybrid is rated above IANA's column).
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.kind == GroupKind::HybridPq && !self.obsolete {
            out.push(
                "rated recommended by tlsight although IANA's column still says N (it was a draft \
                 when registered): the hybrid keeps recorded traffic safe from a future quantum \
                 computer while staying as strong as ECDHE today (draft-ietf-tls-ecdhe-mlkem)"
                    .to_string(),
            );
        }
        out
    }

    /// The worst rating among [`NamedGroup::reasons`].
    pub fn rating(&self) -> Rating {
        worst(&self.reasons())
    }

    /// Whether the exchange resists a future quantum computer.
    pub fn post_quantum(&self) -> bool {
        self.pq_category > 0
    }
}

impl SignatureScheme {
    /// Every flaw of this scheme, each with its rating and source.
    pub fn reasons(&self) -> Vec<Reason> {
        let mut out = Vec::new();
        if self.kind == SigKind::Grease {
            return vec![grease_reason()];
        }
        match self.hash {
            SigHash::Md5 => out.push(reason(
                "md5",
                Rating::Insecure,
                "MD5 signatures: practical collisions allow forged signatures",
                "RFC 9155; RFC 6151",
            )),
            SigHash::Sha1 => out.push(reason(
                "sha1",
                Rating::Insecure,
                "SHA-1 signatures: chosen-prefix collisions (SHA-1 is a Shambles, 2020) allow forgeries",
                "RFC 9155",
            )),
            SigHash::Sha224 => out.push(reason(
                "sha224",
                Rating::Weak,
                "SHA-224: 112-bit collision resistance and not defined for TLS 1.3",
                "RFC 8446 §4.2.3; NIST SP 800-57",
            )),
            _ => {}
        }
        if self.algorithm == SigAlgorithm::Dsa {
            out.push(reason(
                "dsa",
                Rating::Weak,
                "DSA: dropped from TLS 1.3 and no longer approved for signing",
                "RFC 8446 §4.2.3; FIPS 186-5",
            ));
        }
        if let Some(r) = not_recommended(self.iana_recommended, "signature scheme") {
            out.push(r);
        }
        out
    }

    /// The worst rating among [`SignatureScheme::reasons`].
    pub fn rating(&self) -> Rating {
        worst(&self.reasons())
    }
}
