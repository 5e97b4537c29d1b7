//! Our own proof of each link: was this tbsCertificate signed by that issuer key? Done with ring
//! directly rather than through webpki because webpki only says "no path"; here every link gets
//! its own verdict, and legacy algorithms (SHA-1, 1024-bit RSA) are *checked and reported*
//! instead of refused, so a weak link shows as "valid but weak" (DESIGN.md §2.2).

use ring::signature::{self, VerificationAlgorithm};
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::parse::{curve_name, unsigned_bits};

/// Verdict of one signature check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SigStatus {
    /// The signature verifies under the issuer key.
    Valid,
    /// The algorithm is supported and the signature does not verify.
    Invalid,
    /// The algorithm/key combination cannot be checked (see `detail`).
    Unsupported,
}

/// Result of checking one signature, with the algorithm actually used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SigCheck {
    /// Verdict.
    pub status: SigStatus,
    /// What was checked, e.g. `RSA PKCS#1 v1.5 SHA-256 (2048-bit key)`.
    pub algorithm: String,
    /// Why it is invalid or unsupported.
    pub detail: Option<String>,
}

impl SigCheck {
    fn unsupported(algorithm: impl Into<String>, why: impl Into<String>) -> Self {
        Self {
            status: SigStatus::Unsupported,
            algorithm: algorithm.into(),
            detail: Some(why.into()),
        }
    }

    /// True for [`SigStatus::Valid`].
    pub fn is_valid(&self) -> bool {
        self.status == SigStatus::Valid
    }
}

/// Checks `cert`'s signature over its tbsCertificate against the issuer's DER
/// SubjectPublicKeyInfo (the full SEQUENCE).
pub fn check_certificate(cert: &X509Certificate<'_>, issuer_spki_der: &[u8]) -> SigCheck {
    let spki = match SubjectPublicKeyInfo::from_der(issuer_spki_der) {
        Ok((_, spki)) => spki,
        Err(e) => return SigCheck::unsupported("?", format!("issuer public key unreadable: {e}")),
    };
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return SigCheck {
            status: SigStatus::Invalid,
            algorithm: super::parse::sig_alg_name(
                &cert.signature_algorithm.algorithm.to_id_string(),
            ),
            detail: Some(
                "signatureAlgorithm differs from the tbsCertificate's signature field".into(),
            ),
        };
    }
    verify_signed_data(
        &spki,
        &cert.signature_algorithm,
        &cert.signature_value.data,
        cert.tbs_certificate.as_ref(),
    )
}

/// Verifies `signature` over `data` with `spki` under the algorithm `alg`. Works for
/// certificates and CRLs alike.
pub fn verify_signed_data(
    spki: &SubjectPublicKeyInfo<'_>,
    alg: &AlgorithmIdentifier<'_>,
    signature_value: &[u8],
    data: &[u8],
) -> SigCheck {
    let (ring_alg, label) = match select(spki, alg) {
        Ok(x) => x,
        Err(check) => return check,
    };
    let key = signature::UnparsedPublicKey::new(ring_alg, &spki.subject_public_key.data);
    match key.verify(data, signature_value) {
        Ok(()) => SigCheck {
            status: SigStatus::Valid,
            algorithm: label,
            detail: None,
        },
        Err(_) => SigCheck {
            status: SigStatus::Invalid,
            algorithm: label,
            detail: Some("signature does not verify under the issuer's public key".into()),
        },
    }
}

type Selected = (&'static dyn VerificationAlgorithm, String);

fn select(
    spki: &SubjectPublicKeyInfo<'_>,
    alg: &AlgorithmIdentifier<'_>,
) -> Result<Selected, SigCheck> {
    let sig_oid = alg.algorithm.to_id_string();
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let name = super::parse::sig_alg_name(&sig_oid);
    match sig_oid.as_str() {
        "1.2.840.113549.1.1.4" => Err(SigCheck::unsupported(
            name,
            "MD5 signatures are broken; ring does not verify them",
        )),
        "1.2.840.113549.1.1.5"
        | "1.3.14.3.2.29"
        | "1.2.840.113549.1.1.11"
        | "1.2.840.113549.1.1.12"
        | "1.2.840.113549.1.1.13" => {
            if key_oid != "1.2.840.113549.1.1.1" {
                return Err(SigCheck::unsupported(
                    name,
                    format!("RSA signature but the issuer key is {key_oid}"),
                ));
            }
            let bits = rsa_bits(spki)?;
            let hash = match sig_oid.as_str() {
                "1.2.840.113549.1.1.11" => 256,
                "1.2.840.113549.1.1.12" => 384,
                "1.2.840.113549.1.1.13" => 512,
                _ => 1,
            };
            let label = format!(
                "RSA PKCS#1 v1.5 {} ({bits}-bit key)",
                if hash == 1 {
                    "SHA-1".to_string()
                } else {
                    format!("SHA-{hash}")
                }
            );
            if !(1024..=8192).contains(&bits) {
                return Err(SigCheck::unsupported(
                    label,
                    "ring verifies RSA keys of 1024 to 8192 bits only",
                ));
            }
            let legacy = bits < 2048;
            let ring_alg: &'static dyn VerificationAlgorithm = match (hash, legacy) {
                (1, true) => &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                (1, false) => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
                (256, true) => &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
                (256, false) => &signature::RSA_PKCS1_2048_8192_SHA256,
                (384, false) => &signature::RSA_PKCS1_2048_8192_SHA384,
                (512, true) => &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
                (512, false) => &signature::RSA_PKCS1_2048_8192_SHA512,
                _ => {
                    return Err(SigCheck::unsupported(
                        label,
                        "ring has no SHA-384 verifier for RSA keys under 2048 bits",
                    ));
                }
            };
            Ok((ring_alg, label))
        }
        "1.2.840.113549.1.1.10" => {
            if key_oid != "1.2.840.113549.1.1.1" && key_oid != "1.2.840.113549.1.1.10" {
                return Err(SigCheck::unsupported(
                    name,
                    format!("RSA-PSS signature but the issuer key is {key_oid}"),
                ));
            }
            let bits = rsa_bits(spki)?;
            let hash = pss_hash(alg)
                .map_err(|why| SigCheck::unsupported(format!("RSA-PSS ({bits}-bit key)"), why))?;
            let label = format!("RSA-PSS SHA-{hash} ({bits}-bit key)");
            if !(2048..=8192).contains(&bits) {
                return Err(SigCheck::unsupported(
                    label,
                    "ring verifies RSA-PSS with 2048 to 8192-bit keys only",
                ));
            }
            let ring_alg: &'static dyn VerificationAlgorithm = match hash {
                256 => &signature::RSA_PSS_2048_8192_SHA256,
                384 => &signature::RSA_PSS_2048_8192_SHA384,
                _ => &signature::RSA_PSS_2048_8192_SHA512,
            };
            Ok((ring_alg, label))
        }
        "1.2.840.10045.4.3.2"
        | "1.2.840.10045.4.3.3"
        | "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.4" => {
            if key_oid != "1.2.840.10045.2.1" {
                return Err(SigCheck::unsupported(
                    name,
                    format!("ECDSA signature but the issuer key is {key_oid}"),
                ));
            }
            let curve_oid = super::parse::ec_curve_oid(spki);
            let (curve, _) = curve_name(&curve_oid);
            let label = format!("ECDSA {curve} {name}");
            if alg.parameters.is_some() {
                return Err(SigCheck {
                    status: SigStatus::Invalid,
                    algorithm: label,
                    detail: Some("ECDSA AlgorithmIdentifier must have no parameters".into()),
                });
            }
            let ring_alg: &'static dyn VerificationAlgorithm =
                match (curve.as_str(), sig_oid.as_str()) {
                    ("P-256", "1.2.840.10045.4.3.2") => &signature::ECDSA_P256_SHA256_ASN1,
                    ("P-256", "1.2.840.10045.4.3.3") => &signature::ECDSA_P256_SHA384_ASN1,
                    ("P-384", "1.2.840.10045.4.3.2") => &signature::ECDSA_P384_SHA256_ASN1,
                    ("P-384", "1.2.840.10045.4.3.3") => &signature::ECDSA_P384_SHA384_ASN1,
                    _ => {
                        return Err(SigCheck::unsupported(
                            label,
                            "ring verifies ECDSA on P-256/P-384 with SHA-256/SHA-384 only",
                        ));
                    }
                };
            Ok((ring_alg, label))
        }
        "1.3.101.112" => {
            if key_oid != "1.3.101.112" {
                return Err(SigCheck::unsupported(
                    name,
                    format!("Ed25519 signature but the issuer key is {key_oid}"),
                ));
            }
            Ok((&signature::ED25519, "Ed25519".to_string()))
        }
        _ => Err(SigCheck::unsupported(
            name,
            "signature algorithm not supported by ring",
        )),
    }
}

fn rsa_bits(spki: &SubjectPublicKeyInfo<'_>) -> Result<u32, SigCheck> {
    match spki.parsed() {
        Ok(PublicKey::RSA(k)) => Ok(unsigned_bits(k.modulus)),
        _ => Err(SigCheck::unsupported(
            "RSA",
            "issuer RSA public key is not a valid RSAPublicKey",
        )),
    }
}

/// ring's PSS verifiers fix MGF1 to the message hash and the salt length to the hash length,
/// which is also what the CA/B Forum allows; other parameter sets are reported unsupported.
fn pss_hash(alg: &AlgorithmIdentifier<'_>) -> Result<u32, String> {
    let params = alg
        .parameters
        .as_ref()
        .ok_or("RSA-PSS without parameters")?;
    let p =
        RsaSsaPssParams::try_from(params).map_err(|e| format!("bad RSA-PSS parameters: {e}"))?;
    let hash = match p.hash_algorithm_oid().to_id_string().as_str() {
        "2.16.840.1.101.3.4.2.1" => 256,
        "2.16.840.1.101.3.4.2.2" => 384,
        "2.16.840.1.101.3.4.2.3" => 512,
        other => return Err(format!("RSA-PSS hash {other} not supported")),
    };
    let mgf = p
        .mask_gen_algorithm()
        .map_err(|e| format!("bad RSA-PSS mask generation: {e}"))?;
    if mgf.mgf.to_id_string() != "1.2.840.113549.1.1.8" || mgf.hash != *p.hash_algorithm_oid() {
        return Err("RSA-PSS with MGF1 hash different from the message hash".into());
    }
    if p.salt_length() != hash / 8 {
        return Err(format!(
            "RSA-PSS salt length {} (ring needs {})",
            p.salt_length(),
            hash / 8
        ));
    }
    Ok(hash)
}
