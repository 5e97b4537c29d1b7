//! Reading certificates for display: PEM/DER input splitting and [`CertSummary`], the fields a
//! person wants to see for one certificate. x509-parser is lenient (DESIGN.md §2.3), so every
//! summary also records whether rustls-webpki accepts the same bytes as strict DER.

use base64::Engine as _;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer};
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;

use super::X509Error;

/// Upper bound on certificates read from one input: a real chain has a handful; this keeps a
/// hostile bundle from turning path building into a memory or time sink.
pub const MAX_CERTS_PER_INPUT: usize = 64;

/// Public key of a certificate, for display and for the weak-key lint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PublicKeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA` or the OID when unknown.
    pub algorithm: String,
    /// Key size in bits (RSA modulus, EC field size, 256 for Ed25519).
    pub bits: Option<u32>,
    /// Named curve for EC keys (`P-256`, `P-384`, `P-521` or the OID).
    pub curve: Option<String>,
}

/// What one certificate says, decoded for people (`tlsight verify`, `handshake`, `mitm`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertSummary {
    /// Subject distinguished name (RFC 4514 style).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, hex with colons.
    pub serial: String,
    /// Start of validity, RFC 3339.
    pub not_before: String,
    /// End of validity, RFC 3339.
    pub not_after: String,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before_unix: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// X.509 version (1, 2 or 3).
    pub version: u32,
    /// The subject's public key.
    pub public_key: PublicKeyInfo,
    /// SHA-256 of the DER SubjectPublicKeyInfo, base64: the HPKP `pin-sha256` form.
    pub spki_sha256: String,
    /// SHA-256 of the whole certificate, hex (the usual fingerprint).
    pub fingerprint_sha256: String,
    /// SHA-256 of the tbsCertificate, hex: the bytes the issuer signed.
    pub tbs_sha256: String,
    /// Signature algorithm of the outer certificate (name, or OID when unknown).
    pub signature_algorithm: String,
    /// Subject alternative names as `DNS:…`, `IP:…`, `email:…`, `URI:…`.
    pub sans: Vec<String>,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// basicConstraints pathLenConstraint.
    pub path_len: Option<u32>,
    /// keyUsage bits set, by name.
    pub key_usage: Vec<String>,
    /// extendedKeyUsage purposes, by name (or OID).
    pub extended_key_usage: Vec<String>,
    /// Number of embedded Signed Certificate Timestamps.
    pub sct_count: usize,
    /// AIA caIssuers URLs.
    pub ca_issuers: Vec<String>,
    /// AIA OCSP responder URLs.
    pub ocsp: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_distribution_points: Vec<String>,
    /// subjectKeyIdentifier, hex.
    pub subject_key_id: Option<String>,
    /// authorityKeyIdentifier keyIdentifier, hex.
    pub authority_key_id: Option<String>,
    /// Subject and issuer names are byte-identical.
    pub self_issued: bool,
    /// The certificate carries a nameConstraints extension.
    pub name_constraints: bool,
    /// TLS feature status_request (OCSP must-staple).
    pub must_staple: bool,
    /// Critical extensions this tool does not understand (OIDs).
    pub unknown_critical_extensions: Vec<String>,
    /// `None` when rustls-webpki parses the same bytes; else its complaint (non-strict DER etc.).
    pub strict_der_error: Option<String>,
}

impl CertSummary {
    /// Decodes one DER certificate. Trailing bytes after the certificate are an error.
    pub fn from_der(der: &[u8]) -> Result<Self, X509Error> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| X509Error::Malformed {
            detail: e.to_string(),
        })?;
        if !rest.is_empty() {
            return Err(X509Error::TrailingData { len: rest.len() });
        }
        Ok(Self::from_parsed(&cert, der))
    }

    /// Builds a summary from an already parsed certificate (`der` = its complete encoding).
    pub fn from_parsed(cert: &X509Certificate<'_>, der: &[u8]) -> Self {
        let tbs = &cert.tbs_certificate;
        let nb = tbs.validity.not_before.timestamp();
        let na = tbs.validity.not_after.timestamp();
        let mut s = Self {
            subject: name_string(&tbs.subject),
            issuer: name_string(&tbs.issuer),
            serial: colon_hex(tbs.raw_serial()),
            not_before: rfc3339(nb),
            not_after: rfc3339(na),
            not_before_unix: nb,
            not_after_unix: na,
            version: tbs.version.0 + 1,
            public_key: public_key_info(cert),
            spki_sha256: base64::engine::general_purpose::STANDARD
                .encode(sha256(tbs.subject_pki.raw)),
            fingerprint_sha256: hex::encode(sha256(der)),
            tbs_sha256: hex::encode(sha256(tbs.as_ref())),
            signature_algorithm: sig_alg_name(&cert.signature_algorithm.algorithm.to_id_string()),
            sans: Vec::new(),
            is_ca: false,
            path_len: None,
            key_usage: Vec::new(),
            extended_key_usage: Vec::new(),
            sct_count: 0,
            ca_issuers: Vec::new(),
            ocsp: Vec::new(),
            crl_distribution_points: Vec::new(),
            subject_key_id: None,
            authority_key_id: None,
            self_issued: tbs.subject.as_raw() == tbs.issuer.as_raw(),
            name_constraints: false,
            must_staple: false,
            unknown_critical_extensions: Vec::new(),
            strict_der_error: strict_der_error(der),
        };
        for ext in tbs.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => {
                    s.sans = san.general_names.iter().map(general_name).collect();
                }
                ParsedExtension::BasicConstraints(bc) => {
                    s.is_ca = bc.ca;
                    s.path_len = bc.path_len_constraint;
                }
                ParsedExtension::KeyUsage(ku) => s.key_usage = key_usage_names(ku.flags),
                ParsedExtension::ExtendedKeyUsage(eku) => {
                    let mut v = Vec::new();
                    for (set, name) in [
                        (eku.any, "anyExtendedKeyUsage"),
                        (eku.server_auth, "serverAuth"),
                        (eku.client_auth, "clientAuth"),
                        (eku.code_signing, "codeSigning"),
                        (eku.email_protection, "emailProtection"),
                        (eku.time_stamping, "timeStamping"),
                        (eku.ocsp_signing, "OCSPSigning"),
                    ] {
                        if set {
                            v.push(name.to_string());
                        }
                    }
                    v.extend(eku.other.iter().map(|o| o.to_id_string()));
                    s.extended_key_usage = v;
                }
                ParsedExtension::SCT(scts) => s.sct_count = scts.len(),
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for ad in aia.iter() {
                        let loc = general_name_value(&ad.access_location);
                        match ad.access_method.to_id_string().as_str() {
                            "1.3.6.1.5.5.7.48.2" => s.ca_issuers.push(loc),
                            "1.3.6.1.5.5.7.48.1" => s.ocsp.push(loc),
                            _ => {}
                        }
                    }
                }
                ParsedExtension::CRLDistributionPoints(dps) => {
                    for dp in dps.iter() {
                        if let Some(DistributionPointName::FullName(names)) = &dp.distribution_point
                        {
                            s.crl_distribution_points
                                .extend(names.iter().map(general_name_value));
                        }
                    }
                }
                ParsedExtension::SubjectKeyIdentifier(k) => {
                    s.subject_key_id = Some(hex::encode(k.0));
                }
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    s.authority_key_id = aki.key_identifier.as_ref().map(|k| hex::encode(k.0));
                }
                ParsedExtension::NameConstraints(_) => s.name_constraints = true,
                _ => {
                    let oid = ext.oid.to_id_string();
                    // TLS feature (RFC 7633): DER SEQUENCE OF INTEGER containing 5 = status_request.
                    if oid == "1.3.6.1.5.5.7.1.24" {
                        s.must_staple = ext.value.windows(3).any(|w| w == [0x02, 0x01, 0x05]);
                    } else if ext.critical && !KNOWN_EXTENSIONS.contains(&oid.as_str()) {
                        s.unknown_critical_extensions.push(oid);
                    }
                }
            }
        }
        s
    }

    /// First DNS SAN, else the subject CN, else the subject: a short label for one line.
    pub fn short_name(&self) -> String {
        if let Some(dns) = self.sans.iter().find_map(|s| s.strip_prefix("DNS:")) {
            return dns.to_string();
        }
        if let Some(cn) = self.subject.split(", ").find_map(|p| p.strip_prefix("CN=")) {
            return cn.to_string();
        }
        self.subject.clone()
    }
}

/// Extensions whose criticality we understand (webpki or our own lints handle them).
const KNOWN_EXTENSIONS: &[&str] = &[
    "2.5.29.14", // subjectKeyIdentifier
    "2.5.29.15", // keyUsage
    "2.5.29.17", // subjectAltName
    "2.5.29.18", // issuerAltName
    "2.5.29.19", // basicConstraints
    "2.5.29.30", // nameConstraints
    "2.5.29.31", // cRLDistributionPoints
    "2.5.29.32", // certificatePolicies
    "2.5.29.35", // authorityKeyIdentifier
    "2.5.29.37", // extKeyUsage
    "1.3.6.1.5.5.7.1.1",
    "1.3.6.1.5.5.7.1.24",
];

fn strict_der_error(der: &[u8]) -> Option<String> {
    let cert = CertificateDer::from(der);
    // Only encoding errors count here; policy refusals (v1, unknown critical extensions) are
    // reported by their own findings.
    match webpki::EndEntityCert::try_from(&cert) {
        Err(
            e @ (webpki::Error::BadDer
            | webpki::Error::BadDerTime
            | webpki::Error::TrailingData(_)
            | webpki::Error::InvalidSerialNumber
            | webpki::Error::MalformedExtensions),
        ) => Some(format!("{e:?}")),
        _ => None,
    }
}

pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .to_vec()
}

/// RFC 3339 for a Unix time; falls back to the number for years `time` cannot format.
pub(crate) fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| format!("@{unix}"))
}

pub(crate) fn name_string(name: &x509_parser::x509::X509Name<'_>) -> String {
    let s = name.to_string();
    if s.is_empty() {
        "(empty)".to_string()
    } else {
        s
    }
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn key_usage_names(flags: u16) -> Vec<String> {
    const NAMES: [&str; 9] = [
        "digitalSignature",
        "nonRepudiation",
        "keyEncipherment",
        "dataEncipherment",
        "keyAgreement",
        "keyCertSign",
        "cRLSign",
        "encipherOnly",
        "decipherOnly",
    ];
    NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| flags >> i & 1 == 1)
        .map(|(_, n)| n.to_string())
        .collect()
}

fn general_name(gn: &GeneralName<'_>) -> String {
    let kind = match gn {
        GeneralName::DNSName(_) => "DNS",
        GeneralName::IPAddress(_) => "IP",
        GeneralName::RFC822Name(_) => "email",
        GeneralName::URI(_) => "URI",
        GeneralName::DirectoryName(_) => "DirName",
        GeneralName::OtherName(..) => "othername",
        GeneralName::RegisteredID(_) => "RID",
        _ => "other",
    };
    format!("{kind}:{}", general_name_value(gn))
}

fn general_name_value(gn: &GeneralName<'_>) -> String {
    match gn {
        GeneralName::DNSName(s) | GeneralName::URI(s) | GeneralName::RFC822Name(s) => {
            (*s).to_string()
        }
        GeneralName::IPAddress(b) => ip_string(b),
        GeneralName::DirectoryName(n) => n.to_string(),
        GeneralName::RegisteredID(o) | GeneralName::OtherName(o, _) => o.to_id_string(),
        GeneralName::Invalid(_, b) => format!("invalid:{}", hex::encode(b)),
        _ => "(unsupported name form)".to_string(),
    }
}

fn ip_string(b: &[u8]) -> String {
    match b.len() {
        4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            std::net::Ipv6Addr::from(a).to_string()
        }
        // Name-constraint style address/mask or garbage: show the bytes.
        _ => hex::encode(b),
    }
}

fn public_key_info(cert: &X509Certificate<'_>) -> PublicKeyInfo {
    let spki = &cert.tbs_certificate.subject_pki;
    let oid = spki.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => {
            let bits = match spki.parsed() {
                Ok(PublicKey::RSA(k)) => Some(unsigned_bits(k.modulus)),
                _ => None,
            };
            PublicKeyInfo {
                algorithm: "RSA".into(),
                bits,
                curve: None,
            }
        }
        "1.2.840.113549.1.1.10" => PublicKeyInfo {
            algorithm: "RSA-PSS".into(),
            bits: match spki.parsed() {
                Ok(PublicKey::RSA(k)) => Some(unsigned_bits(k.modulus)),
                _ => None,
            },
            curve: None,
        },
        "1.2.840.10045.2.1" => {
            let (curve, bits) = curve_name(&ec_curve_oid(spki));
            PublicKeyInfo {
                algorithm: "EC".into(),
                bits,
                curve: Some(curve),
            }
        }
        "1.3.101.112" => PublicKeyInfo {
            algorithm: "Ed25519".into(),
            bits: Some(256),
            curve: None,
        },
        "1.3.101.113" => PublicKeyInfo {
            algorithm: "Ed448".into(),
            bits: Some(456),
            curve: None,
        },
        "1.2.840.10040.4.1" => PublicKeyInfo {
            algorithm: "DSA".into(),
            bits: None,
            curve: None,
        },
        _ => PublicKeyInfo {
            algorithm: oid,
            bits: None,
            curve: None,
        },
    }
}

/// The named-curve OID of an EC SubjectPublicKeyInfo (empty when absent).
pub(crate) fn ec_curve_oid(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> String {
    spki.algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| o.to_id_string())
        .unwrap_or_default()
}

pub(crate) fn curve_name(oid: &str) -> (String, Option<u32>) {
    match oid {
        "1.2.840.10045.3.1.7" => ("P-256".into(), Some(256)),
        "1.3.132.0.34" => ("P-384".into(), Some(384)),
        "1.3.132.0.35" => ("P-521".into(), Some(521)),
        "1.3.132.0.10" => ("secp256k1".into(), Some(256)),
        "1.2.840.10045.3.1.1" => ("P-192".into(), Some(192)),
        "1.3.132.0.33" => ("P-224".into(), Some(224)),
        "" => ("(no curve)".into(), None),
        other => (other.to_string(), None),
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
pub(crate) fn unsigned_bits(be: &[u8]) -> u32 {
    let mut i = 0;
    while i < be.len() && be[i] == 0 {
        i += 1;
    }
    if i == be.len() {
        return 0;
    }
    let rest = u32::try_from(be.len() - i - 1).unwrap_or(u32::MAX / 16);
    rest * 8 + (8 - be[i].leading_zeros())
}

/// Human name of a signature algorithm OID.
pub fn sig_alg_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.10040.4.3" => "dsa-with-SHA1",
        "2.16.840.1.101.3.4.3.2" => "dsa-with-SHA256",
        other => return other.to_string(),
    }
    .to_string()
}

/// Reads certificates from PEM (any number of CERTIFICATE blocks, other blocks ignored) or DER
/// (one or more concatenated certificates). DER blobs are split by their outer length only, so a
/// malformed certificate still reaches the verifier and becomes a `malformed_certificate` finding.
pub fn certs_from_bytes(
    bytes: &[u8],
    origin: &str,
) -> Result<Vec<CertificateDer<'static>>, X509Error> {
    let mut out = Vec::new();
    if looks_like_pem(bytes) && bytes.windows(17).any(|w| w == b"-----BEGIN PKCS7-") {
        let der = pem_block(bytes, "PKCS7").ok_or_else(|| X509Error::Pem {
            origin: origin.to_string(),
            detail: "unreadable PKCS7 block".into(),
        })?;
        out = pkcs7_certs(&der).map_err(|detail| X509Error::Pem {
            origin: origin.to_string(),
            detail,
        })?;
    } else if looks_like_pem(bytes) {
        for item in CertificateDer::pem_slice_iter(bytes) {
            let der = item.map_err(|e| X509Error::Pem {
                origin: origin.to_string(),
                detail: format!("{e:?}"),
            })?;
            out.push(der);
        }
    } else if is_pkcs7(bytes) {
        out = pkcs7_certs(bytes).map_err(|detail| X509Error::Pem {
            origin: origin.to_string(),
            detail,
        })?;
    } else {
        out = split_der(bytes)
            .into_iter()
            .map(CertificateDer::from)
            .collect();
    }
    if out.is_empty() {
        return Err(X509Error::NoCertificates {
            origin: origin.to_string(),
        });
    }
    if out.len() > MAX_CERTS_PER_INPUT {
        return Err(X509Error::Pem {
            origin: origin.to_string(),
            detail: format!(
                "{} certificates; at most {MAX_CERTS_PER_INPUT} are accepted per input",
                out.len()
            ),
        });
    }
    Ok(out)
}

/// Input where nothing can be verified is an error, while a chain where some certificates
/// parse and one does not is a finding (`malformed_certificate`): at least one must parse.
pub fn require_one_parses(certs: &[CertificateDer<'_>], origin: &str) -> Result<(), X509Error> {
    let mut first = None;
    for c in certs {
        match X509Certificate::from_der(c.as_ref()) {
            Ok(_) => return Ok(()),
            Err(e) => {
                first.get_or_insert_with(|| e.to_string());
            }
        }
    }
    Err(X509Error::Unparseable {
        origin: origin.to_string(),
        count: certs.len(),
        detail: first.unwrap_or_else(|| "empty input".into()),
    })
}

/// Reads CRLs from PEM (`X509 CRL` blocks) or a single DER CRL.
pub fn crls_from_bytes(
    bytes: &[u8],
    origin: &str,
) -> Result<Vec<CertificateRevocationListDer<'static>>, X509Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(X509Error::Crl {
            origin: origin.to_string(),
            detail: "the input is empty".into(),
        });
    }
    let out: Vec<_> = if looks_like_pem(bytes) {
        CertificateRevocationListDer::pem_slice_iter(bytes)
            .collect::<Result<_, _>>()
            .map_err(|e| X509Error::Crl {
                origin: origin.to_string(),
                detail: format!("{e:?}"),
            })?
    } else {
        vec![CertificateRevocationListDer::from(bytes.to_vec())]
    };
    if out.is_empty() {
        return Err(X509Error::Crl {
            origin: origin.to_string(),
            detail: "no \"BEGIN X509 CRL\" block found".into(),
        });
    }
    // Bytes that are not a CRL at all are a bad input, not a revocation finding.
    for (i, crl) in out.iter().enumerate() {
        if let Err(e) =
            x509_parser::revocation_list::CertificateRevocationList::from_der(crl.as_ref())
        {
            return Err(X509Error::Crl {
                origin: origin.to_string(),
                detail: format!("CRL #{i} is not a DER CertificateList: {e}"),
            });
        }
    }
    Ok(out)
}

/// DER of id-signedData (1.2.840.113549.1.7.2).
const OID_SIGNED_DATA: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// A PKCS#7 / CMS ContentInfo holding SignedData (how AIA `.p7c` files ship issuers).
fn is_pkcs7(b: &[u8]) -> bool {
    use super::der::expect;
    expect(b, 0x30, "ContentInfo")
        .and_then(|(ci, _)| expect(ci, 0x06, "contentType"))
        .is_ok_and(|(oid, _)| oid == OID_SIGNED_DATA)
}

/// The certificates of a degenerate (certs-only) PKCS#7 SignedData (RFC 5652 5.1).
fn pkcs7_certs(b: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    use super::der::{expect, tlv};
    let (ci, _) = expect(b, 0x30, "ContentInfo SEQUENCE")?;
    let (oid, rest) = expect(ci, 0x06, "contentType")?;
    if oid != OID_SIGNED_DATA {
        return Err("PKCS#7 content is not signedData".into());
    }
    let (content, _) = expect(rest, 0xa0, "content [0]")?;
    let (sd, _) = expect(content, 0x30, "SignedData SEQUENCE")?;
    let (_, sd) = expect(sd, 0x02, "version")?;
    let (_, sd) = expect(sd, 0x31, "digestAlgorithms SET")?;
    let (_, sd) = expect(sd, 0x30, "encapContentInfo")?;
    let mut out = Vec::new();
    if let Ok((mut certs, _)) = expect(sd, 0xa0, "certificates [0]") {
        while !certs.is_empty() {
            let (tag, _, rest) = tlv(certs)?;
            let one = &certs[..certs.len() - rest.len()];
            if tag == 0x30 {
                out.push(CertificateDer::from(one.to_vec()));
            }
            certs = rest;
        }
    }
    Ok(out)
}

/// Base64 body of the first PEM block with this label.
fn pem_block(bytes: &[u8], label: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let text = std::str::from_utf8(bytes).ok()?;
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text.find(&begin)? + begin.len();
    let stop = start + text[start..].find(&end)?;
    let b64: String = text[start..stop].split_whitespace().collect();
    base64::engine::general_purpose::STANDARD.decode(b64).ok()
}

fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Splits concatenated DER by the outer SEQUENCE length; whatever cannot be framed becomes the
/// last blob unchanged.
fn split_der(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        match outer_len(bytes) {
            Some(n) if n <= bytes.len() => {
                out.push(bytes[..n].to_vec());
                bytes = &bytes[n..];
            }
            _ => {
                out.push(bytes.to_vec());
                break;
            }
        }
    }
    out
}

/// Total length (header + content) of a DER SEQUENCE at the start of `b`.
fn outer_len(b: &[u8]) -> Option<usize> {
    if b.len() < 2 || b[0] != 0x30 {
        return None;
    }
    let first = usize::from(b[1]);
    if first < 0x80 {
        return Some(2 + first);
    }
    let n = first & 0x7f;
    if n == 0 || n > 4 || b.len() < 2 + n {
        return None;
    }
    let len = b[2..2 + n]
        .iter()
        .fold(0usize, |acc, &x| (acc << 8) | usize::from(x));
    Some(2 + n + len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_of_big_endian_integers() {
        assert_eq!(unsigned_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(unsigned_bits(&[0x01]), 1);
        assert_eq!(unsigned_bits(&[0x00]), 0);
    }

    #[test]
    fn der_is_split_by_outer_length() {
        let a = [0x30, 0x01, 0xaa];
        let b = [0x30, 0x81, 0x01, 0xbb];
        let mut cat = a.to_vec();
        cat.extend_from_slice(&b);
        cat.extend_from_slice(&[0x30, 0x05, 0x00]);
        let parts = split_der(&cat);
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], a);
        assert_eq!(parts[1], b);
        assert_eq!(parts[2], [0x30, 0x05, 0x00]);
    }

    #[test]
    fn pem_without_certificates_is_an_error() {
        let pem = b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        assert!(matches!(
            certs_from_bytes(pem, "x"),
            Err(X509Error::NoCertificates { .. })
        ));
    }
}
