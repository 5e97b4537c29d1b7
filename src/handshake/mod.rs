//! Real handshakes with rustls (ring provider): connect with a timeout, tee every byte into a
//! [`Transcript`], keep the session's key-log secrets, record the chain and trust verdict, and
//! report what was negotiated. Decoding and decryption of the transcript happen elsewhere
//! ([`crate::wire`], [`crate::crypto`]); this module owns the socket.

pub mod engine;
pub mod fetch;
pub mod legacy12;
pub mod messages;
pub mod pq;
pub mod replay;
pub mod server;
pub mod verifier;

use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore};

use crate::capture::{KeyLogSecrets, Recorder, RecordingKeyLog, Transcript};
pub use crate::net::{NetError, NetOptions, Target, target};
pub use verifier::{RecordingVerifier, SeenChain, error_code};

/// The crypto provider for real handshakes: ring, plus the post-quantum hybrids of [`pq`] and
/// aws-lc's X25519 ([`pq::X25519`], twice as fast as ring's).
/// Groups in the order current browsers offer them: X25519MLKEM768 first (rustls then sends
/// its share and a plain x25519 share, reusing the x25519 key), then x25519, secp256r1,
/// secp384r1; SecP256r1MLKEM768 and SecP384r1MLKEM1024 last (listed, no share: a server that
/// accepts only those asks for one by HelloRetryRequest).
/// The client random and session id come from aws-lc's generator, seeded from the OS: ring's
/// asks the kernel for every value, three system calls per ClientHello.
pub fn provider() -> Arc<CryptoProvider> {
    let mut p = rustls::crypto::ring::default_provider();
    p.secure_random = rustls::crypto::aws_lc_rs::default_provider().secure_random;
    let mut groups = vec![pq::X25519MLKEM768];
    groups.extend(p.kx_groups.iter().map(|&g| {
        if g.name() == rustls::NamedGroup::X25519 {
            pq::X25519
        } else {
            g
        }
    }));
    groups.extend([pq::SECP256R1MLKEM768, pq::SECP384R1MLKEM1024]);
    p.kx_groups = groups;
    Arc::new(p)
}

/// Cipher-suite code points in the order Chrome offers them: AES-128-GCM first, in TLS 1.3 and
/// in TLS 1.2 (ECDSA before RSA there), then AES-256-GCM, then ChaCha20-Poly1305.
const BROWSER_SUITE_ORDER: [u16; 9] = [
    0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
];

/// `provider` with its cipher suites in browsers' order ([`BROWSER_SUITE_ORDER`]; any other
/// suite after them, in its own order). rustls' default puts AES-256-GCM first; a server that
/// follows the client's preference then picks what browsers get, and the SHA-256 suite it
/// picks costs a third of SHA-384's hashing on x86 (SHA-NI covers SHA-256 only).
pub fn with_browser_suite_order(provider: &CryptoProvider) -> CryptoProvider {
    let mut p = provider.clone();
    p.cipher_suites.sort_by_key(|s| {
        let code = u16::from(s.suite());
        BROWSER_SUITE_ORDER
            .iter()
            .position(|&c| c == code)
            .unwrap_or(BROWSER_SUITE_ORDER.len())
    });
    p
}

/// Which protocol versions to offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VersionChoice {
    /// Everything: TLS 1.2 and 1.3 with rustls, TLS 1.0-1.2 with tlsight's engine.
    #[default]
    Any,
    /// TLS 1.2 only.
    Tls12,
    /// TLS 1.3 only.
    Tls13,
    /// From `min` to `max` (code points 0x0301 TLS 1.0 .. 0x0304 TLS 1.3), e.g. TLS 1.0 only.
    Range {
        /// Lowest version.
        min: u16,
        /// Highest version.
        max: u16,
    },
}

impl VersionChoice {
    fn bounds(self) -> (u16, u16) {
        match self {
            Self::Any => (0x0301, 0x0304),
            Self::Tls12 => (0x0303, 0x0303),
            Self::Tls13 => (0x0304, 0x0304),
            Self::Range { min, max } => (min, max),
        }
    }

    /// The versions rustls may offer (TLS 1.2 and 1.3 within the choice).
    pub fn rustls_versions(self) -> Vec<&'static rustls::SupportedProtocolVersion> {
        let (lo, hi) = self.bounds();
        let mut v = Vec::new();
        if (lo..=hi).contains(&0x0304) {
            v.push(&rustls::version::TLS13);
        }
        if (lo..=hi).contains(&0x0303) {
            v.push(&rustls::version::TLS12);
        }
        v
    }

    /// The range tlsight's engine may offer (TLS 1.0-1.2 within the choice), if any.
    pub fn engine_range(self) -> Option<(u16, u16)> {
        let (lo, hi) = self.bounds();
        let (lo, hi) = (lo.max(0x0301), hi.min(0x0303));
        (lo <= hi).then_some((lo, hi))
    }
}

/// Which TLS implementation speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EngineChoice {
    /// rustls, and tlsight's engine when rustls cannot negotiate (or is not asked to offer
    /// anything it implements).
    #[default]
    Auto,
    /// rustls only.
    Rustls,
    /// tlsight's own TLS 1.0-1.2 engine only.
    Tlsight,
}

/// The implementation that spoke (`"rustls"` / `"tlsight"` / `"capture"` in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EngineName {
    /// rustls 0.23 with the ring provider.
    #[default]
    Rustls,
    /// tlsight's own TLS 1.0-1.2 engine ([`crate::engine`]).
    Tlsight,
    /// Nobody spoke: the bytes come from a capture file (`handshake --from`).
    Capture,
}

impl EngineName {
    /// "rustls" or "tlsight".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rustls => "rustls",
            Self::Tlsight => "tlsight",
            Self::Capture => "capture",
        }
    }
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
    /// Cipher suites to offer (code points); empty = each engine's default.
    pub cipher_suites: Vec<u16>,
    /// Which implementation speaks.
    pub engine: EngineChoice,
    /// Proxy and STARTTLS upgrade below TLS.
    pub net: NetOptions,
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
            cipher_suites: Vec::new(),
            engine: EngineChoice::Auto,
            net: NetOptions::default(),
            tap: None,
        }
    }
}

/// Milliseconds spent in each phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Timings {
    /// Name resolution (0 for IP literals).
    pub dns: f64,
    /// TCP three-way handshake.
    pub tcp_connect: f64,
    /// From the first ClientHello byte to handshake completion.
    pub tls_handshake: f64,
    /// The proxy's tunnel set-up (0 without a proxy).
    #[serde(skip_serializing_if = "is_zero")]
    pub proxy: f64,
    /// The STARTTLS exchange (0 without one).
    #[serde(skip_serializing_if = "is_zero")]
    pub starttls: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
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

impl Negotiated {
    /// What a rustls connection negotiated (so far).
    pub fn of(conn: &ClientConnection) -> Self {
        Self {
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
        }
    }
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
    /// Which implementation spoke.
    pub engine: EngineName,
    /// Why rustls was not used, when tlsight's engine took over.
    pub fallback: Option<String>,
    /// What tlsight's engine proved about the leaf key (the rustls path derives it from the
    /// recorded signature check instead: [`Inspection::key_possession`]).
    pub possession: Option<crate::x509::KeyPossession>,
    /// Size of the finite-field DHE prime, when the engine agreed on one.
    pub dh_prime_bits: Option<usize>,
    /// The plaintext exchange before TLS (STARTTLS), if any.
    pub starttls: Option<crate::net::Exchange>,
    /// The proxy the connection went through (URL without password), if any.
    pub proxy: Option<String>,
}

/// Why an inspection could not run or did not complete.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// Resolving, connecting, the proxy or the STARTTLS upgrade failed.
    #[error(transparent)]
    Net(#[from] NetError),
    /// TCP connect failed (refused, unreachable).
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// The address.
        addr: String,
        /// OS message.
        reason: String,
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

/// Resolves the target with a timeout ([`crate::net::resolve`]).
pub fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>, HandshakeError> {
    Ok(crate::net::resolve(target, timeout)?)
}

/// Connects to the first address that answers ([`crate::net::connect`]).
pub fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, HandshakeError> {
    Ok(crate::net::connect(addrs, timeout)?)
}

/// Short text for a socket error ("connection refused", ...).
pub fn io_reason(e: &std::io::Error) -> String {
    crate::net::io_reason(e)
}

/// Builds the per-connection rustls configuration: our provider, the chosen versions, a
/// recording verifier over Mozilla's roots plus the extra anchors, our key log, no resumption.
pub fn client_config(
    opts: &InspectOptions,
    seen: Arc<Mutex<SeenChain>>,
    keylog: Arc<RecordingKeyLog>,
) -> Result<ClientConfig, HandshakeError> {
    let provider = provider_for(opts)?;
    let inner = webpki_verifier(opts, provider.clone())?;
    let v = RecordingVerifier::new(inner, seen, opts.enforce_trust);
    let v = if opts.sig_schemes.is_empty() {
        v
    } else {
        v.offering(opts.sig_schemes.clone())
    };
    let mut cfg = base_client_config(opts, provider, Arc::new(v))?;
    cfg.key_log = keylog;
    Ok(cfg)
}

/// The ring provider restricted to the requested key-exchange groups.
pub fn provider_for(opts: &InspectOptions) -> Result<Arc<CryptoProvider>, HandshakeError> {
    let mut provider = (*provider()).clone();
    if !opts.cipher_suites.is_empty() {
        provider
            .cipher_suites
            .retain(|s| opts.cipher_suites.contains(&u16::from(s.suite())));
        if provider.cipher_suites.is_empty() {
            return Err(HandshakeError::Config(
                "none of the requested cipher suites is one rustls implements (TLS 1.3 suites, \
                 ECDHE with AES-GCM or ChaCha20-Poly1305)"
                    .into(),
            ));
        }
    }
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
    Ok(Arc::new(provider))
}

/// rustls' webpki verifier over Mozilla's roots (unless `only_extra_roots`) plus the extra
/// anchors: the judge inside [`RecordingVerifier`], and the handshake-signature check.
pub fn webpki_verifier(
    opts: &InspectOptions,
    provider: Arc<CryptoProvider>,
) -> Result<Arc<WebPkiServerVerifier>, HandshakeError> {
    let mut roots = RootCertStore::empty();
    if !opts.only_extra_roots {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    for c in &opts.extra_roots {
        roots
            .add(c.clone())
            .map_err(|e| HandshakeError::Config(format!("unusable --ca certificate: {e}")))?;
    }
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
        .build()
        .map_err(|e| HandshakeError::Config(format!("cannot build verifier: {e}")))
}

/// Everything of a client configuration but the key log: provider, versions, ALPN, SNI on or
/// off, no resumption, and `verifier`. A scanner builds it once and swaps the verifier per
/// connection.
pub fn base_client_config(
    opts: &InspectOptions,
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn rustls::client::danger::ServerCertVerifier>,
) -> Result<ClientConfig, HandshakeError> {
    let versions = opts.versions.rustls_versions();
    if versions.is_empty() {
        return Err(HandshakeError::Config(
            "rustls speaks TLS 1.2 and 1.3 only; TLS 1.0/1.1 need tlsight's engine (--engine \
             tlsight or auto)"
                .into(),
        ));
    }
    let mut cfg = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| HandshakeError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    cfg.alpn_protocols = opts.alpn.clone();
    cfg.resumption = rustls::client::Resumption::disabled();
    cfg.enable_sni = opts.sni.is_some();
    Ok(cfg)
}

/// Performs one handshake and records it. `Err` only when no connection was made (bad target,
/// DNS, TCP); a failed handshake returns an `Inspection` with `failure` set and the partial
/// transcript, so the caller can still show what was exchanged.
///
/// With [`EngineChoice::Auto`], rustls speaks first; when it cannot negotiate (the server
/// refuses its hello, or answers with a version, suite or key exchange rustls does not
/// implement) a second connection is made with tlsight's engine, and `fallback` says why.
pub fn inspect(opts: &InspectOptions) -> Result<Inspection, HandshakeError> {
    let net_timeouts = crate::net::Timeouts {
        dns: opts.timeouts.dns,
        connect: opts.timeouts.connect,
        io: opts.timeouts.handshake,
    };
    // One connection (through the proxy and STARTTLS when asked), one handshake on it.
    let run = |with_engine: bool| -> Result<Inspection, HandshakeError> {
        let opened = crate::net::open(&opts.target, &opts.net, net_timeouts)?;
        let t = opened.timings;
        let mut ins = if with_engine {
            engine::inspect_stream(opts, opened.stream, opened.address, t.dns, t.tcp_connect)?
        } else {
            inspect_stream(opts, opened.stream, opened.address, t.dns, t.tcp_connect)?
        };
        ins.timings.proxy = t.proxy;
        ins.timings.starttls = t.starttls;
        ins.starttls = opened.exchange;
        ins.proxy = opts.net.proxy.as_ref().map(|p| p.to_string());
        Ok(ins)
    };
    let rustls_can = !opts.versions.rustls_versions().is_empty()
        && (opts.cipher_suites.is_empty()
            || provider()
                .cipher_suites
                .iter()
                .any(|s| opts.cipher_suites.contains(&u16::from(s.suite()))));
    let engine_can = engine::engine_config(opts).is_ok();
    let use_rustls = match opts.engine {
        EngineChoice::Rustls => true,
        EngineChoice::Tlsight => false,
        EngineChoice::Auto => rustls_can || !engine_can,
    };
    if !use_rustls {
        let mut ins = run(true)?;
        if opts.engine == EngineChoice::Auto {
            ins.fallback = Some(
                "the versions or cipher suites asked for are not ones rustls implements".into(),
            );
        }
        return Ok(ins);
    }
    let first = run(false)?;
    let Some(reason) =
        fallback_reason(&first).filter(|_| opts.engine == EngineChoice::Auto && engine_can)
    else {
        return Ok(first);
    };
    let Ok(mut second) = run(true) else {
        return Ok(first);
    };
    // The engine's attempt is the answer when it got at least as far as rustls did.
    if second.negotiated.version.is_none() && second.seen.certificates.is_empty() {
        return Ok(first);
    }
    second.fallback = Some(reason);
    Ok(second)
}

/// Why rustls' attempt calls for tlsight's engine: it failed before anything was negotiated,
/// with an alert, a TLS error (a version or suite rustls refuses) or a closed connection.
fn fallback_reason(ins: &Inspection) -> Option<String> {
    fallback_reason_for(ins.failure.as_ref(), &ins.negotiated)
}

/// [`fallback_reason`] for a handshake known by its failure and what it negotiated (`scan`
/// drives rustls itself and decides the same way).
pub fn fallback_reason_for(
    failure: Option<&HandshakeError>,
    negotiated: &Negotiated,
) -> Option<String> {
    let f = failure?;
    if negotiated.version.is_some() {
        return None;
    }
    match f {
        HandshakeError::Alert(_) | HandshakeError::Tls(_) | HandshakeError::Closed { .. } => {
            Some(format!("rustls could not negotiate: {f}"))
        }
        _ => None,
    }
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

    let negotiated = Negotiated::of(&conn);
    let seen = seen.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let failure = failure.map(|f| refine_failure(f, &seen));
    let transcript = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let secrets = keylog.secrets();
    if let Some(tap) = opts.tap {
        tap.push(transcript.clone(), &secrets);
    }
    Ok(Inspection::live(
        opts,
        address,
        EngineName::Rustls,
        (dns_ms, tcp_ms, tls_ms),
        Spoken {
            transcript,
            secrets,
            negotiated,
            seen,
            failure,
        },
    ))
}

/// What one live handshake produced, whichever engine spoke.
pub(crate) struct Spoken {
    pub transcript: Transcript,
    pub secrets: KeyLogSecrets,
    pub negotiated: Negotiated,
    pub seen: SeenChain,
    pub failure: Option<HandshakeError>,
}

impl Inspection {
    /// A handshake spoken by `engine` on a live connection to `address`, with its DNS, TCP
    /// connect and TLS milliseconds. What only some paths know (the engine's own proof, the DH
    /// prime, the fallback reason, the STARTTLS exchange, the proxy) starts empty for the
    /// caller to set.
    pub(crate) fn live(
        opts: &InspectOptions,
        address: SocketAddr,
        engine: EngineName,
        (dns, tcp_connect, tls_handshake): (f64, f64, f64),
        spoken: Spoken,
    ) -> Self {
        Self {
            target: opts.target.clone(),
            address,
            sni: opts.sni.clone(),
            transcript: spoken.transcript,
            secrets: spoken.secrets,
            negotiated: spoken.negotiated,
            seen: spoken.seen,
            timings: Timings {
                dns,
                tcp_connect,
                tls_handshake,
                ..Timings::default()
            },
            failure: spoken.failure,
            engine,
            fallback: None,
            possession: None,
            dh_prime_bits: None,
            starttls: None,
            proxy: None,
        }
    }

    /// What this handshake proved about the leaf key. rustls verifies the CertificateVerify
    /// (TLS 1.3) or ServerKeyExchange (TLS 1.2 ECDHE) signature; it offers no RSA key transport,
    /// so a Finished-only proof never comes from here.
    pub fn key_possession(&self) -> crate::x509::KeyPossession {
        if let Some(p) = &self.possession {
            return p.clone();
        }
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
pub fn refine_failure(f: HandshakeError, seen: &SeenChain) -> HandshakeError {
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
                    return Err(classify_tls_error(e, &server_stream(log)));
                }
                return Err(classify_eof(&server_stream(log)));
            }
            Ok(_) => {
                if let Err(e) = conn.process_new_packets() {
                    // Flush our own alert so the server sees why.
                    let _ = conn.write_tls(sock);
                    return Err(classify_tls_error(e, &server_stream(log)));
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(HandshakeError::Timeout {
                    secs: deadline_secs(sock),
                });
            }
            Err(e) if e.kind() == ErrorKind::InvalidData => {
                // rustls refuses bytes that are not TLS records, before process_new_packets.
                return Err(classify_not_tls(&server_stream(log))
                    .unwrap_or(HandshakeError::Tls(e.to_string())));
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

/// The server's bytes are not TLS records: say so, with a printable preview. `s` is what the
/// server sent (from the start of the connection).
pub fn classify_not_tls(s: &[u8]) -> Option<HandshakeError> {
    let (_, err) = crate::wire::split_records(s);
    match err {
        Some(e @ crate::wire::WireError::NotTls { .. }) => {
            let preview = crate::wire::printable_preview(s, 40);
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

/// Why a connection the server closed mid-handshake failed, from what the server sent.
pub fn classify_eof(s: &[u8]) -> HandshakeError {
    if let Some(e) = classify_not_tls(s) {
        return e;
    }
    let (records, err) = crate::wire::split_records(s);
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

/// A rustls error turned into our error, using what the server sent (`s`) to tell a refused
/// hello and bytes that are not TLS from other failures.
pub fn classify_tls_error(e: rustls::Error, s: &[u8]) -> HandshakeError {
    match e {
        rustls::Error::AlertReceived(a) => {
            let name = format!("{a:?}").to_lowercase_snake();
            // Refused before any ServerHello: nothing in common with what rustls offers.
            let refused_hello = matches!(
                a,
                rustls::AlertDescription::HandshakeFailure
                    | rustls::AlertDescription::InsufficientSecurity
                    | rustls::AlertDescription::ProtocolVersion
            ) && s.first().is_none_or(|&b| b != 22);
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
            classify_not_tls(s).unwrap_or_else(|| HandshakeError::Tls(e.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_order_puts_aes_128_gcm_first_and_keeps_every_suite() {
        let p = provider();
        let codes = |p: &CryptoProvider| -> Vec<u16> {
            p.cipher_suites
                .iter()
                .map(|s| u16::from(s.suite()))
                .collect()
        };
        let ordered = codes(&with_browser_suite_order(&p));
        assert_eq!(ordered, BROWSER_SUITE_ORDER);
        let mut before = codes(&p);
        before.sort_unstable();
        let mut after = ordered.clone();
        after.sort_unstable();
        assert_eq!(before, after);
        // A restricted provider keeps its own suites only, in browsers' order.
        let mut some = (*p).clone();
        some.cipher_suites
            .retain(|s| matches!(u16::from(s.suite()), 0x1302 | 0xC02F | 0x1301));
        assert_eq!(
            codes(&with_browser_suite_order(&some)),
            [0x1301, 0x1302, 0xC02F]
        );
    }

    #[test]
    fn aws_lc_x25519_agrees_with_rings_and_is_the_offered_x25519() {
        let p = provider();
        let offered = p
            .kx_groups
            .iter()
            .find(|g| g.name() == rustls::NamedGroup::X25519)
            .expect("x25519 offered");
        assert_eq!(
            p.kx_groups.first().map(|g| g.name()),
            Some(rustls::NamedGroup::X25519MLKEM768)
        );
        for _ in 0..8 {
            // aws-lc client against a ring server, and the other way round.
            let client = offered.start().expect("start");
            let server = rustls::crypto::ring::kx_group::X25519
                .start_and_complete(client.pub_key())
                .expect("ring agrees");
            let secret = client.complete(&server.pub_key).expect("aws-lc agrees");
            assert_eq!(secret.secret_bytes(), server.secret.secret_bytes());
            let client = rustls::crypto::ring::kx_group::X25519
                .start()
                .expect("start");
            let server = offered
                .start_and_complete(client.pub_key())
                .expect("aws-lc agrees");
            let secret = client.complete(&server.pub_key).expect("ring agrees");
            assert_eq!(secret.secret_bytes(), server.secret.secret_bytes());
        }
    }
}
