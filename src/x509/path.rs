//! The path the chain really forms, built by us for display: leaf first, each next link the
//! certificate whose subject is the previous issuer and whose key verifies its signature,
//! taken from what was sent first and from the stores' anchors last. The server's order may be
//! wrong or contain extras; this shows what is actually used. A work budget bounds signature
//! checks and depth, so cycles and huge bundles end quickly (rustls-webpki does the same).

use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::sigcheck::{SigCheck, SigStatus, check_certificate};
use super::stores::Store;

/// Work limits for path building.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Most links in a path.
    pub max_depth: usize,
    /// Most signature checks while building.
    pub max_signature_checks: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_signature_checks: 100,
        }
    }
}

/// Where a link comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The n-th certificate as sent (0 = leaf).
    Sent(usize),
    /// An anchor of a store: (index in the store list, index of the anchor).
    Anchor(usize, usize),
}

/// One link of the built path.
#[derive(Debug, Clone)]
pub struct Node {
    /// Where it comes from.
    pub source: Source,
    /// Check of this link's signature with the next link's key (self key for a self-signed
    /// last link); `None` when no issuer key is known.
    pub signature: Option<SigCheck>,
    /// authorityKeyIdentifier of this link vs subjectKeyIdentifier of the next, when both exist.
    pub key_id_match: Option<bool>,
}

/// Result of building.
#[derive(Debug, Clone)]
pub struct Built {
    /// Leaf first.
    pub nodes: Vec<Node>,
    /// True when the budget stopped building.
    pub budget_exceeded: bool,
}

struct Cand<'a> {
    subject: Vec<u8>,
    spki: Vec<u8>,
    ski: Option<Vec<u8>>,
    cert: Option<X509Certificate<'a>>,
}

fn cand_from_cert<'a>(cert: X509Certificate<'a>) -> Cand<'a> {
    Cand {
        subject: cert.tbs_certificate.subject.as_raw().to_vec(),
        spki: cert.tbs_certificate.subject_pki.raw.to_vec(),
        ski: ski(&cert),
        cert: Some(cert),
    }
}

fn ski(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.tbs_certificate
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        })
}

fn aki(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.tbs_certificate
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
}

/// Builds the display path from the sent certificates (`sent[0]` is the leaf) and the stores.
pub fn build(sent: &[&[u8]], stores: &[Store], budget: Budget) -> Built {
    let parsed: Vec<Option<X509Certificate<'_>>> = sent
        .iter()
        .map(|d| match X509Certificate::from_der(d) {
            Ok((&[], c)) => Some(c),
            _ => None,
        })
        .collect();
    let mut nodes = vec![Node {
        source: Source::Sent(0),
        signature: None,
        key_id_match: None,
    }];
    let mut checks = 0usize;
    let mut budget_exceeded = false;
    let Some(Some(mut current)) = parsed.first().cloned() else {
        return Built {
            nodes,
            budget_exceeded,
        };
    };
    let mut used = vec![false; sent.len()];
    used[0] = true;
    loop {
        let self_issued =
            current.tbs_certificate.subject.as_raw() == current.tbs_certificate.issuer.as_raw();
        // An anchor of any store ends the path (its own signature is shown if self-signed).
        let is_anchor = stores.iter().any(|s| {
            s.anchors.iter().any(|a| {
                a.subject_der() == current.tbs_certificate.subject.as_raw()
                    && a.spki_der() == current.tbs_certificate.subject_pki.raw
            })
        });
        if self_issued {
            let own = check_certificate(&current, current.tbs_certificate.subject_pki.raw);
            checks += 1;
            if own.status == SigStatus::Valid || is_anchor {
                if let Some(last) = nodes.last_mut() {
                    last.signature = Some(own);
                }
                break;
            }
        } else if is_anchor {
            break;
        }
        if nodes.len() >= budget.max_depth || checks >= budget.max_signature_checks {
            budget_exceeded = true;
            break;
        }
        let issuer_raw = current.tbs_certificate.issuer.as_raw().to_vec();
        let want_kid = aki(&current);
        // Candidates: unused sent certificates first, then store anchors; AKI/SKI matches first.
        let mut cands: Vec<(Source, Cand<'_>)> = Vec::new();
        for (i, p) in parsed.iter().enumerate() {
            if used[i] {
                continue;
            }
            if let Some(c) = p
                && c.tbs_certificate.subject.as_raw() == issuer_raw.as_slice()
            {
                cands.push((Source::Sent(i), cand_from_cert(c.clone())));
            }
        }
        let sent_count = cands.len();
        for (si, store) in stores.iter().enumerate() {
            for (ai, a) in store.anchors.iter().enumerate() {
                if a.subject_der() != issuer_raw {
                    continue;
                }
                let cert = a
                    .cert
                    .as_ref()
                    .and_then(|d| X509Certificate::from_der(d.as_ref()).ok().map(|(_, c)| c));
                cands.push((
                    Source::Anchor(si, ai),
                    Cand {
                        subject: a.subject_der(),
                        spki: a.spki_der(),
                        ski: cert.as_ref().and_then(ski),
                        cert,
                    },
                ));
            }
        }
        let kid_rank = |c: &Cand<'_>| match (&want_kid, &c.ski) {
            (Some(w), Some(s)) if w == s => 0,
            (Some(_), Some(_)) => 2,
            _ => 1,
        };
        // Stable sort keeps "sent before store" inside each rank.
        let (sent_c, store_c) = cands.split_at_mut(sent_count);
        sent_c.sort_by_key(|(_, c)| kid_rank(c));
        store_c.sort_by_key(|(_, c)| kid_rank(c));
        let mut chosen: Option<(Source, Cand<'_>, SigCheck)> = None;
        let mut fallback: Option<(Source, Cand<'_>, SigCheck)> = None;
        for (src, cand) in cands {
            if checks >= budget.max_signature_checks {
                budget_exceeded = true;
                break;
            }
            checks += 1;
            let sig = check_certificate(&current, &cand.spki);
            if sig.status == SigStatus::Valid {
                chosen = Some((src, cand, sig));
                break;
            }
            if fallback.is_none() && matches!(src, Source::Sent(_)) {
                fallback = Some((src, cand, sig));
            }
        }
        let Some((src, cand, sig)) = chosen.or(fallback) else {
            break;
        };
        let _ = &cand.subject;
        if let Some(last) = nodes.last_mut() {
            last.key_id_match = match (&want_kid, &cand.ski) {
                (Some(w), Some(s)) => Some(w == s),
                _ => None,
            };
            last.signature = Some(sig);
        }
        nodes.push(Node {
            source: src,
            signature: None,
            key_id_match: None,
        });
        match (src, cand.cert) {
            (Source::Sent(i), Some(c)) => {
                used[i] = true;
                current = c;
            }
            (Source::Anchor(..), Some(c)) => {
                // The anchor ends the path; show its self-signature when it has one.
                if c.tbs_certificate.subject.as_raw() == c.tbs_certificate.issuer.as_raw() {
                    let own = check_certificate(&c, c.tbs_certificate.subject_pki.raw);
                    if let Some(last) = nodes.last_mut() {
                        last.signature = Some(own);
                    }
                }
                break;
            }
            _ => break,
        }
    }
    Built {
        nodes,
        budget_exceeded,
    }
}

/// The path along given links (e.g. the one webpki validated), with our signature checks.
pub fn along(sent: &[&[u8]], stores: &[Store], sources: &[Source]) -> Built {
    let certs: Vec<Option<(Vec<u8>, Option<X509Certificate<'_>>)>> = sources
        .iter()
        .map(|s| match *s {
            Source::Sent(i) => sent.get(i).map(|d| {
                let c = X509Certificate::from_der(d).ok().map(|(_, c)| c);
                let spki = c
                    .as_ref()
                    .map(|c| c.tbs_certificate.subject_pki.raw.to_vec())
                    .unwrap_or_default();
                (spki, c)
            }),
            Source::Anchor(si, ai) => stores.get(si).and_then(|st| st.anchors.get(ai)).map(|a| {
                let c = a
                    .cert
                    .as_ref()
                    .and_then(|d| X509Certificate::from_der(d.as_ref()).ok().map(|(_, c)| c));
                (a.spki_der(), c)
            }),
        })
        .collect();
    let mut nodes = Vec::new();
    for (k, src) in sources.iter().enumerate() {
        let mut node = Node {
            source: *src,
            signature: None,
            key_id_match: None,
        };
        if let Some(Some((_, Some(cert)))) = certs.get(k) {
            match certs.get(k + 1) {
                Some(Some((spki, issuer))) => {
                    node.signature = Some(check_certificate(cert, spki));
                    node.key_id_match = match (aki(cert), issuer.as_ref().and_then(ski)) {
                        (Some(a), Some(s)) => Some(a == s),
                        _ => None,
                    };
                }
                _ => {
                    if cert.tbs_certificate.subject.as_raw() == cert.tbs_certificate.issuer.as_raw()
                    {
                        node.signature = Some(check_certificate(
                            cert,
                            cert.tbs_certificate.subject_pki.raw,
                        ));
                    }
                }
            }
        }
        nodes.push(node);
    }
    Built {
        nodes,
        budget_exceeded: false,
    }
}
