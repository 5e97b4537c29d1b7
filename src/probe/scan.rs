//! The probes and the audit that runs them. Each probe is a loop of hellos through the
//! [`Scheduler`]; independent probes run concurrently, the scheduler keeps the budget.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use super::conn::{Flight, Reply, Scheduler, elapsed_ms};
use super::report::{
    AuditReport, CertificateSummary, Features, GroupResult, ProtocolResult, SuiteResult,
};
use super::suite::{self, SuiteInfo};
use super::{ProbeError, Settings, grade};
use crate::wire::builder::{
    ClientHelloBuilder, EMPTY_RENEGOTIATION_INFO_SCSV, FALLBACK_SCSV, Sslv2ClientHello,
};
use crate::wire::extensions::ExtensionValue;
use crate::wire::handshake::{KeyExchangeParams, ServerHello, ServerKeyExchange};

/// Largest number of suites in one hello, SCSV included: "Some servers can't handle a handshake
/// with >= 128 ciphers" (testssl.sh run_allciphers).
pub const MAX_SUITES_PER_HELLO: usize = 128;

const SSL3: u16 = 0x0300;
const TLS10: u16 = 0x0301;
const TLS11: u16 = 0x0302;
const TLS12: u16 = 0x0303;
const TLS13: u16 = 0x0304;

/// Report name of a version code point.
pub fn version_name(v: u16) -> &'static str {
    match v {
        0x0002 => "SSLv2",
        SSL3 => "SSLv3",
        TLS10 => "TLSv1.0",
        TLS11 => "TLSv1.1",
        TLS12 => "TLSv1.2",
        TLS13 => "TLSv1.3",
        _ => "unknown",
    }
}

/// Signature schemes offered, strongest first.
const SIG_OFFER: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A, 0x080B, 0x0401,
    0x0501, 0x0601, 0x081A, 0x081B, 0x081C, 0x0301, 0x0303, 0x0201, 0x0203, 0x0402, 0x0202,
];

/// Hello factory for one target.
#[derive(Debug, Clone)]
struct Hellos {
    sni: Option<String>,
}

impl Hellos {
    /// SSLv3 … TLS 1.2 hello: no supported_versions, every extension whose answer we read.
    fn legacy(&self, version: u16, suites: &[u16], groups: &[u16], sigs: &[u16]) -> Vec<u8> {
        self.legacy_with(version, suites, groups, sigs, false)
    }

    /// `compact`: the small hello for servers that drop big or unusual ones (sslscan's
    /// fallback): no padding, no compression offer, only the extensions a handshake needs.
    fn legacy_with(
        &self,
        version: u16,
        suites: &[u16],
        groups: &[u16],
        sigs: &[u16],
        compact: bool,
    ) -> Vec<u8> {
        let mut all = suites.to_vec();
        all.push(EMPTY_RENEGOTIATION_INFO_SCSV);
        let b = ClientHelloBuilder::new()
            .legacy_version(version)
            .record_version(if version == SSL3 { SSL3 } else { TLS10 })
            .cipher_suites(&all)
            .pad_to_avoid_f5_bug(true);
        if version == SSL3 {
            // SSLv3 servers predate extensions; a bare hello is what they expect.
            return b.build();
        }
        let mut b = if compact {
            b.pad_to_avoid_f5_bug(false)
        } else {
            b.compression(&[1, 0])
        };
        if let Some(sni) = &self.sni {
            b = b.sni(sni);
        }
        if compact {
            return b
                .supported_groups(&groups[..groups.len().min(8)])
                .ec_point_formats(&[0])
                .signature_algorithms(&sigs[..sigs.len().min(14)])
                .build();
        }
        b.supported_groups(groups)
            .ec_point_formats(&[0])
            .signature_algorithms(sigs)
            .session_ticket(&[])
            .status_request()
            .signed_certificate_timestamp()
            .extended_master_secret()
            .encrypt_then_mac()
            .heartbeat(1)
            .alpn(&[b"h2", b"http/1.1"])
            .build()
    }

    /// TLS 1.3 hello with an empty key_share: the server answers with a HelloRetryRequest
    /// naming its suite and group, so no key material is needed (RFC 8446 §4.2.8).
    fn tls13(&self, suites: &[u16], groups: &[u16]) -> Vec<u8> {
        let mut b = ClientHelloBuilder::new()
            .legacy_version(TLS12)
            .session_id(&[0x5A; 32])
            .cipher_suites(suites)
            .pad_to_avoid_f5_bug(true);
        if let Some(sni) = &self.sni {
            b = b.sni(sni);
        }
        b.supported_versions(&[TLS13])
            .supported_groups(groups)
            .signature_algorithms(SIG_OFFER)
            .psk_key_exchange_modes(&[1])
            .key_share_empty()
            .build()
    }
}

fn legacy_groups() -> Vec<u16> {
    let mut g = vec![0x001D, 0x0017, 0x0018, 0x0019, 0x001E];
    let rest: Vec<u16> = suite::ec_groups()
        .into_iter()
        .filter(|c| !g.contains(c))
        .collect();
    g.extend(rest);
    g.extend([0x0100, 0x0101, 0x0102, 0x0103, 0x0104]);
    g
}

fn tls13_groups() -> Vec<u16> {
    let mut g = vec![
        0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x11EC, 0x11EB, 0x11ED,
    ];
    let rest: Vec<u16> = suite::all_groups()
        .into_iter()
        .filter(|c| !g.contains(c))
        .collect();
    g.extend(rest);
    g
}

/// Suites offered for a version, most likely first and ChaCha20 last, so that a server with
/// PrioritizeChaCha does not reorder its preference because of our list (testssl.sh L7713).
fn candidates(version: u16) -> Vec<u16> {
    // Only suites defined for the version (testssl.sh's strip_inconsistent_ciphers reasoning):
    // a server must not pick a GCM suite in TLS 1.0, and fewer suites mean fewer bundles.
    let mut v: Vec<SuiteInfo> = suite::all_codes()
        .filter_map(suite::cipher_suite)
        .filter(|s| s.allowed_in(version) && (version == TLS13) == s.is_tls13())
        .collect();
    v.sort_by_key(|s| (s.chacha(), s.rating().0, !s.forward_secret(), s.code));
    v.into_iter().map(|s| s.code).collect()
}

/// How a version answered: accepted, refused by an explicit answer, or never answered (a
/// timeout or a reset is not a refusal).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Answered {
    #[default]
    Nothing,
    Refused,
    Accepted,
}

impl From<Answered> for super::report::ProtocolStatus {
    fn from(a: Answered) -> Self {
        match a {
            Answered::Nothing => Self::NoAnswer,
            Answered::Refused => Self::Refused,
            Answered::Accepted => Self::Accepted,
        }
    }
}

/// What one version's enumeration found.
#[derive(Debug, Clone, Default)]
struct VersionScan {
    version: u16,
    accepted: bool,
    /// Refused explicitly (alert, lower-version ServerHello, a close), as opposed to no answer.
    status: Answered,
    detail: String,
    /// Suites in discovery order.
    suites: Vec<u16>,
    /// Suites whose offer alone makes the server drop the connection.
    dropped: Vec<u16>,
    /// Flights (TLS ≤ 1.2) or retry requests (TLS 1.3), one per accepted suite.
    flights: Vec<Flight>,
    retries: Vec<ServerHello>,
    /// Whether all accepted suites were found within the first bundle.
    one_bundle: bool,
    notes: Vec<String>,
    /// A suite the server chose although it was not offered.
    ignores_offer: Option<u16>,
}

/// One hello's answer, as the enumeration reads it.
enum Answer {
    /// The server chose this offered suite at the probed version.
    Picked(u16, Reply),
    /// Anything that ends the version (other version, suite not offered, a version refusal).
    Stop,
    /// Nothing in this offer is accepted (an alert, bytes that are not TLS).
    Refused,
    /// The connection was closed without an answer.
    Closed,
    /// No answer or a reset, even after the scheduler's retry.
    Silent,
}

/// One version's enumeration: offer a bundle, take the chosen suite out, offer again, until the
/// server refuses; then the next bundle. A bundle answered by a close without an alert is split
/// in halves, so one suite that makes the server drop the connection (a DHE suite without DH
/// parameters, a suite whose key is missing) neither hides the rest nor reads as a refusal.
struct VersionEnum<'a> {
    s: &'a Scheduler,
    h: &'a Hellos,
    out: VersionScan,
    compact: bool,
    /// Hellos sent for this version.
    sent: usize,
    /// The server has refused some hello of this version with an alert: it says no in words,
    /// so a close is something else (it dropped the connection on a suite).
    refuses_with_alert: bool,
    /// A split found the server closing on both halves without ever sending an alert: it
    /// refuses by closing, so later closes in this version are refusals, not worth a split.
    refuses_by_close: bool,
    stop: bool,
}

impl VersionEnum<'_> {
    fn hello(&self, offer: &[u16]) -> Vec<u8> {
        let version = self.out.version;
        if version == TLS13 {
            let g = tls13_groups();
            let n = if self.compact {
                g.len().min(8)
            } else {
                g.len()
            };
            self.h.tls13(offer, &g[..n])
        } else {
            self.h
                .legacy_with(version, offer, &legacy_groups(), SIG_OFFER, self.compact)
        }
    }

    /// Sends one hello offering `offer` and reads the answer.
    async fn offer(&mut self, offer: &[u16]) -> Result<(Reply, Answer), ProbeError> {
        let reply = self.s.exchange(&self.hello(offer)).await?;
        self.sent += 1;
        let answer = self.read(offer, &reply);
        Ok((reply, answer))
    }

    fn read(&mut self, offer: &[u16], reply: &Reply) -> Answer {
        let version = self.out.version;
        let first = self.out.detail.is_empty();
        if first && !matches!(reply, Reply::Closed) {
            self.out.detail = reply.describe();
        }
        let (selected_version, chosen) = match reply {
            Reply::Hello(f) => (
                f.server_hello.selected_version().0,
                f.server_hello.cipher_suite,
            ),
            Reply::HelloRetry(r) => (r.selected_version().0, r.cipher_suite),
            Reply::Alert { description, .. } => {
                if *description == 70 && self.out.suites.is_empty() {
                    self.out.status = Answered::Refused;
                    return Answer::Stop;
                }
                self.refuses_with_alert = true;
                self.mark_refused();
                return Answer::Refused;
            }
            Reply::Garbage(_) | Reply::EmptyRecord | Reply::Sslv2 { .. } => {
                self.mark_refused();
                if self.out.suites.is_empty() {
                    return Answer::Stop;
                }
                return Answer::Refused;
            }
            Reply::Closed => return Answer::Closed,
            Reply::Timeout { .. } | Reply::Reset => {
                if self.out.status == Answered::Nothing {
                    // Nothing from this version yet, even alone on the wire: no answer.
                    return Answer::Stop;
                }
                self.out.notes.push(format!(
                    "{} in answer to a hello of {} suites: they may be missing",
                    reply.describe(),
                    offer.len()
                ));
                return Answer::Silent;
            }
        };
        if selected_version != version {
            if self.out.suites.is_empty() {
                self.out.detail = format!(
                    "answered with {} instead",
                    crate::wire::ProtocolVersion(selected_version).label()
                );
                self.out.status = Answered::Refused;
            } else {
                self.out.notes.push(format!(
                    "switched to {} after offering {} suites",
                    version_name(selected_version),
                    self.out.suites.len()
                ));
            }
            return Answer::Stop;
        }
        if !offer.contains(&chosen) {
            self.out.notes.push(format!(
                "server selected {} which was not offered: it ignores the client's list",
                suite::suite_name(chosen)
            ));
            self.out.ignores_offer = Some(chosen);
            if !self.out.suites.contains(&chosen) {
                self.accept(chosen, reply.clone());
            }
            return Answer::Stop;
        }
        Answer::Picked(chosen, reply.clone())
    }

    fn mark_refused(&mut self) {
        if self.out.status == Answered::Nothing {
            self.out.status = Answered::Refused;
        }
    }

    fn accept(&mut self, code: u16, reply: Reply) {
        if !self.out.accepted {
            // What the version is known by: its first ServerHello, not a split's alert.
            self.out.detail = reply.describe();
        }
        self.out.accepted = true;
        self.out.status = Answered::Accepted;
        self.out.suites.push(code);
        match reply {
            Reply::Hello(f) => self.out.flights.push(*f),
            Reply::HelloRetry(r) => self.out.retries.push(*r),
            _ => {}
        }
    }

    /// Remove-and-retry over `left`, whose first offer was answered with `answer`. A close
    /// splits what is left in halves, each offered once; when both halves are closed on too
    /// and the server never said no with an alert, the close is its way of refusing and the
    /// split stops there (so a server that refuses by closing costs two hellos more, not a
    /// tree of them).
    fn bundle(
        &mut self,
        mut left: Vec<u16>,
        mut answer: Answer,
    ) -> std::pin::Pin<Box<dyn Future<Output = Result<(), ProbeError>> + Send + '_>> {
        Box::pin(async move {
            loop {
                match answer {
                    Answer::Stop => {
                        self.stop = true;
                        return Ok(());
                    }
                    Answer::Refused | Answer::Silent => return Ok(()),
                    Answer::Picked(c, reply) => {
                        self.accept(c, reply);
                        left.retain(|x| *x != c);
                        if left.is_empty() {
                            return Ok(());
                        }
                    }
                    Answer::Closed if self.refuses_by_close && !self.refuses_with_alert => {
                        return Ok(());
                    }
                    Answer::Closed if left.len() == 1 => {
                        if self.refuses_with_alert {
                            // The server refuses in words, yet drops the connection when this
                            // suite alone is offered: it picks it and cannot serve it.
                            self.out.dropped.push(left[0]);
                            self.mark_refused();
                        }
                        return Ok(());
                    }
                    Answer::Closed => {
                        // Discovery order no longer follows the server's preference.
                        self.out.one_bundle = false;
                        let b = left.split_off(left.len() / 2);
                        let a = left;
                        let (_, ra) = self.offer(&a).await?;
                        if matches!(ra, Answer::Stop) {
                            self.stop = true;
                            return Ok(());
                        }
                        let (_, rb) = self.offer(&b).await?;
                        if matches!(rb, Answer::Stop) {
                            self.stop = true;
                            return Ok(());
                        }
                        let both_closed =
                            matches!(ra, Answer::Closed) && matches!(rb, Answer::Closed);
                        if both_closed && !self.refuses_with_alert {
                            self.refuses_by_close = true;
                            self.mark_refused();
                            return Ok(());
                        }
                        self.bundle(a, ra).await?;
                        if !self.stop {
                            self.bundle(b, rb).await?;
                        }
                        return Ok(());
                    }
                }
                let (_, next) = self.offer(&left).await?;
                answer = next;
            }
        })
    }
}

/// Enumerates one version's suites (see [`VersionEnum`]).
async fn scan_version(s: &Scheduler, h: &Hellos, version: u16) -> Result<VersionScan, ProbeError> {
    let mut e = VersionEnum {
        s,
        h,
        out: VersionScan {
            version,
            one_bundle: true,
            ..Default::default()
        },
        compact: false,
        sent: 0,
        refuses_with_alert: false,
        refuses_by_close: false,
        stop: false,
    };
    let mut pending: std::collections::VecDeque<u16> = candidates(version).into();
    let mut per_hello = MAX_SUITES_PER_HELLO - 1; // room for the SCSV
    let mut bundles = 0usize;
    loop {
        let mut offer = Vec::new();
        while offer.len() < per_hello {
            match pending.pop_front() {
                Some(c) => offer.push(c),
                None => break,
            }
        }
        if offer.is_empty() {
            break;
        }
        let (reply, answer) = e.offer(&offer).await?;
        // A silent close on the first full-size hello may be a fragile stack rather than a
        // refusal: retry once with a compact hello and fewer suites (TLS 1.0 and up).
        if e.sent == 1
            && version >= TLS10
            && matches!(reply, Reply::Closed | Reply::Reset)
            && e.out.suites.is_empty()
        {
            e.compact = true;
            e.out.detail.clear();
            per_hello = 48;
            for c in offer.drain(per_hello.min(offer.len())..).rev() {
                pending.push_front(c);
            }
            let (_, answer) = e.offer(&offer).await?;
            bundles += 1;
            e.bundle(offer, answer).await?;
        } else {
            bundles += 1;
            let before = e.out.suites.len();
            e.bundle(offer, answer).await?;
            if bundles > 1 && e.out.suites.len() > before {
                e.out.one_bundle = false;
            }
        }
        if e.stop {
            break;
        }
    }
    let mut out = e.out;
    if out.detail.is_empty() {
        out.detail = Reply::Closed.describe();
    }
    Ok(out)
}

/// Offers `suites` (already accepted) once and returns the one chosen.
async fn choose(
    s: &Scheduler,
    h: &Hellos,
    version: u16,
    suites: &[u16],
) -> Result<Option<u16>, ProbeError> {
    let hello = if version == TLS13 {
        h.tls13(suites, &tls13_groups())
    } else {
        h.legacy(version, suites, &legacy_groups(), SIG_OFFER)
    };
    Ok(match s.exchange(&hello).await? {
        Reply::Hello(f) => Some(f.server_hello.cipher_suite),
        Reply::HelloRetry(r) => Some(r.cipher_suite),
        _ => None,
    })
}

/// Server preference: offer the found suites reversed. A server that follows the client picks
/// the last one found; a server with its own order picks its favourite, which discovery found
/// first when all suites sat in one bundle. Returns (enforces order, suites in server order).
async fn preference(
    s: &Scheduler,
    h: &Hellos,
    scan: &VersionScan,
) -> Result<(Option<bool>, Vec<u16>), ProbeError> {
    let found = &scan.suites;
    if found.len() < 2 {
        return Ok((None, found.clone()));
    }
    let rev: Vec<u16> = found.iter().rev().copied().collect();
    let Some(pick) = choose(s, h, scan.version, &rev).await? else {
        return Ok((None, found.clone()));
    };
    if pick == found[found.len() - 1] && pick != found[0] {
        return Ok((Some(false), found.clone()));
    }
    if pick == found[0] && scan.one_bundle {
        return Ok((Some(true), found.clone()));
    }
    // Server order across bundles: rank by repeatedly offering what is left.
    let mut left = found.clone();
    let mut order = Vec::with_capacity(found.len());
    while left.len() > 1 {
        match choose(s, h, scan.version, &left).await? {
            Some(c) if left.contains(&c) => {
                order.push(c);
                left.retain(|x| *x != c);
            }
            _ => break,
        }
    }
    order.extend(left);
    Ok((Some(true), order))
}

/// Remove-and-retry over a list of code points: `probe` offers what is left and names the one
/// the server picked (None = refused); each pick is taken out until the server refuses.
/// `first` is a pick already known from an earlier probe. Costs picks + 1 connections.
async fn remove_and_retry<F, Fut>(
    mut left: Vec<u16>,
    first: Option<u16>,
    mut probe: F,
) -> Result<Vec<u16>, ProbeError>
where
    F: FnMut(Vec<u16>) -> Fut,
    Fut: Future<Output = Result<Option<u16>, ProbeError>>,
{
    let mut found = Vec::new();
    if let Some(g) = first {
        found.push(g);
        left.retain(|x| *x != g);
    }
    while !left.is_empty() {
        match probe(left.clone()).await? {
            Some(g) if left.contains(&g) => {
                found.push(g);
                left.retain(|x| *x != g);
            }
            _ => break,
        }
    }
    Ok(found)
}

/// TLS 1.3 groups: the HelloRetryRequest names the group the server wants.
async fn groups13(
    s: &Scheduler,
    h: &Hellos,
    suites: &[u16],
    first: Option<u16>,
) -> Result<Vec<u16>, ProbeError> {
    remove_and_retry(tls13_groups(), first, |left| async move {
        Ok(match s.exchange(&h.tls13(suites, &left)).await? {
            Reply::HelloRetry(r) => hrr_group(&r),
            _ => None,
        })
    })
    .await
}

fn hrr_group(r: &ServerHello) -> Option<u16> {
    r.extensions.iter().find_map(|e| match e.value {
        ExtensionValue::KeyShareRequest { group } => Some(group),
        _ => None,
    })
}

fn ske(f: &Flight, version: u16) -> Option<ServerKeyExchange> {
    let info = suite::cipher_suite(f.server_hello.cipher_suite)?;
    if info.psk() || !(info.is_dhe() || info.is_ecdhe()) {
        return None;
    }
    let body = f.server_key_exchange.as_ref()?;
    ServerKeyExchange::decode(body, info.is_ecdhe(), version >= TLS12 && !info.anonymous()).ok()
}

/// TLS ≤ 1.2 ECDHE groups via ServerKeyExchange, offering the accepted ECDHE suites. In
/// TLS ≤ 1.2 supported_groups also names the curves the client accepts for the server's ECDSA
/// certificate (RFC 8422 §5.1), so `cert_curve` stays in every offer (last): without it an
/// ECDSA server would fail for a reason unrelated to key exchange once that group is found.
async fn groups12(
    s: &Scheduler,
    h: &Hellos,
    version: u16,
    ecdhe: &[u16],
    first: Option<u16>,
    cert_curve: Option<u16>,
) -> Result<Vec<u16>, ProbeError> {
    remove_and_retry(suite::ec_groups(), first, |left| async move {
        let mut offer = left;
        if let Some(c) = cert_curve.filter(|c| !offer.contains(c)) {
            offer.push(c);
        }
        let reply = s
            .exchange(&h.legacy(version, ecdhe, &offer, SIG_OFFER))
            .await?;
        Ok(match reply {
            Reply::Hello(f) => match ske(&f, version).map(|k| k.params) {
                Some(KeyExchangeParams::Ecdhe { group, .. }) => Some(group),
                _ => None,
            },
            _ => None,
        })
    })
    .await
}

/// The TLS group of the leaf certificate's EC curve (None for other keys).
fn cert_curve(flights: &[Flight]) -> Option<u16> {
    let leaf = flights
        .iter()
        .find_map(|f| f.certificate.as_ref())?
        .entries
        .first()?;
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf.der).ok()?;
    match crate::x509::parse::ec_curve_oid(cert.public_key()).as_str() {
        "1.2.840.10045.3.1.7" => Some(0x0017),
        "1.3.132.0.34" => Some(0x0018),
        "1.3.132.0.35" => Some(0x0019),
        _ => None,
    }
}

/// TLS 1.2 signature schemes via ServerKeyExchange, offering the accepted (EC)DHE suites.
async fn sigalgs12(
    s: &Scheduler,
    h: &Hellos,
    fs_suites: &[u16],
    first: Option<u16>,
) -> Result<Vec<u16>, ProbeError> {
    remove_and_retry(SIG_OFFER.to_vec(), first, |left| async move {
        let hello = h.legacy(TLS12, fs_suites, &legacy_groups(), &left);
        Ok(match s.exchange(&hello).await? {
            Reply::Hello(f) => ske(&f, TLS12).and_then(|k| k.signature_scheme),
            _ => None,
        })
    })
    .await
}

/// Options for a real rustls handshake with the probed server (TLS 1.3 facts that only a
/// completed handshake reveals), bounded by the audit's read timeout.
pub(super) fn rustls_probe(
    s: &Scheduler,
    sni: Option<String>,
    settings: Settings,
) -> crate::handshake::InspectOptions {
    let (target, net) = s.dialer().plan();
    let mut opts = crate::handshake::InspectOptions::new(target);
    opts.net = net;
    opts.sni = sni;
    opts.timeouts = crate::handshake::Timeouts::uniform(settings.read_timeout);
    opts.tap = settings.tap;
    opts
}

/// TLS 1.3 signature schemes: the CertificateVerify is encrypted, so each probe is a real
/// rustls handshake offering only the schemes not seen yet, its flight decrypted with the
/// session's own secrets to read the scheme the server signed with; remove it and retry until
/// the server cannot sign with what is left. Only schemes webpki can verify (ECDSA P-256/P-384,
/// Ed25519, RSA-PSS) can be offered this way.
async fn sigalgs13(
    s: &Scheduler,
    sni: Option<String>,
    settings: Settings,
) -> Result<Vec<u16>, ProbeError> {
    use rustls::SignatureScheme as S;
    let mut left = vec![
        S::ECDSA_NISTP256_SHA256,
        S::ECDSA_NISTP384_SHA384,
        S::ED25519,
        S::RSA_PSS_SHA256,
        S::RSA_PSS_SHA384,
        S::RSA_PSS_SHA512,
    ];
    let mut found = Vec::new();
    while !left.is_empty() {
        let _slot = s.slot().await?;
        s.count_external();
        let mut opts = rustls_probe(s, sni.clone(), settings);
        opts.versions = crate::handshake::VersionChoice::Tls13;
        opts.sig_schemes = left.clone();
        let used = tokio::task::spawn_blocking(move || {
            let ins = crate::handshake::inspect(&opts).ok()?;
            crate::handshake::analyze(&ins)
                .messages
                .iter()
                .find_map(|m| match &m.fields {
                    crate::handshake::messages::MessageContent::Handshake(
                        crate::wire::handshake::HandshakeBody::CertificateVerify {
                            signature_scheme,
                            ..
                        },
                    ) if m.direction == crate::capture::Direction::ServerToClient => {
                        Some(*signature_scheme)
                    }
                    _ => None,
                })
        })
        .await
        .map_err(|e| ProbeError::Internal(e.to_string()))?;
        let Some(code) = used else { break };
        let before = left.len();
        left.retain(|x| u16::from(*x) != code);
        found.push(code);
        if left.len() == before {
            // The server signed with a scheme we did not offer: the offer does not limit it.
            break;
        }
    }
    Ok(found)
}

/// What to audit besides the address.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// SNI to send (default: the host name; none for IP literals).
    pub sni: Option<String>,
    /// Budget and timeouts.
    pub settings: Settings,
    /// Judge certificate validity at this time instead of now.
    pub at: Option<time::OffsetDateTime>,
    /// Certificate verification (stores, extra anchors); host and time are filled in here.
    pub verify: crate::x509::VerifyOptions,
    /// Proxy and STARTTLS for every connection (`None`: plain TCP).
    pub route: Option<crate::net::Route>,
}

/// Resolves `host:port` and audits it.
pub async fn audit(
    target: &crate::handshake::Target,
    mut opts: AuditOptions,
) -> Result<AuditReport, ProbeError> {
    let settings = opts.settings;
    // Through a proxy the probes connect to the proxy, which reaches the target.
    let proxy = opts.route.as_ref().and_then(|r| r.net.proxy.clone());
    let dial = proxy.as_ref().map(|p| &p.addr).unwrap_or(target);
    let addr = match dial.ip() {
        Some(ip) => SocketAddr::new(ip, dial.port),
        None => {
            let t = dial.clone();
            let timeout = settings.connect_timeout;
            let addrs = tokio::task::spawn_blocking(move || crate::handshake::resolve(&t, timeout))
                .await
                .map_err(|e| ProbeError::Internal(e.to_string()))?
                .map_err(|e| ProbeError::Target(e.to_string()))?;
            addrs[0]
        }
    };
    if opts.sni.is_none() && target.ip().is_none() {
        opts.sni = Some(target.host.clone());
    }
    if opts.verify.host.is_none() {
        opts.verify.host = Some(opts.sni.clone().unwrap_or_else(|| target.host.clone()));
    }
    audit_addr(addr, target.to_string(), opts).await
}

/// Audits one address.
pub async fn audit_addr(
    addr: SocketAddr,
    target: String,
    opts: AuditOptions,
) -> Result<AuditReport, ProbeError> {
    let AuditOptions {
        sni,
        settings,
        at,
        mut verify,
        route,
    } = opts;
    if verify.host.is_none() {
        verify.host = Some(sni.clone().unwrap_or_else(|| addr.ip().to_string()));
    }
    if verify.at.is_none() {
        verify.at = at.map(|t| t.unix_timestamp());
    }
    let start = Instant::now();
    let s = Arc::new(Scheduler::new(addr, settings).with_route(route));
    // One connection first, so a refused upgrade or a broken proxy ends the audit with one
    // clear error instead of every probe failing alike.
    let starttls = s.preflight().await?;
    let h = Hellos { sni: sni.clone() };

    // Phase 1: every version at once (the scheduler caps concurrency). The SSLv2 hello goes
    // last, alone: peers that take it for the start of a long TLS record wait for the rest,
    // and some stall every other connection meanwhile.
    let (ssl3, t10, t11, t12, t13) = tokio::join!(
        scan_version(&s, &h, SSL3),
        scan_version(&s, &h, TLS10),
        scan_version(&s, &h, TLS11),
        scan_version(&s, &h, TLS12),
        scan_version(&s, &h, TLS13),
    );
    let scans = [ssl3?, t10?, t11?, t12?, t13?];

    let mut report = AuditReport {
        target,
        address: addr.to_string(),
        sni,
        ..Default::default()
    };
    for sc in &scans {
        let name = version_name(sc.version).to_string();
        report.protocols.insert(name.clone(), sc.accepted);
        let mut detail = sc.detail.clone();
        for n in &sc.notes {
            detail.push_str("; ");
            detail.push_str(n);
        }
        report.protocol_details.push(ProtocolResult {
            version: name,
            accepted: sc.accepted,
            status: sc.status.into(),
            detail,
        });
        if !sc.dropped.is_empty() {
            report.dropped_suites.insert(
                version_name(sc.version).to_string(),
                sc.dropped.iter().map(|c| suite::suite_name(*c)).collect(),
            );
        }
    }

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
        for sc in &scans {
            out.push(preference(&s, &h, sc).await?);
        }
        Ok::<_, ProbeError>(out)
    };
    let g13_fut = async {
        if tls13.accepted {
            groups13(&s, &h, &tls13.suites, first13_group).await
        } else {
            Ok(Vec::new())
        }
    };
    let g12_fut = async {
        match &legacy_best {
            Some(sc) if !ecdhe_best.is_empty() => {
                let curve = cert_curve(&sc.flights);
                groups12(&s, &h, sc.version, &ecdhe_best, first12_group, curve).await
            }
            _ => Ok(Vec::new()),
        }
    };
    let sig_fut = async {
        if fs12.is_empty() {
            Ok(Vec::new())
        } else {
            sigalgs12(&s, &h, &fs12, first_sig).await
        }
    };
    let sig13_fut = async {
        if scans[4].accepted {
            sigalgs13(&s, report.sni.clone(), settings).await
        } else {
            Ok(Vec::new())
        }
    };
    let fb_fut = fallback_scsv(&s, &h, &scans);
    let cert_fut = certificate(&s, &scans, report.sni.clone(), settings);
    let resume_fut = async {
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
        let name = report.sni.clone();
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
        Ok::<_, ProbeError>((conv(id), conv(ticket)))
    };
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
    report.features = features(&scans, Vec::new());
    report.features.fallback_scsv = fallback?;
    report.features.downgrade_sentinel = downgrade_sentinel(&scans);
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
    report.alpn = alpn(&s, &h, legacy_best.as_ref()).await?;
    if legacy_best.is_none() && scans[4].accepted {
        report.alpn = alpn13(&s, report.sni.clone(), settings).await?;
    }
    let chain = cert?;
    report.certificate = chain.as_ref().map(|c| summarize(c, at));
    // With SNI, also fetch what a client without SNI gets; report it only when it differs.
    let plain = match (&report.sni, &chain) {
        (Some(_), Some(_)) => certificate_fresh(&s, &scans, None, settings).await?,
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
            v.apply_key_possession(super::possession::prove(&s, settings, &offer, &leaf).await?);
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
        let kp = super::possession::prove(&s, settings, &offer, &leaf).await?;
        report.interception = interception(&report, &chain, &verify, &kp).await;
        let mut v = verify_blocking(chain, verify).await?;
        v.apply_key_possession(kp);
        report.certificate_verification = Some(v);
    }

    // SSLv2 last and alone (see phase 1), skipped when the peer turned out silent.
    let (v2_status, v2_detail, v2_ciphers) = if s.silent() {
        (
            Answered::Nothing,
            Reply::Timeout { received: 0 }.describe(),
            Vec::new(),
        )
    } else {
        sslv2(&s).await?
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
    if let Some((code, message)) = s
        .outcomes()
        .nothing_to_audit(settings.read_timeout.as_secs_f64())
    {
        return Err(ProbeError::NothingToAudit {
            addr,
            code,
            message,
        });
    }

    for sc in &scans {
        if let Some(c) = sc.ignores_offer {
            report.findings.push(super::report::Finding {
                id: "ignores_offer".into(),
                severity: super::report::Severity::Warning,
                message: format!(
                    "{}: the server chose {} although the client did not offer it, so the \
                     client's list does not limit it (suite list may be incomplete)",
                    version_name(sc.version),
                    suite::suite_name(c)
                ),
                suites: Vec::new(),
            });
        }
    }
    for d in &report.protocol_details {
        if d.status == super::report::ProtocolStatus::NoAnswer {
            // The SSLv2 hello is sent once, alone; many peers just wait for more bytes.
            let (severity, how) = if d.version == "SSLv2" {
                (super::report::Severity::Info, "")
            } else {
                (
                    super::report::Severity::Warning,
                    ", even one connection at a time",
                )
            };
            report.findings.push(super::report::Finding {
                id: "no_answer".into(),
                severity,
                message: format!(
                    "{}: {}{how}: whether it is accepted is unknown",
                    d.version, d.detail
                ),
                suites: Vec::new(),
            });
        }
    }
    for (v, names) in &report.dropped_suites {
        report.findings.push(super::report::Finding {
            id: "suite_drops_connection".into(),
            severity: super::report::Severity::Warning,
            message: format!(
                "{v}: the server drops the connection when offered {} (a suite it selects but \
                 cannot serve: clients preferring it cannot connect)",
                names.join(", ")
            ),
            suites: names
                .iter()
                .map(|name| super::report::FindingSuite {
                    name: name.clone(),
                    code: crate::suites::lookup(name)
                        .map(|cs| format!("0x{:04X}", cs.code))
                        .unwrap_or_default(),
                    versions: vec![v.clone()],
                })
                .collect(),
        });
    }
    report.throttled = s.throttled();
    report.retried = s.retried();
    report.connections = s.connections();
    report.starttls = starttls;
    report.starttls_upgrades = s.upgrades();
    report.elapsed_ms = elapsed_ms(start);
    grade::judge(&mut report);
    Ok(report)
}

/// `tlsight mitm`'s judgement of the chain the audit saw, with what the audit proved about the
/// leaf key (no SCTs from the TLS layer here: the probes do not finish handshakes).
async fn interception(
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

async fn verify_blocking(
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

fn suite_result(code: u16, sc: &VersionScan) -> SuiteResult {
    let info = suite::cipher_suite(code);
    let (rating, reasons) = info.map(|i| i.rating()).unwrap_or((
        suite::Rating::Weak,
        vec![("unknown".to_string(), "not in the registry".to_string())],
    ));
    let kx = if sc.version == TLS13 {
        sc.retries
            .iter()
            .find(|r| r.cipher_suite == code)
            .and_then(hrr_group)
            .map(suite::group_name)
    } else {
        sc.flights
            .iter()
            .find(|f| f.server_hello.cipher_suite == code)
            .and_then(|f| match ske(f, sc.version) {
                Some(k) => Some(match k.params {
                    KeyExchangeParams::Ecdhe { group, .. } => suite::group_name(group),
                    KeyExchangeParams::Dhe { prime_bits, .. } => format!("DH {prime_bits}"),
                }),
                None => info.map(|i| i.kx_name().to_string()),
            })
    };
    SuiteResult {
        code: format!("0x{code:04X}"),
        name: suite::suite_name(code),
        rating,
        flags: reasons.iter().map(|(id, _)| id.clone()).collect(),
        reasons: reasons.into_iter().map(|(_, text)| text).collect(),
        key_exchange: kx,
    }
}

/// SSLv2: (answer, detail, cipher kinds). One connection, no retry: a peer waiting for the
/// rest of what it takes for a TLS record is common and says nothing about SSLv2.
async fn sslv2(s: &Scheduler) -> Result<(Answered, String, Vec<String>), ProbeError> {
    let reply = s.exchange_single(&Sslv2ClientHello::new().encode()).await?;
    Ok(match reply {
        Reply::Sslv2 {
            version: 0x0002,
            cipher_specs,
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
        ),
        r @ (Reply::Timeout { .. } | Reply::Reset) => (Answered::Nothing, r.describe(), Vec::new()),
        other => (Answered::Refused, other.describe(), Vec::new()),
    })
}

/// Extension checks read off the flights already received: no extra connections.
fn features(scans: &[VersionScan], sslv2_ciphers: Vec<String>) -> Features {
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
async fn fallback_scsv(
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
fn downgrade_sentinel(scans: &[VersionScan]) -> Option<bool> {
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
async fn certificate(
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
async fn certificate_fresh(
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
async fn alpn13(
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
async fn alpn(
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

fn summarize(chain: &[Vec<u8>], at: Option<time::OffsetDateTime>) -> CertificateSummary {
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

fn sig_oid_name(oid: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_lists_respect_versions_and_bundle_limit() {
        let c13 = candidates(TLS13);
        assert!(c13.contains(&0x1301) && c13.contains(&0x00C6));
        assert!(
            c13.iter()
                .all(|c| suite::cipher_suite(*c).unwrap().is_tls13())
        );
        let c10 = candidates(TLS10);
        assert!(!c10.contains(&0xC02F), "GCM is TLS 1.2 only");
        assert!(c10.contains(&0x000A));
        let c12 = candidates(TLS12);
        assert!(c12.contains(&0xC02F) && !c12.contains(&0x1301));
        assert_eq!(
            c12.last()
                .map(|c| suite::cipher_suite(*c).unwrap().chacha()),
            Some(true)
        );
        let h = Hellos {
            sni: Some("localhost".into()),
        };
        let rec = h.legacy(TLS12, &c12[..127], &legacy_groups(), SIG_OFFER);
        let (_, plain) = tls_parser::parse_tls_plaintext(&rec).unwrap();
        let tls_parser::TlsMessage::Handshake(tls_parser::TlsMessageHandshake::ClientHello(ch)) =
            &plain.msg[0]
        else {
            panic!()
        };
        assert_eq!(ch.ciphers.len(), MAX_SUITES_PER_HELLO);
    }
}
