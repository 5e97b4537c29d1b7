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
    verify_ske_signature(cert_der, Some(scheme), signed, sig).map(|_| ())
}

/// What a ServerKeyExchange signature was checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureKind {
    /// A TLS 1.2 SignatureScheme code point.
    Scheme(u16),
    /// TLS 1.0/1.1 RSA: PKCS#1 v1.5 over MD5 ‖ SHA-1 of the signed data, no DigestInfo.
    RsaMd5Sha1,
    /// TLS 1.0/1.1 ECDSA: over SHA-1 of the signed data.
    EcdsaSha1,
}

impl SignatureKind {
    /// A stable name for reports.
    pub fn name(self) -> String {
        match self {
            Self::Scheme(s) => scheme_name(s),
            Self::RsaMd5Sha1 => "rsa_pkcs1_md5_sha1".into(),
            Self::EcdsaSha1 => "ecdsa_sha1".into(),
        }
    }
}

/// The scheme's name in rustls' registry (lower case, as IANA writes it).
fn scheme_name(s: u16) -> String {
    match rustls::SignatureScheme::from(s).as_str() {
        Some(n) => n.to_ascii_lowercase(),
        None => format!("0x{s:04X}"),
    }
}

enum CertKey {
    Rsa(Vec<u8>),
    /// Curve by point length: 65 bytes P-256, 97 bytes P-384.
    Ec(Vec<u8>),
    Ed25519(Vec<u8>),
    Other(String),
}

fn cert_key(cert_der: &[u8]) -> Result<CertKey, String> {
    use x509_parser::public_key::PublicKey;
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| format!("server certificate does not parse: {e}"))?;
    let spki = cert.public_key();
    let raw = spki.subject_public_key.data.to_vec();
    Ok(match spki.parsed() {
        Ok(PublicKey::RSA(_)) => CertKey::Rsa(raw),
        Ok(PublicKey::EC(_)) => CertKey::Ec(raw),
        _ if spki.algorithm.algorithm.to_id_string() == "1.3.101.112" => CertKey::Ed25519(raw),
        Ok(PublicKey::DSA(_)) => CertKey::Other("DSA".into()),
        _ => CertKey::Other(spki.algorithm.algorithm.to_id_string()),
    })
}

fn ecdsa_prehash(point: &[u8], prehash: &[u8], sig: &[u8]) -> Result<(), String> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    let bad = || "signature does not verify with the certificate's key".to_string();
    match point.len() {
        65 => {
            let k = p256::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| "certificate's P-256 key is invalid".to_string())?;
            let s = p256::ecdsa::Signature::from_der(sig).map_err(|_| bad())?;
            k.verify_prehash(prehash, &s).map_err(|_| bad())
        }
        97 => {
            let k = p384::ecdsa::VerifyingKey::from_sec1_bytes(point)
                .map_err(|_| "certificate's P-384 key is invalid".to_string())?;
            let s = p384::ecdsa::Signature::from_der(sig).map_err(|_| bad())?;
            k.verify_prehash(prehash, &s).map_err(|_| bad())
        }
        n => Err(format!(
            "ECDSA key of {n} bytes (P-521 or another curve) is not supported"
        )),
    }
}

/// Verifies a ServerKeyExchange signature with the key of `cert_der`: `scheme` is the TLS 1.2
/// SignatureScheme, `None` in TLS 1.0/1.1 where the certificate's key type decides (RSA:
/// MD5+SHA-1, ECDSA: SHA-1; RFC 4346 §7.4.3, RFC 4492 §5.4). ring verifies what it can; the
/// forms it refuses (MD5+SHA-1 without DigestInfo, ECDSA over SHA-1 or SHA-512) go to the `rsa`,
/// `p256` and `p384` crates.
pub fn verify_ske_signature(
    cert_der: &[u8],
    scheme: Option<u16>,
    signed: &[u8],
    sig: &[u8],
) -> Result<SignatureKind, String> {
    let key = cert_key(cert_der)?;
    let bad = || "signature does not verify with the certificate's key".to_string();
    let ring_verify = |alg: &'static dyn signature::VerificationAlgorithm, key: &[u8]| {
        signature::UnparsedPublicKey::new(alg, key)
            .verify(signed, sig)
            .map_err(|_| bad())
    };
    let sha1 = || {
        ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, signed)
            .as_ref()
            .to_vec()
    };
    let Some(scheme) = scheme else {
        return match key {
            CertKey::Rsa(k) => {
                use rsa::pkcs1::DecodeRsaPublicKey;
                let pk = rsa::PublicKey::from_pkcs1_der(&k)
                    .map_err(|e| format!("certificate's RSA key: {e}"))?;
                let hashed = super::suite::HashAlg::Md5Sha1.digest(signed);
                pk.verify(rsa::Pkcs1v15Sign::new_unprefixed(), &hashed, sig)
                    .map(|_| SignatureKind::RsaMd5Sha1)
                    .map_err(|_| bad())
            }
            CertKey::Ec(k) => ecdsa_prehash(&k, &sha1(), sig).map(|_| SignatureKind::EcdsaSha1),
            CertKey::Ed25519(_) => Err("Ed25519 keys cannot sign in TLS 1.0/1.1".into()),
            CertKey::Other(t) => Err(format!("{t} signatures are not supported")),
        };
    };
    let kind = SignatureKind::Scheme(scheme);
    let hash_of = |h: u8| -> Option<Vec<u8>> {
        let alg = match h {
            2 => return Some(sha1()),
            4 => &ring::digest::SHA256,
            5 => &ring::digest::SHA384,
            6 => &ring::digest::SHA512,
            _ => return None,
        };
        Some(ring::digest::digest(alg, signed).as_ref().to_vec())
    };
    match (key, scheme) {
        (CertKey::Rsa(k), 0x0201 | 0x0401 | 0x0501 | 0x0601) => {
            let (modern, legacy): (
                &'static dyn signature::VerificationAlgorithm,
                &'static dyn signature::VerificationAlgorithm,
            ) = match scheme {
                0x0201 => (
                    &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                    &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                ),
                0x0401 => (
                    &signature::RSA_PKCS1_2048_8192_SHA256,
                    &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                ),
                0x0501 => (
                    &signature::RSA_PKCS1_2048_8192_SHA384,
                    &signature::RSA_PKCS1_2048_8192_SHA384,
                ),
                _ => (
                    &signature::RSA_PKCS1_2048_8192_SHA512,
                    &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                ),
            };
            // 1024-bit server keys still exist; ring's legacy algorithms verify them.
            ring_verify(modern, &k)
                .or_else(|_| ring_verify(legacy, &k))
                .map(|_| kind)
        }
        (CertKey::Rsa(k), 0x0804 | 0x0809) => {
            ring_verify(&signature::RSA_PSS_2048_8192_SHA256, &k).map(|_| kind)
        }
        (CertKey::Rsa(k), 0x0805 | 0x080A) => {
            ring_verify(&signature::RSA_PSS_2048_8192_SHA384, &k).map(|_| kind)
        }
        (CertKey::Rsa(k), 0x0806 | 0x080B) => {
            ring_verify(&signature::RSA_PSS_2048_8192_SHA512, &k).map(|_| kind)
        }
        (CertKey::Ec(k), 0x0403 | 0x0503) => {
            // TLS 1.2 does not tie the hash to the curve: a P-384 key may sign with SHA-256.
            let alg: &'static dyn signature::VerificationAlgorithm = match (k.len(), scheme) {
                (65, 0x0403) => &signature::ECDSA_P256_SHA256_ASN1,
                (65, _) => &signature::ECDSA_P256_SHA384_ASN1,
                (97, 0x0403) => &signature::ECDSA_P384_SHA256_ASN1,
                (97, _) => &signature::ECDSA_P384_SHA384_ASN1,
                (n, _) => {
                    return Err(format!(
                        "ECDSA key of {n} bytes (P-521 or another curve) is not supported"
                    ));
                }
            };
            ring_verify(alg, &k).map(|_| kind)
        }
        (CertKey::Ec(k), 0x0203 | 0x0603) => {
            let h = hash_of((scheme >> 8) as u8).unwrap_or_default();
            ecdsa_prehash(&k, &h, sig).map(|_| kind)
        }
        (CertKey::Ed25519(k), 0x0807) => ring_verify(&signature::ED25519, &k).map(|_| kind),
        (CertKey::Other(t), _) => Err(format!("{t} signatures are not supported")),
        (_, other) => Err(format!(
            "signature scheme {} (0x{other:04X}) does not match the certificate's key or is not \
             supported",
            scheme_name(other)
        )),
    }
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
