//! A minimal TLS 1.2 client for the forward-secrecy demo: full handshakes with RSA key transport
//! (`TLS_RSA_WITH_AES_*`, which rustls refuses to negotiate) or ECDHE_RSA/ECDSA over
//! X25519 / P-256 / P-384, AES-GCM, ChaCha20-Poly1305 or AES-CBC-HMAC, one HTTP request, every byte recorded through
//! [`crate::capture::Recorder`]. It exists to *produce recordings*: it checks the
//! ServerKeyExchange signature and both Finished messages, but does not validate the
//! certificate chain or the host name — never use it to talk to anything you need to trust.
//!
//! The ClientHello comes from [`crate::wire::builder::ClientHelloBuilder`]; keys, PRF and record
//! protection from [`crate::crypto`].

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ring::agreement;
use ring::rand::{SecureRandom, SystemRandom};

use crate::capture::{KeyLogEntry, KeyLogSecrets, Recorder, Transcript};
use crate::crypto::kx::{leaf_certificate, parse_ecdhe_server_key_exchange, verify_signature};
use crate::crypto::record::RecordCipher;
use crate::crypto::{CryptoError, KeyExchange, SuiteParams, tls12};
use crate::wire::builder::{ClientHelloBuilder, EMPTY_RENEGOTIATION_INFO_SCSV};
use crate::wire::codec::{put_u24, put_vec8, put_vec16};
use crate::wire::{
    AlertDescription, ContentType, HandshakeFrame, HandshakeReassembler, HandshakeType, read_record,
};

/// Errors of the minimal client.
#[derive(Debug, thiserror::Error)]
pub enum Legacy12Error {
    /// TCP connect failed.
    #[error(transparent)]
    Connect(#[from] super::HandshakeError),
    /// Socket error.
    #[error("{context}: {reason}")]
    Io {
        /// What the client was doing.
        context: &'static str,
        /// OS message.
        reason: String,
    },
    /// Nothing arrived in time.
    #[error("timed out after {secs:.1}s while {context}")]
    Timeout {
        /// What the client was waiting for.
        context: &'static str,
        /// The limit.
        secs: f64,
    },
    /// The server sent an alert.
    #[error("server sent alert {name} ({code}) while {context}")]
    Alert {
        /// What the client was waiting for.
        context: &'static str,
        /// Alert description code.
        code: u8,
        /// Its name.
        name: String,
    },
    /// The server broke the protocol or chose something we did not offer.
    #[error("protocol: {0}")]
    Protocol(String),
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
    /// The leaf certificate the server sent (DER): the key the session proved it holds.
    pub server_certificate: Vec<u8>,
}

/// NamedGroups offered for ECDHE, in preference order.
const GROUPS: [u16; 3] = [0x001D, 0x0017, 0x0018];
/// Signature schemes offered: RSA-PSS, PKCS#1, ECDSA, Ed25519 (all verifiable by ring).
const SIG_SCHEMES: [u16; 9] = [
    0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0807,
];

struct Conn {
    io: Recorder<TcpStream>,
    buf: Vec<u8>,
    /// Offset in the server's stream of `buf[0]`.
    offset: usize,
    timeout: Duration,
}

struct Rec {
    header: [u8; 5],
    fragment: Vec<u8>,
}

impl Conn {
    fn send(&mut self, bytes: &[u8]) -> Result<(), Legacy12Error> {
        self.io
            .write_all(bytes)
            .and_then(|()| self.io.flush())
            .map_err(|e| Legacy12Error::Io {
                context: "sending",
                reason: e.to_string(),
            })
    }

    /// The next complete record, or `None` at a clean end of stream.
    fn record(&mut self, context: &'static str) -> Result<Option<Rec>, Legacy12Error> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(r) = read_record(&self.buf, self.offset)
                .map_err(|e| Legacy12Error::Protocol(e.to_string()))?
            {
                let rec = Rec {
                    header: r.header,
                    fragment: r.fragment.to_vec(),
                };
                let n = r.wire_len();
                self.buf.drain(..n);
                self.offset += n;
                return Ok(Some(rec));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Legacy12Error::Timeout {
                    context,
                    secs: self.timeout.as_secs_f64(),
                });
            }
            let _ = self.io.get_ref().set_read_timeout(Some(left));
            let mut chunk = [0u8; 16384];
            match self.io.read(&mut chunk) {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => {
                    return Err(Legacy12Error::Protocol(format!(
                        "connection closed inside a record while {context}"
                    )));
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if e.kind() == ErrorKind::ConnectionReset && self.buf.is_empty() => {
                    return Ok(None);
                }
                Err(e) => {
                    return Err(Legacy12Error::Io {
                        context,
                        reason: e.to_string(),
                    });
                }
            }
        }
    }
}

fn alert(context: &'static str, fragment: &[u8]) -> Legacy12Error {
    let code = fragment.get(1).copied().unwrap_or(0);
    Legacy12Error::Alert {
        context,
        code,
        name: AlertDescription(code)
            .name()
            .unwrap_or("unknown")
            .to_string(),
    }
}

fn handshake_msg(typ: HandshakeType, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ.0];
    // Bodies here are a few hundred bytes at most.
    put_u24(&mut m, body.len() as u32);
    m.extend_from_slice(body);
    m
}

fn record(ct: ContentType, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![ct.0, 3, 3];
    put_vec16(&mut r, payload);
    r
}

/// Runs one full TLS 1.2 handshake and request against `addr`.
pub fn run(addr: SocketAddr, opts: &Options) -> Result<Session, Legacy12Error> {
    let tcp = super::connect(&[addr], opts.timeout)?;
    run_stream(tcp, &addr.to_string(), opts)
}

/// [`run`] on a socket already connected (through a proxy, after STARTTLS); `label` names the
/// peer in the transcript.
pub fn run_stream(tcp: TcpStream, label: &str, opts: &Options) -> Result<Session, Legacy12Error> {
    let suite = SuiteParams::lookup(opts.suite)?;
    if suite.tls13 || !matches!(suite.kx, KeyExchange::Rsa | KeyExchange::Ecdhe) {
        return Err(Legacy12Error::Protocol(format!(
            "this client speaks TLS 1.2 RSA or ECDHE suites, not {}",
            suite.name
        )));
    }
    let _ = tcp.set_nodelay(true);
    let _ = tcp.set_write_timeout(Some(opts.timeout));
    let log = Arc::new(Mutex::new(Transcript::new(Some(label.to_string()))));
    let mut conn = Conn {
        io: Recorder::new(tcp, Instant::now(), log.clone()),
        buf: Vec::new(),
        offset: 0,
        timeout: opts.timeout,
    };
    let rng = SystemRandom::new();

    // ClientHello.
    let mut hello = ClientHelloBuilder::new()
        .cipher_suites(&[suite.code, EMPTY_RENEGOTIATION_INFO_SCSV])
        .signature_algorithms(&SIG_SCHEMES);
    if let Some(name) = &opts.server_name {
        hello = hello.sni(name);
    }
    if suite.kx == KeyExchange::Ecdhe {
        hello = hello.supported_groups(&GROUPS).ec_point_formats(&[0]);
    }
    if opts.extended_master_secret {
        hello = hello.extended_master_secret();
    }
    if opts.encrypt_then_mac {
        hello = hello.encrypt_then_mac();
    }
    let client_random = hello.client_random();
    let ch = hello.handshake_message();
    let mut transcript = ch.clone();
    conn.send(&hello.build())?;

    // Server flight up to ServerHelloDone.
    let mut reasm = HandshakeReassembler::default();
    let mut server_msgs: Vec<HandshakeFrame> = Vec::new();
    const FLIGHT: &str = "waiting for the server's hello flight";
    while !server_msgs
        .iter()
        .any(|m| m.typ == HandshakeType::SERVER_HELLO_DONE)
    {
        let Some(rec) = conn.record(FLIGHT)? else {
            return Err(Legacy12Error::Protocol(format!(
                "server closed the connection while {FLIGHT}"
            )));
        };
        match ContentType(rec.header[0]) {
            ContentType::HANDSHAKE => {
                for m in reasm
                    .push(&rec.fragment)
                    .map_err(|e| Legacy12Error::Protocol(e.to_string()))?
                {
                    transcript.extend_from_slice(&m.raw);
                    server_msgs.push(m);
                }
            }
            ContentType::ALERT => return Err(alert(FLIGHT, &rec.fragment)),
            other => {
                return Err(Legacy12Error::Protocol(format!(
                    "unexpected {} record while {FLIGHT}",
                    other.name().unwrap_or("unknown")
                )));
            }
        }
    }
    let find = |t: HandshakeType| server_msgs.iter().find(|m| m.typ == t);
    let sh = find(HandshakeType::SERVER_HELLO)
        .ok_or_else(|| Legacy12Error::Protocol("no ServerHello".into()))?;
    let (server_random, chosen, ems, etm) = parse_server_hello(&sh.body)?;
    let etm = etm && opts.encrypt_then_mac;
    if chosen != suite.code {
        return Err(Legacy12Error::Protocol(format!(
            "server chose suite 0x{chosen:04X}, only 0x{:04X} was offered",
            suite.code
        )));
    }
    let cert = find(HandshakeType::CERTIFICATE)
        .ok_or_else(|| Legacy12Error::Protocol("no Certificate from the server".into()))
        .and_then(|m| {
            leaf_certificate(&m.body).map_err(|e| Legacy12Error::Protocol(e.to_string()))
        })?;

    // ClientKeyExchange and the pre-master secret.
    let (cke_body, pre_master) = match suite.kx {
        KeyExchange::Rsa => {
            let mut pms = vec![3, 3];
            let mut r46 = [0u8; 46];
            rng.fill(&mut r46)
                .map_err(|_| Legacy12Error::Protocol("system RNG failed".into()))?;
            pms.extend_from_slice(&r46);
            let ct = rsa_encrypt_to_certificate(&cert, &pms)?;
            let mut body = Vec::new();
            put_vec16(&mut body, &ct);
            (body, pms)
        }
        _ => {
            let ske = find(HandshakeType::SERVER_KEY_EXCHANGE).ok_or_else(|| {
                Legacy12Error::Protocol("ECDHE suite but no ServerKeyExchange".into())
            })?;
            let p = parse_ecdhe_server_key_exchange(&ske.body, &client_random, &server_random)
                .map_err(|e| Legacy12Error::Protocol(e.to_string()))?;
            verify_signature(&cert, p.scheme, &p.signed, &p.signature)
                .map_err(|e| Legacy12Error::Protocol(format!("ServerKeyExchange: {e}")))?;
            let alg = match p.group {
                0x001D => &agreement::X25519,
                0x0017 => &agreement::ECDH_P256,
                0x0018 => &agreement::ECDH_P384,
                g => {
                    return Err(Legacy12Error::Protocol(format!(
                        "server chose group 0x{g:04X}, not offered"
                    )));
                }
            };
            let private = agreement::EphemeralPrivateKey::generate(alg, &rng)
                .map_err(|_| Legacy12Error::Protocol("key generation failed".into()))?;
            let public = private
                .compute_public_key()
                .map_err(|_| Legacy12Error::Protocol("key generation failed".into()))?;
            let shared = agreement::agree_ephemeral(
                private,
                &agreement::UnparsedPublicKey::new(alg, &p.public),
                |k| k.to_vec(),
            )
            .map_err(|_| Legacy12Error::Protocol("server's ECDHE public key is invalid".into()))?;
            let mut body = Vec::new();
            put_vec8(&mut body, public.as_ref());
            (body, shared)
        }
    };
    let cke = handshake_msg(HandshakeType::CLIENT_KEY_EXCHANGE, &cke_body);
    transcript.extend_from_slice(&cke);
    let ems = ems && opts.extended_master_secret;
    let master = if ems {
        tls12::extended_master_secret(suite.hash, &pre_master, &suite.hash.digest(&transcript))
    } else {
        tls12::master_secret(suite.hash, &pre_master, &client_random, &server_random)
    };
    let kb = tls12::key_block(suite, &master, &client_random, &server_random)?;
    let mut tx = RecordCipher::from_key_block(suite, &kb, true, etm)?;
    let mut rx = RecordCipher::from_key_block(suite, &kb, false, etm)?;
    let verify =
        tls12::finished_verify_data(suite.hash, &master, true, &suite.hash.digest(&transcript));
    let fin = handshake_msg(HandshakeType::FINISHED, &verify);
    let mut flight = record(ContentType::HANDSHAKE, &cke);
    flight.extend_from_slice(&record(ContentType::CHANGE_CIPHER_SPEC, &[1]));
    flight.extend_from_slice(&tx.seal(ContentType::HANDSHAKE, 0x0303, &fin, 0));
    conn.send(&flight)?;
    transcript.extend_from_slice(&fin);

    // Server ChangeCipherSpec + Finished.
    const FIN: &str = "waiting for the server's Finished";
    let mut rx_seq = 0u64;
    let mut ccs = false;
    let mut fin_reasm = HandshakeReassembler::default();
    'fin: loop {
        let Some(rec) = conn.record(FIN)? else {
            return Err(Legacy12Error::Protocol(format!(
                "server closed the connection while {FIN}"
            )));
        };
        match (ContentType(rec.header[0]), ccs) {
            (ContentType::CHANGE_CIPHER_SPEC, false) => ccs = true,
            (ContentType::ALERT, false) => return Err(alert(FIN, &rec.fragment)),
            // NewSessionTicket may precede the CCS; we do not resume, so it is only recorded.
            (ContentType::HANDSHAKE, false) => {}
            (ct, true) => {
                let o = rx.open(&rec.header, &rec.fragment, rx_seq).map_err(|e| {
                    Legacy12Error::Protocol(format!("server's Finished record: {e}"))
                })?;
                rx_seq += 1;
                if ct == ContentType::ALERT {
                    return Err(alert(FIN, &o.plaintext));
                }
                for m in fin_reasm
                    .push(&o.plaintext)
                    .map_err(|e| Legacy12Error::Protocol(e.to_string()))?
                {
                    if m.typ == HandshakeType::FINISHED {
                        let want = tls12::finished_verify_data(
                            suite.hash,
                            &master,
                            false,
                            &suite.hash.digest(&transcript),
                        );
                        if m.body != want {
                            return Err(Legacy12Error::Protocol(
                                "server's Finished does not verify".into(),
                            ));
                        }
                        break 'fin;
                    }
                }
            }
            (other, false) => {
                return Err(Legacy12Error::Protocol(format!(
                    "unexpected {} record while {FIN}",
                    other.name().unwrap_or("unknown")
                )));
            }
        }
    }

    // The request, then everything the server says until it closes. Without a request (a
    // handshake only, e.g. to prove the server holds its key) there is nothing to wait for.
    let mut tx_seq = 1u64;
    let mut wait_for_response = !opts.request.is_empty();
    for chunk in opts.request.chunks(1 << 14) {
        conn.send(&tx.seal(ContentType::APPLICATION_DATA, 0x0303, chunk, tx_seq))?;
        tx_seq += 1;
    }
    let mut response = Vec::new();
    const RESP: &str = "reading the response";
    while wait_for_response {
        let rec = match conn.record(RESP) {
            Ok(Some(r)) => r,
            Ok(None) => break,
            // A server that keeps the connection open after answering: the response is in.
            Err(Legacy12Error::Timeout { .. }) if !response.is_empty() => break,
            Err(e) => return Err(e),
        };
        let o = rx
            .open(&rec.header, &rec.fragment, rx_seq)
            .map_err(|e| Legacy12Error::Protocol(format!("server record: {e}")))?;
        rx_seq += 1;
        match ContentType(rec.header[0]) {
            ContentType::APPLICATION_DATA => response.extend_from_slice(&o.plaintext),
            ContentType::ALERT => wait_for_response = false,
            _ => {}
        }
    }
    // close_notify; the server may already be gone, which is fine.
    let _ = conn.send(&tx.seal(ContentType::ALERT, 0x0303, &[1, 0], tx_seq));
    drop(conn);

    let transcript_rec = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let mut secrets = KeyLogSecrets::default();
    secrets.insert(KeyLogEntry {
        label: "CLIENT_RANDOM".into(),
        client_random: client_random.to_vec(),
        secret: master,
    });
    Ok(Session {
        transcript: transcript_rec,
        secrets,
        suite: suite.code,
        extended_master_secret: ems,
        response,
        server_certificate: cert,
    })
}

/// (server_random, cipher_suite, extended_master_secret echoed, encrypt_then_mac echoed).
fn parse_server_hello(body: &[u8]) -> Result<(Vec<u8>, u16, bool, bool), Legacy12Error> {
    let sh = crate::wire::handshake::ServerHello::decode(body)
        .map_err(|e| Legacy12Error::Protocol(format!("ServerHello: {e}")))?;
    let version = sh.selected_version();
    if version != crate::wire::ProtocolVersion::TLS12 {
        return Err(Legacy12Error::Protocol(format!(
            "server answered {}, not TLS 1.2",
            version.label()
        )));
    }
    let has = |t: u16| sh.extensions.iter().any(|e| e.typ == t);
    Ok((sh.random, sh.cipher_suite, has(23), has(22)))
}

/// Encrypts the pre-master secret to the RSA key of the server's certificate (PKCS#1 v1.5,
/// RFC 5246 §7.4.7.1).
fn rsa_encrypt_to_certificate(cert_der: &[u8], pms: &[u8]) -> Result<Vec<u8>, Legacy12Error> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| Legacy12Error::Protocol(format!("server certificate: {e}")))?;
    let key = rsa::PublicKey::from_pkcs1_der(&cert.public_key().subject_public_key.data).map_err(
        |e| {
            Legacy12Error::Protocol(format!(
                "RSA key transport needs an RSA server key; the certificate's key is not one ({e})"
            ))
        },
    )?;
    key.pkcs1v15_encrypt(pms)
        .map_err(|e| Legacy12Error::Protocol(format!("RSA encryption failed: {e}")))
}
