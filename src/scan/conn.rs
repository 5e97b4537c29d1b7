//! One attempt on one address: the connection through the net layer (a plain TCP connect on
//! tokio, or [`net::open_async`] when a proxy or a STARTTLS upgrade is on the way), then a
//! rustls handshake driven over the tokio socket. The configuration is built once per scan
//! ([`Client`]); each connection gets a clone with its own [`RecordingVerifier`], the same
//! verifier `tlsight handshake` uses, in record-only mode because the chain is judged per store
//! afterwards. Failures are classified by the same functions as the single-target handshake.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};

use crate::handshake::{
    self, EngineName, HandshakeError, InspectOptions, Negotiated, RecordingVerifier, SeenChain,
    Target,
};
use crate::net::{self, Exchange, NetError, NetOptions, OpenTimings, Protocol, Proxy, Starttls};
use crate::x509::PossessionStatus;

/// How much of the server's byte stream is kept: the ServerHello (for JA3S) and enough to
/// classify a failure. The rest of the flight is not needed and would cost memory per
/// connection.
const HEAD_LIMIT: usize = 8 * 1024;

/// Which STARTTLS upgrade a target gets (`--starttls`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StarttlsChoice {
    /// The protocol of a well-known plaintext port (25, 587, 143, ...), as the single-target
    /// commands choose it; none on other ports.
    #[default]
    ByPort,
    /// Never (`--starttls none`).
    Off,
    /// This protocol on every target.
    Always(Protocol),
}

/// How every target is reached: through a proxy or not, with which upgrade.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// `--proxy`.
    pub proxy: Option<Proxy>,
    /// `--starttls`.
    pub starttls: StarttlsChoice,
    /// XMPP's stream domain for every target (default: the target's SNI name or host).
    pub xmpp_host: Option<String>,
}

impl Reach {
    /// The net layer's options for one target on `port`, named `name` (SNI or host).
    pub fn for_target(&self, port: u16, name: &str) -> NetOptions {
        let starttls = match self.starttls {
            StarttlsChoice::Off => None,
            StarttlsChoice::Always(p) => Some(Starttls::new(p)),
            StarttlsChoice::ByPort => Protocol::for_port(port).map(|p| Starttls {
                from_port: true,
                ..Starttls::new(p)
            }),
        }
        .map(|mut s| {
            if s.protocol == Protocol::Xmpp {
                s.xmpp_host = Some(self.xmpp_host.clone().unwrap_or_else(|| name.to_string()));
            }
            s
        });
        NetOptions {
            proxy: self.proxy.clone(),
            starttls,
        }
    }
}

/// The per-scan client: a rustls template configuration and the signature checker, and the
/// options tlsight's engine is configured from.
#[derive(Debug, Clone)]
pub struct Client {
    template: Arc<ClientConfig>,
    inner: Arc<WebPkiServerVerifier>,
    opts: Arc<InspectOptions>,
}

impl Client {
    /// Builds the template from the single-target options (versions, ALPN, groups; SNI is set
    /// per connection). Suites go in browsers' order, so a server that honours the client's
    /// preference answers what a browser gets.
    pub fn new(opts: &InspectOptions) -> Result<Self, HandshakeError> {
        let provider = Arc::new(handshake::with_browser_suite_order(
            &*handshake::provider_for(opts)?,
        ));
        let inner = handshake::webpki_verifier(opts, provider.clone())?;
        let placeholder =
            Arc::new(RecordingVerifier::new(inner.clone(), Arc::default(), false).record_only());
        let template = handshake::base_client_config(opts, provider, placeholder)?;
        Ok(Self {
            template: Arc::new(template),
            inner,
            opts: Arc::new(opts.clone()),
        })
    }

    /// Whether rustls speaks first (`--engine auto|rustls`, and a choice rustls can offer).
    pub fn rustls_first(&self) -> bool {
        match self.opts.engine {
            handshake::EngineChoice::Rustls => true,
            handshake::EngineChoice::Tlsight => false,
            handshake::EngineChoice::Auto => {
                !self.opts.versions.rustls_versions().is_empty() || !self.engine_can()
            }
        }
    }

    /// Whether tlsight's engine may take over when rustls cannot negotiate.
    pub fn engine_fallback(&self) -> bool {
        self.opts.engine == handshake::EngineChoice::Auto && self.engine_can()
    }

    fn engine_can(&self) -> bool {
        handshake::engine::engine_config(&self.opts).is_ok()
    }

    fn config(&self, seen: Arc<Mutex<SeenChain>>, sni: bool) -> Arc<ClientConfig> {
        let mut cfg = (*self.template).clone();
        cfg.dangerous().set_certificate_verifier(Arc::new(
            RecordingVerifier::new(self.inner.clone(), seen, false).record_only(),
        ));
        cfg.enable_sni = sni;
        Arc::new(cfg)
    }
}

/// What one attempt produced.
#[derive(Debug)]
pub struct Attempt {
    /// Address connected to (the proxy's, through a proxy).
    pub address: SocketAddr,
    /// What was negotiated.
    pub negotiated: Negotiated,
    /// The chain, OCSP staple and handshake-signature verdict.
    pub seen: SeenChain,
    /// The first bytes the server sent.
    pub head: Vec<u8>,
    /// DNS, TCP connect, proxy and STARTTLS milliseconds.
    pub open: OpenTimings,
    /// TLS handshake milliseconds.
    pub tls_ms: f64,
    /// The plaintext exchange before TLS (`--starttls`).
    pub exchange: Option<Exchange>,
    /// Why the handshake failed.
    pub failure: Option<HandshakeError>,
    /// Which implementation spoke.
    pub engine: EngineName,
    /// Why tlsight's engine spoke instead of rustls.
    pub engine_fallback: Option<String>,
}

/// Where one attempt goes.
#[derive(Debug, Clone, Copy)]
pub struct Dial<'a> {
    /// The target by name (a proxy resolves it; XMPP names it).
    pub target: &'a Target,
    /// Its address, resolved here (`None`: the proxy resolves the name).
    pub addr: Option<SocketAddr>,
    /// Proxy and upgrade.
    pub net: &'a NetOptions,
}

/// Per-attempt limits.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// Name resolution (by the net layer, through a proxy's route).
    pub dns: Duration,
    /// TCP connect.
    pub connect: Duration,
    /// STARTTLS exchange and TLS handshake.
    pub handshake: Duration,
    /// The target's deadline, which no phase outlives.
    pub deadline: Instant,
}

/// Opens the connection through the net layer. A plain route is one tokio connect (no thread
/// per connection); a proxy or an upgrade runs [`net::open_async`] under the deadline.
async fn open(
    dial: Dial<'_>,
    lim: AttemptLimits,
) -> Result<(TcpStream, SocketAddr, OpenTimings, Option<Exchange>), NetError> {
    let left = lim.deadline.saturating_duration_since(Instant::now());
    let plain = dial.net.proxy.is_none() && dial.net.starttls.is_none();
    match (plain, dial.addr) {
        (true, Some(addr)) => {
            let t0 = Instant::now();
            let s = net::connect_async(addr, lim.connect.min(left)).await?;
            let timings = OpenTimings {
                tcp_connect: ms(t0.elapsed()),
                ..OpenTimings::default()
            };
            Ok((s, addr, timings, None))
        }
        _ => {
            let (target, timeouts, _) = route(dial, lim);
            let budget = lim.connect + lim.handshake + lim.dns;
            let until = lim.deadline.min(Instant::now() + budget);
            let net_opts = dial.net.clone();
            match timeout_at(until, net::open_async(target, net_opts, timeouts)).await {
                Err(_) => Err(NetError::ConnectTimeout {
                    addr: dial.target.to_string(),
                    secs: left.min(budget).as_secs_f64(),
                }),
                Ok(r) => r.map(|(s, o)| (s, o.address, o.timings, o.exchange)),
            }
        }
    }
}

/// Connects and performs one handshake. `Err` when no connection ready for TLS was made (the
/// STARTTLS exchange so far is in the error).
pub async fn attempt(
    client: &Client,
    dial: Dial<'_>,
    name: &str,
    send_sni: bool,
    lim: AttemptLimits,
) -> Result<Attempt, HandshakeError> {
    let server_name = ServerName::try_from(name.to_string())
        .map_err(|_| HandshakeError::Config(format!("'{name}' is not a valid server name")))?;
    let (mut tcp, address, open_timings, exchange) =
        open(dial, lim).await.map_err(HandshakeError::Net)?;
    let t1 = Instant::now();
    let hs_deadline = lim.deadline.min(t1 + lim.handshake);
    let seen = Arc::new(Mutex::new(SeenChain::default()));
    let mut head = Vec::new();
    let mut negotiated = Negotiated::default();
    let cfg = client.config(seen.clone(), send_sni);
    let failure = match ClientConnection::new(cfg, server_name) {
        Err(e) => Some(HandshakeError::Config(e.to_string())),
        Ok(mut conn) => {
            let r = drive(&mut conn, &mut tcp, &mut head, hs_deadline, lim.handshake).await;
            negotiated = Negotiated::of(&conn);
            r.err()
        }
    };
    let tls_ms = ms(t1.elapsed());
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(|p| p.into_inner()));
    let failure = failure.map(|f| handshake::refine_failure(f, &seen));
    Ok(Attempt {
        address,
        negotiated,
        seen,
        head,
        open: open_timings,
        tls_ms,
        exchange,
        failure,
        engine: EngineName::Rustls,
        engine_fallback: None,
    })
}

/// The net layer's target and timeouts for a route that runs on a thread.
fn route(dial: Dial<'_>, lim: AttemptLimits) -> (Target, net::Timeouts, Duration) {
    let left = lim.deadline.saturating_duration_since(Instant::now());
    // By address unless a proxy resolves the name.
    let target = match (dial.addr, &dial.net.proxy) {
        (Some(a), None) => Target {
            host: a.ip().to_string(),
            port: a.port(),
        },
        _ => dial.target.clone(),
    };
    let timeouts = net::Timeouts {
        dns: lim.dns.min(left),
        connect: lim.connect.min(left),
        io: lim.handshake.min(left),
    };
    (target, timeouts, left)
}

/// One handshake with tlsight's own TLS 1.0-1.2 engine on a new connection along the same
/// route, for a server rustls could not negotiate with (TLS 1.0/1.1 only, RSA key transport
/// only, CBC only...): the engine of `handshake --engine auto`, which is blocking code, on a
/// thread under the deadline. `Err` when no connection ready for TLS was made.
pub async fn engine_attempt(
    client: &Client,
    dial: Dial<'_>,
    name: &str,
    send_sni: bool,
    lim: AttemptLimits,
) -> Result<Attempt, HandshakeError> {
    let (target, timeouts, left) = route(dial, lim);
    let mut opts = (*client.opts).clone();
    opts.target = dial.target.clone();
    opts.sni = send_sni.then(|| name.to_string());
    opts.verify_name = Some(name.to_string());
    opts.timeouts.handshake = lim.handshake.min(left);
    let net_opts = dial.net.clone();
    let job = tokio::task::spawn_blocking(move || {
        let opened = net::open(&target, &net_opts, timeouts)?;
        let t = opened.timings;
        let ins = handshake::engine::inspect_stream(
            &opts,
            opened.stream,
            opened.address,
            t.dns,
            t.tcp_connect,
        )?;
        Ok::<_, HandshakeError>((ins, t, opened.exchange))
    });
    let budget = lim.connect + lim.handshake.saturating_mul(2) + lim.dns;
    let (ins, open_timings, exchange) =
        match timeout_at(lim.deadline.min(Instant::now() + budget), job).await {
            Err(_) => {
                return Err(HandshakeError::Timeout {
                    secs: left.min(budget).as_secs_f64(),
                });
            }
            Ok(Err(e)) => return Err(HandshakeError::Config(format!("engine thread: {e}"))),
            Ok(Ok(r)) => r?,
        };
    let possession = ins.key_possession();
    let (mut head, _) = ins
        .transcript
        .stream(crate::capture::Direction::ServerToClient);
    head.truncate(HEAD_LIMIT);
    let mut seen = ins.seen;
    // The proof the engine checked: a ServerKeyExchange signature, or for RSA key transport
    // the server's Finished.
    seen.signature_valid = match possession.status {
        PossessionStatus::Proven => Some(true),
        PossessionStatus::Failed => Some(false),
        PossessionStatus::NotShown => None,
    };
    seen.proof = possession.proof;
    Ok(Attempt {
        address: ins.address,
        negotiated: ins.negotiated,
        seen,
        head,
        open: open_timings,
        tls_ms: ins.timings.tls_handshake,
        exchange,
        failure: ins.failure,
        engine: EngineName::Tlsight,
        engine_fallback: None,
    })
}

/// The server's bytes cut to whole records when the head limit cut one (so a record we did not
/// keep is not mistaken for one the server truncated).
fn whole_records(head: &[u8]) -> &[u8] {
    if head.len() < HEAD_LIMIT {
        return head;
    }
    let (records, _) = crate::wire::split_records(head);
    let end: usize = records.iter().map(|r| r.wire_len()).sum();
    &head[..end.min(head.len())]
}

/// rustls reads and writes the socket directly through tokio's non-blocking calls, so no
/// transfer buffer is kept per connection; the first bytes from the server are teed into
/// `head`.
struct Io<'a> {
    tcp: &'a TcpStream,
    head: &'a mut Vec<u8>,
}

impl std::io::Read for Io<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.tcp.try_read(buf)?;
        if self.head.len() < HEAD_LIMIT {
            let take = n.min(HEAD_LIMIT - self.head.len());
            self.head.extend_from_slice(&buf[..take]);
        }
        Ok(n)
    }
}

impl std::io::Write for Io<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tcp.try_write(buf)
    }
    /// rustls hands over its queued records at once (ChangeCipherSpec, Finished, close_notify):
    /// one system call and one TCP segment rather than one each.
    fn write_vectored(&mut self, bufs: &[std::io::IoSlice<'_>]) -> std::io::Result<usize> {
        self.tcp.try_write_vectored(bufs)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn drive(
    conn: &mut ClientConnection,
    tcp: &mut TcpStream,
    head: &mut Vec<u8>,
    deadline: Instant,
    limit: Duration,
) -> Result<(), HandshakeError> {
    let timeout = || HandshakeError::Timeout {
        secs: limit.as_secs_f64(),
    };
    let io_err = |e: std::io::Error| HandshakeError::Io(handshake::io_reason(&e));
    let mut closing = false;
    loop {
        if !conn.is_handshaking() && !closing {
            // Done: a polite close_notify leaves with our last flight, and nothing waits for
            // the server's answer.
            conn.send_close_notify();
            closing = true;
        }
        while conn.wants_write() {
            match conn.write_tls(&mut Io { tcp, head }) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    match timeout_at(deadline, tcp.writable()).await {
                        Err(_) => return Err(timeout()),
                        Ok(r) => r.map_err(io_err)?,
                    }
                }
                Err(e) => return Err(io_err(e)),
            }
        }
        if !conn.is_handshaking() {
            return Ok(());
        }
        match conn.read_tls(&mut Io { tcp, head }) {
            Ok(0) => {
                if let Err(e) = conn.process_new_packets() {
                    return Err(handshake::classify_tls_error(e, whole_records(head)));
                }
                return Err(handshake::classify_eof(whole_records(head)));
            }
            Ok(_) => {
                if let Err(e) = conn.process_new_packets() {
                    // Send our alert so the server sees why.
                    let _ = conn.write_tls(&mut Io { tcp, head });
                    return Err(handshake::classify_tls_error(e, whole_records(head)));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                match timeout_at(deadline, tcp.readable()).await {
                    Err(_) => return Err(timeout()),
                    Ok(r) => r.map_err(io_err)?,
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(handshake::classify_not_tls(whole_records(head))
                    .unwrap_or(HandshakeError::Tls(e.to_string())));
            }
            Err(e) => return Err(io_err(e)),
        }
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
