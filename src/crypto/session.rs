//! Walks a recorded session (both directions, in socket order) and decrypts every record it has
//! keys for: plaintext records pass through; TLS 1.3 switches each direction to its handshake
//! traffic key after the ServerHello and to `*_TRAFFIC_SECRET_0` after that side's Finished
//! (KeyUpdate moves to the next generation; 0-RTT data uses `CLIENT_EARLY_TRAFFIC_SECRET` until
//! EndOfEarlyData); TLS 1.2 switches each direction after its ChangeCipherSpec, with keys from
//! the master secret. Sequence numbers run per direction per key.
//! A record that fails to decrypt is kept with its error and the walk goes on.

use serde::Serialize;

use super::record::RecordCipher;
use super::suite::{HashAlg, SuiteParams};
use super::{CryptoError, tls12, tls13};
use crate::capture::{Direction, KeyLogSecrets, Transcript};
use crate::wire::handshake::{ClientHello, HRR_RANDOM, ServerHello};
use crate::wire::{
    ContentType, HandshakeReassembler, HandshakeType, ProtocolVersion, split_records,
};

/// One record of the session, decrypted when possible.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecryptedRecord {
    /// Who sent it.
    pub dir: Direction,
    /// Time (µs from the start of the recording) at which its last byte crossed the socket.
    pub t_us: u64,
    /// Offset of the record header in the sender's byte stream.
    pub offset: usize,
    /// The record header as on the wire.
    #[serde(serialize_with = "hex_ser")]
    pub header: [u8; 5],
    /// The real content type: the inner type for TLS 1.3 records, the header type otherwise.
    pub content_type: ContentType,
    /// Whether the record was protected.
    pub encrypted: bool,
    /// The plaintext (the fragment itself for unprotected records; empty when decryption failed).
    #[serde(serialize_with = "hex_ser")]
    pub plaintext: Vec<u8>,
    /// Why decryption failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A handshake message reassembled from the (decrypted) records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandshakeMessage {
    /// Who sent it.
    pub dir: Direction,
    /// Index in [`DecryptedSession::records`] of the record that completed it.
    pub record: usize,
    /// Whether it travelled encrypted.
    pub encrypted: bool,
    /// Message type.
    pub typ: HandshakeType,
    /// Header and body, as hashed into the transcript.
    #[serde(serialize_with = "hex_ser")]
    pub raw: Vec<u8>,
}

impl HandshakeMessage {
    /// The body, without the 4-byte header.
    pub fn body(&self) -> &[u8] {
        self.raw.get(4..).unwrap_or_default()
    }
}

/// The check of one Finished message against the keys: proof that the secrets are right.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FinishedCheck {
    /// Who sent the Finished.
    pub dir: Direction,
    /// verify_data recomputed from the secrets and the transcript.
    #[serde(serialize_with = "hex_ser")]
    pub expected: Vec<u8>,
    /// verify_data as received.
    #[serde(serialize_with = "hex_ser")]
    pub received: Vec<u8>,
    /// Whether they match.
    pub ok: bool,
}

/// A decrypted session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecryptedSession {
    /// Negotiated protocol version.
    pub version: ProtocolVersion,
    /// Negotiated cipher suite.
    pub cipher_suite: u16,
    /// Its IANA name.
    pub suite_name: String,
    /// ClientHello.random (the key-log lookup key).
    #[serde(serialize_with = "hex_ser")]
    pub client_random: Vec<u8>,
    /// ServerHello.random.
    #[serde(serialize_with = "hex_ser")]
    pub server_random: Vec<u8>,
    /// TLS 1.2: whether both hellos carried extended_master_secret (RFC 7627).
    pub extended_master_secret: bool,
    /// Every record both ways, in socket order.
    pub records: Vec<DecryptedRecord>,
    /// Handshake messages, in socket order.
    pub handshake: Vec<HandshakeMessage>,
    /// Finished checks, in socket order.
    pub finished: Vec<FinishedCheck>,
    /// Things worth knowing that are not errors (e.g. a stream that ends inside a record).
    pub notes: Vec<String>,
}

impl DecryptedSession {
    /// Concatenated application data one side sent.
    pub fn application_data(&self, dir: Direction) -> Vec<u8> {
        self.records
            .iter()
            .filter(|r| {
                r.dir == dir && r.content_type == ContentType::APPLICATION_DATA && r.error.is_none()
            })
            .flat_map(|r| r.plaintext.iter().copied())
            .collect()
    }

    /// Whether every protected record opened and every Finished verified.
    pub fn fully_verified(&self) -> bool {
        self.records.iter().all(|r| r.error.is_none())
            && !self.finished.is_empty()
            && self.finished.iter().all(|f| f.ok)
    }
}

fn hex_ser<S: serde::Serializer, T: AsRef<[u8]>>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(v.as_ref()))
}

/// A record copied out of a direction's stream, with its place in socket order.
#[derive(Debug, Clone)]
pub(crate) struct RawRecord {
    pub(crate) dir: Direction,
    pub(crate) offset: usize,
    pub(crate) t_us: u64,
    pub(crate) header: [u8; 5],
    pub(crate) fragment: Vec<u8>,
    /// Global index of the chunk holding the record's last byte: the order key across directions.
    order: usize,
}

/// Splits both directions into records and merges them in the order they crossed the socket.
/// Returns notes for streams that end mid-record; fails if the client did not speak TLS.
pub(crate) fn merged_records(t: &Transcript) -> Result<(Vec<RawRecord>, Vec<String>), CryptoError> {
    let mut all = Vec::new();
    let mut notes = Vec::new();
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        // (start offset in this direction's stream, global chunk index, time).
        let mut marks = Vec::new();
        let mut stream = Vec::new();
        for (i, c) in t.chunks.iter().enumerate().filter(|(_, c)| c.dir == dir) {
            marks.push((stream.len(), i, c.t_us));
            stream.extend_from_slice(&c.data);
        }
        let (records, err) = split_records(&stream);
        if let Some(e) = err {
            if records.is_empty() && dir == Direction::ClientToServer {
                return Err(CryptoError::Recording(format!("client stream: {e}")));
            }
            notes.push(format!("{} stream: {e}", dir.sender()));
        }
        for r in records {
            let last = r.offset + r.wire_len() - 1;
            let m = match marks.binary_search_by(|(o, _, _)| o.cmp(&last)) {
                Ok(i) => marks[i],
                Err(i) => marks[i.saturating_sub(1)],
            };
            all.push(RawRecord {
                dir,
                offset: r.offset,
                t_us: m.2,
                header: r.header,
                fragment: r.fragment.to_vec(),
                order: m.1,
            });
        }
    }
    // Stable: records of one direction keep their stream order.
    all.sort_by_key(|r| r.order);
    if all.is_empty() {
        return Err(CryptoError::Recording(
            "no TLS records in either direction".into(),
        ));
    }
    Ok((all, notes))
}

/// What the hellos negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hellos {
    /// ClientHello.random.
    pub client_random: Vec<u8>,
    /// ServerHello.random.
    pub server_random: Vec<u8>,
    /// Negotiated version (supported_versions when present, else legacy_version).
    pub version: ProtocolVersion,
    /// Negotiated suite.
    pub cipher_suite: u16,
    /// Both hellos carried extended_master_secret.
    pub extended_master_secret: bool,
    /// Both hellos carried encrypt_then_mac (RFC 7366; matters for CBC suites only).
    pub encrypt_then_mac: bool,
}

const EXT_EMS: u16 = 23;
const EXT_ETM: u16 = 22;

fn decode_client_hello(body: &[u8]) -> Result<ClientHello, CryptoError> {
    ClientHello::decode(body).map_err(|e| CryptoError::Recording(format!("ClientHello: {e}")))
}

fn decode_server_hello(body: &[u8]) -> Result<ServerHello, CryptoError> {
    ServerHello::decode(body).map_err(|e| CryptoError::Recording(format!("ServerHello: {e}")))
}

/// The handshake messages sent in the clear, in socket order (everything before each side's
/// ChangeCipherSpec or first protected record), and what the hellos negotiated. This is all a
/// passive observer sees of a TLS 1.2 handshake before the keys take over.
#[derive(Debug, Clone)]
pub struct Cleartext {
    /// Messages in socket order.
    pub messages: Vec<(Direction, crate::wire::HandshakeFrame)>,
    /// The negotiated parameters.
    pub hellos: Hellos,
    /// The server sent a (TLS 1.2) ChangeCipherSpec.
    pub server_ccs: bool,
}

/// Collects the cleartext handshake of a recording.
pub fn cleartext_handshake(t: &Transcript) -> Result<Cleartext, CryptoError> {
    let (records, _) = merged_records(t)?;
    cleartext_of(&records)
}

fn cleartext_of(records: &[RawRecord]) -> Result<Cleartext, CryptoError> {
    let mut reasm = [
        HandshakeReassembler::default(),
        HandshakeReassembler::default(),
    ];
    let mut stopped = [false, false];
    let mut messages: Vec<(Direction, crate::wire::HandshakeFrame)> = Vec::new();
    // Once a ServerHello (or HelloRetryRequest) selects TLS 1.3, a ChangeCipherSpec is only
    // middlebox camouflage and the ClientHello after an HRR is still in the clear.
    let mut tls13 = false;
    let mut server_ccs = false;
    for r in records {
        let d = dir_index(r.dir);
        if stopped[d] {
            continue;
        }
        match ContentType(r.header[0]) {
            ContentType::HANDSHAKE => {
                let frames = reasm[d].push(&r.fragment).map_err(|e| {
                    CryptoError::Recording(format!("{} handshake: {e}", r.dir.sender()))
                })?;
                for f in frames {
                    if r.dir == Direction::ServerToClient
                        && f.typ == HandshakeType::SERVER_HELLO
                        && let Ok(sh) = ServerHello::decode(&f.body)
                    {
                        tls13 |= sh.selected_version() == ProtocolVersion::TLS13;
                    }
                    messages.push((r.dir, f));
                }
            }
            ContentType::ALERT => {}
            ContentType::CHANGE_CIPHER_SPEC if tls13 => {}
            ct => {
                server_ccs |= d == 1 && ct == ContentType::CHANGE_CIPHER_SPEC;
                stopped[d] = true
            }
        }
    }
    let hellos = hellos_from(&messages)?;
    Ok(Cleartext {
        messages,
        hellos,
        server_ccs,
    })
}

fn hellos_from(
    messages: &[(Direction, crate::wire::HandshakeFrame)],
) -> Result<Hellos, CryptoError> {
    let ch = messages
        .iter()
        .find(|(d, m)| *d == Direction::ClientToServer && m.typ == HandshakeType::CLIENT_HELLO)
        .ok_or_else(|| CryptoError::Recording("no ClientHello from the client".into()))?;
    let client = decode_client_hello(&ch.1.body)?;
    let mut sh = None;
    for (d, m) in messages {
        if *d == Direction::ServerToClient && m.typ == HandshakeType::SERVER_HELLO {
            let parsed = decode_server_hello(&m.body)?;
            if !parsed.hello_retry_request {
                sh = Some(parsed);
                break;
            }
        }
    }
    let server =
        sh.ok_or_else(|| CryptoError::Recording("no ServerHello from the server".into()))?;
    let both = |t: u16| {
        client.extensions.iter().any(|e| e.typ == t) && server.extensions.iter().any(|e| e.typ == t)
    };
    Ok(Hellos {
        version: server.selected_version(),
        cipher_suite: server.cipher_suite,
        extended_master_secret: both(EXT_EMS),
        encrypt_then_mac: both(EXT_ETM),
        client_random: client.random,
        server_random: server.random,
    })
}

fn dir_index(d: Direction) -> usize {
    match d {
        Direction::ClientToServer => 0,
        Direction::ServerToClient => 1,
    }
}

/// Key-log labels per direction.
const HS_LABEL: [&str; 2] = [
    "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
    "SERVER_HANDSHAKE_TRAFFIC_SECRET",
];
const AP_LABEL: [&str; 2] = ["CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"];
const EARLY_LABEL: &str = "CLIENT_EARLY_TRAFFIC_SECRET";

/// TLS 1.3 key generations of one direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Epoch {
    Plain,
    /// Client only: 0-RTT data under CLIENT_EARLY_TRAFFIC_SECRET.
    Early,
    Handshake,
    Application,
}

struct DirState {
    reasm: HandshakeReassembler,
    epoch: Epoch,
    cipher: Option<RecordCipher>,
    /// Why `cipher` is missing, when it is.
    no_key: Option<String>,
    seq: u64,
    /// TLS 1.3: the current traffic secret (for Finished and KeyUpdate).
    secret: Vec<u8>,
    /// TLS 1.3 client with 0-RTT: the handshake key, installed after EndOfEarlyData.
    pending: Option<Result<(RecordCipher, Vec<u8>), CryptoError>>,
}

impl DirState {
    fn new() -> Self {
        Self {
            reasm: HandshakeReassembler::default(),
            epoch: Epoch::Plain,
            cipher: None,
            no_key: None,
            seq: 0,
            secret: Vec::new(),
            pending: None,
        }
    }

    fn install(&mut self, epoch: Epoch, key: Result<(RecordCipher, Vec<u8>), CryptoError>) {
        self.epoch = epoch;
        self.seq = 0;
        match key {
            Ok((c, s)) => {
                self.cipher = Some(c);
                self.secret = s;
                self.no_key = None;
            }
            Err(e) => {
                self.cipher = None;
                self.secret.clear();
                self.no_key = Some(e.to_string());
            }
        }
    }
}

/// Decrypts a recorded session with the secrets of a key log (NSS format: TLS 1.3 traffic
/// secrets, or `CLIENT_RANDOM` master secret for TLS 1.2).
pub fn decrypt_session(
    t: &Transcript,
    secrets: &KeyLogSecrets,
) -> Result<DecryptedSession, CryptoError> {
    let (raw, notes) = merged_records(t)?;
    let clear = cleartext_of(&raw)?;
    let h = clear.hellos;
    let tls13 = match h.version {
        ProtocolVersion::TLS13 => true,
        ProtocolVersion::TLS12 | ProtocolVersion::TLS11 | ProtocolVersion::TLS10 => false,
        v => return Err(CryptoError::UnsupportedVersion(v.label())),
    };
    let suite = SuiteParams::lookup(h.cipher_suite)?.for_version(h.version.0);
    if suite.tls13 != tls13 {
        return Err(CryptoError::Recording(format!(
            "{} negotiated with {} suite {}",
            h.version.label(),
            if suite.tls13 { "TLS 1.3" } else { "TLS 1.2" },
            suite.name
        )));
    }
    if !secrets.has_session(&h.client_random) {
        return Err(CryptoError::MissingSecret {
            label: if tls13 {
                "traffic secret"
            } else {
                "CLIENT_RANDOM line"
            },
            client_random: hex::encode(&h.client_random),
        });
    }
    let mut w = Walk {
        suite,
        tls13,
        etm: h.encrypt_then_mac,
        client_random: h.client_random.clone(),
        server_random: h.server_random.clone(),
        secrets,
        dirs: [DirState::new(), DirState::new()],
        master: None,
        transcript: Vec::new(),
        hrr_seen: false,
        out: DecryptedSession {
            version: h.version,
            cipher_suite: h.cipher_suite,
            suite_name: suite.name.to_string(),
            client_random: h.client_random.clone(),
            server_random: h.server_random.clone(),
            extended_master_secret: !tls13 && h.extended_master_secret,
            records: Vec::new(),
            handshake: Vec::new(),
            finished: Vec::new(),
            notes,
        },
    };
    if !tls13 {
        w.master = Some(
            secrets
                .get(&h.client_random, "CLIENT_RANDOM")
                .map(<[u8]>::to_vec)
                .ok_or_else(|| CryptoError::MissingSecret {
                    label: "CLIENT_RANDOM",
                    client_random: hex::encode(&h.client_random),
                }),
        );
    }
    for r in raw {
        w.record(r);
    }
    Ok(w.out)
}

struct Walk<'a> {
    suite: SuiteParams,
    tls13: bool,
    etm: bool,
    client_random: Vec<u8>,
    server_random: Vec<u8>,
    secrets: &'a KeyLogSecrets,
    dirs: [DirState; 2],
    /// TLS 1.2 master secret (or why it is missing).
    master: Option<Result<Vec<u8>, CryptoError>>,
    /// Handshake messages hashed into the transcript, in order.
    transcript: Vec<u8>,
    hrr_seen: bool,
    out: DecryptedSession,
}

impl Walk<'_> {
    fn tls13_key(&self, label: &'static str) -> Result<(RecordCipher, Vec<u8>), CryptoError> {
        let secret = self
            .secrets
            .get(&self.client_random, label)
            .ok_or_else(|| CryptoError::MissingSecret {
                label,
                client_random: hex::encode(&self.client_random),
            })?;
        Ok((RecordCipher::tls13(&self.suite, secret)?, secret.to_vec()))
    }

    fn tls12_key(&self, d: usize) -> Result<(RecordCipher, Vec<u8>), CryptoError> {
        let master = match &self.master {
            Some(Ok(m)) => m,
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(CryptoError::Recording("no master secret".into())),
        };
        let kb = tls12::key_block(
            &self.suite,
            master,
            &self.client_random,
            &self.server_random,
        )?;
        Ok((
            RecordCipher::from_key_block(&self.suite, &kb, d == 0, self.etm)?,
            Vec::new(),
        ))
    }

    fn record(&mut self, r: RawRecord) {
        let d = dir_index(r.dir);
        let outer = ContentType(r.header[0]);
        if self.tls13
            && d == 0
            && self.dirs[0].epoch == Epoch::Plain
            && outer == ContentType::APPLICATION_DATA
        {
            // Before its handshake keys, a TLS 1.3 client only encrypts 0-RTT early data.
            let key = self.tls13_key(EARLY_LABEL);
            self.dirs[0].install(Epoch::Early, key);
        }
        let protected = match (self.tls13, self.dirs[d].epoch) {
            (_, Epoch::Plain) => false,
            // TLS 1.3 protects only records with outer type application_data; a CCS sent for
            // middlebox compatibility stays in the clear.
            (true, _) => outer == ContentType::APPLICATION_DATA,
            (false, _) => outer != ContentType::CHANGE_CIPHER_SPEC,
        };
        let mut rec = DecryptedRecord {
            dir: r.dir,
            t_us: r.t_us,
            offset: r.offset,
            header: r.header,
            content_type: outer,
            encrypted: protected,
            plaintext: Vec::new(),
            error: None,
        };
        if protected {
            match self.open(d, &r) {
                Ok(o) => {
                    rec.content_type = o.content_type;
                    rec.plaintext = o.plaintext;
                }
                Err(e) => {
                    rec.error = Some(e);
                    // A lost record leaves a half message behind; later records start afresh.
                    self.dirs[d].reasm = HandshakeReassembler::default();
                }
            }
        } else {
            rec.plaintext = r.fragment.clone();
        }
        let index = self.out.records.len();
        let ok = rec.error.is_none();
        let ct = rec.content_type;
        let plaintext = if ok && ct == ContentType::HANDSHAKE {
            rec.plaintext.clone()
        } else {
            Vec::new()
        };
        self.out.records.push(rec);
        if !ok {
            return;
        }
        match ct {
            ContentType::HANDSHAKE => self.handshake(d, r.dir, index, protected, &plaintext),
            ContentType::CHANGE_CIPHER_SPEC if !self.tls13 => {
                let key = self.tls12_key(d);
                self.dirs[d].install(Epoch::Handshake, key);
            }
            _ => {}
        }
    }

    /// Opens a protected record with the direction's current key. In TLS 1.3, when that fails
    /// during the handshake epoch, tries the application key once: the Finished that would have
    /// switched keys may itself have been lost.
    fn open(&mut self, d: usize, r: &RawRecord) -> Result<super::record::Opened, String> {
        let st = &mut self.dirs[d];
        let Some(c) = &mut st.cipher else {
            return Err(format!(
                "no key: {}",
                st.no_key.clone().unwrap_or_else(|| "not negotiated".into())
            ));
        };
        match c.open(&r.header, &r.fragment, st.seq) {
            Ok(o) => {
                st.seq += 1;
                Ok(o)
            }
            Err(e) => {
                let err = CryptoError::decrypt(r.dir, r.offset, e.to_string()).to_string();
                if self.tls13
                    && st.epoch == Epoch::Handshake
                    && let Ok(mut next) = self.tls13_key(AP_LABEL[d])
                    && let Ok(o) = next.0.open(&r.header, &r.fragment, 0)
                {
                    let st = &mut self.dirs[d];
                    st.install(Epoch::Application, Ok(next));
                    st.seq = 1;
                    self.out.notes.push(format!(
                        "{} switched to application keys without a readable Finished",
                        r.dir.sender()
                    ));
                    return Ok(o);
                }
                // 0-RTT rejected by the server: the client moves to its handshake key at once.
                let st = &mut self.dirs[d];
                if st.epoch == Epoch::Early
                    && let Some(Ok((next, _))) = &mut st.pending
                    && let Ok(o) = next.open(&r.header, &r.fragment, 0)
                {
                    if let Some(key) = st.pending.take() {
                        st.install(Epoch::Handshake, key);
                    }
                    st.seq = 1;
                    return Ok(o);
                }
                // Count the record anyway: the sender did, so later records keep their numbers.
                self.dirs[d].seq += 1;
                Err(err)
            }
        }
    }

    fn handshake(&mut self, d: usize, dir: Direction, index: usize, encrypted: bool, data: &[u8]) {
        let frames = match self.dirs[d].reasm.push(data) {
            Ok(f) => f,
            Err(e) => {
                if let Some(rec) = self.out.records.get_mut(index) {
                    rec.error = Some(format!("handshake reassembly: {e}"));
                }
                return;
            }
        };
        for f in frames {
            if f.typ == HandshakeType::FINISHED {
                self.check_finished(d, dir, &f.body);
            }
            match f.typ {
                // Post-handshake messages are not part of the transcript. A TLS 1.2
                // NewSessionTicket (RFC 5077 §3.3) comes before the server's Finished and is.
                HandshakeType::NEW_SESSION_TICKET if self.tls13 => {}
                HandshakeType::KEY_UPDATE | HandshakeType::HELLO_REQUEST => {}
                HandshakeType::SERVER_HELLO if self.tls13 => {
                    let is_hrr = f.body.get(2..34) == Some(&HRR_RANDOM[..]); // ServerHello.random
                    if is_hrr && !self.hrr_seen {
                        // RFC 8446 §4.4.1: ClientHello1 is replaced by message_hash.
                        let hash = self.suite.hash.digest(&self.transcript);
                        self.transcript = vec![254, 0, 0, self.suite.hash.output_len() as u8];
                        self.transcript.extend_from_slice(&hash);
                        self.hrr_seen = true;
                    }
                    self.transcript.extend_from_slice(&f.raw);
                    if !is_hrr {
                        let (c, s) = (self.tls13_key(HS_LABEL[0]), self.tls13_key(HS_LABEL[1]));
                        if self.dirs[0].epoch == Epoch::Early {
                            // 0-RTT: the client keeps its early key until EndOfEarlyData.
                            self.dirs[0].pending = Some(c);
                        } else {
                            self.dirs[0].install(Epoch::Handshake, c);
                        }
                        self.dirs[1].install(Epoch::Handshake, s);
                    }
                }
                _ => self.transcript.extend_from_slice(&f.raw),
            }
            if self.tls13 && f.typ == HandshakeType::FINISHED {
                let key = self.tls13_key(AP_LABEL[d]);
                self.dirs[d].install(Epoch::Application, key);
            }
            if self.tls13
                && f.typ == HandshakeType::END_OF_EARLY_DATA
                && let Some(key) = self.dirs[d].pending.take()
            {
                self.dirs[d].install(Epoch::Handshake, key);
            }
            if self.tls13 && f.typ == HandshakeType::KEY_UPDATE {
                let st = &self.dirs[d];
                let next = tls13::next_traffic_secret(self.suite.hash, &st.secret)
                    .and_then(|s| Ok((RecordCipher::tls13(&self.suite, &s)?, s)));
                self.dirs[d].install(Epoch::Application, next);
            }
            self.out.handshake.push(HandshakeMessage {
                dir,
                record: index,
                encrypted,
                typ: f.typ,
                raw: f.raw,
            });
        }
    }

    /// Recomputes Finished.verify_data over the transcript before this message.
    fn check_finished(&mut self, d: usize, dir: Direction, received: &[u8]) {
        let hash: HashAlg = self.suite.hash;
        let th = hash.digest(&self.transcript);
        let expected = if self.tls13 {
            // The handshake traffic secret of the sender: still installed until this Finished.
            let st = &self.dirs[d];
            if st.epoch != Epoch::Handshake || st.secret.is_empty() {
                return;
            }
            match tls13::finished_verify_data(hash, &st.secret, &th) {
                Ok(v) => v,
                Err(_) => return,
            }
        } else {
            match &self.master {
                Some(Ok(m)) => tls12::finished_verify_data(hash, m, d == 0, &th),
                _ => return,
            }
        };
        self.out.finished.push(FinishedCheck {
            dir,
            ok: expected == received,
            expected,
            received: received.to_vec(),
        });
    }
}
