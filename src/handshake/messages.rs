//! From records to messages: reassembles handshake messages per direction (across and within
//! records), decodes them with the context they need (TLS 1.3 layouts once the ServerHello says
//! so, key-exchange layouts once a ServerKeyExchange shows which), and keeps alerts, CCS and
//! application data in the order they crossed the wire.

use serde::Serialize;

use crate::capture::Direction;
use crate::wire::handshake::{
    ClientKeyExchangeKind, DecodeContext, HandshakeBody, KeyExchangeParams,
};
use crate::wire::{
    AlertDescription, AlertLevel, ContentType, HandshakeReassembler, HandshakeType,
    ProtocolVersion, hex_bytes,
};

/// One record's content after decryption (or as sent, when it was plaintext).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordView {
    /// Sender.
    pub dir: Direction,
    /// Arrival time, µs from connection start.
    pub t_us: u64,
    /// The real content type (inner type for TLS 1.3 encrypted records).
    pub content_type: ContentType,
    /// Whether the record was encrypted on the wire.
    pub encrypted: bool,
    /// Plaintext content (empty when it could not be decrypted).
    pub plaintext: Vec<u8>,
    /// The record as it was on the wire (header + fragment).
    pub wire: Vec<u8>,
    /// Why the record could not be decrypted, if so.
    pub undecryptable: Option<String>,
}

/// What a message is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// A handshake message.
    Handshake(HandshakeBody),
    /// An alert.
    Alert {
        /// "warning" / "fatal".
        level: String,
        /// Alert name.
        description: String,
        /// Alert code.
        code: u8,
    },
    /// ChangeCipherSpec (a TLS 1.3 middlebox-compatibility no-op, or the TLS 1.2 key switch).
    ChangeCipherSpec {},
    /// Application data (length only; content is the application's).
    ApplicationData {
        /// Plaintext length.
        length: usize,
    },
    /// A record we could not decrypt or decode.
    Opaque {
        /// Why.
        reason: String,
    },
}

/// A message in transcript order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Message {
    /// "client" or "server".
    pub direction: Direction,
    /// e.g. "ClientHello", "HelloRetryRequest", "Alert", "ChangeCipherSpec".
    #[serde(rename = "type")]
    pub typ: String,
    /// Handshake type code (handshake messages only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_type: Option<u8>,
    /// Arrived encrypted and was decrypted.
    pub encrypted: bool,
    /// Milliseconds from the start of the connection.
    pub time_ms: f64,
    /// Length of the message (handshake: header + body).
    pub length: usize,
    /// Decoded fields (flattened into the message object in JSON).
    #[serde(flatten)]
    pub fields: MessageContent,
    /// Index (in `records[]`) of the record that completed this message.
    pub record: usize,
    /// Decoding problem, if the body did not parse (raw bytes are still in `raw`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decode_error: Option<String>,
    /// The message bytes (handshake header + body, alert bytes, ...).
    #[serde(with = "hex_bytes")]
    pub raw: Vec<u8>,
}

/// Decodes records (already in wire order, decrypted where possible) into messages.
pub fn decode_messages(records: &[RecordView]) -> Vec<Message> {
    let mut client = HandshakeReassembler::default();
    let mut server = HandshakeReassembler::default();
    let mut tls13 = false;
    let mut pre_tls12 = false;
    let mut kx: Option<ClientKeyExchangeKind> = None;
    let mut out = Vec::new();
    for (index, rec) in records.iter().enumerate() {
        let time_ms = rec.t_us as f64 / 1000.0;
        let base = |typ: &str, fields: MessageContent, raw: Vec<u8>| Message {
            record: index,
            direction: rec.dir,
            typ: typ.to_string(),
            handshake_type: None,
            encrypted: rec.encrypted,
            time_ms,
            length: raw.len(),
            fields,
            decode_error: None,
            raw,
        };
        if let Some(reason) = &rec.undecryptable {
            out.push(base(
                "EncryptedRecord",
                MessageContent::Opaque {
                    reason: reason.clone(),
                },
                rec.wire.clone(),
            ));
            continue;
        }
        match rec.content_type {
            ContentType::HANDSHAKE => {
                let reasm = match rec.dir {
                    Direction::ClientToServer => &mut client,
                    Direction::ServerToClient => &mut server,
                };
                let frames = match reasm.push(&rec.plaintext) {
                    Ok(f) => f,
                    Err(e) => {
                        out.push(base(
                            "Handshake",
                            MessageContent::Opaque {
                                reason: e.to_string(),
                            },
                            rec.plaintext.clone(),
                        ));
                        *reasm = HandshakeReassembler::default();
                        continue;
                    }
                };
                for f in frames {
                    let cx = DecodeContext {
                        tls13,
                        kx,
                        pre_tls12,
                    };
                    let (fields, decode_error) =
                        match crate::wire::handshake::decode_body(f.typ, &f.body, cx) {
                            Ok(b) => (b, None),
                            Err(e) => (HandshakeBody::Opaque {}, Some(e.to_string())),
                        };
                    match &fields {
                        HandshakeBody::ServerHello(sh) if !sh.hello_retry_request => {
                            tls13 = sh.selected_version() == ProtocolVersion::TLS13;
                            pre_tls12 = sh.selected_version().0 < ProtocolVersion::TLS12.0;
                            kx = Some(ClientKeyExchangeKind::Rsa);
                        }
                        HandshakeBody::ServerHello(sh) => {
                            tls13 = sh.selected_version() == ProtocolVersion::TLS13
                        }
                        HandshakeBody::ServerKeyExchange(ske) => {
                            kx = Some(match ske.params {
                                KeyExchangeParams::Ecdhe { .. } => ClientKeyExchangeKind::Ecdhe,
                                KeyExchangeParams::Dhe { .. } => ClientKeyExchangeKind::Dhe,
                            })
                        }
                        _ => {}
                    }
                    let typ = crate::wire::handshake::message_name(f.typ, &fields);
                    out.push(Message {
                        record: index,
                        direction: rec.dir,
                        typ,
                        handshake_type: Some(f.typ.0),
                        encrypted: rec.encrypted,
                        time_ms,
                        length: f.raw.len(),
                        fields: MessageContent::Handshake(fields),
                        decode_error,
                        raw: f.raw,
                    });
                }
            }
            ContentType::ALERT => {
                for a in rec.plaintext.chunks(2) {
                    if let [level, desc] = *a {
                        out.push(base(
                            "Alert",
                            MessageContent::Alert {
                                level: AlertLevel(level)
                                    .name()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| format!("level {level}")),
                                description: AlertDescription(desc)
                                    .name()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| format!("alert {desc}")),
                                code: desc,
                            },
                            a.to_vec(),
                        ));
                    } else {
                        out.push(base(
                            "Alert",
                            MessageContent::Opaque {
                                reason: "alert record of odd length".into(),
                            },
                            a.to_vec(),
                        ));
                    }
                }
            }
            ContentType::CHANGE_CIPHER_SPEC => out.push(base(
                "ChangeCipherSpec",
                MessageContent::ChangeCipherSpec {},
                rec.plaintext.clone(),
            )),
            ContentType::APPLICATION_DATA => out.push(base(
                "ApplicationData",
                MessageContent::ApplicationData {
                    length: rec.plaintext.len(),
                },
                Vec::new(),
            )),
            other => out.push(base(
                &other
                    .name()
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("content type {}", other.0)),
                MessageContent::Opaque {
                    reason: "record type not decoded".into(),
                },
                rec.plaintext.clone(),
            )),
        }
    }
    out
}

/// A record as it crossed the wire (the `records[]` of the JSON report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordSummary {
    /// Sender.
    pub direction: Direction,
    /// Outer content type as on the wire ("ApplicationData" for every TLS 1.3 protected record).
    pub content_type: String,
    /// Real content type after decryption.
    pub inner_content_type: String,
    /// Whether the record was protected.
    pub encrypted: bool,
    /// Header + fragment length.
    pub length: usize,
    /// Header and fragment (ciphertext when protected), hex.
    #[serde(with = "hex_bytes")]
    pub wire: Vec<u8>,
}

/// Summaries of records for the report.
pub fn record_summaries(records: &[RecordView]) -> Vec<RecordSummary> {
    let name = |c: ContentType| {
        c.name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("content type {}", c.0))
    };
    records
        .iter()
        .map(|r| RecordSummary {
            direction: r.dir,
            content_type: r
                .wire
                .first()
                .map(|&b| name(ContentType(b)))
                .unwrap_or_default(),
            inner_content_type: name(r.content_type),
            encrypted: r.encrypted,
            length: r.wire.len(),
            wire: r.wire.clone(),
        })
        .collect()
}

/// Handshake type of a message, if it is one.
pub fn handshake_type(m: &Message) -> Option<HandshakeType> {
    m.handshake_type.map(HandshakeType)
}

/// Records of both directions in wire order without decrypting anything: encrypted records
/// are marked undecryptable. The fallback when no secrets are available. `tls13` says whether
/// the session is TLS 1.3, where ChangeCipherSpec is only a middlebox-compatibility no-op.
pub fn records_without_keys(t: &crate::capture::Transcript, tls13: bool) -> Vec<RecordView> {
    let mut out = Vec::new();
    for dir in [Direction::ClientToServer, Direction::ServerToClient] {
        let (stream, marks) = t.stream(dir);
        let (records, _) = crate::wire::split_records(&stream);
        let mut seen_ccs = false;
        for r in records {
            let t_us = crate::capture::Transcript::time_at(&marks, r.offset);
            // After ChangeCipherSpec (TLS 1.2) or any ApplicationData-typed record following a
            // TLS 1.3 ServerHello, the content is ciphertext.
            let encrypted = !tls13 && seen_ccs && r.content_type != ContentType::CHANGE_CIPHER_SPEC
                || r.content_type == ContentType::APPLICATION_DATA;
            if r.content_type == ContentType::CHANGE_CIPHER_SPEC {
                seen_ccs = true;
            }
            let mut wire = r.header.to_vec();
            wire.extend_from_slice(r.fragment);
            out.push(RecordView {
                dir,
                t_us,
                content_type: r.content_type,
                encrypted,
                plaintext: if encrypted {
                    Vec::new()
                } else {
                    r.fragment.to_vec()
                },
                undecryptable: encrypted.then(|| "no key for this record".to_string()),
                wire,
            });
        }
    }
    // Stable: within one direction the order is kept; across directions, by arrival time.
    out.sort_by_key(|r| r.t_us);
    out
}
