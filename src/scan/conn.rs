//! One attempt on one address: TCP connect, the optional plaintext upgrade, and a rustls
//! handshake driven over a tokio socket. The configuration is built once per scan
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

use super::hooks::Upgrade;
use crate::handshake::{
    self, HandshakeError, InspectOptions, Negotiated, RecordingVerifier, SeenChain,
};

/// How much of the server's byte stream is kept: the ServerHello (for JA3S) and enough to
/// classify a failure. The rest of the flight is not needed and would cost memory per
/// connection.
const HEAD_LIMIT: usize = 8 * 1024;

/// The per-scan rustls client: a template configuration and the signature checker.
#[derive(Debug, Clone)]
pub struct Client {
    template: Arc<ClientConfig>,
    inner: Arc<WebPkiServerVerifier>,
}

impl Client {
    /// Builds the template from the single-target options (versions, ALPN, groups; SNI is set
    /// per connection).
    pub fn new(opts: &InspectOptions) -> Result<Self, HandshakeError> {
        let provider = handshake::provider_for(opts)?;
        let inner = handshake::webpki_verifier(opts, provider.clone())?;
        let placeholder =
            Arc::new(RecordingVerifier::new(inner.clone(), Arc::default(), false).record_only());
        let template = handshake::base_client_config(opts, provider, placeholder)?;
        Ok(Self {
            template: Arc::new(template),
            inner,
        })
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
    /// Address connected to.
    pub address: SocketAddr,
    /// What was negotiated.
    pub negotiated: Negotiated,
    /// The chain, OCSP staple and handshake-signature verdict.
    pub seen: SeenChain,
    /// The first bytes the server sent.
    pub head: Vec<u8>,
    /// TCP connect and TLS handshake milliseconds.
    pub tcp_ms: f64,
    /// TLS handshake milliseconds.
    pub tls_ms: f64,
    /// Why the handshake failed.
    pub failure: Option<HandshakeError>,
    /// Why the plaintext upgrade before TLS failed (then `failure` says the same).
    pub upgrade_failure: Option<String>,
}

/// Connects within `limit` (and before `deadline`).
pub async fn connect(
    addr: SocketAddr,
    limit: Duration,
    deadline: Instant,
) -> Result<TcpStream, HandshakeError> {
    let until = deadline.min(Instant::now() + limit);
    match timeout_at(until, TcpStream::connect(addr)).await {
        Err(_) => Err(HandshakeError::Net(crate::net::NetError::ConnectTimeout {
            addr: addr.to_string(),
            secs: limit.as_secs_f64(),
        })),
        Ok(Err(e)) => Err(HandshakeError::Connect {
            addr: addr.to_string(),
            reason: handshake::io_reason(&e),
        }),
        Ok(Ok(s)) => Ok(s),
    }
}

/// Connects and performs one handshake. `Err` only when no TCP connection was made.
#[allow(clippy::too_many_arguments)]
pub async fn attempt(
    client: &Client,
    addr: SocketAddr,
    name: &str,
    send_sni: bool,
    upgrade: Option<&dyn Upgrade>,
    connect_limit: Duration,
    handshake_limit: Duration,
    deadline: Instant,
) -> Result<Attempt, HandshakeError> {
    let t0 = Instant::now();
    let mut tcp = connect(addr, connect_limit, deadline).await?;
    let tcp_ms = ms(t0.elapsed());
    let _ = tcp.set_nodelay(true);
    let t1 = Instant::now();
    let hs_deadline = deadline.min(t1 + handshake_limit);
    let seen = Arc::new(Mutex::new(SeenChain::default()));
    let mut head = Vec::new();
    let mut negotiated = Negotiated::default();
    let upgrade_failure = match upgrade {
        Some(u) => match timeout_at(hs_deadline, u.upgrade(&mut tcp, hs_deadline.into_std())).await
        {
            Ok(r) => r.err(),
            Err(_) => Some(format!("{} upgrade timed out", u.name())),
        },
        None => None,
    };
    let failure = upgrade_failure
        .as_ref()
        .map(|e| HandshakeError::Config(format!("STARTTLS failed: {e}")));
    let failure = match failure {
        Some(f) => Some(f),
        None => {
            let server_name = ServerName::try_from(name.to_string()).map_err(|_| {
                HandshakeError::Config(format!("'{name}' is not a valid server name"))
            })?;
            let cfg = client.config(seen.clone(), send_sni);
            match ClientConnection::new(cfg, server_name) {
                Err(e) => Some(HandshakeError::Config(e.to_string())),
                Ok(mut conn) => {
                    let r =
                        drive(&mut conn, &mut tcp, &mut head, hs_deadline, handshake_limit).await;
                    negotiated = Negotiated::of(&conn);
                    if r.is_ok() {
                        // Polite close; nothing waits for the server's answer.
                        conn.send_close_notify();
                        let mut out = Vec::new();
                        let _ = conn.write_tls(&mut out);
                        let _ = tcp.try_write(&out);
                    }
                    r.err()
                }
            }
        }
    };
    let tls_ms = ms(t1.elapsed());
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let failure = failure.map(|f| handshake::refine_failure(f, &seen));
    Ok(Attempt {
        address: addr,
        negotiated,
        seen,
        head,
        tcp_ms,
        tls_ms,
        failure,
        upgrade_failure,
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
    loop {
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
