//! Stapled OCSP responses (RFC 6960), decoded for display and checked: which certificate it is
//! about, good/revoked/unknown, its time window, and its signature (by the issuer, or by a
//! delegated responder certificate the issuer signed). A small DER reader is written here
//! because x509-parser has no OCSP support and the structure needs only a handful of fields.

use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

use super::der::{expect, tlv};
use super::parse::rfc3339;
use super::sigcheck::{SigStatus, check_certificate, verify_signed_data};

/// One SingleResponse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OcspSingle {
    /// Serial number of the certificate it is about (hex).
    pub serial: String,
    /// `good`, `revoked` or `unknown`.
    pub status: String,
    /// When revoked.
    pub revocation_time: Option<String>,
    /// thisUpdate, RFC 3339.
    pub this_update: String,
    /// nextUpdate, RFC 3339.
    pub next_update: Option<String>,
    /// thisUpdate as Unix seconds.
    #[serde(skip)]
    pub this_update_unix: i64,
    /// nextUpdate as Unix seconds.
    #[serde(skip)]
    pub next_update_unix: Option<i64>,
}

/// A decoded OCSP response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OcspSummary {
    /// responseStatus: `successful`, `malformedRequest`, `internalError`, `tryLater`,
    /// `sigRequired`, `unauthorized`.
    pub response_status: String,
    /// producedAt, RFC 3339.
    pub produced_at: Option<String>,
    /// Responder: `name:<DN>` or `key:<hex SHA-1 of key>`.
    pub responder: Option<String>,
    /// Signature algorithm (name).
    pub signature_algorithm: Option<String>,
    /// The responses.
    pub responses: Vec<OcspSingle>,
    /// Signature check against the issuer (directly or through a delegated responder).
    pub signature_valid: Option<bool>,
    /// How the signature was checked, or why not.
    pub signature_detail: Option<String>,
    /// Size of the response in bytes.
    pub bytes: usize,
}

fn gentime(v: &[u8]) -> Result<i64, String> {
    let s = std::str::from_utf8(v).map_err(|_| "GeneralizedTime is not ASCII")?;
    let d = |r: std::ops::Range<usize>| -> Result<i64, String> {
        s.get(r)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| format!("bad GeneralizedTime {s:?}"))
    };
    if s.len() < 15 || !s.ends_with('Z') {
        return Err(format!("bad GeneralizedTime {s:?}"));
    }
    let month = u8::try_from(d(4..6)?)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or("bad month")?;
    let date = time::Date::from_calendar_date(
        i32::try_from(d(0..4)?).map_err(|_| "bad year")?,
        month,
        u8::try_from(d(6..8)?).map_err(|_| "bad day")?,
    )
    .map_err(|e| e.to_string())?;
    Ok(date.midnight().assume_utc().unix_timestamp()
        + d(8..10)? * 3600
        + d(10..12)? * 60
        + d(12..14)?)
}

/// Decodes a DER OCSPResponse. `issuer_der` (the leaf's issuer certificate) enables the
/// signature check.
pub fn decode(der: &[u8], issuer_der: Option<&[u8]>) -> Result<OcspSummary, String> {
    let (resp, _) = expect(der, 0x30, "OCSPResponse SEQUENCE")?;
    let (status, rest) = expect(resp, 0x0a, "responseStatus ENUMERATED")?;
    let response_status = match status {
        [0] => "successful",
        [1] => "malformedRequest",
        [2] => "internalError",
        [3] => "tryLater",
        [5] => "sigRequired",
        [6] => "unauthorized",
        _ => "unknown",
    }
    .to_string();
    let mut out = OcspSummary {
        response_status,
        produced_at: None,
        responder: None,
        signature_algorithm: None,
        responses: Vec::new(),
        signature_valid: None,
        signature_detail: None,
        bytes: der.len(),
    };
    if rest.is_empty() {
        return Ok(out);
    }
    let (rb, _) = expect(rest, 0xa0, "responseBytes [0]")?;
    let (rb, _) = expect(rb, 0x30, "ResponseBytes SEQUENCE")?;
    let (oid, rb) = expect(rb, 0x06, "responseType OID")?;
    if oid != [0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01] {
        return Err("responseType is not id-pkix-ocsp-basic".into());
    }
    let (basic, _) = expect(rb, 0x04, "response OCTET STRING")?;
    let (basic, _) = expect(basic, 0x30, "BasicOCSPResponse SEQUENCE")?;
    // tbsResponseData, kept whole (with header) for the signature check
    let (_, _, after_tbs) = tlv(basic)?;
    let tbs_full = &basic[..basic.len() - after_tbs.len()];
    let (tbs, _) = expect(basic, 0x30, "ResponseData SEQUENCE")?;
    let (alg, mut rest) = {
        let (_, _, r) = tlv(after_tbs)?;
        (&after_tbs[..after_tbs.len() - r.len()], r)
    };
    let (sig, r) = expect(rest, 0x03, "signature BIT STRING")?;
    rest = r;
    let sig = sig.get(1..).ok_or("empty signature")?;
    let mut certs: Vec<&[u8]> = Vec::new();
    if let Ok((certs_seq, _)) = expect(rest, 0xa0, "certs [0]") {
        let (mut seq, _) = expect(certs_seq, 0x30, "certs SEQUENCE")?;
        while !seq.is_empty() {
            let (_, _, r) = tlv(seq)?;
            certs.push(&seq[..seq.len() - r.len()]);
            seq = r;
        }
    }
    let alg = AlgorithmIdentifier::from_der(alg)
        .map_err(|e| format!("signatureAlgorithm: {e}"))?
        .1;
    out.signature_algorithm = Some(super::parse::sig_alg_name(&alg.algorithm.to_id_string()));

    // ResponseData
    let mut t = tbs;
    if let Ok((_, r)) = expect(t, 0xa0, "version") {
        t = r;
    }
    let (tag, rid, r) = tlv(t)?;
    out.responder = match tag {
        0xa1 => Some(format!(
            "name:{}",
            x509_parser::x509::X509Name::from_der(rid)
                .map(|(_, n)| n.to_string())
                .unwrap_or_else(|_| "(unreadable)".into())
        )),
        0xa2 => Some(format!(
            "key:{}",
            hex::encode(expect(rid, 0x04, "KeyHash")?.0)
        )),
        _ => return Err(format!("unexpected responderID tag 0x{tag:02x}")),
    };
    let (produced, r) = expect(r, 0x18, "producedAt")?;
    out.produced_at = Some(rfc3339(gentime(produced)?));
    let (mut responses, _) = expect(r, 0x30, "responses SEQUENCE")?;
    while !responses.is_empty() {
        let (single, r) = expect(responses, 0x30, "SingleResponse")?;
        responses = r;
        let (cert_id, s) = expect(single, 0x30, "CertID")?;
        let (_, c) = expect(cert_id, 0x30, "hashAlgorithm")?;
        let (_, c) = expect(c, 0x04, "issuerNameHash")?;
        let (_, c) = expect(c, 0x04, "issuerKeyHash")?;
        let (serial, _) = expect(c, 0x02, "serialNumber")?;
        let (tag, status_v, s) = tlv(s)?;
        let (status, revocation_time) = match tag {
            0x80 => ("good", None),
            0xa1 => {
                let (rt, _) = expect(status_v, 0x18, "revocationTime")?;
                ("revoked", Some(rfc3339(gentime(rt)?)))
            }
            0x82 => ("unknown", None),
            _ => return Err(format!("unexpected certStatus tag 0x{tag:02x}")),
        };
        let (this_update, s) = expect(s, 0x18, "thisUpdate")?;
        let this_update = gentime(this_update)?;
        let next_update = match expect(s, 0xa0, "nextUpdate") {
            Ok((nu, _)) => Some(gentime(expect(nu, 0x18, "nextUpdate time")?.0)?),
            Err(_) => None,
        };
        out.responses.push(OcspSingle {
            serial: hex::encode(serial.strip_prefix(&[0]).unwrap_or(serial)),
            status: status.into(),
            revocation_time,
            this_update: rfc3339(this_update),
            next_update: next_update.map(rfc3339),
            this_update_unix: this_update,
            next_update_unix: next_update,
        });
    }

    // Signature: by the issuer, or by an embedded responder certificate the issuer signed.
    if let Some(issuer_der) = issuer_der
        && let Ok((_, issuer)) = X509Certificate::from_der(issuer_der)
    {
        let by_issuer =
            verify_signed_data(&issuer.tbs_certificate.subject_pki, &alg, sig, tbs_full);
        if by_issuer.status == SigStatus::Valid {
            out.signature_valid = Some(true);
            out.signature_detail = Some(format!("signed by the issuer ({})", by_issuer.algorithm));
        } else {
            let mut verdict = (
                false,
                format!("not signed by the issuer ({:?})", by_issuer.status),
            );
            for c in &certs {
                let Ok((_, responder)) = X509Certificate::from_der(c) else {
                    continue;
                };
                let delegated =
                    check_certificate(&responder, issuer.tbs_certificate.subject_pki.raw);
                let signs = verify_signed_data(
                    &SubjectPublicKeyInfo::from_der(responder.tbs_certificate.subject_pki.raw)
                        .map(|(_, s)| s)
                        .unwrap_or_else(|_| responder.tbs_certificate.subject_pki.clone()),
                    &alg,
                    sig,
                    tbs_full,
                );
                let ocsp_signing = responder
                    .tbs_certificate
                    .extended_key_usage()
                    .ok()
                    .flatten()
                    .is_some_and(|e| e.value.ocsp_signing);
                if delegated.is_valid() && signs.is_valid() && ocsp_signing {
                    verdict = (
                        true,
                        "signed by a delegated responder the issuer certified".into(),
                    );
                    break;
                }
            }
            out.signature_valid = Some(verdict.0);
            out.signature_detail = Some(verdict.1);
        }
    }
    Ok(out)
}
