//! Is someone intercepting this TLS connection? Turns what one or two handshakes showed into a
//! verdict (`clean`, `suspicious`, `intercepted`) and the named signals behind it, each with
//! its evidence:
//!
//! - `known_interception_issuer`: an issuer in the [`catalogue`] of inspection products;
//! - `anchored_only_locally`: valid against the OS store but not Mozilla's roots, with the
//!   anchor's [`origin`] (distribution bundle, local directory, SSL_CERT_FILE/SSL_CERT_DIR);
//! - `untrusted_chain`, `hostname_mismatch`;
//! - `pin_mismatch` ([`pins`]), `baseline_changed`, `inconsistent_server`,
//!   `server_hello_changed` ([`baseline`]);
//! - `key_possession_failed`: a certificate without its private key (replay);
//! - `missing_sct`: a publicly trusted chain without Certificate Transparency proof ([`sct`]);
//! - `proxy_certificate_differs`, `proxy_path_differs`: the direct path and the [`proxy`] path
//!   disagree;
//! - `handshake_incomplete`: the handshake failed after the certificate for another reason.
//!
//! [`assess`] works on an [`Inspection`] the caller already has (for `handshake` / `audit`);
//! [`run`] makes the connections, reads and writes the baseline, and assesses.

mod assess;
pub mod baseline;
pub mod catalogue;
mod model;
mod observation;
pub mod origin;
pub mod pins;
mod run;
pub mod sct;

use serde::Serialize;

use crate::handshake::HandshakeError;

pub use crate::net::Proxy as ProxyAddr;
pub use assess::{
    AssessOptions, ChainFacts, Trust, assess, assess_observation, assess_with_facts,
    assess_with_report, verdict_with_facts, verify_options,
};
pub use baseline::{BaselineCheck, BaselineEntry, BaselineFile, BaselineStatus};
pub use catalogue::{Catalogue, CatalogueMatch};
pub use model::{Assessment, ChainCert, CtReport, PathComparison, ServerSummary};
pub use observation::Observation;
pub use origin::{AnchorOrigin, OriginKind, StoreLayout};
pub use pins::{Pin, PinCheck};
pub use run::{RunOptions, run};
pub use sct::{Sct, SctSource};

/// Why an assessment could not be made.
#[derive(Debug, thiserror::Error)]
pub enum MitmError {
    /// Connecting or handshaking failed before a certificate was seen.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The server sent no certificate, so there is nothing to judge.
    #[error("no certificate to assess: {0}")]
    NoCertificate(String),
    /// A `--pin` that is not `sha256/BASE64`.
    #[error("bad pin '{pin}': {reason}")]
    BadPin {
        /// As given.
        pin: String,
        /// What is wrong.
        reason: String,
    },
    /// Reaching the target through the proxy failed.
    #[error(transparent)]
    Proxy(#[from] crate::net::ProxyError),
    /// The baseline file cannot be used.
    #[error("baseline {path}: {detail}")]
    Baseline {
        /// File.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The catalogue cannot be used.
    #[error("{origin}: bad interception catalogue: {detail}")]
    Catalogue {
        /// Where it came from.
        origin: String,
        /// What is wrong.
        detail: String,
    },
}

/// How much a signal weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing; does not change the verdict.
    Info,
    /// Makes the verdict `suspicious`.
    Warning,
    /// Evidence of interception: makes the verdict `intercepted`.
    Critical,
}

/// The overall answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// No warning or critical signal.
    Clean,
    /// At least one warning.
    Suspicious,
    /// At least one critical signal.
    Intercepted,
}

impl Verdict {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Suspicious => "suspicious",
            Self::Intercepted => "intercepted",
        }
    }
}

/// One named observation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signal {
    /// Stable id (see the module docs).
    pub id: &'static str,
    /// Weight.
    pub severity: Severity,
    /// One line: what was seen.
    pub summary: String,
    /// The facts behind it.
    pub evidence: Vec<String>,
    /// Why it matters.
    pub why: String,
}

#[cfg(test)]
mod tests;
