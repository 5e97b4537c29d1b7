//! `verify_chain`: per-link proof, path validation once per store, diagnosis.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Duration;

use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer;

use super::diagnosis::{self, Code, Finding};
use super::lint;
use super::parse::{CertSummary, name_string, rfc3339, sha256};
use super::path::{self, Source};
use super::report::{AnchorInfo, ChainReport, LinkReport, SentCert, StoreReport};
use super::sigcheck::SigCheck;
use super::stores::{Store, StoreKind};

/// Which built-in stores to consult. Custom anchors are used whenever
/// [`VerifyOptions::extra_anchors`] is non-empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoreSelection {
    /// Mozilla's roots (webpki-roots).
    pub mozilla: bool,
    /// The operating system store (rustls-native-certs).
    pub os: bool,
}

impl Default for StoreSelection {
    fn default() -> Self {
        Self {
            mozilla: true,
            os: true,
        }
    }
}

/// How to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// DNS name or IP address the leaf must cover; `None` skips the name check.
    pub host: Option<String>,
    /// Validation time, seconds since the Unix epoch; `None` = now.
    pub at: Option<i64>,
    /// Built-in stores to consult.
    pub stores: StoreSelection,
    /// Custom anchors (`--ca`); they form the `custom` store.
    pub extra_anchors: Vec<CertificateDer<'static>>,
    /// CRLs to check revocation against (whole chain).
    pub crls: Vec<CertificateRevocationListDer<'static>>,
    /// With CRLs given: treat a certificate no CRL covers as an error (default: allowed).
    pub require_revocation_status: bool,
    /// Leaf expiring within this many days is a warning.
    pub expiry_warning_days: u32,
    /// Most intermediates allowed between leaf and anchor (`None`: webpki's own limit).
    pub max_intermediates: Option<usize>,
    /// Apply RFC 5280 profile checks webpki leaves out (see [`lint::profile`]).
    pub strict: bool,
    /// Which of those rule sets (with `strict`).
    pub profile: lint::Profile,
    /// A stapled OCSP response (DER) to decode and check against the leaf.
    pub stapled_ocsp: Option<Vec<u8>>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            host: None,
            at: None,
            stores: StoreSelection::default(),
            extra_anchors: Vec::new(),
            crls: Vec::new(),
            require_revocation_status: false,
            expiry_warning_days: 30,
            max_intermediates: None,
            strict: true,
            profile: lint::Profile::Default,
            stapled_ocsp: None,
        }
    }
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Verifies a chain as sent (leaf first, the rest in any order) against the selected stores.
pub fn verify_chain(chain: &[CertificateDer<'_>], opts: &VerifyOptions) -> ChainReport {
    let mut stores = Vec::new();
    if opts.stores.mozilla {
        stores.push(Store::mozilla());
    }
    if opts.stores.os {
        stores.push(Store::os());
    }
    if !opts.extra_anchors.is_empty() {
        stores.push(Store::custom(opts.extra_anchors.clone(), "--ca"));
    }
    verify_chain_with_stores(chain, opts, &stores)
}

/// [`verify_chain`] with stores the caller already loaded (benchmarks, many chains).
pub fn verify_chain_with_stores(
    chain: &[CertificateDer<'_>],
    opts: &VerifyOptions,
    stores: &[Store],
) -> ChainReport {
    let at = opts.at.unwrap_or_else(now_unix);
    let mut report = ChainReport {
        trusted: false,
        chain_trusted: false,
        key_possession: None,
        host: opts.host.clone(),
        host_valid: None,
        validated_at: rfc3339(at),
        validated_at_unix: at,
        profile: opts.profile,
        errors: Vec::new(),
        warnings: Vec::new(),
        chain: Vec::new(),
        sent: Vec::new(),
        stores: BTreeMap::new(),
        connection: None,
        fetched: Vec::new(),
        ocsp: None,
    };
    let Some(leaf_der) = chain.first() else {
        report.errors.push(Finding::new(
            Code::MalformedCertificate,
            "no certificate was given",
        ));
        return report;
    };

    // --- per store: rustls-webpki path validation, plus our profile checks on each candidate path
    let time = UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(at).unwrap_or(0)));
    let ee = webpki::EndEntityCert::try_from(leaf_der);
    // CRLs: webpki checks signatures and entries; we first drop CRLs that RFC 5280 says must
    // not be relied on, and say why.
    let mut possible_issuers: Vec<&[u8]> = chain.iter().map(|c| c.as_ref()).collect();
    for st in stores {
        possible_issuers.extend(
            st.anchors
                .iter()
                .filter_map(|a| a.cert.as_ref().map(|c| c.as_ref())),
        );
    }
    let mut owned_crls: Vec<webpki::CertRevocationList<'static>> = Vec::new();
    for (i, crl) in opts.crls.iter().enumerate() {
        let problem = lint::crl_problem(crl.as_ref(), &possible_issuers).or_else(|| {
            match webpki::OwnedCertRevocationList::from_der(crl.as_ref()) {
                Ok(c) => {
                    owned_crls.push(c.into());
                    None
                }
                Err(e) => Some(format!("webpki cannot use it: {e:?}")),
            }
        });
        if let Some(p) = problem {
            report.errors.push(Finding::new(
                Code::RevocationUnknown,
                format!("CRL #{i} is not usable: {p}"),
            ));
        }
    }
    let crl_refs: Vec<&webpki::CertRevocationList<'_>> = owned_crls.iter().collect();
    let mut store_codes: Vec<(Code, String)> = Vec::new();
    let mut verified_sources: Option<Vec<Source>> = None;
    let inputs = Inputs {
        chain,
        ee: &ee,
        time,
        at,
        crls: &crl_refs,
        opts,
    };
    for (si, store) in stores.iter().enumerate() {
        let outcome = validate_in_store(&inputs, si, store);
        if verified_sources.is_none() {
            verified_sources = outcome.verified;
        }
        store_codes.extend(outcome.codes);
        let sr = outcome.report;
        if !store.load_errors.is_empty() || store.anchors.is_empty() {
            report.warnings.push(Finding::new(
                Code::StoreProblem,
                format!(
                    "{} store: {} anchors loaded from {}{}",
                    store.kind.name(),
                    store.anchors.len(),
                    store.source,
                    store
                        .load_errors
                        .first()
                        .map(|e| format!("; {} problems, first: {e}", store.load_errors.len()))
                        .unwrap_or_default()
                ),
            ));
        }
        report.stores.insert(store.kind, sr);
    }

    // --- host name
    if let Some(host) = &opts.host {
        let (ok, finding) = host_check(&ee, host);
        report.host_valid = ok;
        report.errors.extend(finding);
    }

    // --- the path as we build it, with our own signature checks
    let sent_bytes: Vec<&[u8]> = chain.iter().map(|c| c.as_ref()).collect();
    // The path shown is the one a store validated; else the best we can build ourselves.
    let built = match &verified_sources {
        Some(sources) => path::along(&sent_bytes, stores, sources),
        None => path::build(&sent_bytes, stores, path::Budget::default()),
    };
    for (pos, node) in built.nodes.iter().enumerate() {
        report.chain.push(link_report(pos, node, chain, stores));
    }
    for pos in 0..report.chain.len() {
        let next_subject = report.chain.get(pos + 1).and_then(|l| {
            l.cert
                .as_ref()
                .map(|c| c.subject.clone())
                .or(Some(l.subject.clone()))
        });
        if let (Some(cert), Some(next)) = (report.chain[pos].cert.as_ref(), next_subject) {
            report.chain[pos].issuer_name_match = Some(cert.issuer == next);
        }
    }
    for (i, der) in chain.iter().enumerate() {
        let subject = match X509Certificate::from_der(der.as_ref()) {
            Ok((_, c)) => name_string(&c.tbs_certificate.subject),
            Err(_) => "(malformed)".into(),
        };
        report.sent.push(SentCert {
            index: i,
            subject,
            path_position: built.nodes.iter().position(|n| n.source == Source::Sent(i)),
            fetched_from: None,
        });
    }
    if built.budget_exceeded {
        report.errors.push(Finding::new(
            Code::PathBuildingBudgetExceeded,
            "building the path exceeded its work budget (too many candidates or too deep)",
        ));
    }

    // --- stapled OCSP
    if let Some(ocsp) = opts.stapled_ocsp.as_deref().filter(|o| !o.is_empty()) {
        let issuer_der: Option<&[u8]> = built.nodes.get(1).and_then(|n| match n.source {
            Source::Sent(i) => chain.get(i).map(|c| c.as_ref()),
            Source::Anchor(s, a) => stores
                .get(s)
                .and_then(|st| st.anchors.get(a))
                .and_then(|an| an.cert.as_ref().map(|c| c.as_ref())),
        });
        match super::ocsp::decode(ocsp, issuer_der) {
            Ok(summary) => {
                let (errors, warnings) = ocsp_findings(&summary, &report, at);
                report.errors.extend(errors);
                report.warnings.extend(warnings);
                report.ocsp = Some(summary);
            }
            Err(e) => report.warnings.push(Finding::new(
                Code::OcspProblem,
                format!(
                    "the stapled OCSP response ({} bytes) does not decode: {e}",
                    ocsp.len()
                ),
            )),
        }
    }

    // --- our own findings on the built path and on what was sent
    let any_trusted = report.stores.values().any(|s| s.trusted);
    let public_trust = [StoreKind::Mozilla, StoreKind::Os]
        .iter()
        .any(|k| report.stores.get(k).is_some_and(|s| s.trusted));
    let mut lint_out = lint::chain(&report, chain, at, opts.expiry_warning_days, public_trust);
    if !any_trusted {
        if stores.is_empty() {
            lint_out.push(Finding::new(
                Code::UnknownIssuer,
                "no trust store was selected",
            ));
        }
        let weak = lint_out
            .iter()
            .any(|f| matches!(f.code, Code::WeakSignatureAlgorithm | Code::WeakKey));
        for (code, msg) in store_codes {
            // webpki refuses SHA-1 and small keys as "unsupported" or as a bad signature; when
            // our own check verified every link, the weak finding already says why.
            let ours_all_valid = report
                .chain
                .iter()
                .all(|l| l.signature_valid != Some(false));
            if weak
                && (code == Code::UnsupportedSignatureAlgorithm
                    || (code == Code::BadSignature && ours_all_valid))
            {
                continue;
            }
            if code == Code::UnknownIssuer
                && lint_out
                    .iter()
                    .any(|f| matches!(f.code, Code::SelfSigned | Code::IncompleteChain))
            {
                continue;
            }
            lint_out.push(Finding::new(code, msg));
        }
    }
    for f in lint_out {
        let dup = report.errors.iter().chain(&report.warnings).any(|g| {
            g.code == f.code && (g.link == f.link || f.link.is_none() || g.link.is_none())
        });
        if dup {
            continue;
        }
        if f.code.is_error() {
            report.errors.push(f);
        } else {
            report.warnings.push(f);
        }
    }
    // A certificate that does not parse explains the path errors after it: it comes first.
    report
        .errors
        .sort_by_key(|f| f.code != Code::MalformedCertificate);
    report.trusted = any_trusted && report.errors.is_empty();
    report.chain_trusted = report.trusted;
    report
}

/// Whether the leaf covers `host`, and the error when it does not. A leaf webpki cannot parse
/// has its own finding; the name is then unknown, not wrong.
fn host_check(
    ee: &Result<webpki::EndEntityCert<'_>, webpki::Error>,
    host: &str,
) -> (Option<bool>, Option<Finding>) {
    let ok = match (ee, ServerName::try_from(host)) {
        (Ok(ee), Ok(name)) => Some(ee.verify_is_valid_for_subject_name(&name).is_ok()),
        (Ok(_), Err(_)) => Some(false),
        (Err(_), _) => None,
    };
    let finding = (ok == Some(false)).then(|| {
        Finding::at(
            Code::HostnameMismatch,
            0,
            format!("the leaf certificate does not cover \"{host}\""),
        )
    });
    (ok, finding)
}

/// The host-name check of a leaf, apart from its chain's name-free report: `scan` validates a
/// fleet's shared chain once and checks each name it is presented under.
#[derive(Debug, Clone)]
pub struct HostCheck {
    /// Whether the leaf covers the name (`None`: the leaf does not parse).
    pub valid: Option<bool>,
    /// `hostname_mismatch` when it does not.
    pub finding: Option<Finding>,
}

impl HostCheck {
    /// Checks `leaf` against `host`.
    pub fn of(leaf: &CertificateDer<'_>, host: &str) -> Self {
        let (valid, finding) = host_check(&webpki::EndEntityCert::try_from(leaf), host);
        Self { valid, finding }
    }

    /// Where the name finding goes among a name-free report's errors, as the full
    /// verification orders them: after the malformed-certificate errors, before every other.
    pub fn position(errors: &[Finding]) -> usize {
        errors
            .iter()
            .take_while(|f| f.code == Code::MalformedCertificate)
            .count()
    }

    /// `report`'s errors for this name, after `possession` (the handshake's
    /// [`KeyPossession::finding`](super::KeyPossession::finding), first as
    /// [`ChainReport::apply_key_possession`] puts it): the name finding in its place.
    pub fn errors<'a>(
        &'a self,
        report: &'a ChainReport,
        possession: Option<&'a Finding>,
    ) -> impl Iterator<Item = &'a Finding> {
        let (before, after) = report.errors.split_at(Self::position(&report.errors));
        possession
            .into_iter()
            .chain(before)
            .chain(self.finding.iter())
            .chain(after)
    }

    /// Whether the chain is trusted for the name: by some store, with no error, and no
    /// `possession` failure.
    pub fn trusted(&self, report: &ChainReport, possession: Option<&Finding>) -> bool {
        report.stores.values().any(|s| s.trusted)
            && report.errors.is_empty()
            && self.finding.is_none()
            && possession.is_none()
    }
}

/// Adds the host-name check to a report made without one (`opts.host: None`): the result
/// equals [`verify_chain_with_stores`] run with `host` when no CRLs were given (the name check
/// is the only part that depends on the name, so one path validation serves every name a
/// chain is presented under).
pub fn apply_host(report: &mut ChainReport, leaf: &CertificateDer<'_>, host: &str) {
    let check = HostCheck::of(leaf, host);
    report.host = Some(host.to_string());
    report.host_valid = check.valid;
    report.trusted = check.trusted(report, None);
    report.chain_trusted = report.trusted;
    if let Some(f) = check.finding {
        let at = HostCheck::position(&report.errors);
        report.errors.insert(at, f);
    }
}

/// Errors and warnings from a decoded OCSP response about this chain's leaf.
fn ocsp_findings(
    o: &super::ocsp::OcspSummary,
    report: &ChainReport,
    at: i64,
) -> (Vec<Finding>, Vec<Finding>) {
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    if o.response_status != "successful" {
        warnings.push(Finding::new(
            Code::OcspProblem,
            format!("the stapled OCSP response says {}", o.response_status),
        ));
        return (errors, warnings);
    }
    let leaf_serial = report
        .chain
        .first()
        .and_then(|l| l.cert.as_ref())
        .map(|c| c.serial.replace(':', ""))
        .map(|s| s.trim_start_matches("00").to_string());
    let mine = o
        .responses
        .iter()
        .find(|r| Some(r.serial.trim_start_matches("00")) == leaf_serial.as_deref());
    match mine {
        None => warnings.push(Finding::new(
            Code::OcspProblem,
            "the stapled OCSP response is not about the leaf certificate",
        )),
        Some(r) => {
            if o.signature_valid == Some(false) {
                warnings.push(Finding::new(
                    Code::OcspProblem,
                    format!(
                        "the stapled OCSP response's signature does not verify ({})",
                        o.signature_detail.as_deref().unwrap_or("")
                    ),
                ));
            } else if r.status == "revoked" {
                errors.push(Finding::at(
                    Code::Revoked,
                    0,
                    format!(
                        "the stapled OCSP response says the leaf was revoked on {}",
                        r.revocation_time.as_deref().unwrap_or("?")
                    ),
                ));
            }
            if r.next_update_unix.is_some_and(|n| n < at) || r.this_update_unix > at {
                warnings.push(Finding::new(
                    Code::OcspProblem,
                    format!(
                        "the stapled OCSP response is outside its validity ({} to {})",
                        r.this_update,
                        r.next_update.as_deref().unwrap_or("open")
                    ),
                ));
            }
        }
    }
    (errors, warnings)
}

/// What one store says about the chain.
struct StoreOutcome {
    report: StoreReport,
    /// The validated path (leaf first), when the store trusts the chain.
    verified: Option<Vec<Source>>,
    /// Codes explaining a refusal (webpki's error and our profile findings).
    codes: Vec<(Code, String)>,
}

/// Everything [`validate_in_store`] needs besides the store.
struct Inputs<'a> {
    chain: &'a [CertificateDer<'a>],
    ee: &'a Result<webpki::EndEntityCert<'a>, webpki::Error>,
    time: UnixTime,
    at: i64,
    crls: &'a [&'a webpki::CertRevocationList<'a>],
    opts: &'a VerifyOptions,
}

/// rustls-webpki path validation against one store, with our profile checks applied to every
/// candidate path webpki builds.
fn validate_in_store(inp: &Inputs<'_>, si: usize, store: &Store) -> StoreOutcome {
    let Inputs {
        chain,
        ee,
        time,
        at,
        crls: crl_refs,
        opts,
    } = *inp;
    let intermediates = &chain[1..];
    let anchors = store.trust_anchors();
    let profile_findings: RefCell<Vec<Finding>> = RefCell::new(Vec::new());
    let check_path = |p: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
        let mut owned: Vec<CertificateDer<'_>> = vec![p.end_entity().der()];
        owned.extend(p.intermediate_certificates().map(|c| c.der()));
        let ders: Vec<&[u8]> = owned.iter().map(|c| c.as_ref()).collect();
        if let Some(max) = opts.max_intermediates
            && ders.len() - 1 > max
        {
            profile_findings.borrow_mut().push(Finding::new(
                Code::ChainTooLong,
                format!(
                    "the path needs {} intermediates; at most {max} allowed",
                    ders.len() - 1
                ),
            ));
            return Err(webpki::Error::MaximumPathDepthExceeded);
        }
        if !opts.strict {
            return Ok(());
        }
        let found = lint::profile(&ders, store.find(p.anchor()), at, opts.profile);
        if found.is_empty() {
            Ok(())
        } else {
            profile_findings.borrow_mut().extend(found);
            Err(webpki::Error::ExtensionValueInvalid)
        }
    };
    let result = match &ee {
        Err(e) => Err(e.clone()),
        Ok(ee) => {
            let revocation = if crl_refs.is_empty() {
                None
            } else {
                webpki::RevocationOptionsBuilder::new(crl_refs)
                    .ok()
                    .map(|b| {
                        b.with_depth(webpki::RevocationCheckDepth::Chain)
                            .with_status_policy(if opts.require_revocation_status {
                                webpki::UnknownStatusPolicy::Deny
                            } else {
                                webpki::UnknownStatusPolicy::Allow
                            })
                            .with_expiration_policy(webpki::ExpirationPolicy::Enforce)
                            .build()
                    })
            };
            ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &anchors,
                intermediates,
                time,
                webpki::KeyUsage::server_auth(),
                revocation,
                Some(&check_path),
            )
            .map(|p| describe_verified(&p, store, si, chain))
        }
    };
    let mut verified = None;
    let mut codes = Vec::new();
    let sr = match result {
        Ok((anchor, path, sources)) => {
            verified = Some(sources);
            StoreReport {
                trusted: true,
                anchor: Some(anchor),
                path,
                code: None,
                error: None,
                anchors: store.anchors.len(),
                source: store.source.clone(),
            }
        }
        Err(e) => {
            let pf = profile_findings.into_inner();
            let (code, msg) = match (&e, pf.first()) {
                (
                    webpki::Error::ExtensionValueInvalid | webpki::Error::MaximumPathDepthExceeded,
                    Some(f),
                ) => (f.code, f.message.clone()),
                _ => diagnosis::from_webpki(&e),
            };
            codes.push((code, msg.clone()));
            // Profile findings explain why otherwise-valid paths were refused.
            for f in pf {
                codes.push((f.code, f.message));
            }
            StoreReport {
                trusted: false,
                anchor: None,
                path: Vec::new(),
                code: Some(code),
                error: Some(msg),
                anchors: store.anchors.len(),
                source: store.source.clone(),
            }
        }
    };
    StoreOutcome {
        report: sr,
        verified,
        codes,
    }
}

/// Anchor, intermediate subjects and link sources of a path webpki validated.
fn describe_verified(
    p: &webpki::VerifiedPath<'_>,
    store: &Store,
    si: usize,
    chain: &[CertificateDer<'_>],
) -> (AnchorInfo, Vec<String>, Vec<Source>) {
    let ta = p.anchor();
    let anchor = store.find(ta);
    let spki = super::stores::wrap_sequence(ta.subject_public_key_info.as_ref());
    let subject_der = super::stores::wrap_sequence(ta.subject.as_ref());
    let subject = x509_parser::x509::X509Name::from_der(&subject_der)
        .map(|(_, n)| name_string(&n))
        .unwrap_or_else(|_| "(unreadable name)".into());
    let sent = chain.iter().any(|c| {
        webpki::anchor_from_trusted_cert(c).is_ok_and(|a| {
            a.subject.as_ref() == ta.subject.as_ref()
                && a.subject_public_key_info.as_ref() == ta.subject_public_key_info.as_ref()
        })
    });
    let mut sources = vec![Source::Sent(0)];
    for c in p.intermediate_certificates() {
        let der = c.der();
        let idx = (1..chain.len())
            .find(|&i| chain[i].as_ref() == der.as_ref() && !sources.contains(&Source::Sent(i)));
        sources.extend(idx.map(Source::Sent));
    }
    let anchor_idx = store.anchors.iter().position(|a| {
        a.anchor.subject.as_ref() == ta.subject.as_ref()
            && a.anchor.subject_public_key_info.as_ref() == ta.subject_public_key_info.as_ref()
    });
    // Show the sent copy of the anchor only when it is the very same
    // certificate; a re-issued one with the same name and key may differ in
    // what our lints look at.
    let anchor_der = anchor_idx
        .and_then(|ai| store.anchors[ai].cert.as_ref())
        .map(|c| c.as_ref());
    let sent_anchor = (1..chain.len()).find(|&i| {
        !sources.contains(&Source::Sent(i)) && anchor_der.is_some_and(|d| d == chain[i].as_ref())
    });
    if let Some(i) = sent_anchor {
        sources.push(Source::Sent(i));
    } else if let Some(ai) = anchor_idx {
        sources.push(Source::Anchor(si, ai));
    }
    let path: Vec<String> = p
        .intermediate_certificates()
        .map(|c| {
            CertSummary::from_der(c.der().as_ref())
                .map(|s| s.subject)
                .unwrap_or_else(|_| "(unreadable)".into())
        })
        .collect();
    (
        AnchorInfo {
            subject,
            spki_sha256: base64_std(&sha256(&spki)),
            sent,
            has_certificate: anchor.is_some_and(|a| a.cert.is_some()),
        },
        path,
        sources,
    )
}

fn base64_std(b: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn link_report(
    pos: usize,
    node: &path::Node,
    chain: &[CertificateDer<'_>],
    stores: &[Store],
) -> LinkReport {
    let (der, sent_index, source): (Option<&[u8]>, Option<usize>, String) = match node.source {
        Source::Sent(i) => (chain.get(i).map(|c| c.as_ref()), Some(i), "sent".into()),
        Source::Anchor(s, a) => (
            stores
                .get(s)
                .and_then(|st| st.anchors.get(a))
                .and_then(|an| an.cert.as_ref().map(|c| c.as_ref())),
            None,
            format!(
                "store:{}",
                stores.get(s).map(|st| st.kind.name()).unwrap_or("?")
            ),
        ),
    };
    let (cert, parse_error) = match der.map(CertSummary::from_der) {
        Some(Ok(s)) => (Some(s), None),
        Some(Err(e)) => (None, Some(e.to_string())),
        None => (None, None),
    };
    let (subject, spki_sha256) = match (&cert, node.source) {
        (Some(c), _) => (c.subject.clone(), c.spki_sha256.clone()),
        (None, Source::Anchor(s, a)) => match stores.get(s).and_then(|st| st.anchors.get(a)) {
            Some(an) => (
                x509_parser::x509::X509Name::from_der(&an.subject_der())
                    .map(|(_, n)| name_string(&n))
                    .unwrap_or_else(|_| "(unreadable name)".into()),
                base64_std(&sha256(&an.spki_der())),
            ),
            None => ("?".into(), String::new()),
        },
        (None, Source::Sent(_)) => ("(malformed certificate)".into(), String::new()),
    };
    let anchor_in = match der {
        Some(d) => {
            let d = CertificateDer::from(d);
            stores
                .iter()
                .filter(|s| s.contains_cert(&d))
                .map(|s| s.kind)
                .collect()
        }
        None => match node.source {
            Source::Anchor(s, _) => stores.get(s).map(|s| vec![s.kind]).unwrap_or_default(),
            Source::Sent(_) => Vec::new(),
        },
    };
    LinkReport {
        position: pos,
        sent_index,
        source,
        anchor_in,
        subject,
        spki_sha256,
        cert,
        parse_error,
        signature_valid: node.signature.as_ref().map(SigCheck::is_valid),
        signature: node.signature.clone(),
        issuer_name_match: None,
        key_id_match: node.key_id_match,
    }
}
