//! Proof of key possession: a valid chain only authenticates a server that also proves it holds
//! the leaf's private key in the handshake. Without that proof the server may be replaying
//! someone else's certificate, so no verdict may call it trusted ([`ChainReport::apply_key_possession`]).

use serde::Serialize;

/// The handshake message that proves (or should prove) possession of the leaf key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProofKind {
    /// TLS 1.3 CertificateVerify: a signature over the transcript with the leaf key.
    CertificateVerify,
    /// TLS 1.0-1.2 (EC)DHE: the ServerKeyExchange signature over both randoms and the
    /// key-exchange parameters.
    ServerKeyExchange,
    /// TLS 1.0-1.2 RSA key transport: the server's Finished, which needs the premaster secret
    /// only the holder of the leaf key can decrypt.
    Finished,
}

impl ProofKind {
    /// Human name of the message.
    pub fn label(self) -> &'static str {
        match self {
            Self::CertificateVerify => "CertificateVerify",
            Self::ServerKeyExchange => "ServerKeyExchange signature",
            Self::Finished => "Finished (RSA key transport)",
        }
    }
}

/// Whether the proof was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PossessionStatus {
    /// The proof verified with the leaf's public key.
    Proven,
    /// The proof came and does not verify: the server does not hold the key.
    Failed,
    /// No proof was received or checked (handshake ended early, or nothing to check).
    NotShown,
}

/// What is known about the server's possession of the leaf key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyPossession {
    /// `proven`, `failed` or `not_shown`.
    pub status: PossessionStatus,
    /// The message that proved it, failed to, or was expected (`null` when unknown).
    pub proof: Option<ProofKind>,
    /// One sentence, for people.
    pub detail: String,
}

impl Default for KeyPossession {
    fn default() -> Self {
        Self::from_signature(None, None, None)
    }
}

impl KeyPossession {
    /// `key_possession_failed` unless possession was proven: the error that keeps any verdict
    /// from calling the chain trusted.
    pub fn finding(&self) -> Option<super::Finding> {
        (!self.proven())
            .then(|| super::Finding::at(super::Code::KeyPossessionFailed, 0, self.detail.clone()))
    }

    /// From a handshake's recorded signature check: `valid` is `None` when no signature was
    /// checked; `failure` says why the handshake stopped, if it did.
    pub fn from_signature(
        valid: Option<bool>,
        proof: Option<ProofKind>,
        failure: Option<&str>,
    ) -> Self {
        let what = proof.map(ProofKind::label).unwrap_or("handshake signature");
        match valid {
            Some(true) => Self {
                status: PossessionStatus::Proven,
                proof,
                detail: format!("the server's {what} verified with the leaf's key"),
            },
            Some(false) => Self {
                status: PossessionStatus::Failed,
                proof,
                detail: format!(
                    "the server's {what} does not verify with the leaf's key: it does not hold \
                     the private key of the certificate it sent"
                ),
            },
            None => Self {
                status: PossessionStatus::NotShown,
                proof,
                detail: match failure {
                    Some(f) => format!(
                        "the server never proved it holds the leaf's key (no {what} was \
                         checked: {f})"
                    ),
                    None => format!(
                        "the server never proved it holds the leaf's key (no {what} was checked)"
                    ),
                },
            },
        }
    }

    /// From a TLS 1.0-1.2 RSA key-transport handshake: the server's Finished verified (`true`)
    /// shows it decrypted the premaster secret sent under the leaf's key; a wrong Finished or
    /// an alert in its place (`false`) shows it could not.
    pub fn from_finished(ok: bool) -> Self {
        if ok {
            Self {
                status: PossessionStatus::Proven,
                proof: Some(ProofKind::Finished),
                detail: "the server's Finished verified after RSA key transport: it decrypted the \
                         premaster secret sent under the leaf's key"
                    .into(),
            }
        } else {
            Self {
                status: PossessionStatus::Failed,
                proof: Some(ProofKind::Finished),
                detail: "the server did not answer RSA key transport with a valid Finished: it \
                         cannot decrypt what is sent under the leaf's key"
                    .into(),
            }
        }
    }

    /// Whether the server proved possession.
    pub fn proven(&self) -> bool {
        self.status == PossessionStatus::Proven
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_says_what_was_proven() {
        let ok =
            KeyPossession::from_signature(Some(true), Some(ProofKind::CertificateVerify), None);
        assert!(ok.proven());
        assert!(ok.detail.contains("CertificateVerify verified"));
        let bad = KeyPossession::from_signature(
            Some(false),
            Some(ProofKind::ServerKeyExchange),
            Some("x"),
        );
        assert_eq!(bad.status, PossessionStatus::Failed);
        assert!(
            bad.detail
                .contains("ServerKeyExchange signature does not verify")
        );
        let none = KeyPossession::from_signature(None, None, Some("server closed"));
        assert_eq!(none.status, PossessionStatus::NotShown);
        assert!(none.detail.contains("server closed"), "{}", none.detail);
    }
}
