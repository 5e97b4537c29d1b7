//! Findings beyond "is there a valid path": per-link checks on the path we built (expiry, weak
//! keys and algorithms, CA flags, path length, EKU, unknown critical extensions, strict DER) and
//! on what was sent (order, extras, anchor sent), plus [`profile`]: RFC 5280 / CA/B Forum rules
//! that rustls-webpki does not enforce, applied to each candidate path webpki builds.

use rustls_pki_types::{CertificateDer, TrustAnchor};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use super::diagnosis::{Code, Finding};
use super::sigcheck::SigStatus;
use super::stores::Anchor;
use super::verify::ChainReport;

/// RSA moduli under this are weak (CA/B Forum BR 6.1.5).
pub const MIN_RSA_BITS: u32 = 2048;
/// EC keys under this are weak.
pub const MIN_EC_BITS: u32 = 256;

fn is_weak_sig(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("sha1") || n.contains("md5") || n.contains("md2")
}

/// Findings about the built path (`report.chain`) and the input order.
pub(crate) fn chain(
    report: &ChainReport,
    sent: &[CertificateDer<'_>],
    at: i64,
    expiry_warning_days: u32,
    public_trust: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let links = &report.chain;
    let n = links.len();
    // Malformed input anywhere, in the path or not.
    for (i, der) in sent.iter().enumerate() {
        match X509Certificate::from_der(der.as_ref()) {
            Ok((rest, _)) if !rest.is_empty() => out.push(Finding::new(
                Code::MalformedCertificate,
                format!(
                    "certificate #{i} as sent is followed by {} bytes of trailing data",
                    rest.len()
                ),
            )),
            Ok(_) => {}
            Err(e) => out.push(Finding::new(
                Code::MalformedCertificate,
                format!("certificate #{i} as sent does not parse: {e}"),
            )),
        }
    }
    for (pos, link) in links.iter().enumerate() {
        let is_anchor = !link.anchor_in.is_empty();
        let Some(c) = &link.cert else { continue };
        let who = if pos == 0 {
            "the leaf".to_string()
        } else {
            format!("link {pos} ({})", c.short_name())
        };
        if let Some(e) = &c.strict_der_error {
            out.push(Finding::at(
                Code::MalformedCertificate,
                pos,
                format!("{who} is not strict DER (webpki: {e})"),
            ));
        }
        if !is_anchor {
            if at > c.not_after_unix {
                out.push(Finding::at(
                    Code::Expired,
                    pos,
                    format!("{who} expired on {}", c.not_after),
                ));
            }
            if at < c.not_before_unix {
                out.push(Finding::at(
                    Code::NotYetValid,
                    pos,
                    format!("{who} is not valid before {}", c.not_before),
                ));
            }
        }
        match &link.signature {
            Some(s) if s.status == SigStatus::Invalid => out.push(Finding::at(
                Code::BadSignature,
                pos,
                format!(
                    "the signature of {who} does not verify with its issuer's key ({})",
                    s.detail.as_deref().unwrap_or(&s.algorithm)
                ),
            )),
            Some(s)
                if s.status == SigStatus::Unsupported && !is_weak_sig(&c.signature_algorithm) =>
            {
                out.push(Finding::at(
                    Code::UnsupportedSignatureAlgorithm,
                    pos,
                    format!(
                        "the signature of {who} cannot be checked: {}",
                        s.detail.as_deref().unwrap_or(&s.algorithm)
                    ),
                ))
            }
            _ => {}
        }
        let weak = match (c.public_key.algorithm.as_str(), c.public_key.bits) {
            ("RSA" | "RSA-PSS", Some(b)) if b < MIN_RSA_BITS => Some(format!("{b}-bit RSA")),
            ("EC", Some(b)) if b < MIN_EC_BITS => Some(format!("{b}-bit EC")),
            ("DSA", _) => Some("DSA".to_string()),
            _ => None,
        };
        if let Some(w) = weak {
            out.push(Finding::at(
                Code::WeakKey,
                pos,
                format!("{who} has a weak {w} key"),
            ));
        }
        if !c.self_issued && is_weak_sig(&c.signature_algorithm) {
            out.push(Finding::at(
                Code::WeakSignatureAlgorithm,
                pos,
                format!("{who} is signed with {}", c.signature_algorithm),
            ));
        }
        if !c.unknown_critical_extensions.is_empty() {
            out.push(Finding::at(
                Code::UnsupportedCriticalExtension,
                pos,
                format!(
                    "{who} has critical extensions this verifier does not understand: {}",
                    c.unknown_critical_extensions.join(", ")
                ),
            ));
        }
        if pos == 0 {
            if c.is_ca {
                out.push(Finding::at(
                    Code::CaUsedAsEndEntity,
                    0,
                    "the leaf is a CA certificate (basicConstraints cA=TRUE) used as a server certificate",
                ));
            }
            if !c.extended_key_usage.is_empty()
                && !c.extended_key_usage.iter().any(|e| e == "serverAuth")
            {
                out.push(Finding::at(
                    Code::InvalidEku,
                    0,
                    format!(
                        "the leaf's extendedKeyUsage ({}) does not include serverAuth",
                        c.extended_key_usage.join(", ")
                    ),
                ));
            }
            if c.self_issued && link.signature.as_ref().is_some_and(|s| s.is_valid()) && !is_anchor
            {
                out.push(Finding::at(
                    Code::SelfSigned,
                    0,
                    "the leaf is self-signed and not an anchor of any selected store",
                ));
            }
            if c.not_after_unix >= at
                && c.not_after_unix - at < i64::from(expiry_warning_days) * 86_400
            {
                let days = (c.not_after_unix - at) / 86_400;
                out.push(Finding::at(
                    Code::ExpiresSoon,
                    0,
                    format!("the leaf expires in {days} days ({})", c.not_after),
                ));
            }
            if public_trust && c.sct_count == 0 {
                out.push(Finding::at(
                    Code::NoSct,
                    0,
                    "the publicly trusted leaf carries no embedded Signed Certificate Timestamps",
                ));
            }
        } else if link.sent_index.is_some() || link.cert.is_some() {
            if !(c.is_ca || is_anchor && c.version < 3) {
                out.push(Finding::at(
                    Code::IssuerNotCa,
                    pos,
                    format!(
                        "{who} issued link {} but is not a CA (no basicConstraints cA=TRUE)",
                        pos - 1
                    ),
                ));
            }
            if let Some(limit) = c.path_len {
                // Intermediates below this one, not counting self-issued ones (RFC 5280 6.1.4).
                let below = links[1..pos]
                    .iter()
                    .filter(|l| l.cert.as_ref().is_some_and(|c| !c.self_issued))
                    .count();
                if below > usize::try_from(limit).unwrap_or(usize::MAX) {
                    out.push(Finding::at(
                        Code::PathLenExceeded,
                        pos,
                        format!("{who} allows {limit} intermediates below it but {below} follow"),
                    ));
                }
            }
        }
    }
    // Incomplete: the path ends without an anchor and without a self-signed root.
    if let Some(last) = links.last() {
        let ends_ok = !last.anchor_in.is_empty()
            || last
                .cert
                .as_ref()
                .is_some_and(|c| c.self_issued && last.signature_valid == Some(true));
        if !ends_ok
            && !report.stores.values().any(|s| s.trusted)
            && let Some(c) = &last.cert
            && !c.ca_issuers.is_empty()
        {
            out.push(Finding::at(
                        Code::IncompleteChain,
                        n - 1,
                        format!(
                            "the issuer of {} was not sent; its AIA points to {} — the chain can be completed from there, but the server is misconfigured",
                            c.short_name(),
                            c.ca_issuers.join(", ")
                        ),
                    ));
        }
    }
    // What was sent vs what is used.
    let used: Vec<usize> = links.iter().filter_map(|l| l.sent_index).collect();
    if used.iter().enumerate().any(|(k, &i)| k != i) {
        out.push(Finding::new(
            Code::ChainOutOfOrder,
            format!(
                "the certificates were sent in the order {:?}, the path uses them as {:?}",
                (0..sent.len()).collect::<Vec<_>>(),
                used
            ),
        ));
    }
    let extra = sent.len().saturating_sub(used.len());
    if extra > 0 {
        out.push(Finding::new(
            Code::ExtraCertificates,
            format!("{extra} certificate(s) sent are not part of the path"),
        ));
    }
    if links
        .iter()
        .any(|l| l.sent_index.is_some_and(|i| i > 0) && !l.anchor_in.is_empty())
    {
        out.push(Finding::new(
            Code::AnchorSent,
            "the trust anchor itself was sent; it is not needed and only adds bytes",
        ));
    }
    out
}

/// RFC 5280 profile rules that rustls-webpki does not apply, checked on one candidate path
/// (`ders[0]` = leaf, then intermediates towards the anchor). A non-empty result makes webpki
/// try another path, like a failed signature would.
pub(crate) fn profile(
    ders: &[&[u8]],
    _anchor: &TrustAnchor<'_>,
    _anchor_cert: Option<&Anchor>,
    _at: i64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (pos, der) in ders.iter().enumerate() {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            continue;
        };
        let who = if pos == 0 {
            "the leaf".to_string()
        } else {
            format!("intermediate {pos}")
        };
        for ext in cert.tbs_certificate.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(_) if ext.critical => out.push(Finding::at(
                    Code::InvalidExtension,
                    pos,
                    format!("{who} marks authorityKeyIdentifier critical (RFC 5280 4.2.1.1: MUST NOT)"),
                )),
                ParsedExtension::SubjectKeyIdentifier(_) if ext.critical => out.push(Finding::at(
                    Code::InvalidExtension,
                    pos,
                    format!("{who} marks subjectKeyIdentifier critical (RFC 5280 4.2.1.2: MUST NOT)"),
                )),
                ParsedExtension::KeyUsage(ku) if pos > 0 && !ku.key_cert_sign() => {
                    out.push(Finding::at(
                        Code::IssuerNotCa,
                        pos,
                        format!("{who} has keyUsage without keyCertSign but issued a certificate"),
                    ))
                }
                _ => {}
            }
        }
    }
    out
}
