//! Session resumption, tested for real: two TLS 1.2 handshakes with rustls sharing a session
//! cache, once with session ids only and once with tickets. Hand-built hellos cannot do this
//! (resuming needs a finished handshake), and rustls only speaks ECDHE AEAD suites, so the
//! result is "not determinable" for servers without those.

use std::io::{ErrorKind, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::{Resumption, Tls12Resumption, WebPkiServerVerifier};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, HandshakeKind, RootCertStore};

use crate::capture::{Recorder, Tap, Transcript};
use crate::handshake::{RecordingVerifier, SeenChain, provider};

/// Outcome of one resumption check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumed {
    /// The second handshake resumed the first session.
    Yes,
    /// Both handshakes completed, the second in full.
    No,
    /// A handshake did not complete (no suite rustls speaks, network error).
    Unknown,
}

fn config(
    tickets: bool,
    keylog: Arc<crate::capture::RecordingKeyLog>,
) -> Result<ClientConfig, rustls::Error> {
    let p = provider();
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), p.clone())
        .build()
        .map_err(|e| rustls::Error::General(e.to_string()))?;
    // Record-only verifier: resumption is judged on untrusted test chains too, while the
    // handshake signatures are still checked.
    let verifier = RecordingVerifier::new(inner, Arc::new(Mutex::new(SeenChain::default())), false);
    let mut cfg = ClientConfig::builder_with_provider(p)
        .with_protocol_versions(&[&rustls::version::TLS12])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    cfg.resumption = Resumption::in_memory_sessions(4).tls12_resumption(if tickets {
        Tls12Resumption::SessionIdOrTickets
    } else {
        Tls12Resumption::SessionIdOnly
    });
    cfg.key_log = keylog;
    Ok(cfg)
}

fn handshake(
    cfg: &Arc<ClientConfig>,
    dialer: &crate::net::Dialer,
    name: &ServerName<'static>,
    timeout: Duration,
    tap: Option<(&'static Tap, &crate::capture::RecordingKeyLog)>,
) -> Option<HandshakeKind> {
    let addr = dialer.addr;
    let tcp: TcpStream = dialer.open(timeout).ok()?.stream;
    tcp.set_read_timeout(Some(timeout)).ok()?;
    tcp.set_write_timeout(Some(timeout)).ok()?;
    // With --pcap the connection is recorded like every other probe.
    let log = Arc::new(Mutex::new(
        Transcript::new(Some(addr.to_string())).with_endpoints(tcp.local_addr().ok(), Some(addr)),
    ));
    let mut sock = Recorder::new(tcp, std::time::Instant::now(), log.clone());
    let kind = drive(cfg, name, &mut sock);
    if let Some((tap, keylog)) = tap {
        let t = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
        tap.push(t, &keylog.secrets());
    }
    kind
}

fn drive(
    cfg: &Arc<ClientConfig>,
    name: &ServerName<'static>,
    sock: &mut Recorder<TcpStream>,
) -> Option<HandshakeKind> {
    let mut conn = ClientConnection::new(cfg.clone(), name.clone()).ok()?;
    while conn.is_handshaking() {
        match conn.complete_io(sock) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    // A clean close lets the server keep the session in its cache.
    conn.send_close_notify();
    let _ = conn.write_tls(sock);
    let _ = sock.flush();
    conn.handshake_kind()
}

/// Runs the check (blocking; call from `spawn_blocking`): (session id, tickets).
/// With a tap, the four connections land in it (transcripts and secrets) for `--pcap`.
pub fn check(
    addr: SocketAddr,
    sni: Option<&str>,
    timeout: Duration,
    tap: Option<&'static Tap>,
) -> (Resumed, Resumed) {
    check_via(&crate::net::Dialer::direct(addr), sni, timeout, tap)
}

/// [`check`] with every connection opened by `dialer` (proxy, STARTTLS).
pub fn check_via(
    dialer: &crate::net::Dialer,
    sni: Option<&str>,
    timeout: Duration,
    tap: Option<&'static Tap>,
) -> (Resumed, Resumed) {
    let name = sni
        .and_then(|s| ServerName::try_from(s.to_string()).ok())
        .unwrap_or_else(|| ServerName::IpAddress(dialer.addr.ip().into()));
    let run = |tickets: bool| -> Resumed {
        let keylog = Arc::new(crate::capture::RecordingKeyLog::default());
        let Ok(cfg) = config(tickets, keylog.clone()) else {
            return Resumed::Unknown;
        };
        let cfg = Arc::new(cfg);
        let tap = tap.map(|t| (t, keylog.as_ref()));
        if handshake(&cfg, dialer, &name, timeout, tap).is_none() {
            return Resumed::Unknown;
        }
        match handshake(&cfg, dialer, &name, timeout, tap) {
            Some(HandshakeKind::Resumed) => Resumed::Yes,
            Some(_) => Resumed::No,
            None => Resumed::Unknown,
        }
    };
    (run(false), run(true))
}
