//! The audit's data model: what `--json` prints and what the human renderer reads.
//! The JSON schema is documented in docs/audit.md.

use std::collections::BTreeMap;

use serde::Serialize;

use super::suite::Rating;

/// Everything an audit found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditReport {
    /// The target as given (`host:port`).
    pub target: String,
    /// The address probed.
    pub address: String,
    /// SNI sent, if any.
    pub sni: Option<String>,
    /// Version name (`SSLv2` … `TLSv1.3`) → accepted.
    pub protocols: BTreeMap<String, bool>,
    /// How each version was accepted or refused.
    pub protocol_details: Vec<ProtocolResult>,
    /// Version → accepted suites' IANA names, in server order when the server enforces one.
    pub cipher_suites: BTreeMap<String, Vec<String>>,
    /// Version → accepted suites with ratings and key-exchange details.
    pub cipher_suite_details: BTreeMap<String, Vec<SuiteResult>>,
    /// Version → whether the server enforces its own order (absent with fewer than 2 suites).
    pub server_preference: BTreeMap<String, bool>,
    /// Supported groups, in the order the server selected them.
    pub groups: Vec<GroupResult>,
    /// Smallest finite-field DH prime offered in a DHE ServerKeyExchange, in bits.
    pub dh_bits: Option<usize>,
    /// Signature schemes the server used in TLS 1.2 ServerKeyExchange, in selection order.
    pub signature_algorithms: Vec<String>,
    /// Signature schemes the server signed TLS 1.3 CertificateVerify with, in selection order
    /// (offered: ECDSA P-256/P-384, Ed25519, RSA-PSS; see docs/audit.md).
    pub signature_algorithms_tls13: Vec<String>,
    /// ALPN protocols the server selected from h2 and http/1.1 (TLS ≤ 1.2 ServerHello).
    pub alpn: Vec<String>,
    /// Other checks.
    pub features: Features,
    /// Leaf certificate summary.
    pub certificate: Option<CertificateSummary>,
    /// With SNI: whether a client without SNI gets a different leaf.
    pub sni_changes_certificate: Option<bool>,
    /// The leaf served without SNI, when it differs.
    pub certificate_without_sni: Option<CertificateSummary>,
    /// Trust verdict for the chain served without SNI, when it differs.
    pub certificate_without_sni_verification: Option<crate::x509::ChainReport>,
    /// Trust verdict for the certificate chain (`tlsight verify`'s report).
    pub certificate_verification: Option<crate::x509::ChainReport>,
    /// The interception check (`tlsight mitm`'s verdict and signals) of the chain.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::report::interception_json"
    )]
    pub interception: Option<Box<crate::mitm::Assessment>>,
    /// Weaknesses and notable facts, each with its reason.
    pub findings: Vec<Finding>,
    /// Every vulnerability check (docs/audit.md), in list order: verdict, reason, evidence,
    /// connections it cost.
    pub vulnerabilities: Vec<super::checks::Vulnerability>,
    /// SSL Labs-style grade.
    pub grade: Grade,
    /// Mozilla server-side TLS profile compliance.
    pub mozilla: Vec<ProfileResult>,
    /// Version → suites whose offer makes the server drop the connection (isolated by splitting
    /// the bundle it closed on); a client offering one of them first cannot connect.
    pub dropped_suites: BTreeMap<String, Vec<String>>,
    /// Some hellos got no answer or a reset with several connections open, so the scheduler
    /// retried them and went on one connection at a time.
    pub throttled: bool,
    /// Hellos sent again after a timeout or a reset.
    pub retried: usize,
    /// TCP connections used.
    pub connections: usize,
    /// Of `connections`, those the vulnerability checks opened (the rest measured the
    /// configuration).
    pub check_connections: usize,
    /// The first connection's plaintext exchange, with STARTTLS (docs/starttls.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls: Option<crate::net::Exchange>,
    /// STARTTLS upgrades performed (each connection repeats it; included in `connections`).
    #[serde(skip_serializing_if = "is_zero")]
    pub starttls_upgrades: usize,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
    /// Raw bytes the checks judge from (not in `--json`: the checks' evidence quotes what
    /// decided them).
    #[serde(skip)]
    pub raw: Raw,
}

/// A DHE prime and where it was seen (servers pick the prime by suite: OpenSSL gives anonymous
/// DH suites a 1024-bit group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DhPrime {
    /// Version name.
    pub version: String,
    /// The suite of that flight.
    pub suite: u16,
    /// The prime, big-endian.
    pub prime: Vec<u8>,
}

/// Measurements kept as bytes for the vulnerability checks.
#[derive(Debug, Clone, Default)]
pub struct Raw {
    /// Every distinct DHE prime seen in a ServerKeyExchange (the first flight it came in).
    pub dh_primes: Vec<DhPrime>,
    /// The leaf certificate (DER) the TLS handshakes served with the audit's SNI.
    pub leaf: Option<Vec<u8>>,
    /// The certificate an SSLv2 SERVER-HELLO carried (DER).
    pub sslv2_certificate: Option<Vec<u8>>,
}

/// How a version was answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProtocolStatus {
    /// The server chose a suite at this version.
    Accepted,
    /// The server said no: an alert, a ServerHello at another version, a close.
    Refused,
    /// No answer within the timeout, or resets, even one connection at a time.
    #[default]
    NoAnswer,
}

/// One protocol version's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolResult {
    /// `TLSv1.2` etc.
    pub version: String,
    /// Accepted.
    pub accepted: bool,
    /// `accepted`, `refused` (an explicit answer: alert, lower-version ServerHello, a close),
    /// or `no_answer` (timeouts or resets even one connection at a time: unknown, not refused).
    pub status: ProtocolStatus,
    /// What the server answered to the first hello of this version.
    pub detail: String,
}

/// One accepted suite.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteResult {
    /// Code point, `0xC02F`.
    pub code: String,
    /// IANA name.
    pub name: String,
    /// Rating.
    pub rating: Rating,
    /// Reasons for the rating, one sentence each.
    pub reasons: Vec<String>,
    /// Stable ids of those reasons (`cbc`, `no-forward-secrecy`, ...).
    pub flags: Vec<String>,
    /// Key exchange seen for this suite: `x25519`, `DH 2048`, `RSA`, ...
    pub key_exchange: Option<String>,
}

/// One supported group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupResult {
    /// Code point.
    pub code: u16,
    /// Name.
    pub name: String,
    /// Selected in a TLS 1.3 HelloRetryRequest.
    pub tls13: bool,
    /// Selected in a TLS ≤ 1.2 ECDHE ServerKeyExchange.
    pub tls12: bool,
}

/// Extension-level and protocol checks; `None` = could not be determined.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Features {
    /// renegotiation_info answered (RFC 5746).
    pub secure_renegotiation: Option<bool>,
    /// extended_master_secret answered (RFC 7627).
    pub extended_master_secret: Option<bool>,
    /// encrypt_then_mac answered when a CBC suite was chosen (RFC 7366).
    pub encrypt_then_mac: Option<bool>,
    /// The server chose DEFLATE compression (CRIME).
    pub compression: Option<bool>,
    /// The server issued a session id (resumption by id possible; not resumed here).
    pub session_id_issued: Option<bool>,
    /// The server answered the session_ticket extension (RFC 5077).
    pub session_ticket: Option<bool>,
    /// A second TLS 1.2 handshake resumed the first by session id (rustls, ECDHE AEAD only).
    pub resumption_session_id: Option<bool>,
    /// A second TLS 1.2 handshake resumed the first with a session ticket offered.
    pub resumption_ticket: Option<bool>,
    /// A stapled OCSP response came (CertificateStatus).
    pub ocsp_stapling: Option<bool>,
    /// SCTs came in the signed_certificate_timestamp extension.
    pub sct_extension: Option<bool>,
    /// The server answered the heartbeat extension (RFC 6520).
    pub heartbeat: Option<bool>,
    /// The server refused a downgraded hello carrying TLS_FALLBACK_SCSV (RFC 7507).
    pub fallback_scsv: Option<bool>,
    /// A TLS 1.3 server answering a TLS 1.2-only hello put the RFC 8446 §4.1.3 downgrade
    /// sentinel (`DOWNGRD\x01`) in its random, so TLS 1.3 clients detect that downgrade.
    pub downgrade_sentinel: Option<bool>,
    /// The server answered an SSLv2 CLIENT-HELLO with these SSLv2 cipher kinds (names).
    pub sslv2_ciphers: Vec<String>,
}

/// The leaf certificate, for grading and display.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CertificateSummary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// DNS / IP subject alternative names.
    pub sans: Vec<String>,
    /// notAfter, RFC 3339.
    pub not_after: String,
    /// Key type: RSA, EC, Ed25519.
    pub key_type: String,
    /// Key size in bits (RSA modulus, EC field).
    pub key_bits: usize,
    /// Signature algorithm of the leaf.
    pub signature_algorithm: String,
    /// Certificates the server sent.
    pub chain_len: usize,
    /// Expired at audit time.
    pub expired: bool,
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Weakens security.
    Warning,
    /// Exploitable or broken.
    Critical,
}

/// One weakness or fact, with its reason.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Stable id: `sslv2`, `rc4`, `sweet32`, ...
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// One-line reason; about many suites, a count per version range, not every name.
    pub message: String,
    /// Every suite the finding is about, with the versions that accept it (empty when the
    /// finding is not about suites). The complete list behind `message`.
    pub suites: Vec<FindingSuite>,
}

/// A suite named by a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindingSuite {
    /// IANA name.
    pub name: String,
    /// Code point, `0x....`.
    pub code: String,
    /// Versions that accept it (`TLSv1.0`, ...), oldest first.
    pub versions: Vec<String>,
}

/// Report version names, oldest first.
pub const VERSION_ORDER: [&str; 6] = ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// Short human form of a set of versions: "TLS 1.0-1.2", "SSLv3-TLS 1.2", "TLS 1.0, 1.2".
pub fn version_span<S: AsRef<str>>(versions: &[S]) -> String {
    let idx: Vec<usize> = VERSION_ORDER
        .iter()
        .enumerate()
        .filter(|(_, v)| versions.iter().any(|w| w.as_ref() == **v))
        .map(|(i, _)| i)
        .collect();
    let short = |i: usize| VERSION_ORDER[i].trim_start_matches("TLSv").to_string();
    let long = |i: usize| match VERSION_ORDER[i].strip_prefix("TLSv") {
        Some(n) => format!("TLS {n}"),
        None => VERSION_ORDER[i].to_string(),
    };
    let (Some(&first), Some(&last)) = (idx.first(), idx.last()) else {
        return String::new();
    };
    let tls = |i: usize| VERSION_ORDER[i].starts_with("TLS");
    if first == last {
        long(first)
    } else if last - first + 1 == idx.len() {
        let end = if tls(first) { short(last) } else { long(last) };
        format!("{}-{end}", long(first))
    } else {
        let mut parts = vec![long(first)];
        parts.extend(
            idx[1..]
                .iter()
                .map(|&i| if tls(first) { short(i) } else { long(i) }),
        );
        parts.join(", ")
    }
}

/// Suites a line names; more are counted.
pub const NAMED_SUITES: usize = 3;

/// "WHAT: A (TLS 1.2), B (TLS 1.0-1.2)" for up to [`NAMED_SUITES`] suites, else
/// "WHAT: 13 suites in TLS 1.0-1.2", with counts per version when they differ.
pub fn suites_message(what: &str, suites: &[FindingSuite]) -> String {
    if suites.len() <= NAMED_SUITES {
        let named: Vec<String> = suites
            .iter()
            .map(|s| format!("{} ({})", s.name, version_span(&s.versions)))
            .collect();
        format!("{what}: {}", named.join(", "))
    } else {
        let all: Vec<&str> = VERSION_ORDER
            .iter()
            .copied()
            .filter(|v| suites.iter().any(|s| s.versions.iter().any(|w| w == v)))
            .collect();
        let counts: Vec<(&str, usize)> = all
            .iter()
            .map(|v| {
                (
                    *v,
                    suites
                        .iter()
                        .filter(|s| s.versions.iter().any(|w| w == v))
                        .count(),
                )
            })
            .collect();
        let per_version = if counts.iter().all(|(_, n)| *n == suites.len()) || all.len() < 2 {
            String::new()
        } else {
            format!(
                " ({})",
                counts
                    .iter()
                    .map(|(v, n)| format!("{}: {n}", version_span(&[*v])))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        format!(
            "{what}: {} suites in {}{per_version}",
            suites.len(),
            version_span(&all)
        )
    }
}

impl Finding {
    /// A finding about a set of suites: its message from [`suites_message`], and `suites`
    /// keeps them all.
    pub fn about_suites(
        id: &str,
        severity: Severity,
        what: &str,
        suites: Vec<FindingSuite>,
    ) -> Self {
        Self {
            id: id.to_string(),
            severity,
            message: suites_message(what, &suites),
            suites,
        }
    }
}

/// SSL Labs-style grade.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Grade {
    /// A+, A, A-, B, C, D, E, F, T.
    pub grade: String,
    /// Numeric score 0–100 before caps.
    pub score: u32,
    /// Protocol, key-exchange and cipher sub-scores.
    pub protocol_score: u32,
    /// Key-exchange sub-score.
    pub key_exchange_score: u32,
    /// Cipher-strength sub-score.
    pub cipher_score: u32,
    /// Caps applied, each with its reason.
    pub caps: Vec<String>,
}

/// Compliance with one Mozilla profile.
#[derive(Debug, Clone, Serialize)]
pub struct ProfileResult {
    /// modern, intermediate, old.
    pub profile: String,
    /// No failures.
    pub compliant: bool,
    /// Why not.
    pub failures: Vec<String>,
    /// Every accepted suite the profile does not allow (the complete list behind the
    /// "suites outside the profile" failure).
    pub suites_outside: Vec<FindingSuite>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs(name: &str, versions: &[&str]) -> FindingSuite {
        FindingSuite {
            name: name.into(),
            code: "0x0000".into(),
            versions: versions.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn version_spans_read_like_people_write_them() {
        assert_eq!(
            version_span(&["TLSv1.2", "TLSv1.0", "TLSv1.1"]),
            "TLS 1.0-1.2"
        );
        assert_eq!(version_span(&["TLSv1.0", "TLSv1.2"]), "TLS 1.0, 1.2");
        assert_eq!(version_span(&["SSLv3", "TLSv1.0"]), "SSLv3-TLS 1.0");
        assert_eq!(version_span(&["TLSv1.3"]), "TLS 1.3");
    }

    #[test]
    fn many_suites_are_counted_per_version_few_are_named() {
        let all = ["TLSv1.0", "TLSv1.1", "TLSv1.2"];
        let many: Vec<FindingSuite> = (0..13).map(|i| fs(&format!("S{i}"), &all)).collect();
        let f = Finding::about_suites("null_cipher", Severity::Critical, "NULL encryption", many);
        assert_eq!(f.message, "NULL encryption: 13 suites in TLS 1.0-1.2");
        assert_eq!(f.suites.len(), 13);
        let mut uneven: Vec<FindingSuite> = (0..4).map(|i| fs(&format!("S{i}"), &all)).collect();
        uneven.push(fs("ONLY12", &["TLSv1.2"]));
        let f = Finding::about_suites("x", Severity::Warning, "weak", uneven);
        assert_eq!(
            f.message,
            "weak: 5 suites in TLS 1.0-1.2 (TLS 1.0: 4, TLS 1.1: 4, TLS 1.2: 5)"
        );
        let few = vec![fs("TLS_RSA_WITH_RC4_128_SHA", &["TLSv1.0", "TLSv1.2"])];
        let f = Finding::about_suites("rc4", Severity::Critical, "RC4", few);
        assert_eq!(f.message, "RC4: TLS_RSA_WITH_RC4_128_SHA (TLS 1.0, 1.2)");
    }
}
