//! Real handshakes with rustls (ring provider): connect with a timeout, tee every byte into a
//! [`Transcript`], keep the session's key-log secrets, record the chain and trust verdict, and
//! report what was negotiated. Decoding and decryption of the transcript happen elsewhere
//! ([`crate::wire`], [`crate::crypto`]); this module owns the socket.

pub mod fetch;
pub mod legacy12;
pub mod messages;
pub mod pq;
pub mod proxy;
pub mod replay;
pub mod server;
pub mod target;
pub mod verifier;

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use crate::capture::{KeyLogSecrets, Recorder, RecordingKeyLog, Transcript};
pub use target::Target;
pub use verifier::{RecordingVerifier, SeenChain, error_code};

/// The crypto provider for real handshakes: ring, plus the post-quantum hybrids of [`pq`].
/// Groups in the order current browsers offer them: X25519MLKEM768 first (rustls then sends
/// its share and a plain x25519 share, reusing the x25519 key), then x25519, secp256r1,
/// secp384r1; SecP256r1MLKEM768 and SecP384r1MLKEM1024 last (listed, no share: a server that
/// accepts only those asks for one by HelloRetryRequest).
pub fn provider() -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    let mut groups = vec![pq::X25519MLKEM768];
    groups.extend(p.kx_groups.iter().copied());
    groups.extend([pq::SECP256R1MLKEM768, pq::SECP384R1MLKEM1024]);
    p.kx_groups = groups;
    Arc::new(p)
}

/// Which protocol versions to offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VersionChoice {
    /// TLS 1.2 and 1.3.
    #[default]
    Any,
    /// TLS 1.2 only.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// Limits for network operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Name resolution.
    pub dns: Duration,
    /// TCP connect, per address.
    pub connect: Duration,
    /// The whole TLS handshake, and each read inside it.
    pub handshake: Duration,
    /// How long to wait after the handshake for post-handshake messages (NewSessionTicket).
    pub linger: Duration,
}

impl Timeouts {
    /// Every phase bounded by `secs` seconds; the linger is short so inspection stays quick.
    pub fn uniform(total: Duration) -> Self {
        Self {
            dns: total,
            connect: total,
            handshake: total,
            linger: Duration::from_millis(250).min(total),
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self::uniform(Duration::from_secs(10))
    }
}

/// What to do.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// Where to connect.
    pub target: Target,
    /// SNI to send; `None` sends no server_name extension.
    pub sni: Option<String>,
    /// Name the certificate must match (defaults to the SNI, else the host).
    pub verify_name: Option<String>,
    /// Versions to offer.
    pub versions: VersionChoice,
    /// ALPN protocols to offer.
    pub alpn: Vec<Vec<u8>>,
    /// Extra trust anchors in addition to Mozilla's roots.
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Only the extra anchors, not Mozilla's (for tests and `--ca-only`).
    pub only_extra_roots: bool,
    /// Key-exchange groups to offer, in order (X25519MLKEM768, X25519, secp256r1, secp384r1,
    /// SecP256r1MLKEM768, SecP384r1MLKEM1024);
    /// empty = provider default.
    pub groups: Vec<rustls::NamedGroup>,
    /// Signature schemes to offer (signature_algorithms); empty = all webpki verifies.
    pub sig_schemes: Vec<rustls::SignatureScheme>,
    /// Limits.
    pub timeouts: Timeouts,
    /// Fail the handshake on an untrusted chain (verify mode) instead of recording it.
    pub enforce_trust: bool,
    /// Where to leave the transcript and secrets for a capture file (`--pcap`).
    pub tap: Option<&'static crate::capture::Tap>,
}

impl InspectOptions {
    /// Defaults for a target: SNI = host name (none for IP literals, which SNI forbids).
    pub fn new(target: Target) -> Self {
        let sni = if target.ip().is_some() {
            None
        } else {
            Some(target.host.clone())
        };
        Self {
            target,
            sni,
            verify_name: None,
            versions: VersionChoice::Any,
            alpn: Vec::new(),
            extra_roots: Vec::new(),
            only_extra_roots: false,
            groups: Vec::new(),
            sig_schemes: Vec::new(),
            timeouts: Timeouts::default(),
            enforce_trust: false,
            tap: None,
        }
    }
}

/// Milliseconds spent in each phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    /// Name resolution (0 for IP literals).
    pub dns: f64,
    /// TCP three-way handshake.
    pub tcp_connect: f64,
    /// From the first ClientHello byte to handshake completion.
    pub tls_handshake: f64,
}

/// What rustls negotiated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Negotiated {
    /// Protocol version code point.
    pub version: Option<u16>,
    /// Cipher suite code point.
    pub cipher_suite: Option<u16>,
    /// Key-exchange group code point.
    pub group: Option<u16>,
    /// ALPN protocol.
    pub alpn: Option<String>,
    /// "full", "full_with_hello_retry_request" or "resumed".
    pub handshake_kind: Option<&'static str>,
}

/// The result of one inspected connection, complete or not.
#[derive(Debug)]
pub struct Inspection {
    /// The target.
    pub target: Target,
    /// The address actually connected to.
    pub address: SocketAddr,
    /// SNI sent.
    pub sni: Option<String>,
    /// Every byte both ways.
    pub transcript: Transcript,
    /// The session's secrets, from rustls' key log.
    pub secrets: KeyLogSecrets,
    /// What was negotiated (empty when the handshake failed early).
    pub negotiated: Negotiated,
    /// The chain and verdict the verifier saw.
    pub seen: SeenChain,
    /// Phase timings.
    pub timings: Timings,
    /// Why the handshake did not complete, if it did not.
    pub failure: Option<HandshakeError>,
}

/// Why an inspection could not run or did not complete.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The target string is not `HOST[:PORT]`.
    #[error("bad target '{target}': {reason}")]
    BadTarget {
        /// What was given.
        target: String,
        /// What is wrong.
        reason: String,
    },
    /// Name resolution failed.
    #[error("DNS lookup of {host} failed: {reason}")]
    Dns {
        /// The name.
        host: String,
        /// Resolver message.
        reason: String,
    },
    /// No answer from the resolver in time.
    #[error("DNS lookup of {host} timed out after {secs:.1}s")]
    DnsTimeout {
        /// The name.
        host: String,
        /// The limit.
        secs: f64,
    },
    /// TCP connect failed (refused, unreachable).
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// The address.
        addr: String,
        /// OS message.
        reason: String,
    },
    /// TCP connect did not finish in time.
    #[error("connection to {addr} timed out after {secs:.1}s")]
    ConnectTimeout {
        /// The address.
        addr: String,
        /// The limit.
        secs: f64,
    },
    /// The server stopped answering mid-handshake.
    #[error("server sent nothing for {secs:.1}s during the handshake (silent server?)")]
    Timeout {
        /// The limit.
        secs: f64,
    },
    /// The server closed the connection before the handshake completed.
    #[error("server closed the connection during the handshake{}", after.as_ref().map(|a| format!(" after {a}")).unwrap_or_default())]
    Closed {
        /// The last message seen from the server, if any.
        after: Option<String>,
    },
    /// The server's bytes are not TLS.
    #[error("server does not speak TLS: {0}")]
    NotTls(String),
    /// The server sent a fatal alert.
    #[error("server sent alert {0}")]
    Alert(String),
    /// The server's handshake signature does not verify with its certificate's key.
    #[error(
        "server's handshake signature does not verify with the certificate it sent: it does not hold the private key ({0})"
    )]
    KeyPossession(String),
    /// Any other TLS failure.
    #[error("TLS handshake failed: {0}")]
    Tls(String),
    /// Socket error mid-handshake.
    #[error("network error during the handshake: {0}")]
    Io(String),
    /// Invalid local settings.
    #[error("{0}")]
    Config(String),
}

/// Resolves the target with a timeout (std's resolver has none, so it runs on a thread).
pub fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>, HandshakeError> {
    if let Some(ip) = target.ip() {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let query = (target.host.clone(), target.port);
    std::thread::spawn(move || {
        let _ = tx.send(query.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(HandshakeError::Dns {
            host: target.host.clone(),
            reason: "no addresses".into(),
        }),
        Ok(Err(e)) => Err(HandshakeError::Dns {
            host: target.host.clone(),
            reason: e.to_string(),
        }),
        Err(_) => Err(HandshakeError::DnsTimeout {
            host: target.host.clone(),
            secs: timeout.as_secs_f64(),
        }),
    }
}

/// Connects to the first address that answers.
pub fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, HandshakeError> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock => {
                last = Some(HandshakeError::ConnectTimeout {
                    addr: addr.to_string(),
                    secs: timeout.as_secs_f64(),
                })
            }
            Err(e) => {
                last = Some(HandshakeError::Connect {
                    addr: addr.to_string(),
                    reason: io_reason(&e),
                })
            }
        }
    }
    Err(last.unwrap_or_else(|| HandshakeError::Config("no address to connect to".into())))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::HostUnreachable => "host unreachable".into(),
        ErrorKind::NetworkUnreachable => "network unreachable".into(),
        _ => e.to_string(),
    }
}

/// Builds the per-connection rustls configuration: our provider, the chosen versions, a
/// recording verifier over Mozilla's roots plus the extra anchors, our key log, no resumption.
pub fn client_config(
    opts: &InspectOptions,
    seen: Arc<Mutex<SeenChain>>,
    keylog: Arc<RecordingKeyLog>,
) -> Result<ClientConfig, HandshakeError> {
    let mut provider = (*provider()).clone();
    if !opts.groups.is_empty() {
        let all = provider.kx_groups.clone();
        provider.kx_groups = opts
            .groups
            .iter()
            .filter_map(|g| all.iter().find(|k| k.name() == *g).copied())
            .collect();
        if provider.kx_groups.is_empty() {
            return Err(HandshakeError::Config(
                "none of the requested groups can be offered (X25519MLKEM768, x25519, secp256r1, secp384r1, SecP256r1MLKEM768, SecP384r1MLKEM1024)".into(),
            ));
        }
    }
    let provider = Arc::new(provider);
    let mut roots = RootCertStore::empty();
    if !opts.only_extra_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for c in &opts.extra_roots {
        roots
            .add(c.clone())
            .map_err(|e| HandshakeError::Config(format!("unusable --ca certificate: {e}")))?;
    }
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| HandshakeError::Config(format!("cannot build verifier: {e}")))?;
    let versions: &[&rustls::SupportedProtocolVersion] = match opts.versions {
        VersionChoice::Any => rustls::ALL_VERSIONS,
        VersionChoice::Tls12 => &[&rustls::version::TLS12],
        VersionChoice::Tls13 => &[&rustls::version::TLS13],
    };
    let mut cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .map_err(|e| HandshakeError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier({
            let v = RecordingVerifier::new(inner, seen, opts.enforce_trust);
            Arc::new(if opts.sig_schemes.is_empty() {
                v
            } else {
                v.offering(opts.sig_schemes.clone())
            })
        })
        .with_no_client_auth();
    cfg.alpn_protocols = opts.alpn.clone();
    cfg.key_log = keylog;
    cfg.resumption = rustls::client::Resumption::disabled();
    cfg.enable_sni = opts.sni.is_some();
    Ok(cfg)
}

/// Performs one handshake and records it. `Err` only when no connection was made (bad target,
/// DNS, TCP); a failed handshake returns an `Inspection` with `failure` set and the partial
/// transcript, so the caller can still show what was exchanged.
pub fn inspect(opts: &InspectOptions) -> Result<Inspection, HandshakeError> {
    let t_dns = Instant::now();
    let addrs = resolve(&opts.target, opts.timeouts.dns)?;
    let dns_ms = if opts.target.ip().is_some() {
        0.0
    } else {
        ms(t_dns.elapsed())
    };
    let t_tcp = Instant::now();
    let tcp = connect(&addrs, opts.timeouts.connect)?;
    let tcp_ms = ms(t_tcp.elapsed());
    let address = tcp
        .peer_addr()
        .map_err(|e| HandshakeError::Io(e.to_string()))?;
    inspect_stream(opts, tcp, address, dns_ms, tcp_ms)
}

/// Runs the handshake on an already connected socket (also used by tests and proxies).
pub fn inspect_stream(
    opts: &InspectOptions,
    tcp: TcpStream,
    address: SocketAddr,
    dns_ms: f64,
    tcp_ms: f64,
) -> Result<Inspection, HandshakeError> {
    let _ = tcp.set_nodelay(true);
    tcp.set_read_timeout(Some(opts.timeouts.handshake))
        .and_then(|_| tcp.set_write_timeout(Some(opts.timeouts.handshake)))
        .map_err(|e| HandshakeError::Io(e.to_string()))?;

    let seen = Arc::new(Mutex::new(SeenChain::default()));
    let keylog = Arc::new(RecordingKeyLog::default());
    let cfg = client_config(opts, seen.clone(), keylog.clone())?;

    // The name rustls verifies against; SNI is sent only when enable_sni is set.
    let name_text = opts
        .verify_name
        .clone()
        .or_else(|| opts.sni.clone())
        .unwrap_or_else(|| opts.target.host.clone());
    let server_name = ServerName::try_from(name_text.clone())
        .map_err(|_| HandshakeError::Config(format!("'{name_text}' is not a valid server name")))?;
    let mut conn = ClientConnection::new(Arc::new(cfg), server_name)
        .map_err(|e| HandshakeError::Config(e.to_string()))?;

    let log = Arc::new(Mutex::new(
        Transcript::new(Some(opts.target.to_string()))
            .with_endpoints(tcp.local_addr().ok(), Some(address)),
    ));
    let start = Instant::now();
    let mut sock = Recorder::new(tcp, start, log.clone());
    let deadline = start + opts.timeouts.handshake;
    let failure = drive_handshake(&mut conn, &mut sock, deadline, &log).err();
    let tls_ms = ms(start.elapsed());

    if failure.is_none() {
        linger_for_tickets(&mut conn, &mut sock, opts.timeouts.linger);
        conn.send_close_notify();
        let _ = conn.write_tls(&mut sock);
    }

    let negotiated = Negotiated {
        version: conn.protocol_version().map(u16::from),
        cipher_suite: conn.negotiated_cipher_suite().map(|s| u16::from(s.suite())),
        group: conn
            .negotiated_key_exchange_group()
            .map(|g| u16::from(g.name())),
        alpn: conn
            .alpn_protocol()
            .map(|a| String::from_utf8_lossy(a).into_owned()),
        handshake_kind: conn.handshake_kind().map(|k| match k {
            rustls::HandshakeKind::Full => "full",
            rustls::HandshakeKind::FullWithHelloRetryRequest => "full_with_hello_retry_request",
            rustls::HandshakeKind::Resumed => "resumed",
        }),
    };
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let failure = failure.map(|f| refine_failure(f, &seen));
    let transcript = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let secrets = keylog.secrets();
    if let Some(tap) = opts.tap {
        tap.push(transcript.clone(), &secrets);
    }
    Ok(Inspection {
        target: opts.target.clone(),
        address,
        sni: opts.sni.clone(),
        transcript,
        secrets,
        negotiated,
        seen,
        timings: Timings {
            dns: dns_ms,
            tcp_connect: tcp_ms,
            tls_handshake: tls_ms,
        },
        failure,
    })
}

impl Inspection {
    /// What this handshake proved about the leaf key. rustls verifies the CertificateVerify
    /// (TLS 1.3) or ServerKeyExchange (TLS 1.2 ECDHE) signature; it offers no RSA key transport,
    /// so a Finished-only proof never comes from here.
    pub fn key_possession(&self) -> crate::x509::KeyPossession {
        let proof = self.seen.proof.or(match self.negotiated.version {
            Some(0x0304) => Some(crate::x509::ProofKind::CertificateVerify),
            Some(_) => Some(crate::x509::ProofKind::ServerKeyExchange),
            None => None,
        });
        let failure = self.failure.as_ref().map(|f| f.to_string());
        crate::x509::KeyPossession::from_signature(
            self.seen.signature_valid,
            proof,
            failure.as_deref(),
        )
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

/// A bad handshake signature is a key-possession failure, whatever rustls called it.
fn refine_failure(f: HandshakeError, seen: &SeenChain) -> HandshakeError {
    match (f, seen.signature_valid) {
        (HandshakeError::Tls(m), Some(false)) => HandshakeError::KeyPossession(m),
        (f, _) => f,
    }
}

fn drive_handshake(
    conn: &mut ClientConnection,
    sock: &mut Recorder<TcpStream>,
    deadline: Instant,
    log: &Arc<Mutex<Transcript>>,
) -> Result<(), HandshakeError> {
    while conn.is_handshaking() {
        while conn.wants_write() {
            conn.write_tls(sock)
                .map_err(|e| HandshakeError::Io(io_reason(&e)))?;
        }
        if !conn.is_handshaking() {
            break;
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(HandshakeError::Timeout {
                secs: deadline_secs(sock),
            });
        }
        let _ = sock.get_ref().set_read_timeout(Some(remaining));
        match conn.read_tls(sock) {
            Ok(0) => {
                // EOF: rustls may still hold an alert it has not processed.
                if let Err(e) = conn.process_new_packets() {
                    return Err(classify_tls_error(e, log));
                }
                return Err(classify_eof(log));
            }
            Ok(_) => {
                if let Err(e) = conn.process_new_packets() {
                    // Flush our own alert so the server sees why.
                    let _ = conn.write_tls(sock);
                    return Err(classify_tls_error(e, log));
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(HandshakeError::Timeout {
                    secs: deadline_secs(sock),
                });
            }
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                // rustls refuses bytes that are not TLS records, before process_new_packets.
                return Err(classify_not_tls(log).unwrap_or(HandshakeError::Tls(e.to_string())));
            }
            Err(e) => return Err(HandshakeError::Io(io_reason(&e))),
        }
    }
    while conn.wants_write() {
        conn.write_tls(sock)
            .map_err(|e| HandshakeError::Io(io_reason(&e)))?;
    }
    Ok(())
}

fn deadline_secs(sock: &Recorder<TcpStream>) -> f64 {
    sock.get_ref()
        .read_timeout()
        .ok()
        .flatten()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

fn server_stream(log: &Arc<Mutex<Transcript>>) -> Vec<u8> {
    let t = log.lock().unwrap_or_else(|p| p.into_inner());
    t.stream(crate::capture::Direction::ServerToClient).0
}

fn classify_not_tls(log: &Arc<Mutex<Transcript>>) -> Option<HandshakeError> {
    let s = server_stream(log);
    let (_, err) = crate::wire::split_records(&s);
    match err {
        Some(e @ crate::wire::WireError::NotTls { .. }) => {
            let preview: String = s
                .iter()
                .take(40)
                .map(|&b| {
                    if (0x20..0x7f).contains(&b) {
                        b as char
                    } else {
                        '.'
                    }
                })
                .collect();
            Some(HandshakeError::NotTls(format!(
                "{e}; first bytes: \"{preview}\""
            )))
        }
        Some(e @ crate::wire::WireError::RecordOverflow { .. }) => {
            Some(HandshakeError::NotTls(e.to_string()))
        }
        _ => None,
    }
}

fn classify_eof(log: &Arc<Mutex<Transcript>>) -> HandshakeError {
    if let Some(e) = classify_not_tls(log) {
        return e;
    }
    let s = server_stream(log);
    let (records, err) = crate::wire::split_records(&s);
    if let Some(e @ crate::wire::WireError::TruncatedRecord { .. }) = err {
        return HandshakeError::Tls(format!("server closed the connection mid-record: {e}"));
    }
    let after = records.last().map(|r| {
        r.content_type
            .name()
            .unwrap_or("unknown record")
            .to_string()
    });
    HandshakeError::Closed { after }
}

fn classify_tls_error(e: rustls::Error, log: &Arc<Mutex<Transcript>>) -> HandshakeError {
    match e {
        rustls::Error::AlertReceived(a) => {
            let name = format!("{a:?}").to_lowercase_snake();
            // Refused before any ServerHello: nothing in common with what rustls offers.
            let refused_hello = matches!(
                a,
                rustls::AlertDescription::HandshakeFailure
                    | rustls::AlertDescription::InsufficientSecurity
                    | rustls::AlertDescription::ProtocolVersion
            ) && server_stream(log).first().is_none_or(|&b| b != 22);
            if refused_hello {
                HandshakeError::Alert(format!(
                    "{name} in answer to the ClientHello: no version, cipher suite or group in \
                     common with rustls (TLS 1.2/1.3, ECDHE with AES-GCM or ChaCha20-Poly1305); \
                     `tlsight audit` lists what the server accepts"
                ))
            } else {
                HandshakeError::Alert(name)
            }
        }
        rustls::Error::InvalidMessage(_) | rustls::Error::InappropriateMessage { .. } => {
            classify_not_tls(log).unwrap_or_else(|| HandshakeError::Tls(e.to_string()))
        }
        other => HandshakeError::Tls(other.to_string()),
    }
}

trait SnakeCase {
    fn to_lowercase_snake(&self) -> String;
}

impl SnakeCase for String {
    /// "HandshakeFailure" -> "handshake_failure" (rustls' AlertDescription Debug names).
    fn to_lowercase_snake(&self) -> String {
        let mut out = String::new();
        for (i, c) in self.chars().enumerate() {
            if c.is_ascii_uppercase() {
                if i > 0 {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
        }
        out
    }
}

/// After the handshake, TLS 1.3 servers send NewSessionTicket; give them a moment. Servers send
/// their tickets as one flight, so once something arrives only a short extra wait remains.
fn linger_for_tickets(conn: &mut ClientConnection, sock: &mut Recorder<TcpStream>, wait: Duration) {
    if conn.protocol_version() != Some(rustls::ProtocolVersion::TLSv1_3) || wait.is_zero() {
        return;
    }
    let mut end = Instant::now() + wait;
    let mut plaintext = [0u8; 4096];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        let _ = sock.get_ref().set_read_timeout(Some(left));
        match conn.read_tls(sock) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                end = end.min(Instant::now() + Duration::from_millis(5));
                if conn.process_new_packets().is_err() {
                    return;
                }
                // Drain any application data so rustls keeps accepting records.
                while let Ok(n) = conn.reader().read(&mut plaintext) {
                    if n == 0 {
                        break;
                    }
                }
            }
        }
    }
}

/// The transcript decoded into messages, with what decryption achieved.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Messages in wire order.
    pub messages: Vec<messages::Message>,
    /// The records that carried them, as on the wire.
    pub records: Vec<messages::RecordSummary>,
    /// Finished messages whose verify_data we recomputed and matched (sender, ok).
    pub finished_checks: Vec<(crate::capture::Direction, bool)>,
    /// Why the encrypted part could not be decrypted, if it could not.
    pub decryption_error: Option<String>,
}

/// Decodes the inspection's transcript into messages, decrypting what the session's own
/// key-log secrets allow (TLS 1.3 flight, TLS 1.2 Finished, post-handshake tickets).
pub fn analyze(ins: &Inspection) -> Analysis {
    analyze_transcript(&ins.transcript, &ins.secrets)
}

/// [`analyze`] for any recording and key log.
pub fn analyze_transcript(t: &Transcript, secrets: &KeyLogSecrets) -> Analysis {
    match crate::crypto::session::decrypt_session(t, secrets) {
        Ok(session) => {
            let client = t.stream(crate::capture::Direction::ClientToServer).0;
            let server = t.stream(crate::capture::Direction::ServerToClient).0;
            let records: Vec<messages::RecordView> = session
                .records
                .iter()
                .map(|r| {
                    let stream = match r.dir {
                        crate::capture::Direction::ClientToServer => &client,
                        crate::capture::Direction::ServerToClient => &server,
                    };
                    let len = usize::from(u16::from_be_bytes([r.header[3], r.header[4]]));
                    let wire = stream
                        .get(r.offset..r.offset + 5 + len)
                        .map(<[u8]>::to_vec)
                        .unwrap_or_else(|| r.header.to_vec());
                    messages::RecordView {
                        dir: r.dir,
                        t_us: r.t_us,
                        content_type: r.content_type,
                        encrypted: r.encrypted,
                        plaintext: r.plaintext.clone(),
                        wire,
                        undecryptable: r.error.clone(),
                    }
                })
                .collect();
            Analysis {
                messages: messages::decode_messages(&records),
                records: messages::record_summaries(&records),
                finished_checks: session.finished.iter().map(|f| (f.dir, f.ok)).collect(),
                decryption_error: None,
            }
        }
        Err(e) => {
            let tls13 = crate::crypto::session::cleartext_handshake(t)
                .map(|c| c.hellos.version == crate::wire::ProtocolVersion::TLS13)
                .unwrap_or(false);
            let records = messages::records_without_keys(t, tls13);
            Analysis {
                messages: messages::decode_messages(&records),
                records: messages::record_summaries(&records),
                finished_checks: Vec::new(),
                decryption_error: Some(e.to_string()),
            }
        }
    }
}
