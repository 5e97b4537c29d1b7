//! What the audit measures besides versions and suites: extension answers read off the
//! enumeration's flights, TLS_FALLBACK_SCSV, ALPN, resumption, SSLv2, the certificate chain
//! with and without SNI, its trust and the proof of key possession.

use super::conn::{Flight, Reply, Scheduler};
use super::enumerate::{
    Answered, Hellos, MAX_SUITES_PER_HELLO, SIG_OFFER, TLS10, TLS12, VersionScan, candidates,
    cert_curve, groups12, groups13, hrr_group, legacy_groups, preference, rustls_probe, sigalgs12,
    sigalgs13, ske, suite_result, version_name,
};
use super::report::{AuditReport, CertificateSummary, Features, GroupResult, ProtocolResult};
use super::suite;
use super::{ProbeError, Settings};
use crate::wire::builder::{
    ClientHelloBuilder, EMPTY_RENEGOTIATION_INFO_SCSV, FALLBACK_SCSV, Sslv2ClientHello,
};
use crate::wire::extensions::ExtensionValue;
use crate::wire::handshake::KeyExchangeParams;

/// `tlsight mitm`'s judgement of the chain the audit saw, with what the audit proved about the
/// leaf key (no SCTs from the TLS layer here: the probes do not finish handshakes).
pub(super) async fn interception(
    report: &AuditReport,
    chain: &[Vec<u8>],
    verify: &crate::x509::VerifyOptions,
    kp: &crate::x509::KeyPossession,
) -> Option<Box<crate::mitm::Assessment>> {
    use crate::x509::PossessionStatus;
    let obs = crate::mitm::Observation {
        target: report.target.clone(),
        address: report.address.clone(),
        via_proxy: None,
        name: verify.host.clone().unwrap_or_default(),
        certificates: chain
            .iter()
            .map(|c| rustls_pki_types::CertificateDer::from(c.clone()))
            .collect(),
        ocsp: Vec::new(),
        handshake_signature_valid: match kp.status {
            PossessionStatus::Proven => Some(true),
            PossessionStatus::Failed => Some(false),
            PossessionStatus::NotShown => None,
        },
        key_possession_failed: kp.status == PossessionStatus::Failed,
        signature_proof: kp.proof,
        failure: (kp.status == PossessionStatus::Failed).then(|| kp.detail.clone()),
        version: None,
        cipher_suite: None,
        ja3s: None,
        ja3s_string: None,
        tls_scts: Vec::new(),
        sct_errors: Vec::new(),
    };
    let mut opts = crate::mitm::AssessOptions::new().ok()?;
    opts.extra_anchors = verify.extra_anchors.clone();
    opts.at = verify.at;
    tokio::task::spawn_blocking(move || crate::mitm::assess_observation(&obs, &opts).ok())
        .await
        .ok()
        .flatten()
        .map(Box::new)
}

pub(super) async fn verify_blocking(
    chain: Vec<Vec<u8>>,
    opts: crate::x509::VerifyOptions,
) -> Result<crate::x509::ChainReport, ProbeError> {
    let ders: Vec<rustls_pki_types::CertificateDer<'static>> = chain
        .into_iter()
        .map(rustls_pki_types::CertificateDer::from)
        .collect();
    tokio::task::spawn_blocking(move || crate::x509::verify_chain(&ders, &opts))
        .await
        .map_err(|e| ProbeError::Internal(e.to_string()))
}

/// What the SSLv2 probe found: answer, detail, cipher kinds, the certificate sent.
pub(super) type Sslv2Found = (Answered, String, Vec<String>, Option<Vec<u8>>);

/// SSLv2: one connection, no retry: a peer waiting for the rest of what it takes for a TLS
/// record is common and says nothing about SSLv2.
pub(super) async fn sslv2(s: &Scheduler) -> Result<Sslv2Found, ProbeError> {
    let reply = s.exchange_single(&Sslv2ClientHello::new().encode()).await?;
    Ok(match reply {
        Reply::Sslv2 {
            version: 0x0002,
            cipher_specs,
            certificate,
        } => (
            if cipher_specs.is_empty() {
                Answered::Refused
            } else {
                Answered::Accepted
            },
            format!(
                "SSLv2 SERVER-HELLO with {} cipher kinds",
                cipher_specs.len()
            ),
            cipher_specs
                .iter()
                .map(|c| match crate::suites::sslv2_cipher_spec(*c) {
                    Some(spec) => spec.name.to_string(),
                    None => format!("0x{c:06X}"),
                })
                .collect(),
            (!certificate.is_empty()).then_some(certificate),
        ),
        r @ (Reply::Timeout { .. } | Reply::Reset) => {
            (Answered::Nothing, r.describe(), Vec::new(), None)
        }
        other => (Answered::Refused, other.describe(), Vec::new(), None),
    })
}

/// Extension checks read off the flights already received: no extra connections.
pub(super) fn features(scans: &[VersionScan], sslv2_ciphers: Vec<String>) -> Features {
    let flights: Vec<&Flight> = scans[..4].iter().rev().flat_map(|s| &s.flights).collect();
    let mut f = Features {
        sslv2_ciphers,
        ..Default::default()
    };
    // SSLv3 hellos carry no extensions, so judge extensions on TLS flights only.
    let tls: Vec<&Flight> = scans[1..4].iter().rev().flat_map(|s| &s.flights).collect();
    let has = |fl: &Flight, t: u16| fl.server_hello.extensions.iter().any(|e| e.typ == t);
    if !tls.is_empty() {
        f.secure_renegotiation = Some(tls.iter().all(|fl| has(fl, 0xFF01)));
        f.extended_master_secret = Some(tls.iter().any(|fl| has(fl, 23)));
        f.session_ticket = Some(tls.iter().any(|fl| has(fl, 35)));
        f.ocsp_stapling = Some(tls.iter().any(|fl| fl.certificate_status));
        f.sct_extension = Some(tls.iter().any(|fl| has(fl, 18)));
        f.heartbeat = Some(tls.iter().any(|fl| has(fl, 15)));
        let cbc: Vec<&&Flight> = tls
            .iter()
            .filter(|fl| suite::cipher_suite(fl.server_hello.cipher_suite).is_some_and(|i| i.cbc()))
            .collect();
        if !cbc.is_empty() {
            f.encrypt_then_mac = Some(cbc.iter().any(|fl| has(fl, 22)));
        }
    }
    if !flights.is_empty() {
        f.compression = Some(
            flights
                .iter()
                .any(|fl| fl.server_hello.compression_method != 0),
        );
        f.session_id_issued = Some(
            flights
                .iter()
                .any(|fl| !fl.server_hello.session_id.is_empty()),
        );
    }
    f
}

/// TLS_FALLBACK_SCSV: a hello one version below the highest, carrying the SCSV, must be
/// refused with inappropriate_fallback (86). Needs two accepted versions.
pub(super) async fn fallback_scsv(
    s: &Scheduler,
    h: &Hellos,
    scans: &[VersionScan],
) -> Result<Option<bool>, ProbeError> {
    let accepted: Vec<&VersionScan> = scans.iter().filter(|sc| sc.accepted).collect();
    if accepted.len() < 2 {
        return Ok(None);
    }
    let lower = accepted[accepted.len() - 2];
    let mut suites = lower.suites.clone();
    suites.push(FALLBACK_SCSV);
    let reply = s
        .exchange(&h.legacy(lower.version, &suites, &legacy_groups(), SIG_OFFER))
        .await?;
    Ok(match reply {
        Reply::Alert {
            description: 86, ..
        } => Some(true),
        Reply::Hello(_) => Some(false),
        _ => None,
    })
}

/// Whether a server that speaks TLS 1.3 marks its TLS 1.2 answers with the downgrade sentinel
/// (seen on the TLS 1.2 enumeration flights, no extra connection). `None` when TLS 1.3 or
/// TLS 1.2 is not accepted.
pub(super) fn downgrade_sentinel(scans: &[VersionScan]) -> Option<bool> {
    let accepted = |v: u16| scans.iter().any(|sc| sc.version == v && sc.accepted);
    if !accepted(0x0304) {
        return None;
    }
    let tls12 = scans
        .iter()
        .find(|sc| sc.version == 0x0303 && sc.accepted)?;
    let first = tls12.flights.first()?;
    Some(first.server_hello.downgrade_sentinel.is_some())
}

/// The leaf certificate: from a plaintext TLS ≤ 1.2 flight, or from one real TLS 1.3
/// handshake with rustls when the server speaks only TLS 1.3.
pub(super) async fn certificate(
    s: &Scheduler,
    scans: &[VersionScan],
    sni: Option<String>,
    settings: Settings,
) -> Result<Option<Vec<Vec<u8>>>, ProbeError> {
    for sc in scans[..4].iter().rev() {
        if let Some(c) = sc.flights.iter().find_map(|f| f.certificate.as_ref()) {
            return Ok(Some(c.entries.iter().map(|e| e.der.clone()).collect()));
        }
    }
    certificate_fresh(s, scans, sni, settings).await
}

/// The chain served to a client sending `sni` (None: no server_name), from one new connection:
/// a TLS ≤ 1.2 hello when the server speaks it (plaintext Certificate), else rustls TLS 1.3.
pub(super) async fn certificate_fresh(
    s: &Scheduler,
    scans: &[VersionScan],
    sni: Option<String>,
    settings: Settings,
) -> Result<Option<Vec<Vec<u8>>>, ProbeError> {
    if let Some(sc) = scans[1..4].iter().rev().find(|sc| sc.accepted) {
        let h = Hellos { sni: sni.clone() };
        // Another name may mean another certificate type, so offer more than the suites
        // accepted under this name: those first, then the version's other candidates.
        let mut offer = sc.suites.clone();
        offer.extend(
            candidates(sc.version)
                .into_iter()
                .filter(|c| !sc.suites.contains(c) && !sc.dropped.contains(c)),
        );
        offer.truncate(MAX_SUITES_PER_HELLO - 1);
        let hello = h.legacy(sc.version, &offer, &legacy_groups(), SIG_OFFER);
        if let Reply::Hello(f) = s.exchange(&hello).await?
            && let Some(c) = &f.certificate
        {
            return Ok(Some(c.entries.iter().map(|e| e.der.clone()).collect()));
        }
        return Ok(None);
    }
    if !scans[4].accepted {
        return Ok(None);
    }
    let _slot = s.slot().await?;
    s.count_external();
    let opts = rustls_probe(s, sni, settings);
    let res = tokio::task::spawn_blocking(move || crate::handshake::inspect(&opts))
        .await
        .map_err(|e| ProbeError::Internal(e.to_string()))?;
    Ok(res.ok().and_then(|i| {
        let certs: Vec<Vec<u8>> = i.seen.certificates.iter().map(|c| c.to_vec()).collect();
        (!certs.is_empty()).then_some(certs)
    }))
}

/// ALPN when the server speaks only TLS 1.3, where the answer is encrypted: real rustls
/// handshakes offering h2 and http/1.1, then http/1.1 alone if h2 was chosen.
pub(super) async fn alpn13(
    s: &Scheduler,
    sni: Option<String>,
    settings: Settings,
) -> Result<Vec<String>, ProbeError> {
    let mut out = Vec::new();
    for offer in [
        vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        vec![b"http/1.1".to_vec()],
    ] {
        let _slot = s.slot().await?;
        s.count_external();
        let mut opts = rustls_probe(s, sni.clone(), settings);
        opts.alpn = offer;
        opts.versions = crate::handshake::VersionChoice::Tls13;
        let res = tokio::task::spawn_blocking(move || crate::handshake::inspect(&opts))
            .await
            .map_err(|e| ProbeError::Internal(e.to_string()))?;
        match res.ok().and_then(|i| i.negotiated.alpn) {
            Some(p) if !out.contains(&p) => {
                let again = p == "h2";
                out.push(p);
                if !again {
                    break;
                }
            }
            _ => break,
        }
    }
    Ok(out)
}

/// ALPN over TLS ≤ 1.2 (in TLS 1.3 the answer is encrypted): h2 and http/1.1 were in every
/// hello; offer again without the one chosen to learn the second.
pub(super) async fn alpn(
    s: &Scheduler,
    h: &Hellos,
    best: Option<&VersionScan>,
) -> Result<Vec<String>, ProbeError> {
    let Some(sc) = best.filter(|sc| sc.version >= TLS10) else {
        return Ok(Vec::new());
    };
    let chosen = |f: &Flight| {
        f.server_hello
            .extensions
            .iter()
            .find_map(|e| match &e.value {
                ExtensionValue::Alpn { protocols } => protocols.first().cloned(),
                _ => None,
            })
    };
    let Some(first) = sc.flights.first().and_then(chosen) else {
        return Ok(Vec::new());
    };
    let mut out = vec![first.clone()];
    if first == "h2" {
        let b = ClientHelloBuilder::new()
            .legacy_version(sc.version)
            .cipher_suites(&[&sc.suites[..], &[EMPTY_RENEGOTIATION_INFO_SCSV]].concat())
            .supported_groups(&legacy_groups())
            .ec_point_formats(&[0])
            .signature_algorithms(SIG_OFFER)
            .alpn(&[b"http/1.1"]);
        let b = match &h.sni {
            Some(n) => b.sni(n),
            None => b,
        };
        if let Reply::Hello(f) = s.exchange(&b.pad_to_avoid_f5_bug(true).build()).await?
            && let Some(p) = chosen(&f)
        {
            out.push(p);
        }
    }
    Ok(out)
}

pub(super) fn summarize(chain: &[Vec<u8>], at: Option<time::OffsetDateTime>) -> CertificateSummary {
    use x509_parser::prelude::*;
    use x509_parser::public_key::PublicKey;
    let mut sum = CertificateSummary {
        chain_len: chain.len(),
        ..Default::default()
    };
    let Some(leaf) = chain.first() else {
        return sum;
    };
    let Ok((_, cert)) = X509Certificate::from_der(leaf) else {
        sum.subject = "(unparseable certificate)".into();
        return sum;
    };
    sum.subject = cert.subject().to_string();
    sum.issuer = cert.issuer().to_string();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for n in &san.value.general_names {
            match n {
                GeneralName::DNSName(d) => sum.sans.push(d.to_string()),
                GeneralName::IPAddress(ip) => sum.sans.push(match ip.len() {
                    4 => std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string(),
                    16 => {
                        let mut b = [0u8; 16];
                        b.copy_from_slice(ip);
                        std::net::Ipv6Addr::from(b).to_string()
                    }
                    _ => hex::encode(ip),
                }),
                _ => {}
            }
        }
    }
    let not_after = cert.validity().not_after.to_datetime();
    sum.not_after = not_after
        .format(&::time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let now = at.unwrap_or_else(::time::OffsetDateTime::now_utc);
    sum.expired = not_after < now;
    sum.signature_algorithm = sig_oid_name(&cert.signature_algorithm.algorithm.to_id_string());
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(k)) => {
            sum.key_type = "RSA".into();
            sum.key_bits = k.key_size();
        }
        Ok(PublicKey::EC(p)) => {
            sum.key_type = "EC".into();
            sum.key_bits = p.key_size();
        }
        Ok(_) => {
            sum.key_type = cert.public_key().algorithm.algorithm.to_id_string();
            sum.key_bits = 256;
        }
        Err(_) => sum.key_type = "unknown".into(),
    }
    sum
}

pub(super) fn sig_oid_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        other => other,
    }
    .to_string()
}

/// Session resumption: two rustls TLS 1.2 handshakes by session id, two with tickets
/// (`(by id, by ticket)`; `None` when rustls has no suite to finish a handshake with).
pub(super) async fn resumption(
    s: &Scheduler,
    scans: &[VersionScan],
    sni: Option<String>,
    settings: Settings,
) -> Result<(Option<bool>, Option<bool>), ProbeError> {
    // Only when TLS 1.2 has an ECDHE AEAD suite rustls can finish a handshake with.
    let rustls_ok = scans[3]
        .suites
        .iter()
        .any(|c| matches!(*c, 0xC02B | 0xC02C | 0xC02F | 0xC030 | 0xCCA8 | 0xCCA9));
    if !rustls_ok {
        return Ok((None, None));
    }
    // The four handshakes run one after another inside one connection slot.
    let _slot = s.slot().await?;
    for _ in 0..4 {
        s.count_external();
    }
    let name = sni;
    let timeout = settings.read_timeout;
    let dialer = s.dialer();
    let (id, ticket) = tokio::task::spawn_blocking(move || {
        super::resume::check_via(&dialer, name.as_deref(), timeout, settings.tap)
    })
    .await
    .map_err(|e| ProbeError::Internal(e.to_string()))?;
    let conv = |r| match r {
        super::resume::Resumed::Yes => Some(true),
        super::resume::Resumed::No => Some(false),
        super::resume::Resumed::Unknown => None,
    };
    Ok((conv(id), conv(ticket)))
}

/// Phase 2, all concurrent: preference per version, groups, signature schemes, fallback SCSV,
/// resumption, the certificate chain's first fetch; then the extension answers, DH primes and
/// ALPN. Returns the chain served with the audit's SNI.
pub(super) async fn details(
    s: &Scheduler,
    h: &Hellos,
    scans: &[VersionScan],
    settings: Settings,
    report: &mut AuditReport,
) -> Result<Option<Vec<Vec<u8>>>, ProbeError> {
    // Phase 2: preference per version, groups, signature schemes, fallback, all concurrent.
    let legacy_best = scans[..4].iter().rev().find(|sc| sc.accepted).cloned();
    let tls13 = &scans[4];
    let first13_group = tls13.retries.first().and_then(hrr_group);
    let ecdhe_best: Vec<u16> = legacy_best
        .as_ref()
        .map(|sc| {
            sc.suites
                .iter()
                .copied()
                .filter(|c| suite::cipher_suite(*c).is_some_and(|i| i.is_ecdhe()))
                .collect()
        })
        .unwrap_or_default();
    let first12_group = legacy_best.as_ref().and_then(|sc| {
        sc.flights
            .iter()
            .filter_map(|f| ske(f, sc.version))
            .find_map(|k| match k.params {
                KeyExchangeParams::Ecdhe { group, .. } => Some(group),
                _ => None,
            })
    });
    let fs12: Vec<u16> = scans[3]
        .suites
        .iter()
        .copied()
        .filter(|c| {
            suite::cipher_suite(*c).is_some_and(|i| (i.is_dhe() || i.is_ecdhe()) && !i.anonymous())
        })
        .collect();
    let first_sig = scans[3]
        .flights
        .iter()
        .filter_map(|f| ske(f, TLS12))
        .find_map(|k| k.signature_scheme);

    let pref_fut = async {
        let mut out = Vec::new();
        for sc in scans {
            out.push(preference(s, h, sc).await?);
        }
        Ok::<_, ProbeError>(out)
    };
    let g13_fut = async {
        if tls13.accepted {
            groups13(s, h, &tls13.suites, first13_group).await
        } else {
            Ok(Vec::new())
        }
    };
    let g12_fut = async {
        match &legacy_best {
            Some(sc) if !ecdhe_best.is_empty() => {
                let curve = cert_curve(&sc.flights);
                groups12(s, h, sc.version, &ecdhe_best, first12_group, curve).await
            }
            _ => Ok(Vec::new()),
        }
    };
    let sig_fut = async {
        if fs12.is_empty() {
            Ok(Vec::new())
        } else {
            sigalgs12(s, h, &fs12, first_sig).await
        }
    };
    let sig13_fut = async {
        if scans[4].accepted {
            sigalgs13(s, report.sni.clone(), settings).await
        } else {
            Ok(Vec::new())
        }
    };
    let fb_fut = fallback_scsv(s, h, scans);
    let cert_fut = certificate(s, scans, report.sni.clone(), settings);
    let resume_fut = resumption(s, scans, report.sni.clone(), settings);
    let (prefs, g13, g12, sigs, sigs13, fallback, cert, resumed) = tokio::join!(
        pref_fut, g13_fut, g12_fut, sig_fut, sig13_fut, fb_fut, cert_fut, resume_fut
    );
    let prefs = prefs?;

    for (sc, (enforced, order)) in scans.iter().zip(prefs) {
        if !sc.accepted {
            continue;
        }
        let name = version_name(sc.version).to_string();
        if let Some(e) = enforced {
            report.server_preference.insert(name.clone(), e);
        }
        report.cipher_suites.insert(
            name.clone(),
            order.iter().map(|c| suite::suite_name(*c)).collect(),
        );
        let details = order
            .iter()
            .map(|c| suite_result(*c, sc))
            .collect::<Vec<_>>();
        report.cipher_suite_details.insert(name, details);
    }

    let g13 = g13?;
    let g12 = g12?;
    let mut groups: Vec<GroupResult> = Vec::new();
    for g in g13.iter().chain(g12.iter()) {
        if groups.iter().any(|x| x.code == *g) {
            continue;
        }
        groups.push(GroupResult {
            code: *g,
            name: suite::group_name(*g),
            tls13: g13.contains(g),
            tls12: g12.contains(g),
        });
    }
    report.groups = groups;
    report.signature_algorithms = sigs?.iter().map(|c| suite::sig_scheme_name(*c)).collect();
    report.signature_algorithms_tls13 =
        sigs13?.iter().map(|c| suite::sig_scheme_name(*c)).collect();
    report.features = features(scans, Vec::new());
    report.features.fallback_scsv = fallback?;
    report.features.downgrade_sentinel = downgrade_sentinel(scans);
    let (rid, rticket) = resumed?;
    report.features.resumption_session_id = rid;
    // rustls falls back to the session id when no ticket comes: count a ticket resumption
    // only when the server also answered the session_ticket extension.
    report.features.resumption_ticket = match (rticket, report.features.session_ticket) {
        (Some(true), Some(false)) => Some(false),
        (r, _) => r,
    };
    report.dh_bits = scans
        .iter()
        .flat_map(|sc| sc.flights.iter().map(move |f| (sc.version, f)))
        .filter_map(|(v, f)| match ske(f, v)?.params {
            KeyExchangeParams::Dhe { prime_bits, .. } => Some(prime_bits),
            _ => None,
        })
        .min();
    for (v, f) in scans
        .iter()
        .flat_map(|sc| sc.flights.iter().map(move |f| (sc.version, f)))
    {
        if let Some(KeyExchangeParams::Dhe { prime, .. }) = ske(f, v).map(|k| k.params)
            && !report.raw.dh_primes.iter().any(|d| d.prime == prime)
        {
            report.raw.dh_primes.push(super::report::DhPrime {
                version: version_name(v).to_string(),
                suite: f.server_hello.cipher_suite,
                prime,
            });
        }
    }
    report.alpn = alpn(s, h, legacy_best.as_ref()).await?;
    if legacy_best.is_none() && scans[4].accepted {
        report.alpn = alpn13(s, report.sni.clone(), settings).await?;
    }
    cert
}

/// The certificate chain's summary and trust (with SNI, and without it when that chain
/// differs), each proven with the leaf key (`possession`), and the interception check.
pub(super) async fn certificates(
    s: &Scheduler,
    scans: &[VersionScan],
    chain: Option<Vec<Vec<u8>>>,
    settings: Settings,
    at: Option<time::OffsetDateTime>,
    verify: crate::x509::VerifyOptions,
    report: &mut AuditReport,
) -> Result<(), ProbeError> {
    report.certificate = chain.as_ref().map(|c| summarize(c, at));
    report.raw.leaf = chain.as_ref().and_then(|c| c.first().cloned());
    // With SNI, also fetch what a client without SNI gets; report it only when it differs.
    let plain = match (&report.sni, &chain) {
        (Some(_), Some(_)) => certificate_fresh(s, scans, None, settings).await?,
        _ => None,
    };
    if let (Some(with), Some(without)) = (&chain, &plain) {
        let differs = with.first() != without.first();
        report.sni_changes_certificate = Some(differs);
        if differs {
            report.certificate_without_sni = Some(summarize(without, at));
            let mut v = verify_blocking(without.clone(), verify.clone()).await?;
            let offer = super::possession::Offer {
                tls12_suites: scans[3].suites.clone(),
                sni: None,
            };
            let leaf = without.first().cloned().unwrap_or_default();
            v.apply_key_possession(super::possession::prove(s, settings, &offer, &leaf).await?);
            report.certificate_without_sni_verification = Some(v);
        }
    }
    if let Some(chain) = chain {
        let offer = super::possession::Offer {
            tls12_suites: scans[3].suites.clone(),
            sni: report.sni.clone(),
        };
        let leaf = chain.first().cloned().unwrap_or_default();
        // The chain is only the server's if it proves it holds the leaf key.
        let kp = super::possession::prove(s, settings, &offer, &leaf).await?;
        report.interception = interception(report, &chain, &verify, &kp).await;
        let mut v = verify_blocking(chain, verify).await?;
        v.apply_key_possession(kp);
        report.certificate_verification = Some(v);
    }
    Ok(())
}

/// SSLv2 last and alone (see `scan::audit_addr`), skipped when the peer turned out silent.
pub(super) async fn record_sslv2(
    s: &Scheduler,
    report: &mut AuditReport,
) -> Result<(), ProbeError> {
    let (v2_status, v2_detail, v2_ciphers, v2_cert) = if s.silent() {
        (
            Answered::Nothing,
            Reply::Timeout { received: 0 }.describe(),
            Vec::new(),
            None,
        )
    } else {
        sslv2(s).await?
    };
    report
        .protocols
        .insert("SSLv2".into(), v2_status == Answered::Accepted);
    report.protocol_details.insert(
        0,
        ProtocolResult {
            version: "SSLv2".into(),
            accepted: v2_status == Answered::Accepted,
            status: v2_status.into(),
            detail: v2_detail,
        },
    );
    report.features.sslv2_ciphers = v2_ciphers;
    report.raw.sslv2_certificate = v2_cert;
    Ok(())
}
