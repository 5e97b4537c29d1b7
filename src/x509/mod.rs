//! Certificates: parsing for display ([`parse`]), our own per-link proof that each
//! tbsCertificate was signed by its issuer's key ([`sigcheck`]), the path the chain really forms
//! ([`path`]), rustls-webpki path validation once per trust store ([`stores`]), findings beyond
//! webpki ([`lint`]) and stable diagnosis codes ([`diagnosis`]).
//!
//! Entry points: [`verify_chain`], [`CertSummary::from_der`]; the report layer
//! (`report::verify`) renders the [`ChainReport`].

mod der;
pub mod diagnosis;
pub mod lint;
pub mod names;
pub mod ocsp;
pub mod os_store;
pub mod parse;
pub mod path;
pub mod possession;
mod report;
pub mod sigcheck;
pub mod stores;
mod verify;

pub use diagnosis::{Code, Finding};
pub use lint::Profile;
pub use parse::{
    CertSummary, PublicKeyInfo, certs_from_bytes, crls_from_bytes, require_one_parses,
};
pub use possession::{KeyPossession, PossessionStatus, ProofKind};
pub use report::{
    AnchorInfo, ChainReport, ConnectionInfo, Fetched, LinkReport, SentCert, StoreReport,
};
pub use sigcheck::{SigCheck, SigStatus};
pub use stores::{Store, StoreKind};
pub use verify::{
    HostCheck, StoreSelection, VerifyOptions, apply_host, verify_chain, verify_chain_with_stores,
};

/// Errors of the x509 layer: input that is not a certificate (or CRL) at all.
///
/// Certificates that parse badly inside a chain are *findings* (`malformed_certificate`), not
/// errors; these errors are for input where nothing can be verified.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum X509Error {
    /// DER that x509-parser cannot read as a certificate.
    #[error("not a DER certificate: {detail}")]
    Malformed {
        /// What the parser reported.
        detail: String,
    },
    /// A certificate followed by extra bytes.
    #[error("certificate followed by {len} bytes of trailing data")]
    TrailingData {
        /// Number of bytes after the certificate.
        len: usize,
    },
    /// PEM input that holds no CERTIFICATE block.
    #[error("{origin}: no certificate found (expected PEM \"BEGIN CERTIFICATE\" blocks or DER)")]
    NoCertificates {
        /// Where the bytes came from (a file name).
        origin: String,
    },
    /// PEM input whose blocks cannot be decoded.
    #[error("{origin}: bad PEM: {detail}")]
    Pem {
        /// Where the bytes came from.
        origin: String,
        /// What went wrong.
        detail: String,
    },
    /// Input in certificate form (PEM blocks or DER) of which no certificate parses.
    #[error("{origin}: no parseable certificate in it{} ({detail})", if *count > 1 { format!(" ({count} candidates, first error)") } else { String::new() })]
    Unparseable {
        /// Where the bytes came from.
        origin: String,
        /// Certificates found.
        count: usize,
        /// Why the first one does not parse.
        detail: String,
    },
    /// A CRL that cannot be parsed.
    #[error("{origin}: bad CRL: {detail}")]
    Crl {
        /// Where the bytes came from.
        origin: String,
        /// What went wrong.
        detail: String,
    },
    /// A bad `--at` time or host name in the options.
    #[error("{0}")]
    Option(String),
}
