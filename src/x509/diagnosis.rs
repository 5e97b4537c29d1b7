//! Stable diagnosis codes (snake_case in JSON, documented in docs/verify.md) and the mapping
//! from rustls-webpki errors to them. Codes are an interface: add, never rename.

use serde::Serialize;

/// A diagnosis: what is wrong (error) or worth knowing (warning) about a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    // --- errors: the chain is not trusted ---
    /// The server did not prove it holds the leaf's private key (its CertificateVerify or
    /// ServerKeyExchange signature failed, or never came): the chain may be valid, the server
    /// is not its owner.
    KeyPossessionFailed,
    /// A certificate in the path is past its notAfter.
    Expired,
    /// A certificate in the path is before its notBefore.
    NotYetValid,
    /// The leaf does not cover the requested host name or IP address.
    HostnameMismatch,
    /// No selected store anchors the chain.
    UnknownIssuer,
    /// The leaf is self-signed and not itself an anchor.
    SelfSigned,
    /// A signature in the path does not verify.
    BadSignature,
    /// The leaf is a CA certificate.
    CaUsedAsEndEntity,
    /// An issuing certificate is not a CA.
    IssuerNotCa,
    /// A pathLenConstraint is exceeded.
    PathLenExceeded,
    /// A name is outside an issuer's name constraints.
    NameConstraintViolation,
    /// The leaf (or an issuer) is not allowed for TLS server authentication.
    InvalidEku,
    /// RSA key under 2048 bits or EC key under 256 bits.
    WeakKey,
    /// SHA-1 or MD5 signature.
    WeakSignatureAlgorithm,
    /// A signature algorithm/key pairing that cannot be verified.
    UnsupportedSignatureAlgorithm,
    /// A certificate is revoked by a supplied CRL.
    Revoked,
    /// Revocation status could not be determined from the supplied CRLs.
    RevocationUnknown,
    /// The issuer is missing but named by the AIA caIssuers URL.
    IncompleteChain,
    /// A critical extension this verifier does not understand.
    UnsupportedCriticalExtension,
    /// DER that does not parse, or parses only leniently.
    MalformedCertificate,
    /// An extension is present but invalid for its position (RFC 5280 profile).
    InvalidExtension,
    /// A certificate breaks an RFC 5280 / CA/B Forum profile rule webpki does not enforce.
    ProfileViolation,
    /// The path needs more certificates than allowed.
    ChainTooLong,
    /// Path building hit its work budget.
    PathBuildingBudgetExceeded,
    /// The leaf has a wildcard dNSName over a public suffix (`*.co.uk`; CA/B Forum BR 3.2.2.6,
    /// Public Suffix List ICANN section, or also the private section with the `cabf` profile).
    WildcardPublicSuffix,
    // --- warnings: trusted, but worth fixing ---
    /// An issuer the server did not send was downloaded from the AIA URL (`--fetch`).
    IncompleteChainRecovered,
    /// The server sent the chain in the wrong order.
    ChainOutOfOrder,
    /// The server sent the trust anchor itself.
    AnchorSent,
    /// The server sent certificates that are not part of the path.
    ExtraCertificates,
    /// The leaf expires soon.
    ExpiresSoon,
    /// The publicly trusted leaf carries no embedded SCTs.
    NoSct,
    /// A store could not be loaded completely.
    StoreProblem,
    /// The stapled OCSP response is unusable (bad signature, stale, not about the leaf).
    OcspProblem,
    /// The leaf's subject commonName is not a character-for-character copy of one of its
    /// subjectAltNames (CA/B Forum BR 7.1.4.3); names are matched against the SANs only.
    CnNotInSan,
    /// The leaf has a wildcard over a private-section public suffix (`*.s3.amazonaws.com`):
    /// legitimate for the suffix's operator only (CA/B Forum BR 3.2.2.6).
    WildcardPrivateSuffix,
}

impl Code {
    /// Whether this code makes the chain untrusted.
    pub fn is_error(self) -> bool {
        !matches!(
            self,
            Self::ChainOutOfOrder
                | Self::IncompleteChainRecovered
                | Self::AnchorSent
                | Self::ExtraCertificates
                | Self::ExpiresSoon
                | Self::NoSct
                | Self::StoreProblem
                | Self::OcspProblem
                | Self::CnNotInSan
                | Self::WildcardPrivateSuffix
        )
    }

    /// The snake_case string used in JSON.
    pub fn as_str(self) -> String {
        self.name().to_string()
    }

    /// The code's stable snake_case name, as JSON writes it.
    pub fn name(self) -> &'static str {
        match self {
            Self::KeyPossessionFailed => "key_possession_failed",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::HostnameMismatch => "hostname_mismatch",
            Self::UnknownIssuer => "unknown_issuer",
            Self::SelfSigned => "self_signed",
            Self::BadSignature => "bad_signature",
            Self::CaUsedAsEndEntity => "ca_used_as_end_entity",
            Self::IssuerNotCa => "issuer_not_ca",
            Self::PathLenExceeded => "path_len_exceeded",
            Self::NameConstraintViolation => "name_constraint_violation",
            Self::InvalidEku => "invalid_eku",
            Self::WeakKey => "weak_key",
            Self::WeakSignatureAlgorithm => "weak_signature_algorithm",
            Self::UnsupportedSignatureAlgorithm => "unsupported_signature_algorithm",
            Self::Revoked => "revoked",
            Self::RevocationUnknown => "revocation_unknown",
            Self::IncompleteChain => "incomplete_chain",
            Self::UnsupportedCriticalExtension => "unsupported_critical_extension",
            Self::MalformedCertificate => "malformed_certificate",
            Self::InvalidExtension => "invalid_extension",
            Self::ProfileViolation => "profile_violation",
            Self::ChainTooLong => "chain_too_long",
            Self::PathBuildingBudgetExceeded => "path_building_budget_exceeded",
            Self::WildcardPublicSuffix => "wildcard_public_suffix",
            Self::IncompleteChainRecovered => "incomplete_chain_recovered",
            Self::ChainOutOfOrder => "chain_out_of_order",
            Self::AnchorSent => "anchor_sent",
            Self::ExtraCertificates => "extra_certificates",
            Self::ExpiresSoon => "expires_soon",
            Self::NoSct => "no_sct",
            Self::StoreProblem => "store_problem",
            Self::OcspProblem => "ocsp_problem",
            Self::CnNotInSan => "cn_not_in_san",
            Self::WildcardPrivateSuffix => "wildcard_private_suffix",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A code with a plain sentence, optionally about one link of the path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// One plain sentence.
    pub message: String,
    /// Position in `chain[]` the finding is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<usize>,
}

impl Finding {
    /// A finding about the whole chain.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            link: None,
        }
    }
    /// A finding about one link.
    pub fn at(code: Code, link: usize, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            link: Some(link),
        }
    }
}

/// Maps a webpki path-validation error to a code and sentence.
// The deprecated unit variants are still produced by webpki 0.103 in some paths.
#[allow(deprecated)]
pub fn from_webpki(e: &webpki::Error) -> (Code, String) {
    use webpki::Error as E;
    let (code, text) = match e {
        E::CertExpired { .. } => (Code::Expired, "a certificate in the path has expired"),
        E::CertNotValidYet { .. } => (
            Code::NotYetValid,
            "a certificate in the path is not valid yet",
        ),
        E::CertNotValidForName(_) => (
            Code::HostnameMismatch,
            "the certificate is not valid for the name",
        ),
        E::UnknownIssuer => (Code::UnknownIssuer, "no path to a trusted anchor"),
        E::InvalidSignatureForPublicKey | E::SignatureAlgorithmMismatch => (
            Code::BadSignature,
            "a signature in the path does not verify",
        ),
        E::CaUsedAsEndEntity => (
            Code::CaUsedAsEndEntity,
            "a CA certificate is used as the server certificate",
        ),
        E::EndEntityUsedAsCa => (
            Code::IssuerNotCa,
            "a certificate that is not a CA issued another",
        ),
        E::PathLenConstraintViolated => (Code::PathLenExceeded, "a pathLenConstraint is exceeded"),
        E::NameConstraintViolation
        | E::MalformedNameConstraint
        | E::InvalidNetworkMaskConstraint => (
            Code::NameConstraintViolation,
            "a name violates an issuer's name constraints",
        ),
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => (
            Code::InvalidEku,
            "extendedKeyUsage does not allow TLS server authentication",
        ),
        E::CertRevoked => (Code::Revoked, "a certificate is revoked"),
        E::UnknownRevocationStatus => (Code::RevocationUnknown, "revocation status unknown"),
        E::CrlExpired { .. }
        | E::InvalidCrlNumber
        | E::InvalidCrlSignatureForPublicKey
        | E::IssuerNotCrlSigner
        | E::UnsupportedCrlIssuingDistributionPoint
        | E::UnsupportedCrlVersion
        | E::UnsupportedDeltaCrl
        | E::UnsupportedIndirectCrl
        | E::UnsupportedRevocationReason
        | E::UnsupportedRevocationReasonsPartitioning
        | E::UnsupportedCrlSignatureAlgorithm
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKey
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            (Code::RevocationUnknown, "a supplied CRL cannot be used")
        }
        E::CertDistrusted => (Code::UnknownIssuer, "the anchor is distrusted"),
        E::MalformedDnsIdentifier | E::UnsupportedNameType => (
            Code::HostnameMismatch,
            "a name in the certificate is malformed",
        ),
        E::UnsupportedCriticalExtension => (
            Code::UnsupportedCriticalExtension,
            "a critical extension is not understood",
        ),
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => (
            Code::UnsupportedSignatureAlgorithm,
            "a signature algorithm or key in the path is not accepted",
        ),
        E::MaximumPathDepthExceeded => (Code::ChainTooLong, "the path is too long"),
        E::MaximumPathBuildCallsExceeded
        | E::MaximumSignatureChecksExceeded
        | E::MaximumNameConstraintComparisonsExceeded => (
            Code::PathBuildingBudgetExceeded,
            "path building exceeded its work budget",
        ),
        E::MalformedExtensions | E::ExtensionValueInvalid => {
            (Code::InvalidExtension, "an extension is malformed")
        }
        _ => (Code::MalformedCertificate, "a certificate is malformed"),
    };
    (code, format!("{text} (webpki: {e:?})"))
}
