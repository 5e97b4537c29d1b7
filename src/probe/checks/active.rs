//! What the active checks share: connections opened through the audit's scheduler (its slot,
//! route and count), a blocking socket with a deadline on every read, the engine driven to a
//! point of the check's choosing, and the server's reaction to a crafted message reduced to
//! something comparable (alerts, close, reset, silence).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::Context;
use crate::capture::{Direction, TapRecording};
use crate::engine::{Client, EngineError};
use crate::probe::ProbeError;
use crate::wire::{AlertDescription, ContentType, read_record};

/// Opens connections for one check on a blocking thread; counts them for the scheduler.
pub struct Opener {
    dialer: crate::net::Dialer,
    /// Connect and per-read timeout (the audit's read timeout).
    pub(super) timeout: Duration,
    tap: Option<&'static crate::capture::Tap>,
    opened: Arc<AtomicUsize>,
}

impl Opener {
    /// The server's address (for the SNI-less server name of rustls).
    pub(super) fn addr(&self) -> std::net::SocketAddr {
        self.dialer.addr
    }

    /// A connection and an engine handshake with `cfg`, driven until `stop_at` holds, the
    /// handshake completes or the engine pauses; the drive's result comes back with both. A
    /// server that said nothing at all gets a second connection: single-threaded servers
    /// (`openssl s_server`) leave a connection queued while another check holds theirs.
    pub(super) fn start(
        &self,
        cfg: &crate::engine::Config,
        stop_at: impl Fn(&Client) -> bool + Copy,
    ) -> Result<(Conn, Client, Result<(), Stop>), String> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut conn = self.connect()?;
            let mut client = Client::new(cfg.clone()).map_err(|e| e.to_string())?;
            let r = conn.drive(&mut client, stop_at);
            let silent =
                matches!(r, Err(Stop::Net(Read1::Timeout))) && client.outcome().server_hellos == 0;
            if silent && attempt < 2 {
                continue;
            }
            return Ok((conn, client, r));
        }
    }

    /// One more connection to the server, along the audit's route.
    pub(super) fn connect(&self) -> Result<Conn, String> {
        self.opened.fetch_add(1, Ordering::Relaxed);
        let opened = self.dialer.open(self.timeout).map_err(|e| e.to_string())?;
        let sock = opened.stream;
        let _ = sock.set_nodelay(true);
        sock.set_write_timeout(Some(self.timeout))
            .map_err(|e| e.to_string())?;
        let rec = TapRecording::start(self.tap, sock.local_addr().ok(), self.dialer.addr);
        Ok(Conn {
            sock,
            rec,
            timeout: self.timeout,
        })
    }
}

/// Runs `work` on a blocking thread inside one scheduler slot (the check's connections go one
/// after another, like the resumption check's), then counts the connections it opened.
pub(super) async fn run<T: Send + 'static>(
    ctx: &Context<'_>,
    work: impl FnOnce(&Opener) -> T + Send + 'static,
) -> Result<T, ProbeError> {
    let s = ctx.scheduler;
    let _slot = s.slot().await?;
    let settings = s.settings();
    let opener = Opener {
        dialer: s.dialer(),
        timeout: settings.read_timeout.max(settings.connect_timeout),
        tap: settings.tap,
        opened: Arc::new(AtomicUsize::new(0)),
    };
    let opened = opener.opened.clone();
    let out = tokio::task::spawn_blocking(move || work(&opener))
        .await
        .map_err(|e| ProbeError::Internal(e.to_string()));
    for _ in 0..opened.load(Ordering::Relaxed) {
        s.count_external();
    }
    out
}

/// One connection with a deadline on every read.
pub(super) struct Conn {
    sock: TcpStream,
    rec: TapRecording,
    timeout: Duration,
}

/// What a read brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Read1 {
    /// Bytes.
    Data(Vec<u8>),
    /// The server closed the connection (FIN).
    Closed,
    /// The server reset it.
    Reset,
    /// Nothing before the deadline.
    Timeout,
    /// Another socket error.
    Error(String),
}

/// Why driving the engine stopped short.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stop {
    /// The engine failed (server alert, protocol violation).
    Engine(EngineError),
    /// The connection ended or stalled.
    Net(Read1),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Engine(e) => write!(f, "{e}"),
            Stop::Net(r) => f.write_str(&describe_read(r)),
        }
    }
}

fn describe_read(r: &Read1) -> String {
    match r {
        Read1::Data(d) => format!("{} bytes", d.len()),
        Read1::Closed => "the server closed the connection".into(),
        Read1::Reset => "the server reset the connection".into(),
        Read1::Timeout => "no answer before the timeout".into(),
        Read1::Error(e) => e.clone(),
    }
}

impl Conn {
    /// The per-read timeout.
    pub(super) fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Lowers the per-read timeout to `d` (reading for stragglers).
    pub(super) fn shorten(&mut self, d: Duration) {
        self.timeout = self.timeout.min(d);
    }

    /// Sends bytes; an error is reported like a read's.
    pub(super) fn send(&mut self, bytes: &[u8]) -> Result<(), Read1> {
        if bytes.is_empty() {
            return Ok(());
        }
        self.rec.note(Direction::ClientToServer, bytes);
        self.sock
            .write_all(bytes)
            .and_then(|()| self.sock.flush())
            .map_err(|e| io_read1(&e))
    }

    /// Reads what arrives before `deadline`.
    pub(super) fn read_until(&mut self, deadline: Instant) -> Read1 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Read1::Timeout;
        }
        let _ = self.sock.set_read_timeout(Some(left));
        let mut buf = vec![0u8; 1 << 16];
        loop {
            return match self.sock.read(&mut buf) {
                Ok(0) => Read1::Closed,
                Ok(n) => {
                    self.rec.note(Direction::ServerToClient, &buf[..n]);
                    Read1::Data(buf[..n].to_vec())
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => io_read1(&e),
            };
        }
    }

    /// Drives `client` until `stop_at(client)` holds or the handshake completes, within one
    /// timeout. Whatever the engine queued last (an alert) is sent before returning an error.
    pub(super) fn drive(
        &mut self,
        client: &mut Client,
        stop_at: impl Fn(&Client) -> bool,
    ) -> Result<(), Stop> {
        let deadline = Instant::now() + self.timeout;
        loop {
            let out = client.take_output();
            self.send(&out).map_err(Stop::Net)?;
            if stop_at(client) || client.is_done() || client.is_paused() {
                return Ok(());
            }
            match self.read_until(deadline) {
                Read1::Data(d) => {
                    if let Err(e) = client.receive(&d) {
                        let _ = self.send(&client.take_output());
                        return Err(Stop::Engine(e));
                    }
                }
                other => return Err(Stop::Net(other)),
            }
        }
    }

    /// Reads plaintext records for up to `wait` (or until the server closes, resets or sends
    /// a fatal alert) and reduces them to a [`Reaction`].
    pub(super) fn reaction(&mut self, wait: Duration) -> Reaction {
        let deadline = Instant::now() + wait;
        let mut buf = Vec::new();
        let mut records = Vec::new();
        loop {
            let end = match self.read_until(deadline) {
                Read1::Data(d) => {
                    buf.extend_from_slice(&d);
                    let mut fatal = false;
                    while let Ok(Some(r)) = read_record(&buf, 0) {
                        let ct = r.header[0];
                        let fragment = r.fragment.to_vec();
                        let len = r.wire_len();
                        if ct == ContentType::ALERT.0 && fragment.first() == Some(&2) {
                            fatal = true;
                        }
                        records.push((ct, fragment));
                        buf.drain(..len);
                    }
                    if buf.len() > 1 << 20 {
                        End::Garbage
                    } else if fatal {
                        End::Open
                    } else {
                        continue;
                    }
                }
                Read1::Closed => End::Closed,
                Read1::Reset => End::Reset,
                Read1::Timeout => End::Timeout,
                Read1::Error(_) => End::Reset,
            };
            if !buf.is_empty() && end != End::Garbage && read_record(&buf, 0).is_err() {
                return Reaction {
                    records,
                    end: End::Garbage,
                };
            }
            return Reaction { records, end };
        }
    }
}

fn io_read1(e: &std::io::Error) -> Read1 {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => Read1::Timeout,
        ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => Read1::Reset,
        ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof => Read1::Closed,
        _ => Read1::Error(crate::net::io_reason(e)),
    }
}

/// How a server's answer to a probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum End {
    /// It sent a fatal alert (the connection may still be open).
    Open,
    /// It closed the connection.
    Closed,
    /// It reset the connection.
    Reset,
    /// It said nothing more before the wait ended.
    Timeout,
    /// Bytes that are not TLS records.
    Garbage,
}

/// A server's reaction to a probe: the records it sent (content type, fragment) and how it
/// ended. Two reactions compare equal when a client could not tell them apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reaction {
    /// Records received, in order.
    pub(super) records: Vec<(u8, Vec<u8>)>,
    /// How the answer ended.
    pub(super) end: End,
}

impl Reaction {
    /// The first alert received: (level, description).
    pub(super) fn alert(&self) -> Option<(u8, u8)> {
        self.records
            .iter()
            .find(|(ct, f)| *ct == ContentType::ALERT.0 && f.len() >= 2)
            .map(|(_, f)| (f[0], f[1]))
    }

    /// One line: "alert bad_record_mac (20), then closed".
    pub(super) fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .records
            .iter()
            .map(|(ct, f)| {
                if *ct == ContentType::ALERT.0 && f.len() >= 2 {
                    alert_text(f[0], f[1])
                } else {
                    format!(
                        "{} record of {} bytes",
                        ContentType(*ct).name().unwrap_or("unknown"),
                        f.len()
                    )
                }
            })
            .collect();
        parts.push(
            match self.end {
                End::Open => "connection left open",
                End::Closed => "connection closed",
                End::Reset => "connection reset",
                End::Timeout => "then silence",
                End::Garbage => "bytes that are not TLS records",
            }
            .into(),
        );
        parts.join(", ")
    }
}

/// "fatal alert unexpected_message (10)".
pub(super) fn alert_text(level: u8, desc: u8) -> String {
    format!(
        "{} alert {} ({desc})",
        if level == 1 { "warning" } else { "fatal" },
        AlertDescription(desc).name().unwrap_or("unknown")
    )
}

/// Up to `max` bytes as hex, with the total when cut.
pub(super) fn hex_excerpt(bytes: &[u8], max: usize) -> String {
    let shown: String = bytes.iter().take(max).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > max {
        format!("{shown}… ({} bytes)", bytes.len())
    } else {
        shown
    }
}

/// TLS 1.0-1.2 suites (codes) the audit saw accepted, by version, highest version first.
pub(super) fn accepted_legacy(report: &crate::probe::AuditReport) -> Vec<(u16, Vec<u16>)> {
    let mut out = Vec::new();
    for (name, v) in [
        ("TLSv1.2", 0x0303),
        ("TLSv1.1", 0x0302),
        ("TLSv1.0", 0x0301),
    ] {
        let codes: Vec<u16> = report
            .cipher_suite_details
            .get(name)
            .map(|l| {
                l.iter()
                    .filter_map(|s| u16::from_str_radix(s.code.trim_start_matches("0x"), 16).ok())
                    .collect()
            })
            .unwrap_or_default();
        if !codes.is_empty() {
            out.push((v, codes));
        }
    }
    out
}

/// The suites among `codes` tlsight's engine can run, with `keep` applied to their parameters.
pub(super) fn engine_suites(
    codes: &[u16],
    version: u16,
    keep: impl Fn(&crate::crypto::SuiteParams) -> bool,
) -> Vec<u16> {
    codes
        .iter()
        .copied()
        .filter(|&c| {
            crate::crypto::SuiteParams::lookup(c)
                .map(|s| s.usable_at(version) && keep(s))
                .unwrap_or(false)
        })
        .filter(|c| crate::engine::supported_suites().contains(c))
        .collect()
}

/// An engine configuration for one version and these suites, SNI as the audit sends it.
pub(super) fn engine_config(
    ctx_sni: Option<&str>,
    version: u16,
    suites: Vec<u16>,
) -> crate::engine::Config {
    crate::engine::Config {
        min_version: version,
        max_version: version,
        suites,
        server_name: ctx_sni.map(str::to_string),
        ..crate::engine::Config::default()
    }
}

/// What a client-initiated renegotiation on a completed handshake brought.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Renegotiation {
    /// The second handshake completed (both Finished verified).
    Completed,
    /// The server answered with a ServerHello, then the second handshake failed (`String`).
    Started(String),
    /// The server refused: a no_renegotiation warning, a fatal alert, or a close.
    Refused(String),
    /// No answer before the timeout.
    Silence,
}

/// One connection: a full handshake with `cfg`, then a renegotiation, secure (RFC 5746
/// renegotiation_info) or legacy; `secure: None` picks secure when the server's ServerHello
/// answered renegotiation_info. Returns what happened and whether it was secure. `Err`: the
/// first handshake did not complete.
pub(super) fn renegotiation(
    o: &Opener,
    cfg: crate::engine::Config,
    secure: Option<bool>,
) -> Result<(Renegotiation, bool), String> {
    let (mut conn, mut client, r) = o.start(&cfg, |_| false)?;
    r.map_err(|e| format!("the first handshake did not complete: {e}"))?;
    if !client.is_done() {
        return Err("the first handshake did not complete".into());
    }
    let secure = secure.unwrap_or(client.outcome().secure_renegotiation);
    client
        .renegotiate(secure)
        .map_err(|e| format!("renegotiation: {e}"))?;
    Ok((renegotiation_answer(&mut conn, &mut client), secure))
}

/// Reads the answer to a renegotiation ClientHello the client has queued.
pub(super) fn renegotiation_answer(conn: &mut Conn, client: &mut Client) -> Renegotiation {
    let deadline = Instant::now() + conn.timeout();
    let started = |c: &Client| c.outcome().server_hellos >= 2;
    loop {
        if let Err(e) = conn.send(&client.take_output()) {
            let why = Stop::Net(e).to_string();
            return if started(client) {
                Renegotiation::Started(why)
            } else {
                Renegotiation::Refused(why)
            };
        }
        if client.is_done() && client.outcome().renegotiations >= 1 {
            return Renegotiation::Completed;
        }
        if client.outcome().warning_alerts.contains(&100) {
            return Renegotiation::Refused(alert_text(1, 100));
        }
        match conn.read_until(deadline) {
            Read1::Data(d) => {
                if let Err(e) = client.receive(&d) {
                    let _ = conn.send(&client.take_output());
                    return if started(client) {
                        Renegotiation::Started(e.to_string())
                    } else {
                        Renegotiation::Refused(e.to_string())
                    };
                }
            }
            Read1::Timeout if started(client) => {
                return Renegotiation::Started("then silence".into());
            }
            Read1::Timeout => return Renegotiation::Silence,
            other => {
                let why = Stop::Net(other).to_string();
                return if started(client) {
                    Renegotiation::Started(why)
                } else {
                    Renegotiation::Refused(why)
                };
            }
        }
    }
}

/// The shape of every engine check: `not_applicable` with `none` when the audit saw no TLS
/// 1.0-1.2 suite the engine runs (`keep` filters them), else `work` on a blocking thread with
/// the SNI, the highest such version and its suites.
pub(super) async fn on_legacy(
    ctx: &Context<'_>,
    keep: impl Fn(&crate::crypto::SuiteParams) -> bool + Copy,
    none: &'static str,
    work: fn(&Opener, Option<&str>, u16, Vec<u16>) -> super::Outcome,
) -> Result<super::Outcome, ProbeError> {
    let Some((version, suites)) = legacy_target(ctx.report, keep) else {
        return Ok(super::Outcome::new(super::Verdict::NotApplicable, none));
    };
    let sni = ctx.sni.map(str::to_string);
    run(ctx, move |o| work(o, sni.as_deref(), version, suites)).await
}

/// The highest TLS 1.0-1.2 version the audit saw with suites the engine runs (`keep` filters
/// them), and those suites.
pub(super) fn legacy_target(
    report: &crate::probe::AuditReport,
    keep: impl Fn(&crate::crypto::SuiteParams) -> bool + Copy,
) -> Option<(u16, Vec<u16>)> {
    accepted_legacy(report)
        .into_iter()
        .map(|(v, codes)| (v, engine_suites(&codes, v, keep)))
        .find(|(_, s)| !s.is_empty())
}

/// A recorded blocking stream for rustls (`complete_io`): each read waits at most the
/// connection's timeout.
impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.sock.set_read_timeout(Some(self.timeout))?;
        let n = self.sock.read(buf)?;
        self.rec.note(Direction::ServerToClient, &buf[..n]);
        Ok(n)
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.sock.write(buf)?;
        self.rec.note(Direction::ClientToServer, &buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.sock.flush()
    }
}
