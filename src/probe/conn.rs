//! The probe transport: one connection per hello, owned by a [`Scheduler`] that enforces the
//! per-host connection budget, the delay between connections and every timeout, plus the sans-IO
//! reader that turns the server's first flight into a [`Reply`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore};

use super::{ProbeError, Settings};
use crate::wire::handshake::{Certificate, ServerHello};
use crate::wire::record::{HEADER_LEN, read_record};
use crate::wire::{ContentType, HandshakeReassembler, HandshakeType};

/// The server's answer to one hello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A ServerHello and, below TLS 1.3, the rest of the plaintext flight.
    Hello(Box<Flight>),
    /// A TLS 1.3 HelloRetryRequest.
    HelloRetry(Box<ServerHello>),
    /// An alert before any hello.
    Alert {
        /// 1 warning, 2 fatal.
        level: u8,
        /// Alert description code.
        description: u8,
    },
    /// The server closed the connection without answering.
    Closed,
    /// The server reset the connection.
    Reset,
    /// No complete answer within the read timeout.
    Timeout {
        /// Bytes that came before the timeout (a slow-dripping peer sends some).
        received: usize,
    },
    /// Bytes that are not a TLS answer.
    Garbage(String),
    /// A zero-length handshake, alert or change_cipher_spec record before any hello, which no
    /// TLS version allows (RFC 5246 §6.2.1, RFC 8446 §5.1).
    EmptyRecord,
    /// An SSLv2 SERVER-HELLO.
    Sslv2 {
        /// Server version field (0x0002).
        version: u16,
        /// Cipher kinds the server offers (3-byte SSLv2 specs).
        cipher_specs: Vec<u32>,
        /// The certificate it sent (DER; empty when none), for DROWN's same-key test.
        certificate: Vec<u8>,
    },
}

/// A ServerHello and the plaintext messages after it (TLS ≤ 1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flight {
    /// The ServerHello.
    pub server_hello: ServerHello,
    /// Certificate message, if seen.
    pub certificate: Option<Certificate>,
    /// ServerKeyExchange body, if seen (its layout depends on the suite).
    pub server_key_exchange: Option<Vec<u8>>,
    /// Whether a CertificateStatus (stapled OCSP) message came.
    pub certificate_status: bool,
    /// Whether the flight ended with ServerHelloDone (or was a TLS 1.3 ServerHello).
    pub complete: bool,
}

/// Short reason text for a non-hello reply, as shown in reports.
impl Reply {
    /// One-line description ("alert handshake_failure (40)", "connection closed", ...).
    pub fn describe(&self) -> String {
        match self {
            Reply::Hello(f) => format!(
                "ServerHello {}",
                crate::wire::ProtocolVersion(f.server_hello.selected_version().0).label()
            ),
            Reply::HelloRetry(_) => "HelloRetryRequest".into(),
            Reply::Alert { description, .. } => format!(
                "alert {} ({description})",
                crate::wire::AlertDescription(*description)
                    .name()
                    .unwrap_or("unknown")
            ),
            Reply::Closed => "connection closed".into(),
            Reply::Reset => "connection reset".into(),
            Reply::Timeout { received: 0 } => "no answer (timeout)".into(),
            Reply::Timeout { received } => {
                format!("no complete answer (timeout after {received} bytes)")
            }
            Reply::Garbage(s) => format!("not TLS: {s}"),
            Reply::EmptyRecord => "empty record".into(),
            Reply::Sslv2 { .. } => "SSLv2 SERVER-HELLO".into(),
        }
    }
}

/// Whether `buf` holds a complete answer; `None` asks for more bytes.
/// `at_eof` forces a verdict on whatever arrived.
pub fn parse_reply(buf: &[u8], at_eof: bool) -> Option<Reply> {
    if buf.is_empty() {
        return at_eof.then_some(Reply::Closed);
    }
    // SSLv2 record: 2-byte header with the high bit set, then message type 4 (SERVER-HELLO).
    if buf[0] & 0x80 != 0 {
        return parse_sslv2(buf, at_eof);
    }
    let mut pos = 0;
    let mut hs = HandshakeReassembler::default();
    let mut flight: Option<Flight> = None;
    loop {
        let rec = match read_record(&buf[pos..], pos) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            Err(e @ crate::wire::WireError::NotTls { .. }) => {
                // Show what came instead, printable bytes only.
                let preview = crate::wire::printable_preview(&buf[pos..], 32);
                return Some(Reply::Garbage(format!("{e}; first bytes \"{preview}\"")));
            }
            Err(e) => return Some(Reply::Garbage(e.to_string())),
        };
        pos += rec.wire_len();
        if flight.is_none()
            && rec.fragment.is_empty()
            && matches!(
                rec.content_type,
                ContentType::HANDSHAKE | ContentType::ALERT | ContentType::CHANGE_CIPHER_SPEC
            )
        {
            return Some(Reply::EmptyRecord);
        }
        match rec.content_type {
            ContentType::ALERT if flight.is_none() => {
                if rec.fragment.len() < 2 {
                    return Some(Reply::Garbage("alert record shorter than 2 bytes".into()));
                }
                return Some(Reply::Alert {
                    level: rec.fragment[0],
                    description: rec.fragment[1],
                });
            }
            ContentType::HANDSHAKE => {
                let msgs = match hs.push(rec.fragment) {
                    Ok(m) => m,
                    Err(e) => return Some(Reply::Garbage(e.to_string())),
                };
                for m in msgs {
                    match (m.typ, flight.as_mut()) {
                        (HandshakeType::SERVER_HELLO, None) => {
                            let sh = match ServerHello::decode(&m.body) {
                                Ok(sh) => sh,
                                Err(e) => return Some(Reply::Garbage(e.to_string())),
                            };
                            if sh.hello_retry_request {
                                return Some(Reply::HelloRetry(Box::new(sh)));
                            }
                            // Past a TLS 1.3 ServerHello everything is encrypted.
                            let tls13 = sh.selected_version().0 == 0x0304;
                            flight = Some(Flight {
                                server_hello: sh,
                                certificate: None,
                                server_key_exchange: None,
                                certificate_status: false,
                                complete: tls13,
                            });
                            if tls13 {
                                return flight.map(|f| Reply::Hello(Box::new(f)));
                            }
                        }
                        (_, None) => {
                            return Some(Reply::Garbage(format!(
                                "{} before ServerHello",
                                m.typ.name().unwrap_or("unknown handshake message")
                            )));
                        }
                        (HandshakeType::CERTIFICATE, Some(f)) => {
                            f.certificate = Certificate::decode(&m.body, false).ok();
                        }
                        (HandshakeType::SERVER_KEY_EXCHANGE, Some(f)) => {
                            f.server_key_exchange = Some(m.body.clone());
                        }
                        (HandshakeType::CERTIFICATE_STATUS, Some(f)) => {
                            f.certificate_status = true;
                        }
                        (HandshakeType::SERVER_HELLO_DONE, Some(f)) => {
                            f.complete = true;
                            return flight.map(|f| Reply::Hello(Box::new(f)));
                        }
                        _ => {}
                    }
                }
            }
            // Anything else after the ServerHello (CCS of a resumption, an alert) ends the flight.
            _ if flight.is_some() => return flight.map(|f| Reply::Hello(Box::new(f))),
            other => {
                return Some(Reply::Garbage(format!(
                    "{} record before ServerHello",
                    other.name().unwrap_or("unknown")
                )));
            }
        }
    }
    if at_eof {
        Some(match flight {
            Some(f) => Reply::Hello(Box::new(f)),
            None if pos == 0 && buf.len() < HEADER_LEN => Reply::Closed,
            None => Reply::Closed,
        })
    } else {
        None
    }
}

fn parse_sslv2(buf: &[u8], at_eof: bool) -> Option<Reply> {
    if buf.len() < 2 {
        return at_eof.then_some(Reply::Closed);
    }
    let len = (((buf[0] & 0x7F) as usize) << 8) | buf[1] as usize;
    if buf.len() < 2 + len {
        return at_eof.then_some(Reply::Closed);
    }
    let m = &buf[2..2 + len];
    // SERVER-HELLO: type 4, session-id-hit, cert type, version(2), cert len(2), specs len(2),
    // connection-id len(2), then the certificate, the specs and the connection id.
    if m.len() < 11 || m[0] != 4 {
        return Some(Reply::Garbage(format!(
            "SSLv2 message type {} instead of SERVER-HELLO",
            m.first().copied().unwrap_or(0)
        )));
    }
    let version = u16::from_be_bytes([m[3], m[4]]);
    let cert_len = u16::from_be_bytes([m[5], m[6]]) as usize;
    let specs_len = u16::from_be_bytes([m[7], m[8]]) as usize;
    let specs = m.get(11 + cert_len..11 + cert_len + specs_len);
    let Some(specs) = specs else {
        return Some(Reply::Garbage("SSLv2 SERVER-HELLO lengths overrun".into()));
    };
    let certificate = m.get(11..11 + cert_len).unwrap_or_default().to_vec();
    Some(Reply::Sslv2 {
        version,
        certificate,
        cipher_specs: specs
            .chunks_exact(3)
            .map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]]))
            .collect(),
    })
}

tokio::task_local! {
    /// Connections opened by the future running inside [`counting`] (one vulnerability check),
    /// so checks running concurrently each get their own cost.
    static COST: std::sync::Arc<AtomicUsize>;
}

/// Runs `fut` and counts the connections the [`Scheduler`] opens while polling it (including
/// those counted with [`Scheduler::count_external`]); other futures polled concurrently are not
/// counted.
pub async fn counting<F: Future>(fut: F) -> (F::Output, usize) {
    let n = std::sync::Arc::new(AtomicUsize::new(0));
    let out = COST.scope(n.clone(), fut).await;
    (out, n.load(Ordering::Relaxed))
}

/// Adds one connection to the current [`counting`] scope, if any.
fn note_cost() {
    let _ = COST.try_with(|n| n.fetch_add(1, Ordering::Relaxed));
}

/// Cost counters, reported at the end of an audit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cost {
    /// TCP connections opened.
    pub connections: usize,
    /// Wall time in milliseconds.
    pub elapsed_ms: u64,
}

/// What the server answered over the whole audit, kept by the [`Scheduler`] so an audit that got
/// no TLS answer at all can say what the peer did instead of reporting nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcomes {
    /// ServerHellos, HelloRetryRequests and SSLv2 SERVER-HELLOs.
    pub hellos: usize,
    /// Alert descriptions received before any hello, each once, in order of arrival.
    pub alerts: Vec<u8>,
    /// The first answer that was not TLS.
    pub garbage: Option<String>,
    /// Zero-length records.
    pub empty_records: usize,
    /// Closes without an answer.
    pub closed: usize,
    /// Resets.
    pub resets: usize,
    /// Timeouts.
    pub timeouts: usize,
    /// Most bytes received by a connection that timed out.
    pub dripped: usize,
}

impl Outcomes {
    fn record(&mut self, r: &Reply) {
        match r {
            Reply::Hello(_) | Reply::HelloRetry(_) | Reply::Sslv2 { .. } => self.hellos += 1,
            Reply::Alert { description, .. } => {
                if !self.alerts.contains(description) {
                    self.alerts.push(*description);
                }
            }
            Reply::Garbage(g) => {
                self.garbage.get_or_insert_with(|| g.clone());
            }
            Reply::EmptyRecord => self.empty_records += 1,
            Reply::Closed => self.closed += 1,
            Reply::Reset => self.resets += 1,
            Reply::Timeout { received } => {
                self.timeouts += 1;
                self.dripped = self.dripped.max(*received);
            }
        }
    }
}

impl Outcomes {
    /// When no hello of the audit got a TLS answer: a stable code and what the peer did
    /// instead, most telling first (an alert says more than a close, a close more than silence).
    pub fn nothing_to_audit(&self, read_timeout_secs: f64) -> Option<(&'static str, String)> {
        if self.hellos > 0 {
            return None;
        }
        Some(if !self.alerts.is_empty() {
            let names: Vec<String> = self
                .alerts
                .iter()
                .map(|d| {
                    format!(
                        "{} ({d})",
                        crate::wire::AlertDescription(*d)
                            .name()
                            .unwrap_or("unknown")
                    )
                })
                .collect();
            (
                "alerts_only",
                format!(
                    "the server answered every hello with an alert, only alerts: {}",
                    names.join(", ")
                ),
            )
        } else if let Some(g) = &self.garbage {
            let what = g.strip_prefix("not TLS").unwrap_or(g);
            ("not_tls", format!("the server does not speak TLS{what}"))
        } else if self.empty_records > 0 {
            (
                "empty_records",
                "the server answered with empty records only (zero-length records no TLS \
                 version allows)"
                    .to_string(),
            )
        } else if self.closed > 0 {
            (
                "closed",
                "the server closed the connection after the ClientHello without answering"
                    .to_string(),
            )
        } else if self.resets > 0 {
            (
                "reset",
                "the server reset the connection after the ClientHello".to_string(),
            )
        } else if self.dripped > 0 {
            (
                "no_answer",
                format!(
                    "no complete answer within {read_timeout_secs:.1} s: the server sent only \
                     {} bytes of it",
                    self.dripped
                ),
            )
        } else {
            (
                "no_answer",
                format!("no answer within {read_timeout_secs:.1} s to any hello"),
            )
        })
    }
}

/// Owns every connection to one server: at most `max_connections` at once, `delay` between
/// connection starts, connect and read timeouts on each. A hello that gets no answer or a reset
/// is retried once, after the scheduler has backed off to one connection at a time: fragile
/// peers (TLS-terminating proxies, small embedded stacks) stall under concurrent hellos, and a
/// stall is not a refusal.
#[derive(Debug)]
pub struct Scheduler {
    addr: SocketAddr,
    /// Proxy and STARTTLS for every connection (`None`: plain TCP to `addr`).
    route: Option<crate::net::Route>,
    upgrades: AtomicUsize,
    settings: Settings,
    slots: Semaphore,
    next_start: Mutex<Instant>,
    opened: AtomicUsize,
    /// Backed off to one connection at a time.
    throttled: AtomicBool,
    /// Hellos sent again after a timeout or reset.
    retried: AtomicUsize,
    /// Two retries, alone on the wire, also got no answer before the server ever answered: the
    /// peer is silent, not overloaded, so no more retries. (Two, because the first retried
    /// hello may be one the server ignores while it would answer the others.)
    silent: AtomicBool,
    lone_timeouts: AtomicUsize,
    outcomes: std::sync::Mutex<Outcomes>,
}

impl Scheduler {
    /// A scheduler for `addr`.
    pub fn new(addr: SocketAddr, settings: Settings) -> Self {
        Self {
            addr,
            route: None,
            upgrades: AtomicUsize::new(0),
            slots: Semaphore::new(settings.max_connections.max(1)),
            next_start: Mutex::new(Instant::now()),
            opened: AtomicUsize::new(0),
            throttled: AtomicBool::new(false),
            retried: AtomicUsize::new(0),
            silent: AtomicBool::new(false),
            lone_timeouts: AtomicUsize::new(0),
            outcomes: std::sync::Mutex::new(Outcomes::default()),
            settings,
        }
    }

    /// Every connection goes along `route` (proxy, STARTTLS) instead of straight to `addr`.
    pub fn with_route(mut self, route: Option<crate::net::Route>) -> Self {
        self.route = route.filter(|r| !r.is_plain());
        self
    }

    /// The server address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How connections reach the server, for work done outside [`Self::exchange`] (rustls).
    pub fn dialer(&self) -> crate::net::Dialer {
        crate::net::Dialer {
            addr: self.addr,
            route: self.route.clone(),
        }
    }

    /// STARTTLS upgrades performed so far (each probe connection repeats it).
    pub fn upgrades(&self) -> usize {
        self.upgrades.load(Ordering::Relaxed)
    }

    /// Counts an upgrade made outside [`Self::exchange`].
    pub fn count_upgrade(&self) {
        self.upgrades.fetch_add(1, Ordering::Relaxed);
    }

    /// With a route, opens one connection (counted) and closes it: fails with the upgrade's or
    /// the proxy's error, or returns the plaintext exchange to show in the report.
    pub async fn preflight(&self) -> Result<Option<crate::net::Exchange>, ProbeError> {
        if self.route.is_none() {
            return Ok(None);
        }
        let _permit = self.slot().await?;
        self.opened.fetch_add(1, Ordering::Relaxed);
        note_cost();
        Ok(self.open_blocking().await?.exchange)
    }

    /// Opens one connection along the route on a blocking thread, counting its upgrade.
    async fn open_blocking(&self) -> Result<crate::net::Opened, ProbeError> {
        let dialer = self.dialer();
        let timeout = self
            .settings
            .connect_timeout
            .max(self.settings.read_timeout);
        let opened = tokio::task::spawn_blocking(move || dialer.open(timeout))
            .await
            .map_err(|e| ProbeError::Internal(e.to_string()))?
            .map_err(|e| ProbeError::Net {
                finding: e.is_finding(),
                message: e.to_string(),
            })?;
        if opened.exchange.is_some() {
            self.count_upgrade();
        }
        Ok(opened)
    }

    /// Opens one connection along the route (proxy, STARTTLS) on a blocking thread.
    async fn open_routed(&self) -> Result<TcpStream, ProbeError> {
        let opened = self.open_blocking().await?;
        opened
            .stream
            .set_nonblocking(true)
            .and_then(|()| TcpStream::from_std(opened.stream))
            .map_err(|e| ProbeError::Internal(format!("socket hand-over: {e}")))
    }

    /// The limits in force.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Connections opened so far.
    pub fn connections(&self) -> usize {
        self.opened.load(Ordering::Relaxed)
    }

    /// Whether the scheduler backed off to one connection at a time.
    pub fn throttled(&self) -> bool {
        self.throttled.load(Ordering::Relaxed)
    }

    /// Hellos sent again after a timeout or a reset.
    pub fn retried(&self) -> usize {
        self.retried.load(Ordering::Relaxed)
    }

    /// Whether lone retries got no answer before the server had ever answered (a silent peer).
    pub fn silent(&self) -> bool {
        self.silent.load(Ordering::Relaxed)
    }

    /// Everything the server answered so far.
    pub fn outcomes(&self) -> Outcomes {
        self.outcomes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Counts a connection made outside [`Self::exchange`] (the rustls handshake for a TLS 1.3
    /// certificate), so the reported cost stays complete.
    pub fn count_external(&self) {
        self.opened.fetch_add(1, Ordering::Relaxed);
        note_cost();
        if self
            .route
            .as_ref()
            .is_some_and(|r| r.net.starttls.is_some())
        {
            self.count_upgrade();
        }
    }

    /// Waits for a connection slot and the inter-connection delay; the permit frees the slot.
    /// Connections made elsewhere (rustls handshakes) hold one while they run.
    pub async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ProbeError> {
        let permit = self
            .slots
            .acquire()
            .await
            .map_err(|_| ProbeError::Internal("connection scheduler closed".into()))?;
        if !self.settings.delay.is_zero() {
            let mut next = self.next_start.lock().await;
            let now = Instant::now();
            if *next > now {
                tokio::time::sleep(*next - now).await;
            }
            *next = Instant::now() + self.settings.delay;
        }
        Ok(permit)
    }

    /// Backs off to one connection at a time, for the rest of the audit: takes every slot but
    /// one out of circulation, waiting for the connections in flight to end first (the
    /// semaphore is fair, so hellos queued after this wait behind it).
    async fn throttle(&self) -> Result<(), ProbeError> {
        let extra = self.settings.max_connections.max(1) - 1;
        if extra == 0 || self.throttled.swap(true, Ordering::Relaxed) {
            return Ok(());
        }
        let n = u32::try_from(extra).map_err(|e| ProbeError::Internal(e.to_string()))?;
        self.slots
            .acquire_many(n)
            .await
            .map_err(|_| ProbeError::Internal("connection scheduler closed".into()))?
            .forget();
        Ok(())
    }

    /// Opens a connection, sends `hello` and reads the first flight. No answer or a reset is
    /// retried once, one connection at a time (see [`Scheduler`]).
    pub async fn exchange(&self, hello: &[u8]) -> Result<Reply, ProbeError> {
        let first = self.exchange_single(hello).await?;
        if !matches!(first, Reply::Timeout { .. } | Reply::Reset) || self.silent() {
            return Ok(first);
        }
        self.throttle().await?;
        Ok(self.exchange_once(hello, true).await?.unwrap_or(first))
    }

    /// One hello on one connection, no retry (the SSLv2 probe: many servers wait for the rest
    /// of what they take for a TLS record, and that is an answer of its own).
    pub async fn exchange_single(&self, hello: &[u8]) -> Result<Reply, ProbeError> {
        Ok(self
            .exchange_once(hello, false)
            .await?
            .unwrap_or(Reply::Timeout { received: 0 }))
    }

    /// `retry`: skipped (None) when the peer turned out silent while this one waited.
    async fn exchange_once(&self, hello: &[u8], retry: bool) -> Result<Option<Reply>, ProbeError> {
        let permit = self.slot().await?;
        if retry {
            if self.silent() {
                return Ok(None);
            }
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
        let reply = self.connect_and_read(hello).await?;
        drop(permit);
        let mut o = self.outcomes.lock().unwrap_or_else(|p| p.into_inner());
        o.record(&reply);
        if retry
            && matches!(reply, Reply::Timeout { .. })
            && o.hellos == 0
            && o.alerts.is_empty()
            && self.lone_timeouts.fetch_add(1, Ordering::Relaxed) >= 1
        {
            self.silent.store(true, Ordering::Relaxed);
        }
        Ok(Some(reply))
    }

    async fn connect_and_read(&self, hello: &[u8]) -> Result<Reply, ProbeError> {
        self.opened.fetch_add(1, Ordering::Relaxed);
        note_cost();
        let mut sock = if self.route.is_some() {
            self.open_routed().await?
        } else {
            self.connect_direct().await?
        };
        let _ = sock.set_nodelay(true);
        let mut rec = crate::capture::TapRecording::start(
            self.settings.tap,
            sock.local_addr().ok(),
            self.addr,
        );
        if let Err(e) = sock.write_all(hello).await {
            return Ok(io_reply(&e));
        }
        rec.note(crate::capture::Direction::ClientToServer, hello);
        self.read_reply(&mut sock, &mut rec).await
    }

    async fn connect_direct(&self) -> Result<TcpStream, ProbeError> {
        // The net layer's connect (timeout, reason wording, TCP_NODELAY), mapped to this layer.
        crate::net::connect_async(self.addr, self.settings.connect_timeout)
            .await
            .map_err(|e| match e {
                crate::net::NetError::ConnectTimeout { .. } => ProbeError::ConnectTimeout {
                    addr: self.addr,
                    secs: self.settings.connect_timeout.as_secs_f64(),
                },
                crate::net::NetError::Connect { reason, .. } => ProbeError::Connect {
                    addr: self.addr,
                    reason,
                },
                other => ProbeError::Connect {
                    addr: self.addr,
                    reason: other.to_string(),
                },
            })
    }

    /// Reads the server's first flight after the hello.
    async fn read_reply(
        &self,
        sock: &mut TcpStream,
        rec: &mut crate::capture::TapRecording,
    ) -> Result<Reply, ProbeError> {
        let deadline = tokio::time::Instant::now() + self.settings.read_timeout;
        let mut buf = Vec::with_capacity(4096);
        let mut chunk = [0u8; 8192];
        loop {
            let n = match tokio::time::timeout_at(deadline, sock.read(&mut chunk)).await {
                Err(_) => {
                    return Ok(parse_reply(&buf, true)
                        .filter(|r| matches!(r, Reply::Hello(_)))
                        .unwrap_or(Reply::Timeout {
                            received: buf.len(),
                        }));
                }
                Ok(Err(e)) => {
                    return Ok(match parse_reply(&buf, true) {
                        Some(Reply::Closed) | None => io_reply(&e),
                        Some(r) => r,
                    });
                }
                Ok(Ok(n)) => n,
            };
            if n == 0 {
                return Ok(parse_reply(&buf, true).unwrap_or(Reply::Closed));
            }
            buf.extend_from_slice(&chunk[..n]);
            rec.note(crate::capture::Direction::ServerToClient, &chunk[..n]);
            // A first flight never needs more than a few certificate chains' worth of bytes.
            if buf.len() > 1 << 20 {
                return Ok(parse_reply(&buf, true).unwrap_or(Reply::Garbage(
                    "over 1 MiB without a complete first flight".into(),
                )));
            }
            if let Some(r) = parse_reply(&buf, false) {
                return Ok(r);
            }
        }
    }
}

fn io_reply(e: &std::io::Error) -> Reply {
    match e.kind() {
        std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => Reply::Reset,
        std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::UnexpectedEof => Reply::Closed,
        _ => Reply::Garbage(e.to_string()),
    }
}

/// Elapsed milliseconds since `t`.
pub fn elapsed_ms(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh_record(version: u16, suite: u16, exts: &[u8]) -> Vec<u8> {
        let mut body = vec![3, 3];
        body.extend_from_slice(&[0x11; 32]);
        body.push(0);
        body.extend_from_slice(&suite.to_be_bytes());
        body.push(0);
        if version == 0x0304 {
            let mut e = vec![0, 43, 0, 2, 3, 4];
            e.extend_from_slice(exts);
            body.extend_from_slice(&(e.len() as u16).to_be_bytes());
            body.extend_from_slice(&e);
        }
        let mut msg = vec![2, 0, 0, body.len() as u8];
        msg.extend_from_slice(&body);
        crate::wire::builder::wrap_records(22, 0x0303, &msg)
    }

    #[test]
    fn alert_first() {
        assert_eq!(
            parse_reply(&[21, 3, 3, 0, 2, 2, 40], false),
            Some(Reply::Alert {
                level: 2,
                description: 40
            })
        );
    }

    #[test]
    fn tls12_flight_waits_for_server_hello_done() {
        let mut b = sh_record(0x0303, 0xC02F, &[]);
        assert_eq!(parse_reply(&b, false), None);
        assert!(matches!(parse_reply(&b, true), Some(Reply::Hello(f)) if !f.complete));
        b.extend_from_slice(&[22, 3, 3, 0, 4, 14, 0, 0, 0]);
        let Some(Reply::Hello(f)) = parse_reply(&b, false) else {
            panic!()
        };
        assert!(f.complete);
        assert_eq!(f.server_hello.cipher_suite, 0xC02F);
    }

    #[test]
    fn tls13_server_hello_is_complete_alone() {
        let b = sh_record(0x0304, 0x1301, &[]);
        assert!(matches!(parse_reply(&b, false), Some(Reply::Hello(f)) if f.complete));
    }

    #[test]
    fn sslv2_server_hello() {
        // type 4, hit 0, cert type 1, version 0002, cert len 1, specs len 3, conn id len 0
        let m = [4, 0, 1, 0, 2, 0, 1, 0, 3, 0, 0, 0xAA, 1, 0, 0x80];
        let mut b = vec![0x80, m.len() as u8];
        b.extend_from_slice(&m);
        assert_eq!(
            parse_reply(&b, false),
            Some(Reply::Sslv2 {
                version: 2,
                cipher_specs: vec![0x010080],
                certificate: vec![0xAA],
            })
        );
    }

    #[test]
    fn empty_record_before_any_hello_is_named() {
        assert_eq!(
            parse_reply(&[22, 3, 3, 0, 0], false),
            Some(Reply::EmptyRecord)
        );
        assert_eq!(
            parse_reply(&[21, 3, 1, 0, 0], false),
            Some(Reply::EmptyRecord)
        );
    }

    #[test]
    fn nothing_to_audit_names_the_most_telling_answer() {
        let mut o = Outcomes::default();
        for r in [
            Reply::Timeout { received: 0 },
            Reply::Closed,
            Reply::Alert {
                level: 2,
                description: 40,
            },
        ] {
            o.record(&r);
        }
        let (code, msg) = o.nothing_to_audit(5.0).unwrap();
        assert_eq!(code, "alerts_only");
        assert!(msg.contains("only alerts: handshake_failure (40)"), "{msg}");
        let mut o = Outcomes::default();
        o.record(&Reply::Timeout { received: 3 });
        o.record(&Reply::Timeout { received: 0 });
        assert_eq!(
            o.nothing_to_audit(2.0),
            Some((
                "no_answer",
                "no complete answer within 2.0 s: the server sent only 3 bytes of it".into()
            ))
        );
        o.record(&Reply::Reset);
        assert_eq!(o.nothing_to_audit(2.0).unwrap().0, "reset");
        o.record(&Reply::HelloRetry(Box::new(
            ServerHello::decode(&sh_record(0x0304, 0x1301, &[])[9..]).unwrap(),
        )));
        assert_eq!(o.nothing_to_audit(2.0), None);
    }

    #[test]
    fn eof_and_garbage() {
        assert_eq!(parse_reply(&[], true), Some(Reply::Closed));
        assert_eq!(parse_reply(&[], false), None);
        assert!(matches!(
            parse_reply(b"HTTP/1.1 400 Bad", false),
            Some(Reply::Garbage(_))
        ));
    }
}
