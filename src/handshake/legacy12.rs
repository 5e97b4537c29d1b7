//! The forward-secrecy demo's client: one full TLS 1.2 handshake with one chosen suite (RSA key
//! transport, which rustls refuses to negotiate, or ECDHE), one HTTP request, every byte
//! recorded through [`crate::capture::Recorder`]. It is [`crate::engine::Client`] pinned to
//! TLS 1.2 and a single suite, plus a request and a response; it exists to *produce
//! recordings* and does not validate the certificate chain or the host name.

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::capture::{KeyLogEntry, KeyLogSecrets, Recorder, Transcript};
use crate::crypto::CryptoError;
use crate::engine::{Client, Config, EngineError};

/// Errors of the demo client.
#[derive(Debug, thiserror::Error)]
pub enum Legacy12Error {
    /// TCP connect or the handshake failed.
    #[error(transparent)]
    Handshake(#[from] super::HandshakeError),
    /// Socket error after the handshake.
    #[error("{context}: {reason}")]
    Io {
        /// What the client was doing.
        context: &'static str,
        /// OS message.
        reason: String,
    },
    /// The engine refused the options.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// Key derivation or record protection failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// What to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// The one suite to offer (e.g. 0x009C RSA key transport, 0xC02F ECDHE_RSA).
    pub suite: u16,
    /// SNI host name, if any.
    pub server_name: Option<String>,
    /// Application data to send once the handshake is done (an HTTP request).
    pub request: Vec<u8>,
    /// Limit for connect and for each wait on the server.
    pub timeout: Duration,
    /// Offer the extended master secret (RFC 7627).
    pub extended_master_secret: bool,
    /// Offer encrypt-then-MAC (RFC 7366; used with CBC suites).
    pub encrypt_then_mac: bool,
}

/// A finished session.
#[derive(Debug, Clone)]
pub struct Session {
    /// Every byte both ways.
    pub transcript: Transcript,
    /// The master secret as a key log (the client knows it; a passive observer does not).
    pub secrets: KeyLogSecrets,
    /// The negotiated suite.
    pub suite: u16,
    /// Whether the extended master secret was negotiated.
    pub extended_master_secret: bool,
    /// The server's application data.
    pub response: Vec<u8>,
}

/// Runs one full TLS 1.2 handshake and request against `addr`.
pub fn run(addr: SocketAddr, opts: &Options) -> Result<Session, Legacy12Error> {
    let mut client = Client::new(Config {
        min_version: 0x0303,
        max_version: 0x0303,
        suites: vec![opts.suite],
        groups: Vec::new(),
        server_name: opts.server_name.clone(),
        alpn: Vec::new(),
        extended_master_secret: opts.extended_master_secret,
        encrypt_then_mac: opts.encrypt_then_mac,
    })?;
    let tcp = super::connect(&[addr], opts.timeout)?;
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_write_timeout(Some(opts.timeout));
    let log = Arc::new(Mutex::new(Transcript::new(Some(addr.to_string()))));
    let mut sock = Recorder::new(tcp, Instant::now(), log.clone());
    super::engine::drive(&mut client, &mut sock, Instant::now() + opts.timeout, &log)?;

    // The request, then everything the server says until it closes.
    client.send_application_data(&opts.request)?;
    let io = |context: &'static str| {
        move |e: std::io::Error| Legacy12Error::Io {
            context,
            reason: e.to_string(),
        }
    };
    sock.write_all(&client.take_output())
        .and_then(|()| sock.flush())
        .map_err(io("sending the request"))?;
    let mut response = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let _ = sock.get_ref().set_read_timeout(Some(opts.timeout));
        match sock.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                // A close_notify or a bad record ends the response; what came before stands.
                let stop = client.receive(&buf[..n]).is_err() || client.peer_closed();
                response.extend_from_slice(&client.take_application_data());
                if stop {
                    break;
                }
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // A server that keeps the connection open after answering: the response is in.
            Err(e)
                if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
                    && !response.is_empty() =>
            {
                break;
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => return Err(io("reading the response")(e)),
        }
    }
    // close_notify; the server may already be gone, which is fine.
    client.close_notify();
    let _ = sock.write_all(&client.take_output());
    drop(sock);

    let out = client.outcome().clone();
    let transcript = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut secrets = KeyLogSecrets::default();
    if let Some(m) = out.master_secret {
        secrets.insert(KeyLogEntry {
            label: "CLIENT_RANDOM".into(),
            client_random: out.client_random,
            secret: m,
        });
    }
    Ok(Session {
        transcript,
        secrets,
        suite: out.cipher_suite.unwrap_or(opts.suite),
        extended_master_secret: out.extended_master_secret,
        response,
    })
}
