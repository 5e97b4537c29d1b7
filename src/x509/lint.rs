//! Findings beyond "is there a valid path": per-link checks on the path we built (expiry, weak
//! keys and algorithms, CA flags, path length, EKU, unknown critical extensions, strict DER) and
//! on what was sent (order, extras, anchor sent), plus [`profile`]: RFC 5280 / CA/B Forum rules
//! that rustls-webpki does not enforce, applied to each candidate path webpki builds.

use rustls_pki_types::CertificateDer;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;

use super::diagnosis::{Code, Finding};
use super::names::{self, CnProblem, SuffixSection};
use super::report::ChainReport;
use super::sigcheck::SigStatus;
use super::stores::Anchor;

/// RSA moduli under this are weak (CA/B Forum BR 6.1.5).
pub const MIN_RSA_BITS: u32 = 2048;
/// EC keys under this are weak.
pub const MIN_EC_BITS: u32 = 256;

fn is_weak_sig(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.contains("sha1") || n.contains("md5") || n.contains("md2")
}

pub use super::report::Profile;

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
            if let Some(der) = link.sent_index.and_then(|i| sent.get(i))
                && let Ok((_, x)) = X509Certificate::from_der(der.as_ref())
            {
                out.extend(leaf_name_warnings(&x));
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
            // An anchor's own constraints are not applied (RFC 5280 6.1: a trust anchor is a
            // name and a key), as webpki and Chrome do.
            if !is_anchor && let Some(limit) = c.path_len {
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

/// Warnings about the leaf's names that do not make it untrusted under [`Profile::Default`]:
/// a commonName that is not a copy of a SAN, a wildcard over a private-section public suffix.
fn leaf_name_warnings(leaf: &X509Certificate<'_>) -> Vec<Finding> {
    let mut out: Vec<Finding> = names::cn_san_problems(leaf)
        .iter()
        .map(|p| {
            Finding::at(
                Code::CnNotInSan,
                0,
                format!(
                    "the leaf {} (CA/B Forum BR 7.1.4.3: the CN must copy a SAN; only the SANs are matched)",
                    p.describe()
                ),
            )
        })
        .collect();
    if let Ok(Some(san)) = leaf.subject_alternative_name() {
        for n in &san.value.general_names {
            if let x509_parser::extensions::GeneralName::DNSName(d) = n
                && names::wildcard_over_public_suffix(d) == Some(SuffixSection::Private)
            {
                out.push(Finding::at(
                    Code::WildcardPrivateSuffix,
                    0,
                    format!(
                        "the leaf has the wildcard {d:?} over a private-section public suffix: legitimate only if the suffix's operator holds it (CA/B Forum BR 3.2.2.6)"
                    ),
                ));
            }
        }
    }
    out
}

/// RFC 5280 / CA/B Forum profile rules that rustls-webpki does not apply, checked on one
/// candidate path (`ders[0]` = leaf, then intermediates towards the anchor; `anchor` = the
/// anchor's certificate when the store has it). A non-empty result makes webpki try another
/// path, as a failed signature would. The rules follow what x509-limbo expects and what
/// pyca/cryptography enforces; each says which clause it applies.
pub(crate) fn profile(
    ders: &[&[u8]],
    anchor: Option<&Anchor>,
    at: i64,
    rules: Profile,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let anchor_der = anchor.and_then(|a| a.cert.as_ref()).map(|c| c.as_ref());
    let mut certs: Vec<(usize, &[u8])> = ders.iter().copied().enumerate().collect();
    if let Some(a) = anchor_der {
        certs.push((ders.len(), a));
    }
    let last = ders.len();
    for (pos, der) in certs {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            continue;
        };
        let is_leaf = pos == 0;
        let is_anchor = anchor_der.is_some() && pos == last;
        let who = if is_leaf {
            "the leaf".to_string()
        } else if is_anchor {
            "the anchor".to_string()
        } else {
            format!("intermediate {pos}")
        };
        let mut bad =
            |code: Code, msg: String| out.push(Finding::at(code, pos, format!("{who} {msg}")));
        let tbs = &cert.tbs_certificate;
        let self_issued = tbs.subject.as_raw() == tbs.issuer.as_raw();
        let mut has_aki_kid = false;
        let mut aki_kid = None;
        let mut ski_val = None;
        let mut bc = None;
        let mut eku = None;
        let mut san = None;
        let mut ku = None;
        for ext in tbs.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    if ext.critical {
                        bad(
                            Code::ProfileViolation,
                            "marks authorityKeyIdentifier critical (RFC 5280 4.2.1.1: MUST NOT)"
                                .into(),
                        );
                    }
                    has_aki_kid = a.key_identifier.is_some();
                    aki_kid = a.key_identifier.as_ref().map(|k| k.0.to_vec());
                    if a.key_identifier.is_none() {
                        bad(Code::ProfileViolation, "has an authorityKeyIdentifier without keyIdentifier (RFC 5280 4.2.1.1)".into());
                    }
                    // Anchors are exempt by default: roots in Debian's bundle carry these fields.
                    if (!is_anchor || rules == Profile::Cabf)
                        && (a.authority_cert_issuer.is_some() || a.authority_cert_serial.is_some())
                    {
                        bad(Code::ProfileViolation, "has authorityCertIssuer/SerialNumber in authorityKeyIdentifier (CA/B Forum BR 7.1.2: MUST NOT)".into());
                    }
                }
                ParsedExtension::SubjectKeyIdentifier(k) => {
                    if ext.critical {
                        bad(
                            Code::ProfileViolation,
                            "marks subjectKeyIdentifier critical (RFC 5280 4.2.1.2: MUST NOT)"
                                .into(),
                        );
                    }
                    ski_val = Some(k.0.to_vec());
                }
                ParsedExtension::BasicConstraints(b) => bc = Some((b.ca, ext.critical)),
                ParsedExtension::KeyUsage(k) => ku = Some(k.flags),
                ParsedExtension::ExtendedKeyUsage(e) => eku = Some((e.any, ext.critical)),
                ParsedExtension::SubjectAlternativeName(s) => {
                    san = Some((s.general_names.clone(), ext.critical));
                }
                ParsedExtension::NameConstraints(nc) => {
                    if is_leaf {
                        bad(Code::ProfileViolation, "carries nameConstraints, which only CA certificates may (RFC 5280 4.2.1.10)".into());
                    }
                    // Non-critical nameConstraints are accepted by default: RFC 5280 says MUST
                    // be critical, the CA/B Forum allows non-critical, and webpki enforces them
                    // either way.
                    if rules == Profile::Rfc5280 && !ext.critical {
                        bad(
                            Code::ProfileViolation,
                            "has non-critical nameConstraints (RFC 5280 4.2.1.10: MUST be critical)"
                                .into(),
                        );
                    }
                    let empty = |t: &Option<Vec<x509_parser::extensions::GeneralSubtree<'_>>>| {
                        t.as_ref().is_none_or(|v| v.is_empty())
                    };
                    if empty(&nc.permitted_subtrees) && empty(&nc.excluded_subtrees) {
                        bad(Code::ProfileViolation, "has nameConstraints with neither permitted nor excluded subtrees (RFC 5280 4.2.1.10)".into());
                    }
                    for sub in nc
                        .permitted_subtrees
                        .iter()
                        .chain(nc.excluded_subtrees.iter())
                        .flatten()
                    {
                        if let x509_parser::extensions::GeneralName::DNSName(d) = &sub.base
                            && d.starts_with('.')
                        {
                            bad(
                                Code::NameConstraintViolation,
                                format!(
                                    "has a dNSName constraint with a leading period ({d:?}), which RFC 5280 4.2.1.10 does not allow"
                                ),
                            );
                        }
                    }
                }
                ParsedExtension::PolicyConstraints(_) if !ext.critical => {
                    bad(
                        Code::ProfileViolation,
                        "has non-critical policyConstraints (RFC 5280 4.2.1.11: MUST be critical)"
                            .into(),
                    );
                }
                ParsedExtension::ParseError { .. } => {
                    bad(
                        Code::InvalidExtension,
                        format!(
                            "has an extension {} that does not parse",
                            ext.oid.to_id_string()
                        ),
                    );
                }
                _ => {}
            }
        }
        // Serial number (RFC 5280 4.1.2.2): positive, at most 20 octets. Anchors are trusted
        // as configured (some Mozilla roots have serial 0).
        let serial = tbs.raw_serial();
        if !is_anchor && serial.len() > 20 {
            bad(
                Code::MalformedCertificate,
                format!(
                    "has a {}-octet serial number (RFC 5280 4.1.2.2: at most 20)",
                    serial.len()
                ),
            );
        }
        if !is_anchor && serial.iter().all(|b| *b == 0) {
            bad(
                Code::MalformedCertificate,
                "has serial number zero (RFC 5280 4.1.2.2: MUST be positive)".into(),
            );
        }
        if !self_issued && (!is_anchor || rules == Profile::Rfc5280) && !has_aki_kid {
            bad(Code::ProfileViolation, "has no authorityKeyIdentifier keyIdentifier (RFC 5280 4.2.1.1: MUST, except self-signed)".into());
        }
        // Only for anchors: a self-issued key-rollover intermediate legitimately names the
        // old key in its AKI.
        if is_anchor
            && self_issued
            && let (Some(a), Some(s)) = (&aki_kid, &ski_val)
            && a != s
        {
            bad(Code::ProfileViolation, "is self-signed but its authorityKeyIdentifier differs from its subjectKeyIdentifier".into());
        }
        if is_leaf {
            if ku.is_some_and(|f| f >> 5 & 1 == 1) && bc.is_none_or(|(ca, _)| !ca) {
                bad(
                    Code::ProfileViolation,
                    "asserts keyCertSign but is not a CA (RFC 5280 4.2.1.3)".into(),
                );
            }
            match eku {
                // RFC 5280 allows a leaf without EKU (any purpose); the CA/B Forum rule that it
                // MUST be present is an issuance rule, distrust only with the cabf profile.
                None if rules == Profile::Cabf => bad(
                    Code::InvalidEku,
                    "has no extendedKeyUsage (CA/B Forum BR 7.1.2.7.6: MUST be present)".into(),
                ),
                None => {}
                Some((any, critical)) => {
                    if any {
                        bad(
                            Code::InvalidEku,
                            "asserts anyExtendedKeyUsage (CA/B Forum BR 7.1.2.7: MUST NOT)".into(),
                        );
                    }
                    if critical {
                        bad(
                            Code::InvalidEku,
                            "marks extendedKeyUsage critical (CA/B Forum BR 7.1.2.7: MUST NOT)"
                                .into(),
                        );
                    }
                }
            }
            let subject_empty = tbs.subject.as_raw().len() <= 2;
            if let Some((names, critical)) = &san {
                if subject_empty && !critical {
                    bad(Code::ProfileViolation, "has an empty subject and a non-critical subjectAltName (RFC 5280 4.2.1.6: MUST be critical)".into());
                }
                if !subject_empty && *critical {
                    bad(Code::ProfileViolation, "has a subject and a critical subjectAltName (CA/B Forum BR 7.1.2.7.12: SHOULD NOT)".into());
                }
                for n in names {
                    let x509_parser::extensions::GeneralName::DNSName(d) = n else {
                        continue;
                    };
                    match names::wildcard_over_public_suffix(d) {
                        Some(SuffixSection::Icann) => bad(
                            Code::WildcardPublicSuffix,
                            format!(
                                "has the wildcard {d:?} over a registry-controlled public suffix (CA/B Forum BR 3.2.2.6; Public Suffix List)"
                            ),
                        ),
                        Some(SuffixSection::Private) if rules == Profile::Cabf => bad(
                            Code::WildcardPublicSuffix,
                            format!(
                                "has the wildcard {d:?} over a private-section public suffix (CA/B Forum BR 3.2.2.6; Public Suffix List)"
                            ),
                        ),
                        _ => {}
                    }
                    if d.contains('_') {
                        bad(
                            Code::ProfileViolation,
                            format!(
                                "has the dNSName {d:?} with an underscore (RFC 5280 4.2.1.6, preferred name syntax)"
                            ),
                        );
                    }
                }
            }
            if rules == Profile::Cabf {
                for p in names::cn_san_problems(&cert) {
                    if !matches!(p, CnProblem::Absent { .. }) {
                        bad(
                            Code::ProfileViolation,
                            format!("{} (CA/B Forum BR 7.1.4.3)", p.describe()),
                        );
                    }
                }
            }
            if let Ok(x509_parser::public_key::PublicKey::RSA(k)) = tbs.subject_pki.parsed()
                && !super::parse::unsigned_bits(k.modulus).is_multiple_of(8)
            {
                bad(Code::WeakKey, "has an RSA modulus whose size is not a multiple of 8 bits (CA/B Forum BR 6.1.5)".into());
            }
        } else {
            // Issuers: intermediates and the anchor certificate.
            match bc {
                None | Some((false, _)) => bad(Code::IssuerNotCa, "issues certificates but lacks basicConstraints cA=TRUE (RFC 5280 4.2.1.9)".into()),
                Some((true, false)) => bad(Code::ProfileViolation, "has non-critical basicConstraints (RFC 5280 4.2.1.9: MUST be critical in CA certificates)".into()),
                _ => {}
            }
            if ku.is_some_and(|f| f >> 5 & 1 == 0) {
                bad(
                    Code::IssuerNotCa,
                    "has keyUsage without keyCertSign but issues certificates (RFC 5280 4.2.1.3)"
                        .into(),
                );
            }
            // Anchors are exempt by default: a root in Mozilla's program (webpki-roots 1.0.10)
            // has no SKI.
            if ski_val.is_none() && (!is_anchor || rules == Profile::Rfc5280) {
                bad(
                    Code::ProfileViolation,
                    "is a CA without subjectKeyIdentifier (RFC 5280 4.2.1.2: MUST)".into(),
                );
            }
            if tbs.subject.as_raw().len() <= 2 {
                bad(
                    Code::ProfileViolation,
                    "is a CA with an empty subject (RFC 5280 4.1.2.6)".into(),
                );
            }
            if let Ok(x509_parser::public_key::PublicKey::RSA(k)) = tbs.subject_pki.parsed()
                && !super::parse::unsigned_bits(k.modulus).is_multiple_of(8)
            {
                bad(
                    Code::WeakKey,
                    "has an RSA modulus whose size is not a multiple of 8 bits".into(),
                );
            }
        }
        if is_anchor {
            if at > tbs.validity.not_after.timestamp() {
                bad(Code::Expired, "has expired".into());
            }
            if at < tbs.validity.not_before.timestamp() {
                bad(Code::NotYetValid, "is not valid yet".into());
            }
            if eku.is_some() {
                bad(
                    Code::InvalidEku,
                    "carries extendedKeyUsage, which a root should not (CA/B Forum BR 7.1.2.1)"
                        .into(),
                );
            }
        }
    }
    out
}

/// Why a CRL cannot be relied on (RFC 5280 5.2.3: cRLNumber MUST be present and non-critical;
/// 4.2.1.3: an issuer with keyUsage must assert cRLSign), or `None` when it can. `issuers` are
/// the certificates that could have issued it (sent and store certificates).
pub(crate) fn crl_problem(crl_der: &[u8], issuers: &[&[u8]]) -> Option<String> {
    use x509_parser::revocation_list::CertificateRevocationList;
    let crl = match CertificateRevocationList::from_der(crl_der) {
        Ok((_, c)) => c,
        Err(e) => return Some(format!("the CRL does not parse: {e}")),
    };
    match crl
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == "2.5.29.20")
    {
        None => return Some("the CRL has no cRLNumber (RFC 5280 5.2.3: MUST)".into()),
        Some(e) if e.critical => {
            return Some("the CRL marks cRLNumber critical (RFC 5280 5.2.3: MUST NOT)".into());
        }
        Some(_) => {}
    }
    let issuer = crl.issuer().as_raw();
    let candidates: Vec<X509Certificate<'_>> = issuers
        .iter()
        .filter_map(|d| X509Certificate::from_der(d).ok().map(|(_, c)| c))
        .filter(|c| c.tbs_certificate.subject.as_raw() == issuer)
        .collect();
    let can_sign = |c: &X509Certificate<'_>| match c.tbs_certificate.key_usage() {
        Ok(Some(ku)) => ku.value.crl_sign(),
        _ => true,
    };
    if !candidates.is_empty() && !candidates.iter().any(can_sign) {
        return Some("the CRL issuer's keyUsage lacks cRLSign (RFC 5280 4.2.1.3)".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The anchor rules must not distrust real roots: check every Mozilla root certificate in
    /// the position of an anchor (a fixed time inside their validity keeps this offline-stable).
    #[test]
    fn mozilla_roots_pass_anchor_profile() {
        let store = super::super::stores::Store::mozilla();
        let at = 1_767_225_600; // 2026-01-01
        let mut bad = Vec::new();
        for a in store.anchors.iter().filter(|a| a.cert.is_some()) {
            let leaf: &[u8] = &[];
            let found = profile(&[leaf], Some(a), at, Profile::Default);
            if !found.is_empty() {
                bad.push(format!("{:?}", found));
            }
        }
        assert!(bad.is_empty(), "{} roots flagged: {bad:#?}", bad.len());
    }
}
