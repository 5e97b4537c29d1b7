//! Enumeration: versions and suites by bundles with remove-and-retry, server preference, TLS 1.3
//! suites and groups through an empty key_share and the HelloRetryRequest, TLS <= 1.2 groups and
//! signature schemes through ServerKeyExchange, TLS 1.3 signature schemes through rustls. Each
//! probe is a loop of hellos through the [`Scheduler`].

use super::ProbeError;
use super::Settings;
use super::conn::{Flight, Reply, Scheduler};
use super::report::SuiteResult;
use super::suite::{self, SuiteInfo};
use crate::wire::builder::{ClientHelloBuilder, EMPTY_RENEGOTIATION_INFO_SCSV};
use crate::wire::extensions::ExtensionValue;
use crate::wire::handshake::{KeyExchangeParams, ServerHello, ServerKeyExchange};

/// Largest number of suites in one hello, SCSV included: "Some servers can't handle a handshake
/// with >= 128 ciphers" (testssl.sh run_allciphers).
pub const MAX_SUITES_PER_HELLO: usize = 128;

pub(super) const SSL3: u16 = 0x0300;
pub(super) const TLS10: u16 = 0x0301;
pub(super) const TLS11: u16 = 0x0302;
pub(super) const TLS12: u16 = 0x0303;
pub(super) const TLS13: u16 = 0x0304;

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
pub(super) const SIG_OFFER: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080A, 0x080B, 0x0401,
    0x0501, 0x0601, 0x081A, 0x081B, 0x081C, 0x0301, 0x0303, 0x0201, 0x0203, 0x0402, 0x0202,
];

/// Hello factory for one target.
#[derive(Debug, Clone)]
pub(super) struct Hellos {
    pub(super) sni: Option<String>,
}

impl Hellos {
    /// SSLv3 … TLS 1.2 hello: no supported_versions, every extension whose answer we read.
    pub(super) fn legacy(
        &self,
        version: u16,
        suites: &[u16],
        groups: &[u16],
        sigs: &[u16],
    ) -> Vec<u8> {
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

/// The audit's TLS ≤ 1.2 hello (every extension whose answer it reads) offering only `suites`,
/// for checks that ask one question of the server (FREAK: does it pick an export suite?).
pub(crate) fn legacy_hello(sni: Option<&str>, version: u16, suites: &[u16]) -> Vec<u8> {
    Hellos {
        sni: sni.map(str::to_string),
    }
    .legacy(version, suites, &legacy_groups(), SIG_OFFER)
}

pub(super) fn legacy_groups() -> Vec<u16> {
    let mut g = vec![0x001D, 0x0017, 0x0018, 0x0019, 0x001E];
    let rest: Vec<u16> = suite::ec_groups()
        .into_iter()
        .filter(|c| !g.contains(c))
        .collect();
    g.extend(rest);
    g.extend([0x0100, 0x0101, 0x0102, 0x0103, 0x0104]);
    g
}

pub(super) fn tls13_groups() -> Vec<u16> {
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
pub(super) fn candidates(version: u16) -> Vec<u16> {
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
pub(super) enum Answered {
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
pub(super) struct VersionScan {
    pub(super) version: u16,
    pub(super) accepted: bool,
    /// Refused explicitly (alert, lower-version ServerHello, a close), as opposed to no answer.
    pub(super) status: Answered,
    pub(super) detail: String,
    /// Suites in discovery order.
    pub(super) suites: Vec<u16>,
    /// Suites whose offer alone makes the server drop the connection.
    pub(super) dropped: Vec<u16>,
    /// Flights (TLS ≤ 1.2) or retry requests (TLS 1.3), one per accepted suite.
    pub(super) flights: Vec<Flight>,
    pub(super) retries: Vec<ServerHello>,
    /// Whether all accepted suites were found within the first bundle.
    pub(super) one_bundle: bool,
    pub(super) notes: Vec<String>,
    /// A suite the server chose although it was not offered.
    pub(super) ignores_offer: Option<u16>,
}

/// One hello's answer, as the enumeration reads it.
pub(super) enum Answer {
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
pub(super) struct VersionEnum<'a> {
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
pub(super) async fn scan_version(
    s: &Scheduler,
    h: &Hellos,
    version: u16,
) -> Result<VersionScan, ProbeError> {
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
pub(super) async fn choose(
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
pub(super) async fn preference(
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
pub(super) async fn remove_and_retry<F, Fut>(
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
pub(super) async fn groups13(
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

pub(super) fn hrr_group(r: &ServerHello) -> Option<u16> {
    r.extensions.iter().find_map(|e| match e.value {
        ExtensionValue::KeyShareRequest { group } => Some(group),
        _ => None,
    })
}

pub(super) fn ske(f: &Flight, version: u16) -> Option<ServerKeyExchange> {
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
pub(super) async fn groups12(
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
pub(super) fn cert_curve(flights: &[Flight]) -> Option<u16> {
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
pub(super) async fn sigalgs12(
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
pub(super) async fn sigalgs13(
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

pub(super) fn suite_result(code: u16, sc: &VersionScan) -> SuiteResult {
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
