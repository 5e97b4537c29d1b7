//! What `tlsight verify` found, as data: the chain report and its parts. Below both
//! `verify` (which fills it) and `lint` (which reads it to add findings), so
//! neither imports the other.

use std::collections::BTreeMap;

use serde::Serialize;

use super::diagnosis::{Code, Finding};
use super::parse::CertSummary;
use super::possession::KeyPossession;
use super::sigcheck::SigCheck;
use super::stores::StoreKind;

/// The anchor a store validated the chain to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorInfo {
    /// Anchor subject.
    pub subject: String,
    /// SHA-256 of the anchor's SubjectPublicKeyInfo, base64 (HPKP pin form).
    pub spki_sha256: String,
    /// Whether the server (input) included this anchor.
    pub sent: bool,
    /// Whether the store has the anchor's full certificate.
    pub has_certificate: bool,
}

/// Path validation against one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoreReport {
    /// Whether a valid path to one of this store's anchors exists.
    pub trusted: bool,
    /// The anchor of that path.
    pub anchor: Option<AnchorInfo>,
    /// Subjects of the intermediates webpki used, leaf side first.
    pub path: Vec<String>,
    /// Why not, as a code.
    pub code: Option<Code>,
    /// Why not, as text.
    pub error: Option<String>,
    /// Number of anchors loaded.
    pub anchors: usize,
    /// Where the anchors came from.
    pub source: String,
}

/// One link of the built path, leaf first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkReport {
    /// Position in the path (0 = leaf).
    pub position: usize,
    /// Index in the input as sent, or `None` when the link comes from a store.
    pub sent_index: Option<usize>,
    /// `sent` or `store:<name>`.
    pub source: String,
    /// Stores in which this certificate is an anchor.
    pub anchor_in: Vec<StoreKind>,
    /// Subject (also available when only a store anchor without certificate is known).
    pub subject: String,
    /// SPKI pin (base64 SHA-256).
    pub spki_sha256: String,
    /// Decoded certificate, when there is one and it parses.
    pub cert: Option<CertSummary>,
    /// Why the certificate could not be decoded.
    pub parse_error: Option<String>,
    /// Our ring check of this link's signature against the next link's key.
    pub signature: Option<SigCheck>,
    /// `signature.status == valid`, `None` when no issuer key is known.
    pub signature_valid: Option<bool>,
    /// This link's issuer name equals the next link's subject.
    pub issuer_name_match: Option<bool>,
    /// authorityKeyIdentifier equals the next link's subjectKeyIdentifier.
    pub key_id_match: Option<bool>,
}

/// A certificate as it was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentCert {
    /// Index in the input.
    pub index: usize,
    /// Subject, or a parse error marker.
    pub subject: String,
    /// Position in the built path, `None` when unused.
    pub path_position: Option<usize>,
    /// URL it was downloaded from (`--fetch`), when it was not sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fetched_from: Option<String>,
}

/// Where a live chain came from (filled in by the caller that did the handshake).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionInfo {
    /// `host:port` as asked.
    pub target: String,
    /// Address connected to.
    pub address: String,
    /// SNI sent.
    pub sni: Option<String>,
    /// Size of the stapled OCSP response, 0 when none was stapled.
    pub stapled_ocsp_bytes: usize,
    /// Whether the server proved possession of the leaf key (CertificateVerify/ServerKeyExchange).
    pub handshake_signature_valid: Option<bool>,
    /// Why the handshake did not complete, if it did not.
    pub handshake_error: Option<String>,
}

/// One download made by `--fetch` (filled in by the CLI; the library opens no sockets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fetched {
    /// The URL.
    pub url: String,
    /// `ca_issuers` (AIA) or `crl` (CRL distribution point).
    pub purpose: String,
    /// Bytes received (body).
    pub bytes: usize,
    /// Certificates or CRLs taken from it.
    pub items: usize,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// Which rule set [`super::lint::profile`] applies on top of rustls-webpki. Each rule of the stricter sets
/// has a side that real chains break on purpose, so it is opt-in (`verify --profile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// The rules that hold for every chain, public or private, as browsers apply them.
    #[default]
    Default,
    /// Also the CA/B Forum Baseline Requirements for publicly-trusted server certificates that
    /// private PKIs and some public operators break: leaf EKU present (BR 7.1.2.7.6), subject CN
    /// spelled exactly as a SAN (7.1.4.3), no wildcard over a private-section public suffix
    /// (3.2.2.6), no authorityCertIssuer/SerialNumber even in the root's AKI (7.1.2.1.3).
    Cabf,
    /// Also RFC 5280 rules where Web PKI practice differs: nameConstraints MUST be critical
    /// (4.2.1.10), and the trust anchor's certificate is held to the SKI (4.2.1.2) and AKI
    /// (4.2.1.1) rules too.
    Rfc5280,
}

/// Everything `tlsight verify` knows about a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// At least one store validates the chain, the name matches, no error applies and, for a
    /// live server, the server proved it holds the leaf's key.
    pub trusted: bool,
    /// The chain's own verdict (stores, name, findings), whatever the server proved: a copied
    /// certificate has a valid chain and an untrusted server.
    pub chain_trusted: bool,
    /// What the handshake proved about the leaf key (live servers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_possession: Option<KeyPossession>,
    /// Requested host name / IP address.
    pub host: Option<String>,
    /// Whether the leaf covers `host`.
    pub host_valid: Option<bool>,
    /// Validation time, RFC 3339.
    pub validated_at: String,
    /// Validation time, Unix seconds.
    pub validated_at_unix: i64,
    /// The rule set applied on top of path validation (`default`, `cabf`, `rfc5280`:
    /// `verify --profile`).
    pub profile: Profile,
    /// Problems that make the chain untrusted.
    pub errors: Vec<Finding>,
    /// Things worth fixing that do not affect trust.
    pub warnings: Vec<Finding>,
    /// The path built, leaf to anchor.
    pub chain: Vec<LinkReport>,
    /// The input, in the order it came.
    pub sent: Vec<SentCert>,
    /// Per-store validation.
    pub stores: BTreeMap<StoreKind, StoreReport>,
    /// The stapled OCSP response, decoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ocsp: Option<super::ocsp::OcspSummary>,
    /// Downloads made by `--fetch`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetched: Vec<Fetched>,
    /// The connection the chain came from (live mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection: Option<ConnectionInfo>,
}

impl ChainReport {
    /// Whether a finding with `code` is among errors or warnings.
    pub fn has(&self, code: Code) -> bool {
        self.errors
            .iter()
            .chain(&self.warnings)
            .any(|f| f.code == code)
    }
}

// Here rather than in `possession`, which stays below this file (no import circle).
impl ChainReport {
    /// Records what the handshake proved about the leaf key. A chain whose server did not prove
    /// possession is not trusted: `key_possession_failed` becomes the first error, while
    /// `chain_trusted` keeps the chain's own verdict visible.
    pub fn apply_key_possession(&mut self, kp: KeyPossession) {
        if let Some(f) = kp.finding() {
            self.errors.retain(|f| f.code != Code::KeyPossessionFailed);
            self.errors.insert(0, f);
            self.trusted = false;
        }
        self.key_possession = Some(kp);
    }
}
