//! What a passive observer learns about a TLS 1.2 key exchange from the cleartext handshake:
//! the server's certificate key, the ServerKeyExchange parameters and whether the certificate's
//! key signed them (RFC 8422 §5.4, RFC 5246 §7.4.3), and the ClientKeyExchange contents. Used by
//! the forward-secrecy demo to show that with ECDHE the long-term key only *signs*.

use ring::signature;

use super::CryptoError;
use super::rsa_kx::{ClientKeyExchange, parse_client_key_exchange};
use super::session::Cleartext;
use super::suite::{KeyExchange, SuiteParams};
use crate::capture::Direction;
use crate::wire::{HandshakeType, Reader, WireError};

/// An ECDHE ServerKeyExchange (named curve).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcdheParams {
    /// NamedGroup (0x001D x25519, 0x0017 secp256r1, ...).
    pub group: u16,
    /// The server's ephemeral public key.
    pub public: Vec<u8>,
    /// SignatureScheme of the signature.
    pub scheme: u16,
    /// The signature over client_random ‖ server_random ‖ params.
    pub signature: Vec<u8>,
    /// The bytes that were signed.
    pub signed: Vec<u8>,
}

/// Parses an ECDHE ServerKeyExchange body; the randoms complete the signed data.
pub fn parse_ecdhe_server_key_exchange(
    body: &[u8],
    client_random: &[u8],
    server_random: &[u8],
) -> Result<EcdheParams, WireError> {
    let mut r = Reader::new(body, "ServerKeyExchange");
    let curve_type = r.u8("curve_type")?;
    if curve_type != 3 {
        return Err(WireError::Invalid {
            what: "ServerKeyExchange",
            reason: format!("curve_type {curve_type}, only named_curve (3) is supported"),
        });
    }
    let group = r.u16("named_curve")?;
    let public = r.vec8("public")?.to_vec();
    let params_len = r.offset();
    let scheme = r.u16("signature algorithm")?;
    let signature = r.vec16("signature")?.to_vec();
    r.expect_end()?;
    let signed = [client_random, server_random, &body[..params_len]].concat();
    Ok(EcdheParams {
        group,
        public,
        scheme,
        signature,
        signed,
    })
}

/// The leaf certificate (DER) of a TLS 1.2 Certificate message body.
pub fn leaf_certificate(body: &[u8]) -> Result<Vec<u8>, WireError> {
    let mut r = Reader::new(body, "Certificate");
    let list = r.vec24("certificate_list")?;
    let mut l = Reader::new(list, "certificate_list");
    Ok(l.vec24("leaf certificate")?.to_vec())
}

/// Verifies a TLS 1.2 handshake signature with the public key of `cert_der`.
pub fn verify_signature(
    cert_der: &[u8],
    scheme: u16,
    signed: &[u8],
    sig: &[u8],
) -> Result<(), String> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| format!("server certificate does not parse: {e}"))?;
    let key = &cert.public_key().subject_public_key.data;
    let alg: &dyn signature::VerificationAlgorithm = match scheme {
        0x0401 => &signature::RSA_PKCS1_2048_8192_SHA256,
        0x0501 => &signature::RSA_PKCS1_2048_8192_SHA384,
        0x0601 => &signature::RSA_PKCS1_2048_8192_SHA512,
        0x0804 => &signature::RSA_PSS_2048_8192_SHA256,
        0x0805 => &signature::RSA_PSS_2048_8192_SHA384,
        0x0806 => &signature::RSA_PSS_2048_8192_SHA512,
        0x0403 => &signature::ECDSA_P256_SHA256_ASN1,
        0x0503 => &signature::ECDSA_P384_SHA384_ASN1,
        0x0807 => &signature::ED25519,
        other => return Err(format!("signature scheme 0x{other:04X} not supported")),
    };
    signature::UnparsedPublicKey::new(alg, key.as_ref())
        .verify(signed, sig)
        .map_err(|_| "signature does not verify with the certificate's key".to_string())
}

/// The key exchange of a recorded TLS 1.2 session, as seen on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyExchangeView {
    /// Negotiated suite.
    pub suite: &'static SuiteParams,
    /// The server's leaf certificate.
    pub server_certificate: Option<Vec<u8>>,
    /// ECDHE parameters, when the server sent a ServerKeyExchange.
    pub server_params: Option<EcdheParams>,
    /// Whether the certificate's key signed `server_params` (Err: why not).
    pub server_params_signature: Option<Result<(), String>>,
    /// The ClientKeyExchange.
    pub client: Option<ClientKeyExchange>,
}

/// Reads the key exchange out of a cleartext TLS 1.2 handshake.
pub fn key_exchange_view(clear: &Cleartext) -> Result<KeyExchangeView, CryptoError> {
    let suite = SuiteParams::lookup(clear.hellos.cipher_suite)?;
    let find = |dir: Direction, typ: HandshakeType| {
        clear
            .messages
            .iter()
            .find(|(d, m)| *d == dir && m.typ == typ)
            .map(|(_, m)| m.body.as_slice())
    };
    let server_certificate = find(Direction::ServerToClient, HandshakeType::CERTIFICATE)
        .and_then(|b| leaf_certificate(b).ok());
    let server_params = match (
        suite.kx,
        find(
            Direction::ServerToClient,
            HandshakeType::SERVER_KEY_EXCHANGE,
        ),
    ) {
        (KeyExchange::Ecdhe, Some(b)) => Some(
            parse_ecdhe_server_key_exchange(
                b,
                &clear.hellos.client_random,
                &clear.hellos.server_random,
            )
            .map_err(|e| CryptoError::Recording(e.to_string()))?,
        ),
        _ => None,
    };
    let server_params_signature = match (&server_params, &server_certificate) {
        (Some(p), Some(c)) => Some(verify_signature(c, p.scheme, &p.signed, &p.signature)),
        _ => None,
    };
    let client = match find(
        Direction::ClientToServer,
        HandshakeType::CLIENT_KEY_EXCHANGE,
    ) {
        Some(b) => Some(parse_client_key_exchange(suite.kx, b)?),
        None => None,
    };
    Ok(KeyExchangeView {
        suite,
        server_certificate,
        server_params,
        server_params_signature,
        client,
    })
}
