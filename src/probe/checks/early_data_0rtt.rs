//! TLS 1.3 0-RTT (RFC 8446 §2.3, §8): early data rides on a resumption ticket before the
//! handshake completes, and TLS gives it no protection against replay: an attacker who
//! recorded the first flight can send it again. Whether that matters is the application's
//! affair (idempotent requests only, RFC 8470's `Early-Data` header for HTTP).
//!
//! Verdict semantics: this is an exposure, not a bug. `vulnerable` means "0-RTT accepted:
//! early data reaches the application, replay is the application's problem";
//! `not_vulnerable` means the server's tickets allow no early data or it rejected ours;
//! `not_applicable` means no TLS 1.3 or no resumption ticket to carry early data on.
//!
//! Method: with rustls, a full TLS 1.3 handshake that keeps the server's tickets (and their
//! max_early_data_size), then a resumption that sends a small request as early data; the
//! server's EncryptedExtensions say whether it was accepted.

use std::io::{ErrorKind, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::{ClientSessionMemoryCache, ClientSessionStore, Tls13ClientSessionValue};
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, HandshakeKind, NamedGroup, RootCertStore};

use super::active::{self, Conn, Opener};
use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::handshake::{RecordingVerifier, SeenChain, provider};
use crate::probe::ProbeError;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "early_data_0rtt",
        title: "TLS 1.3 0-RTT",
        cve: &[],
        source: "https://www.rfc-editor.org/rfc/rfc8446#section-8",
        method: "a TLS 1.3 handshake for a resumption ticket, then a resumption sending early \
                 data; `vulnerable` (an exposure) when the server accepts it, since TLS does \
                 not stop its replay",
        active: true,
    },
    run: Runner::Active(run),
};

fn run<'a>(ctx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(check(ctx))
}

async fn check(ctx: &Context<'_>) -> Result<Outcome, ProbeError> {
    if ctx.report.protocols.get("TLSv1.3") != Some(&true) {
        return Ok(Outcome::new(
            Verdict::NotApplicable,
            "the server does not speak TLS 1.3 (0-RTT exists only there)",
        ));
    }
    let sni = ctx.sni.map(str::to_string);
    active::run(ctx, move |o| blocking(o, sni.as_deref())).await
}

/// A session store that remembers the early-data allowance of every ticket it is given.
#[derive(Debug)]
struct Store {
    inner: ClientSessionMemoryCache,
    tickets: Mutex<Vec<u32>>,
}

impl ClientSessionStore for Store {
    fn set_kx_hint(&self, name: ServerName<'static>, group: NamedGroup) {
        self.inner.set_kx_hint(name, group)
    }
    fn kx_hint(&self, name: &ServerName<'_>) -> Option<NamedGroup> {
        self.inner.kx_hint(name)
    }
    fn set_tls12_session(
        &self,
        name: ServerName<'static>,
        v: rustls::client::Tls12ClientSessionValue,
    ) {
        self.inner.set_tls12_session(name, v)
    }
    fn tls12_session(
        &self,
        name: &ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.inner.tls12_session(name)
    }
    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        self.inner.remove_tls12_session(name)
    }
    fn insert_tls13_ticket(&self, name: ServerName<'static>, v: Tls13ClientSessionValue) {
        if let Ok(mut t) = self.tickets.lock() {
            t.push(v.max_early_data_size());
        }
        self.inner.insert_tls13_ticket(name, v)
    }
    fn take_tls13_ticket(&self, name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        self.inner.take_tls13_ticket(name)
    }
}

fn config(store: Arc<Store>) -> Result<ClientConfig, String> {
    let p = provider();
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let inner =
        rustls::client::WebPkiServerVerifier::builder_with_provider(Arc::new(roots), p.clone())
            .build()
            .map_err(|e| e.to_string())?;
    // Record-only: 0-RTT is judged on untrusted test chains too; signatures are still checked.
    let verifier = RecordingVerifier::new(inner, Arc::new(Mutex::new(SeenChain::default())), false);
    let mut cfg = ClientConfig::builder_with_provider(p)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    cfg.resumption = rustls::client::Resumption::store(store);
    cfg.enable_early_data = true;
    Ok(cfg)
}

/// The early data sent: an idempotent HTTP request (harmless if replayed, and most 0-RTT
/// servers are web servers).
const EARLY: &[u8] = b"HEAD / HTTP/1.0\r\n\r\n";

fn blocking(o: &Opener, sni: Option<&str>) -> Outcome {
    let store = Arc::new(Store {
        inner: ClientSessionMemoryCache::new(8),
        tickets: Mutex::new(Vec::new()),
    });
    let cfg = match config(store.clone()) {
        Ok(c) => Arc::new(c),
        Err(e) => return Outcome::new(Verdict::Inconclusive, e),
    };
    let name = sni
        .and_then(|s| ServerName::try_from(s.to_string()).ok())
        .unwrap_or_else(|| ServerName::IpAddress(o.addr().ip().into()));
    if let Err(e) = first(o, &cfg, &name) {
        return Outcome::new(Verdict::Inconclusive, format!("TLS 1.3 handshake: {e}"));
    }
    let allowances = store.tickets.lock().map(|t| t.clone()).unwrap_or_default();
    let Some(&max) = allowances.iter().max() else {
        return Outcome::new(
            Verdict::NotApplicable,
            "the server sent no TLS 1.3 resumption ticket",
        );
    };
    if max == 0 {
        return Outcome::new(
            Verdict::NotVulnerable,
            "the server's tickets allow no early data (max_early_data_size 0)",
        )
        .with_evidence(format!(
            "{} tickets, none with early data",
            allowances.len()
        ));
    }
    match second(o, &cfg, &name) {
        Err(e) => Outcome::new(Verdict::Inconclusive, format!("resumption: {e}")),
        Ok((kind, sent, accepted)) => {
            let evidence = format!(
                "ticket max_early_data_size {max}; {sent} bytes of early data sent; handshake {}",
                match kind {
                    Some(HandshakeKind::Resumed) => "resumed",
                    Some(HandshakeKind::Full) | Some(HandshakeKind::FullWithHelloRetryRequest) => {
                        "full"
                    }
                    None => "unknown",
                }
            );
            if accepted {
                Outcome::new(
                    Verdict::Vulnerable,
                    "0-RTT accepted: early data reaches the application before the handshake \
                     completes, and replay is the application's problem",
                )
                .with_evidence(evidence)
            } else if sent == 0 {
                Outcome::new(
                    Verdict::Inconclusive,
                    "the ticket allows early data but the resumption could not send any",
                )
                .with_evidence(evidence)
            } else {
                Outcome::new(
                    Verdict::NotVulnerable,
                    "the server's tickets allow early data but it rejected ours",
                )
                .with_evidence(evidence)
            }
        }
    }
}

/// Drives the handshake; `Err` with rustls' or the socket's reason.
fn handshake(conn: &mut ClientConnection, sock: &mut Conn) -> Result<(), String> {
    while conn.is_handshaking() {
        match conn.complete_io(sock) {
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(())
}

/// A full handshake, then reading for a while so the tickets sent after it arrive.
fn first(o: &Opener, cfg: &Arc<ClientConfig>, name: &ServerName<'static>) -> Result<(), String> {
    let mut sock = o.connect()?;
    let mut conn = ClientConnection::new(cfg.clone(), name.clone()).map_err(|e| e.to_string())?;
    handshake(&mut conn, &mut sock)?;
    // Tickets follow the server's Finished (OpenSSL sends them once our Finished is in):
    // read until a short wait brings nothing more.
    sock.shorten(Duration::from_millis(700));
    let mut buf = [0u8; 4096];
    for _ in 0..16 {
        let _ = conn.write_tls(&mut sock);
        match conn.read_tls(&mut sock) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if conn.process_new_packets().is_err() {
                    break;
                }
                while let Ok(n) = conn.reader().read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                }
            }
        }
    }
    conn.send_close_notify();
    let _ = conn.write_tls(&mut sock);
    Ok(())
}

/// A resumption with early data: (handshake kind, bytes of early data written, accepted).
fn second(
    o: &Opener,
    cfg: &Arc<ClientConfig>,
    name: &ServerName<'static>,
) -> Result<(Option<HandshakeKind>, usize, bool), String> {
    let mut sock = o.connect()?;
    let mut conn = ClientConnection::new(cfg.clone(), name.clone()).map_err(|e| e.to_string())?;
    let mut sent = 0;
    if let Some(mut early) = conn.early_data() {
        sent = early.write(EARLY).unwrap_or(0);
    }
    handshake(&mut conn, &mut sock)?;
    let accepted = conn.is_early_data_accepted();
    conn.send_close_notify();
    let _ = conn.write_tls(&mut sock);
    let _ = sock.flush();
    Ok((conn.handshake_kind(), sent, accepted))
}
