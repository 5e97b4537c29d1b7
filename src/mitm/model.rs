//! The assessment's data model: the `tlsight mitm --json` form (schema in docs/mitm.md), also
//! rendered by `report::mitm`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::baseline;
use super::{AnchorOrigin, BaselineCheck, CatalogueMatch, PinCheck, Sct, Signal, Verdict};
use crate::x509::{StoreKind, StoreReport};

/// One certificate of the chain, summarised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainCert {
    /// Position as sent (0 = leaf).
    pub position: usize,
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// SPKI pin (base64 SHA-256).
    pub spki_sha256: String,
    /// SHA-256 of the certificate, hex.
    pub fingerprint_sha256: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// A CA certificate.
    pub is_ca: bool,
    /// Embedded SCTs.
    pub sct_count: usize,
}

/// Certificate Transparency evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CtReport {
    /// SCTs embedded in the leaf.
    pub embedded: usize,
    /// SCTs in the TLS extension.
    pub tls_extension: usize,
    /// SCTs in the stapled OCSP response.
    pub ocsp: usize,
    /// A stapled OCSP response was received.
    pub ocsp_stapled: bool,
    /// Every SCT, decoded.
    pub scts: Vec<Sct>,
    /// Whether CT is expected: the chain is anchored in Mozilla's (public) roots.
    pub expected: bool,
}

/// The server's hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerSummary {
    /// Negotiated version.
    pub version: Option<String>,
    /// Negotiated cipher suite.
    pub cipher_suite: Option<String>,
    /// JA3S.
    pub ja3s: Option<String>,
    /// JA3S input string.
    pub ja3s_string: Option<String>,
    /// The handshake signature verified with the leaf's key (null: never checked).
    pub handshake_signature_valid: Option<bool>,
    /// What the handshake proved about the leaf key, and with which message.
    pub key_possession: crate::x509::KeyPossession,
}

/// Differences between the direct path and the proxy path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathComparison {
    /// The direct path's address.
    pub direct_address: String,
    /// Leaf SPKI directly / through the proxy.
    pub direct_leaf_spki_sha256: Option<String>,
    /// Leaf issuer directly.
    pub direct_issuer: Option<String>,
    /// Chain length directly.
    pub direct_chain_length: usize,
    /// JA3S directly.
    pub direct_ja3s: Option<String>,
    /// Fields that differ.
    pub differences: Vec<baseline::Difference>,
}

/// The whole answer (`tlsight mitm --json`, schema in docs/mitm.md).
#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    /// `host:port`.
    pub target: String,
    /// Address connected to.
    pub address: String,
    /// Proxy the connection went through.
    pub via_proxy: Option<String>,
    /// The plaintext exchange before TLS, with STARTTLS (docs/starttls.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls: Option<crate::net::Exchange>,
    /// Name the certificate was checked for.
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Every signal raised, most severe first.
    pub signals: Vec<Signal>,
    /// The chain as sent.
    pub chain: Vec<ChainCert>,
    /// Path validation per store (`mozilla`, `os`, `custom`).
    pub trust: BTreeMap<StoreKind, StoreReport>,
    /// The leaf covers `name`.
    pub host_valid: Option<bool>,
    /// Where the OS store's anchor came from (when the OS store anchored the chain).
    pub os_anchor_origin: Option<AnchorOrigin>,
    /// Catalogue entries that matched.
    pub interception_products: Vec<CatalogueMatch>,
    /// Pins checked.
    pub pins: Vec<PinCheck>,
    /// Certificate Transparency.
    pub ct: CtReport,
    /// The server hello.
    pub server: ServerSummary,
    /// Baseline comparison, when a baseline is in use.
    pub baseline: Option<BaselineCheck>,
    /// Direct-vs-proxy comparison, with `--compare-direct`.
    pub path_comparison: Option<PathComparison>,
    /// Why the handshake failed, if it did.
    pub handshake_error: Option<String>,
}
