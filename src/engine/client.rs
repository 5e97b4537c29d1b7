//! The client state machine: ClientHello → ServerHello, Certificate, CertificateStatus,
//! ServerKeyExchange, CertificateRequest, ServerHelloDone → [empty Certificate],
//! ClientKeyExchange, ChangeCipherSpec, Finished → server ChangeCipherSpec, Finished.

use ring::rand::{SecureRandom, SystemRandom};

use super::{Config, GROUPS, KeyPossession, Outcome, PossessionProof, SIG_SCHEMES};
use crate::crypto::kx::verify_ske_signature;
use crate::crypto::record::RecordCipher;
use crate::crypto::suite::{KeyExchange, SuiteParams};
use crate::crypto::{CryptoError, dh, tls12};
use crate::wire::builder::{ClientHelloBuilder, EMPTY_RENEGOTIATION_INFO_SCSV};
use crate::wire::codec::{put_u24, put_vec8, put_vec16};
use crate::wire::{
    AlertDescription, ContentType, HandshakeFrame, HandshakeReassembler, HandshakeType, Reader,
    read_record,
};

/// Why the engine's handshake failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The server sent a fatal alert.
    #[error("server sent alert {name} ({code}) while {context}")]
    Alert {
        /// Alert description.
        code: u8,
        /// Its name.
        name: String,
        /// What the client was waiting for.
        context: &'static str,
    },
    /// The server broke the protocol: malformed or unexpected message, or a choice the client
    /// did not offer.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The server chose something the engine does not implement.
    #[error("unsupported: {0}")]
    Unsupported(String),
    /// The server did not prove it holds its certificate's private key.
    #[error("key possession not proven: {0}")]
    KeyPossession(String),
    /// Key derivation or record protection failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The client was used after it failed or finished.
    #[error("the handshake is already over")]
    Closed,
}

fn proto(msg: impl Into<String>) -> EngineError {
    EngineError::Protocol(msg.into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the server's first flight (ServerHello .. ServerHelloDone).
    ServerFlight,
    /// Our flight is sent; waiting for the server's ChangeCipherSpec.
    ServerCcs,
    /// Waiting for the server's (encrypted) Finished.
    ServerFinished,
    /// Stopped at the ServerHelloDone ([`Config::pause_at_server_hello_done`]).
    Paused,
    /// Handshake complete.
    Done,
    /// Failed; nothing more is processed.
    Failed,
}

/// One TLS 1.0-1.2 client connection, sans-IO.
pub struct Client {
    cfg: Config,
    state: State,
    out: Vec<u8>,
    inbuf: Vec<u8>,
    reasm: HandshakeReassembler,
    /// Handshake messages hashed so far (ClientHello ..).
    transcript: Vec<u8>,
    client_random: [u8; 32],
    server_random: Vec<u8>,
    suite: Option<SuiteParams>,
    /// Version for record headers (0x0301 until the ServerHello).
    record_version: u16,
    server_msgs: Vec<HandshakeFrame>,
    master: Vec<u8>,
    tx: Option<RecordCipher>,
    tx_seq: u64,
    rx: Option<RecordCipher>,
    rx_seq: u64,
    app_data: Vec<u8>,
    /// The server sent close_notify.
    peer_closed: bool,
    /// Records of other content types (heartbeat) received, decrypted: (type, bytes).
    other_records: Vec<(u8, Vec<u8>)>,
    /// verify_data of the last Finished each side sent (RFC 5746 renegotiation_info).
    client_verify: Vec<u8>,
    server_verify: Vec<u8>,
    /// What the ClientHello offers (kept for renegotiation).
    suites: Vec<u16>,
    groups: Vec<u16>,
    outcome: Outcome,
    rng: SystemRandom,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("state", &self.state)
            .field("outcome", &self.outcome.cipher_suite)
            .finish_non_exhaustive()
    }
}

fn handshake_msg(typ: HandshakeType, body: &[u8]) -> Vec<u8> {
    let mut m = vec![typ.0];
    // Client messages are a few kilobytes at most (an RSA-8192 ClientKeyExchange is 1 KiB).
    put_u24(&mut m, body.len() as u32);
    m.extend_from_slice(body);
    m
}

fn record(ct: ContentType, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut r = vec![ct.0];
    r.extend_from_slice(&version.to_be_bytes());
    put_vec16(&mut r, payload);
    r
}

fn alert_error(context: &'static str, fragment: &[u8]) -> EngineError {
    let code = fragment.get(1).copied().unwrap_or(0);
    EngineError::Alert {
        code,
        name: AlertDescription(code)
            .name()
            .unwrap_or("unknown")
            .to_string(),
        context,
    }
}

fn version_label(v: u16) -> String {
    crate::wire::ProtocolVersion(v).label()
}

/// The ClientHello (handshake message, and as plaintext records). `renegotiation`: the client
/// verify_data of the connection being renegotiated (RFC 5746 §3.5: the extension instead of
/// the SCSV), `Some(empty)` for a legacy renegotiation without it.
fn build_hello(
    cfg: &Config,
    suites: &[u16],
    groups: &[u16],
    random: [u8; 32],
    renegotiation: Option<&[u8]>,
) -> (Vec<u8>, Vec<u8>) {
    let mut offer = suites.to_vec();
    if cfg.secure_renegotiation && renegotiation.is_none() {
        offer.push(EMPTY_RENEGOTIATION_INFO_SCSV);
    }
    let mut hello = ClientHelloBuilder::new()
        .record_version(0x0301)
        .legacy_version(cfg.max_version)
        .random(random)
        .session_id(&cfg.session_id)
        .cipher_suites(&offer)
        .pad_to_avoid_f5_bug(true);
    if let Some(verify) = renegotiation.filter(|v| !v.is_empty() && cfg.secure_renegotiation) {
        let mut body = Vec::new();
        put_vec8(&mut body, verify);
        hello = hello.extension(0xFF01, &body);
    }
    if let Some(name) = &cfg.server_name {
        hello = hello.sni(name);
    }
    let any_ec = suites
        .iter()
        .filter_map(|&c| SuiteParams::lookup(c).ok())
        .any(|s| s.kx.is_ecdh());
    if any_ec && !groups.is_empty() {
        hello = hello.supported_groups(groups).ec_point_formats(&[0]);
    }
    if cfg.max_version >= 0x0303 {
        hello = hello.signature_algorithms(&SIG_SCHEMES);
    }
    hello = hello.status_request();
    if !cfg.alpn.is_empty() {
        let protos: Vec<&[u8]> = cfg.alpn.iter().map(Vec::as_slice).collect();
        hello = hello.alpn(&protos);
    }
    if cfg.extended_master_secret {
        hello = hello.extended_master_secret();
    }
    let any_cbc = suites
        .iter()
        .filter_map(|&c| SuiteParams::lookup(c).ok())
        .any(|s| matches!(s.bulk, crate::crypto::Bulk::Cbc(..)));
    if cfg.encrypt_then_mac && any_cbc {
        hello = hello.encrypt_then_mac();
    }
    if cfg.heartbeat {
        hello = hello.heartbeat(1);
    }
    if let Some(t) = &cfg.session_ticket {
        hello = hello.session_ticket(t);
    }
    (hello.handshake_message(), hello.build())
}

impl Client {
    /// Prepares the ClientHello; take it with [`Self::take_output`].
    pub fn new(cfg: Config) -> Result<Self, EngineError> {
        if !(0x0301..=0x0303).contains(&cfg.min_version)
            || !(0x0301..=0x0303).contains(&cfg.max_version)
            || cfg.min_version > cfg.max_version
        {
            return Err(EngineError::Unsupported(format!(
                "versions {}..{}: the engine speaks TLS 1.0 to 1.2",
                version_label(cfg.min_version),
                version_label(cfg.max_version)
            )));
        }
        let wanted = if cfg.suites.is_empty() {
            super::supported_suites()
        } else {
            cfg.suites.clone()
        };
        let suites: Vec<u16> = wanted
            .into_iter()
            .filter(|&c| {
                SuiteParams::lookup(c)
                    .map(|s| (cfg.min_version..=cfg.max_version).any(|v| s.usable_at(v)))
                    .unwrap_or(false)
            })
            .collect();
        if suites.is_empty() {
            return Err(EngineError::Unsupported(format!(
                "none of the requested cipher suites can run at {}..{} in tlsight's engine",
                version_label(cfg.min_version),
                version_label(cfg.max_version)
            )));
        }
        let groups: Vec<u16> = if cfg.groups.is_empty() {
            GROUPS.to_vec()
        } else {
            cfg.groups
                .iter()
                .copied()
                .filter(|g| GROUPS.contains(g))
                .collect()
        };
        let rng = SystemRandom::new();
        let mut random = [0u8; 32];
        rng.fill(&mut random)
            .map_err(|_| proto("system RNG failed"))?;
        let (ch, out) = build_hello(&cfg, &suites, &groups, random, None);
        Ok(Self {
            cfg,
            state: State::ServerFlight,
            out,
            inbuf: Vec::new(),
            reasm: HandshakeReassembler::default(),
            transcript: ch,
            client_random: random,
            server_random: Vec::new(),
            suite: None,
            record_version: 0x0301,
            server_msgs: Vec::new(),
            master: Vec::new(),
            tx: None,
            tx_seq: 0,
            rx: None,
            rx_seq: 0,
            app_data: Vec::new(),
            peer_closed: false,
            other_records: Vec::new(),
            client_verify: Vec::new(),
            server_verify: Vec::new(),
            suites,
            groups,
            outcome: Outcome {
                client_random: random.to_vec(),
                ..Outcome::default()
            },
            rng,
        })
    }

    /// Bytes to send to the server (taken: each call returns what accumulated since the last).
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    /// Whether the handshake completed (both Finished verified).
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether the client failed.
    pub fn is_failed(&self) -> bool {
        self.state == State::Failed
    }

    /// Whether the client stopped at the server's ServerHelloDone
    /// ([`Config::pause_at_server_hello_done`]).
    pub fn is_paused(&self) -> bool {
        self.state == State::Paused
    }

    /// The record-layer version in use (the negotiated one once the ServerHello is in).
    pub fn record_version(&self) -> u16 {
        self.record_version
    }

    /// Queues one record of any content type: protected once keys are in use, plaintext before
    /// (heartbeat requests, a stray ChangeCipherSpec).
    pub fn send_record(&mut self, ct: ContentType, data: &[u8]) {
        if self.tx.is_some() {
            self.send_protected(ct, data);
        } else {
            self.out
                .extend_from_slice(&record(ct, self.record_version, data));
        }
    }

    /// Queues one protected record whose CBC padding bytes are wrong while its length byte and
    /// MAC are right (the TLS POODLE probe). `false` when the suite in use is not CBC with
    /// MAC-then-encrypt, so there is no such padding to get wrong.
    pub fn send_with_bad_padding(&mut self, ct: ContentType, data: &[u8]) -> bool {
        let Some(tx) = &mut self.tx else {
            return false;
        };
        match tx.seal_bad_padding(ct, self.record_version, data, self.tx_seq) {
            Some(rec) => {
                self.tx_seq += 1;
                self.out.extend_from_slice(&rec);
                true
            }
            None => false,
        }
    }

    /// Records of other content types received (heartbeat: 24), decrypted when protected,
    /// as (content type, bytes); taken.
    pub fn take_other_records(&mut self) -> Vec<(u8, Vec<u8>)> {
        std::mem::take(&mut self.other_records)
    }

    /// Starts a client-initiated renegotiation on a completed connection: a new ClientHello
    /// under the current keys. `secure`: with renegotiation_info carrying our last Finished's
    /// verify_data (RFC 5746 §3.5); otherwise a legacy hello without it (and without the
    /// SCSV). The handshake then runs as the first did; [`Self::is_done`] says when it completed.
    pub fn renegotiate(&mut self, secure: bool) -> Result<(), EngineError> {
        if self.state != State::Done {
            return Err(EngineError::Closed);
        }
        let mut random = [0u8; 32];
        self.rng
            .fill(&mut random)
            .map_err(|_| proto("system RNG failed"))?;
        let verify = if secure {
            self.client_verify.clone()
        } else {
            Vec::new()
        };
        let mut cfg = self.cfg.clone();
        cfg.secure_renegotiation = secure;
        // A renegotiation is a full handshake: no resumption offer.
        cfg.session_ticket = None;
        cfg.session_id = Vec::new();
        let (ch, _) = build_hello(&cfg, &self.suites, &self.groups, random, Some(&verify));
        self.client_random = random;
        self.outcome.client_random = random.to_vec();
        self.server_random = Vec::new();
        self.server_msgs.clear();
        self.transcript = ch.clone();
        self.state = State::ServerFlight;
        self.send_protected(ContentType::HANDSHAKE, &ch);
        Ok(())
    }

    /// What the client learnt so far.
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }

    /// Whether the server closed the session with close_notify.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Application data received after the handshake (taken).
    pub fn take_application_data(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.app_data)
    }

    /// Queues application data, once the handshake is done.
    pub fn send_application_data(&mut self, data: &[u8]) -> Result<(), EngineError> {
        if self.state != State::Done {
            return Err(EngineError::Closed);
        }
        for chunk in data.chunks(1 << 14) {
            self.send_protected(ContentType::APPLICATION_DATA, chunk);
        }
        Ok(())
    }

    /// Queues a close_notify alert (protected once keys are in use).
    pub fn close_notify(&mut self) {
        if self.tx.is_some() {
            self.send_protected(ContentType::ALERT, &[1, 0]);
        }
    }

    fn send_protected(&mut self, ct: ContentType, data: &[u8]) {
        if let Some(tx) = &mut self.tx {
            let rec = tx.seal(ct, self.record_version, data, self.tx_seq);
            self.tx_seq += 1;
            self.out.extend_from_slice(&rec);
        }
    }

    /// Feeds bytes from the server. Processes every complete record; keeps the rest for the
    /// next call. On error the client is failed and has queued a fatal alert where it can.
    pub fn receive(&mut self, data: &[u8]) -> Result<(), EngineError> {
        if self.state == State::Failed {
            return Err(EngineError::Closed);
        }
        self.inbuf.extend_from_slice(data);
        loop {
            let rec = match read_record(&self.inbuf, 0) {
                Ok(Some(r)) => (r.header, r.fragment.to_vec(), r.wire_len()),
                Ok(None) => return Ok(()),
                Err(e) => return self.fail(proto(e.to_string()), 10),
            };
            self.inbuf.drain(..rec.2);
            if let Err(e) = self.record(rec.0, &rec.1) {
                let alert = match &e {
                    EngineError::Alert { .. } => 0,
                    EngineError::KeyPossession(_) | EngineError::Crypto(_) => 51,
                    EngineError::Unsupported(_) => 40,
                    _ => 10,
                };
                return self.fail(e, alert);
            }
        }
    }

    fn fail(&mut self, e: EngineError, alert: u8) -> Result<(), EngineError> {
        self.state = State::Failed;
        if alert != 0 {
            let body = [2, alert];
            if self.tx.is_some() {
                self.send_protected(ContentType::ALERT, &body);
            } else {
                self.out
                    .extend_from_slice(&record(ContentType::ALERT, self.record_version, &body));
            }
        }
        Err(e)
    }

    fn context(&self) -> &'static str {
        match self.state {
            State::ServerFlight => "waiting for the server's hello flight",
            State::ServerCcs => "waiting for the server's ChangeCipherSpec",
            State::ServerFinished => "waiting for the server's Finished",
            State::Paused => "after the server's ServerHelloDone",
            State::Done | State::Failed => "after the handshake",
        }
    }

    fn record(&mut self, header: [u8; 5], fragment: &[u8]) -> Result<(), EngineError> {
        let ct = ContentType(header[0]);
        let context = self.context();
        let plain = if self.rx.is_some() {
            let rx = self.rx.as_mut().ok_or(EngineError::Closed)?;
            let opened = rx.open(&header, fragment, self.rx_seq);
            self.rx_seq += 1;
            match opened {
                Ok(o) => o.plaintext,
                Err(e) => {
                    return Err(self.possession_failure(format!(
                        "the server's protected record does not open with the keys this \
                         handshake derived ({e})"
                    )));
                }
            }
        } else {
            fragment.to_vec()
        };
        match ct {
            ContentType::ALERT => {
                if plain.first() == Some(&1) {
                    // A warning (close_notify after Done, or no_renegotiation): not fatal.
                    if plain.get(1) == Some(&0) && self.state == State::Done {
                        self.peer_closed = true;
                    }
                    if let Some(&d) = plain.get(1) {
                        self.outcome.warning_alerts.push(d);
                    }
                    return Ok(());
                }
                let e = alert_error(context, &plain);
                // After our flight, an RSA-kx server that cannot decrypt the pre-master secret
                // fails to verify our Finished and says so with an alert.
                if self.state == State::ServerCcs
                    && self.suite.is_some_and(|s| s.kx == KeyExchange::Rsa)
                    && matches!(plain.get(1), Some(20 | 51))
                {
                    return Err(self.possession_failure(format!(
                        "the server rejected our Finished with {e}: it could not recover the \
                         pre-master secret encrypted to its certificate's key"
                    )));
                }
                Err(e)
            }
            ContentType::CHANGE_CIPHER_SPEC => {
                if self.state != State::ServerCcs || plain != [1] {
                    return Err(proto(format!(
                        "unexpected ChangeCipherSpec while {context}"
                    )));
                }
                self.install_rx()?;
                self.state = State::ServerFinished;
                Ok(())
            }
            ContentType::HANDSHAKE => {
                let frames = self.reasm.push(&plain).map_err(|e| proto(e.to_string()))?;
                for f in frames {
                    self.handshake(f)?;
                }
                Ok(())
            }
            ContentType::APPLICATION_DATA if self.state == State::Done => {
                self.app_data.extend_from_slice(&plain);
                Ok(())
            }
            ContentType::HEARTBEAT => {
                // Kept for the Heartbleed check; at most a few records are ever expected.
                if self.other_records.len() < 64 {
                    self.other_records.push((ct.0, plain));
                }
                Ok(())
            }
            other => Err(proto(format!(
                "unexpected {} record while {context}",
                other.name().unwrap_or("unknown")
            ))),
        }
    }

    fn possession_failure(&mut self, detail: String) -> EngineError {
        let proof = match self.suite.map(|s| s.kx) {
            Some(KeyExchange::Rsa) => PossessionProof::Finished,
            Some(k) if k.is_anonymous() => PossessionProof::None,
            _ => PossessionProof::Signature,
        };
        // For (EC)DHE the signature already proved possession; a bad Finished then means a
        // broken key schedule, not a missing key.
        if proof == PossessionProof::Finished {
            self.outcome.key_possession = Some(KeyPossession {
                proof,
                ok: false,
                detail: Some(detail.clone()),
            });
            EngineError::KeyPossession(detail)
        } else {
            proto(detail)
        }
    }

    fn handshake(&mut self, f: HandshakeFrame) -> Result<(), EngineError> {
        match self.state {
            State::ServerFlight => {
                self.transcript.extend_from_slice(&f.raw);
                let done = f.typ == HandshakeType::SERVER_HELLO_DONE;
                self.server_message(&f)?;
                self.server_msgs.push(f);
                if done {
                    if self.cfg.pause_at_server_hello_done {
                        self.state = State::Paused;
                    } else {
                        self.client_flight()?;
                    }
                }
                Ok(())
            }
            State::ServerCcs if f.typ == HandshakeType::NEW_SESSION_TICKET => {
                // Hashed; the ticket is kept when we asked for one (a stray one is harmless).
                self.transcript.extend_from_slice(&f.raw);
                let mut r = Reader::new(&f.body, "NewSessionTicket");
                if r.u32("ticket_lifetime_hint").is_ok()
                    && let Ok(t) = r.vec16("ticket")
                {
                    self.outcome.session_ticket = Some(t.to_vec());
                }
                Ok(())
            }
            State::ServerFinished if f.typ == HandshakeType::FINISHED => {
                let suite = self.suite.ok_or(EngineError::Closed)?;
                let want = tls12::finished_verify_data(
                    suite.hash,
                    &self.master,
                    false,
                    &suite.hash.digest(&self.transcript),
                );
                if f.body != want {
                    return Err(self.possession_failure(
                        "the server's Finished does not verify: it was not keyed from the \
                         pre-master secret this client sent"
                            .into(),
                    ));
                }
                self.transcript.extend_from_slice(&f.raw);
                self.server_verify = f.body.clone();
                if self.outcome.finished_verified {
                    self.outcome.renegotiations += 1;
                }
                self.outcome.finished_verified = true;
                if suite.kx == KeyExchange::Rsa {
                    self.outcome.key_possession = Some(KeyPossession {
                        proof: PossessionProof::Finished,
                        ok: true,
                        detail: None,
                    });
                }
                self.state = State::Done;
                Ok(())
            }
            State::Done if f.typ == HandshakeType::HELLO_REQUEST => Ok(()), // no renegotiation
            _ => Err(proto(format!(
                "unexpected {} while {}",
                f.typ.name().unwrap_or("handshake message"),
                self.context()
            ))),
        }
    }

    /// Checks one message of the server's first flight against the order RFC 5246 §7.3 fixes.
    fn server_message(&mut self, f: &HandshakeFrame) -> Result<(), EngineError> {
        let order = |t: HandshakeType| match t {
            HandshakeType::SERVER_HELLO => Some(0),
            HandshakeType::CERTIFICATE => Some(1),
            HandshakeType::CERTIFICATE_STATUS => Some(2),
            HandshakeType::SERVER_KEY_EXCHANGE => Some(3),
            HandshakeType::CERTIFICATE_REQUEST => Some(4),
            HandshakeType::SERVER_HELLO_DONE => Some(5),
            _ => None,
        };
        let Some(pos) = order(f.typ) else {
            return Err(proto(format!(
                "unexpected {} in the server's hello flight",
                f.typ.name().unwrap_or("handshake message")
            )));
        };
        let last = self.server_msgs.last().and_then(|m| order(m.typ));
        if last.is_some_and(|l| l >= pos) || (last.is_none() && pos != 0) {
            return Err(proto(format!(
                "{} out of order in the server's hello flight",
                f.typ.name().unwrap_or("handshake message")
            )));
        }
        match f.typ {
            HandshakeType::SERVER_HELLO => self.server_hello(&f.body),
            HandshakeType::CERTIFICATE => {
                self.outcome.certificates = parse_certificates(&f.body)?;
                Ok(())
            }
            HandshakeType::CERTIFICATE_STATUS => {
                let mut r = Reader::new(&f.body, "CertificateStatus");
                if r.u8("status_type").map_err(|e| proto(e.to_string()))? == 1 {
                    self.outcome.ocsp = r
                        .vec24("OCSPResponse")
                        .map_err(|e| proto(e.to_string()))?
                        .to_vec();
                }
                Ok(())
            }
            HandshakeType::CERTIFICATE_REQUEST => {
                self.outcome.client_certificate_requested = true;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn server_hello(&mut self, body: &[u8]) -> Result<(), EngineError> {
        let sh = crate::wire::handshake::ServerHello::decode(body)
            .map_err(|e| proto(format!("ServerHello: {e}")))?;
        let v = sh.selected_version().0;
        if v > self.cfg.max_version || v < self.cfg.min_version {
            return Err(EngineError::Unsupported(format!(
                "server chose {}, outside the {}..{} offered",
                version_label(v),
                version_label(self.cfg.min_version),
                version_label(self.cfg.max_version)
            )));
        }
        if sh.compression_method != 0 {
            return Err(proto(format!(
                "server chose compression method {}, only null was offered",
                sh.compression_method
            )));
        }
        let base = SuiteParams::lookup(sh.cipher_suite).map_err(|_| {
            proto(format!(
                "server chose suite 0x{:04X}, which was not offered",
                sh.cipher_suite
            ))
        })?;
        let offered = if self.cfg.suites.is_empty() {
            super::supported_suites()
        } else {
            self.cfg.suites.clone()
        };
        if !offered.contains(&sh.cipher_suite) || !base.usable_at(v) {
            return Err(proto(format!(
                "server chose {} at {}, which was not offered",
                base.name,
                version_label(v)
            )));
        }
        let suite = base.for_version(v);
        let has = |t: u16| sh.extensions.iter().any(|e| e.typ == t);
        self.outcome.version = Some(v);
        self.outcome.cipher_suite = Some(suite.code);
        self.outcome.session_id = sh.session_id.clone();
        self.outcome.server_hellos += 1;
        self.outcome.heartbeat = has(15) && self.cfg.heartbeat;
        self.outcome.secure_renegotiation = has(0xFF01);
        self.outcome.extended_master_secret = has(23) && self.cfg.extended_master_secret;
        self.outcome.encrypt_then_mac = has(22)
            && self.cfg.encrypt_then_mac
            && matches!(suite.bulk, crate::crypto::Bulk::Cbc(..));
        if let Some(e) = sh.extensions.iter().find(|e| e.typ == 16) {
            let mut r = Reader::new(&e.raw, "ALPN");
            if let Ok(list) = r.vec16("protocol_name_list") {
                let mut l = Reader::new(list, "protocol_name_list");
                if let Ok(p) = l.vec8("protocol") {
                    self.outcome.alpn = Some(String::from_utf8_lossy(p).into_owned());
                }
            }
        }
        self.server_random = sh.random;
        self.record_version = v;
        self.suite = Some(suite);
        Ok(())
    }

    fn find(&self, t: HandshakeType) -> Option<&HandshakeFrame> {
        self.server_msgs.iter().find(|m| m.typ == t)
    }

    /// ServerHelloDone arrived: key exchange, then our flight.
    fn client_flight(&mut self) -> Result<(), EngineError> {
        let suite = self
            .suite
            .ok_or_else(|| proto("ServerHelloDone without a ServerHello"))?;
        let anonymous = suite.kx.is_anonymous();
        let leaf = self.outcome.certificates.first().cloned();
        if !anonymous && leaf.is_none() {
            return Err(proto(format!(
                "{} needs the server's certificate, none was sent",
                suite.name
            )));
        }
        let ske = self
            .find(HandshakeType::SERVER_KEY_EXCHANGE)
            .map(|m| m.body.clone());
        let (cke_body, pre_master) = match suite.kx {
            KeyExchange::Rsa => {
                if ske.is_some() {
                    return Err(proto(
                        "ServerKeyExchange with RSA key transport (export RSA is not supported)",
                    ));
                }
                let cert = leaf.unwrap_or_default();
                // client_version of the ClientHello (RFC 5246 §7.4.7.1), not the negotiated one.
                let mut pms = self.cfg.max_version.to_be_bytes().to_vec();
                let mut r46 = [0u8; 46];
                self.rng
                    .fill(&mut r46)
                    .map_err(|_| proto("system RNG failed"))?;
                pms.extend_from_slice(&r46);
                let ct = rsa_encrypt_to_certificate(&cert, &pms, &self.rng)?;
                let mut body = Vec::new();
                put_vec16(&mut body, &ct);
                (body, pms)
            }
            KeyExchange::Tls13 => return Err(proto("TLS 1.3 suite in a TLS 1.2 handshake")),
            _ => {
                let body = ske.ok_or_else(|| {
                    proto(format!(
                        "{} needs a ServerKeyExchange, none was sent",
                        suite.name
                    ))
                })?;
                self.key_agreement(&suite, &body, leaf.as_deref())?
            }
        };
        if anonymous {
            self.outcome.key_possession = Some(KeyPossession {
                proof: PossessionProof::None,
                ok: true,
                detail: Some("anonymous suite: the server sent no certificate".into()),
            });
        }
        if self.find(HandshakeType::CERTIFICATE_REQUEST).is_some() {
            let cert = handshake_msg(HandshakeType::CERTIFICATE, &[0, 0, 0]);
            self.transcript.extend_from_slice(&cert);
            // Under the current keys during a renegotiation, plaintext in the first handshake.
            self.send_record(ContentType::HANDSHAKE, &cert);
        }
        let cke = handshake_msg(HandshakeType::CLIENT_KEY_EXCHANGE, &cke_body);
        self.transcript.extend_from_slice(&cke);
        self.send_record(ContentType::HANDSHAKE, &cke);
        self.master = if self.outcome.extended_master_secret {
            tls12::extended_master_secret(
                suite.hash,
                &pre_master,
                &suite.hash.digest(&self.transcript),
            )
        } else {
            tls12::master_secret(
                suite.hash,
                &pre_master,
                &self.client_random,
                &self.server_random,
            )
        };
        self.outcome.master_secret = Some(self.master.clone());
        let tx = self.write_cipher(&suite, true)?;
        self.send_record(ContentType::CHANGE_CIPHER_SPEC, &[1]);
        self.tx = Some(tx);
        self.tx_seq = 0;
        let verify = tls12::finished_verify_data(
            suite.hash,
            &self.master,
            true,
            &suite.hash.digest(&self.transcript),
        );
        self.client_verify = verify.clone();
        let fin = handshake_msg(HandshakeType::FINISHED, &verify);
        self.transcript.extend_from_slice(&fin);
        self.send_protected(ContentType::HANDSHAKE, &fin);
        self.state = State::ServerCcs;
        Ok(())
    }

    fn install_rx(&mut self) -> Result<(), EngineError> {
        let suite = self.suite.ok_or(EngineError::Closed)?;
        self.rx = Some(self.write_cipher(&suite, false)?);
        self.rx_seq = 0;
        Ok(())
    }

    /// The client's (`client`) or the server's write cipher from the master secret.
    fn write_cipher(&self, suite: &SuiteParams, client: bool) -> Result<RecordCipher, EngineError> {
        let kb = tls12::key_block(
            suite,
            &self.master,
            &self.client_random,
            &self.server_random,
        )?;
        Ok(RecordCipher::from_key_block(
            suite,
            &kb,
            client,
            self.outcome.encrypt_then_mac,
        )?)
    }

    /// (EC)DHE and anonymous DH/ECDH: parse and check the ServerKeyExchange, verify its
    /// signature, agree. Returns the ClientKeyExchange body and the pre-master secret.
    fn key_agreement(
        &mut self,
        suite: &SuiteParams,
        body: &[u8],
        leaf: Option<&[u8]>,
    ) -> Result<(Vec<u8>, Vec<u8>), EngineError> {
        let bad = |e: crate::wire::WireError| proto(format!("ServerKeyExchange: {e}"));
        let mut r = Reader::new(body, "ServerKeyExchange");
        enum Params<'a> {
            Dh {
                p: &'a [u8],
                g: &'a [u8],
                ys: &'a [u8],
            },
            Ec {
                group: u16,
                point: &'a [u8],
            },
        }
        let params = if suite.kx.is_dh() {
            Params::Dh {
                p: r.vec16("dh_p").map_err(bad)?,
                g: r.vec16("dh_g").map_err(bad)?,
                ys: r.vec16("dh_Ys").map_err(bad)?,
            }
        } else {
            let curve_type = r.u8("curve_type").map_err(bad)?;
            if curve_type != 3 {
                return Err(EngineError::Unsupported(format!(
                    "ServerKeyExchange curve_type {curve_type} (only named_curve, 3)"
                )));
            }
            Params::Ec {
                group: r.u16("named_curve").map_err(bad)?,
                point: r.vec8("public").map_err(bad)?,
            }
        };
        let params_len = r.offset();
        if let Some(leaf) = leaf.filter(|_| !suite.kx.is_anonymous()) {
            let scheme = if suite.version >= 0x0303 {
                Some(r.u16("signature algorithm").map_err(bad)?)
            } else {
                None
            };
            let sig = r.vec16("signature").map_err(bad)?;
            r.expect_end().map_err(bad)?;
            let signed = [
                &self.client_random[..],
                &self.server_random[..],
                &body[..params_len],
            ]
            .concat();
            match verify_ske_signature(leaf, scheme, &signed, sig) {
                Ok(kind) => {
                    self.outcome.ske_signature = Some((kind.name(), true));
                    self.outcome.key_possession = Some(KeyPossession {
                        proof: PossessionProof::Signature,
                        ok: true,
                        detail: None,
                    });
                }
                Err(e) => {
                    let name = scheme
                        .map(|s| crate::crypto::kx::SignatureKind::Scheme(s).name())
                        .unwrap_or_else(|| "legacy".into());
                    self.outcome.ske_signature = Some((name, false));
                    let detail = format!(
                        "the ServerKeyExchange signature does not verify with the certificate's \
                         key: {e}"
                    );
                    self.outcome.key_possession = Some(KeyPossession {
                        proof: PossessionProof::Signature,
                        ok: false,
                        detail: Some(detail.clone()),
                    });
                    return Err(EngineError::KeyPossession(detail));
                }
            }
        } else {
            r.expect_end().map_err(bad)?;
        }
        match params {
            Params::Dh { p, g, ys } => {
                let rng = &self.rng;
                let a = dh::agree(p, g, ys, &|b: &mut [u8]| rng.fill(b).is_ok())
                    .map_err(|e| proto(format!("ServerKeyExchange: {e}")))?;
                self.outcome.dh_prime_bits = Some(a.prime_bits);
                let mut body = Vec::new();
                put_vec16(&mut body, &a.public);
                Ok((body, a.shared.clone()))
            }
            Params::Ec { group, point } => {
                use ring::agreement;
                let alg = match group {
                    0x001D => &agreement::X25519,
                    0x0017 => &agreement::ECDH_P256,
                    0x0018 => &agreement::ECDH_P384,
                    g => {
                        return Err(EngineError::Unsupported(format!(
                            "server chose group {} (0x{g:04X}); the engine has x25519, \
                             secp256r1, secp384r1",
                            rustls::NamedGroup::from(g).as_str().unwrap_or("unknown")
                        )));
                    }
                };
                self.outcome.group = Some(group);
                let private = agreement::EphemeralPrivateKey::generate(alg, &self.rng)
                    .map_err(|_| proto("key generation failed"))?;
                let public = private
                    .compute_public_key()
                    .map_err(|_| proto("key generation failed"))?;
                let shared = agreement::agree_ephemeral(
                    private,
                    &agreement::UnparsedPublicKey::new(alg, point),
                    |k| k.to_vec(),
                )
                .map_err(|_| proto("the server's ECDH public key is invalid"))?;
                let mut body = Vec::new();
                put_vec8(&mut body, public.as_ref());
                Ok((body, shared))
            }
        }
    }
}

/// The DER certificates of a TLS 1.0-1.2 Certificate body, leaf first.
fn parse_certificates(body: &[u8]) -> Result<Vec<Vec<u8>>, EngineError> {
    let bad = |e: crate::wire::WireError| proto(format!("Certificate: {e}"));
    let mut r = Reader::new(body, "Certificate");
    let list = r.vec24("certificate_list").map_err(bad)?;
    r.expect_end().map_err(bad)?;
    let mut l = Reader::new(list, "certificate_list");
    let mut out = Vec::new();
    while !l.is_empty() {
        out.push(l.vec24("certificate").map_err(bad)?.to_vec());
        if out.len() > 64 {
            return Err(proto("Certificate: more than 64 certificates"));
        }
    }
    Ok(out)
}

/// Encrypts the pre-master secret to the RSA key of the server's certificate (PKCS#1 v1.5,
/// RFC 5246 §7.4.7.1).
fn rsa_encrypt_to_certificate(
    cert_der: &[u8],
    pms: &[u8],
    _rng: &SystemRandom,
) -> Result<Vec<u8>, EngineError> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| proto(format!("server certificate: {e}")))?;
    let key = rsa::PublicKey::from_pkcs1_der(&cert.public_key().subject_public_key.data).map_err(
        |e| {
            proto(format!(
                "RSA key transport needs an RSA server key; the certificate's key is not one ({e})"
            ))
        },
    )?;
    key.pkcs1v15_encrypt(pms)
        .map_err(|e| proto(format!("RSA encryption failed: {e}")))
}
