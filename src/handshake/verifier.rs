//! A certificate verifier that records the chain and the trust verdict but lets inspection go on
//! when the chain is untrusted, while always checking the handshake signature: a server that does
//! not hold the leaf's private key still fails the handshake (DESIGN.md §1.3).

use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

/// What the verifier saw.
#[derive(Debug, Clone, Default)]
pub struct SeenChain {
    /// Leaf first, as the server sent it.
    pub certificates: Vec<CertificateDer<'static>>,
    /// Stapled OCSP response, if any.
    pub ocsp: Vec<u8>,
    /// webpki's verdict: `None` when trusted.
    pub error: Option<rustls::Error>,
    /// Whether the handshake signature (CertificateVerify / ServerKeyExchange) verified.
    pub signature_valid: Option<bool>,
    /// Which message carried that signature.
    pub proof: Option<crate::x509::ProofKind>,
}

/// The recording verifier. With `enforce`, untrusted chains fail the handshake.
#[derive(Debug)]
pub struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    seen: Arc<Mutex<SeenChain>>,
    enforce: bool,
    offer: Option<Vec<SignatureScheme>>,
    judge: bool,
}

impl RecordingVerifier {
    /// Wraps a webpki verifier; the observations land in `seen`.
    pub fn new(
        inner: Arc<WebPkiServerVerifier>,
        seen: Arc<Mutex<SeenChain>>,
        enforce: bool,
    ) -> Self {
        Self {
            inner,
            seen,
            enforce,
            offer: None,
            judge: true,
        }
    }

    /// Records the chain without judging it (`seen.error` stays `None`): for callers that
    /// validate the recorded chain per store afterwards ([`crate::x509::verify_chain`]), so it
    /// is not validated twice. The handshake signature is still checked.
    pub fn record_only(mut self) -> Self {
        self.judge = false;
        self.enforce = false;
        self
    }

    /// Offers only these signature schemes (those webpki can verify), e.g. to learn which ones
    /// a server can sign with. rustls sends what the verifier supports as signature_algorithms.
    pub fn offering(mut self, schemes: Vec<SignatureScheme>) -> Self {
        self.offer = Some(schemes);
        self
    }

    fn note_signature(
        &self,
        r: &Result<HandshakeSignatureValid, rustls::Error>,
        proof: crate::x509::ProofKind,
    ) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        seen.signature_valid = Some(r.is_ok());
        seen.proof = Some(proof);
    }
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = if self.judge {
            self.inner.verify_server_cert(
                end_entity,
                intermediates,
                server_name,
                ocsp_response,
                now,
            )
        } else {
            Ok(ServerCertVerified::assertion())
        };
        {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            seen.certificates = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|c| c.clone().into_owned())
                .collect();
            seen.ocsp = ocsp_response.to_vec();
            seen.error = verdict.as_ref().err().cloned();
        }
        match verdict {
            Ok(v) => Ok(v),
            Err(e) if self.enforce => Err(e),
            Err(_) => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls12_signature(message, cert, dss);
        self.note_signature(&r, crate::x509::ProofKind::ServerKeyExchange);
        r
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let r = self.inner.verify_tls13_signature(message, cert, dss);
        self.note_signature(&r, crate::x509::ProofKind::CertificateVerify);
        r
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        let all = self.inner.supported_verify_schemes();
        match &self.offer {
            Some(offer) => offer.iter().copied().filter(|s| all.contains(s)).collect(),
            None => all,
        }
    }
}

/// A short snake_case code for a webpki/rustls certificate error (the `verification.errors[]`
/// values of `tlsight handshake --json`).
pub fn error_code(e: &rustls::Error) -> &'static str {
    use CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::BadEncoding => "malformed_certificate",
            C::Expired | C::ExpiredContext { .. } => "expired",
            C::NotValidYet | C::NotValidYetContext { .. } => "not_yet_valid",
            C::Revoked => "revoked",
            C::UnhandledCriticalExtension => "unsupported_critical_extension",
            C::UnknownIssuer => "unknown_issuer",
            C::UnknownRevocationStatus => "unknown_revocation_status",
            C::ExpiredRevocationList | C::ExpiredRevocationListContext { .. } => "expired_crl",
            C::BadSignature => "bad_signature",
            C::NotValidForName | C::NotValidForNameContext { .. } => "hostname_mismatch",
            C::InvalidPurpose | C::InvalidPurposeContext { .. } => "invalid_eku",
            C::InvalidOcspResponse => "invalid_ocsp_response",
            C::Other(o) => other_code(&o.to_string()),
            _ => "unsupported_signature_algorithm",
        },
        rustls::Error::InvalidCertRevocationList(_) => "invalid_crl",
        _ => "verification_failed",
    }
}

/// webpki errors that rustls wraps as `Other` (e.g. CaUsedAsEndEntity), by their Debug name.
fn other_code(text: &str) -> &'static str {
    if text.contains("CaUsedAsEndEntity") {
        "ca_used_as_end_entity"
    } else if text.contains("EndEntityUsedAsCa") {
        "issuer_not_ca"
    } else if text.contains("PathLenConstraintViolated") {
        "path_len_exceeded"
    } else if text.contains("NameConstraintViolation") {
        "name_constraint_violation"
    } else if text.contains("UnsupportedSignatureAlgorithm") {
        "unsupported_signature_algorithm"
    } else {
        "verification_failed"
    }
}
