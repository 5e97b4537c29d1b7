//! TLS record layer framing (RFC 8446 §5.1, RFC 5246 §6.2): splits one direction's byte stream
//! into records and reassembles handshake messages that span or share records.

use super::WireError;
use super::codec::Reader;
use super::enums::{ContentType, HandshakeType, ProtocolVersion};

/// Largest record fragment any TLS version allows: 2^14 plaintext + 2048 expansion (RFC 5246
/// §6.2.3); TLS 1.3 allows only 2^14 + 256, which we accept since we also decode TLS 1.2.
pub const MAX_FRAGMENT_LEN: usize = (1 << 14) + 2048;

/// Length of a TLS record header.
pub const HEADER_LEN: usize = 5;

/// One record as it appeared on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<'a> {
    /// Outer content type (ApplicationData for every encrypted TLS 1.3 record).
    pub content_type: ContentType,
    /// legacy_record_version.
    pub version: ProtocolVersion,
    /// The 5 header bytes as received (the TLS 1.3 AEAD additional data).
    pub header: [u8; HEADER_LEN],
    /// The fragment (plaintext or ciphertext).
    pub fragment: &'a [u8],
    /// Offset of the header in the direction's byte stream.
    pub offset: usize,
}

impl Record<'_> {
    /// Header plus fragment, as they were on the wire.
    pub fn wire_len(&self) -> usize {
        HEADER_LEN + self.fragment.len()
    }
}

/// Reads one record from the start of `buf`. `Ok(None)` when more bytes are needed.
/// Rejects bytes that cannot start a TLS record, naming common non-TLS protocols.
pub fn read_record(buf: &[u8], offset: usize) -> Result<Option<Record<'_>>, WireError> {
    if buf.is_empty() {
        return Ok(None);
    }
    let ct = buf[0];
    if !(20..=26).contains(&ct) {
        return Err(WireError::NotTls {
            offset,
            guess: guess_protocol(buf),
        });
    }
    if buf.len() < HEADER_LEN {
        // Still check what we have of the version so plain text fails early.
        if buf.len() >= 2 && buf[1] != 3 {
            return Err(WireError::NotTls {
                offset,
                guess: guess_protocol(buf),
            });
        }
        return Ok(None);
    }
    let mut r = Reader::new(buf, "record header");
    let _ = r.u8("content type")?;
    let version = r.u16("version")?;
    let len = r.u16("length")? as usize;
    if version >> 8 != 3 {
        return Err(WireError::NotTls {
            offset,
            guess: guess_protocol(buf),
        });
    }
    if len > MAX_FRAGMENT_LEN {
        return Err(WireError::RecordOverflow { offset, len });
    }
    if buf.len() < HEADER_LEN + len {
        return Ok(None);
    }
    let mut header = [0u8; HEADER_LEN];
    header.copy_from_slice(&buf[..HEADER_LEN]);
    Ok(Some(Record {
        content_type: ContentType(ct),
        version: ProtocolVersion(version),
        header,
        fragment: &buf[HEADER_LEN..HEADER_LEN + len],
        offset,
    }))
}

/// Splits a complete byte stream into records. Returns the records that parsed and, when the
/// stream does not end on a record boundary or holds non-TLS bytes, the error that stopped it.
pub fn split_records(stream: &[u8]) -> (Vec<Record<'_>>, Option<WireError>) {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < stream.len() {
        match read_record(&stream[pos..], pos) {
            Ok(Some(rec)) => {
                pos += rec.wire_len();
                out.push(rec);
            }
            Ok(None) => {
                let available = stream.len() - pos;
                return (
                    out,
                    Some(WireError::TruncatedRecord {
                        offset: pos,
                        available,
                    }),
                );
            }
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

/// Best-effort name of a non-TLS protocol from its first bytes.
fn guess_protocol(buf: &[u8]) -> Option<&'static str> {
    let starts = |p: &[u8]| buf.len() >= p.len() && buf[..p.len()].eq_ignore_ascii_case(p);
    if starts(b"HTTP/") || starts(b"<!DOCTYPE") || starts(b"<html") {
        Some("HTTP")
    } else if starts(b"SSH-") {
        Some("SSH")
    } else if starts(b"220 ") || starts(b"220-") {
        Some("SMTP/FTP greeting")
    } else if starts(b"+OK") {
        Some("POP3")
    } else if starts(b"* OK") {
        Some("IMAP")
    } else if buf.len() >= 3 && buf[0] & 0x80 != 0 && buf[2] == 4 {
        Some("SSLv2 ServerHello")
    } else {
        None
    }
}

/// A handshake message reassembled from one or more records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeFrame {
    /// Message type.
    pub typ: HandshakeType,
    /// The message body (without the 4-byte header).
    pub body: Vec<u8>,
    /// Header and body, as hashed into the transcript.
    pub raw: Vec<u8>,
}

/// Reassembles handshake messages from the handshake-type record fragments of one direction
/// (RFC 8446 §5.1: messages may be coalesced into one record or fragmented across several).
#[derive(Debug, Default, Clone)]
pub struct HandshakeReassembler {
    pending: Vec<u8>,
}

/// Largest handshake message we buffer: 2^24-1 is the wire maximum; real certificates chains stay
/// far below 1 MiB, and an unbounded buffer would let a hostile server exhaust memory.
pub const MAX_HANDSHAKE_LEN: usize = 1 << 20;

impl HandshakeReassembler {
    /// Adds a handshake-record fragment; returns the messages it completed.
    pub fn push(&mut self, fragment: &[u8]) -> Result<Vec<HandshakeFrame>, WireError> {
        self.pending.extend_from_slice(fragment);
        let mut out = Vec::new();
        loop {
            if self.pending.len() < 4 {
                break;
            }
            let len =
                u32::from_be_bytes([0, self.pending[1], self.pending[2], self.pending[3]]) as usize;
            if len > MAX_HANDSHAKE_LEN {
                return Err(WireError::Invalid {
                    what: "handshake message",
                    reason: format!("length {len} exceeds the {MAX_HANDSHAKE_LEN}-byte limit"),
                });
            }
            if self.pending.len() < 4 + len {
                break;
            }
            let raw: Vec<u8> = self.pending.drain(..4 + len).collect();
            out.push(HandshakeFrame {
                typ: HandshakeType(raw[0]),
                body: raw[4..].to_vec(),
                raw,
            });
        }
        Ok(out)
    }

    /// Bytes of an incomplete message still waiting for more fragments.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_coalesced_and_partial_records() {
        let mut s = vec![
            22, 3, 1, 0, 2, 0xAA, 0xBB, 21, 3, 3, 0, 2, 2, 40, 23, 3, 3, 0, 9, 1,
        ];
        let (recs, err) = split_records(&s);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].offset, 7);
        assert_eq!(recs[1].fragment, &[2, 40]);
        assert!(matches!(
            err,
            Some(WireError::TruncatedRecord {
                offset: 14,
                available: 6
            })
        ));
        s.truncate(14);
        assert!(split_records(&s).1.is_none());
    }

    #[test]
    fn names_plain_http_and_ssh() {
        let e = read_record(b"HTTP/1.1 400 Bad Request\r\n", 0).unwrap_err();
        assert!(e.to_string().contains("HTTP"), "{e}");
        let e = read_record(b"SSH-2.0-OpenSSH_9.2\r\n", 0).unwrap_err();
        assert!(e.to_string().contains("SSH"), "{e}");
    }

    #[test]
    fn rejects_oversized_record() {
        let e = read_record(&[23, 3, 3, 0xFF, 0xFF], 0).unwrap_err();
        assert!(matches!(e, WireError::RecordOverflow { len: 65535, .. }));
    }

    #[test]
    fn reassembles_fragmented_and_coalesced_messages() {
        let mut r = HandshakeReassembler::default();
        assert!(r.push(&[2, 0, 0, 3, 1]).unwrap().is_empty());
        let msgs = r.push(&[2, 3, 14, 0, 0, 0]).unwrap();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].typ, HandshakeType::SERVER_HELLO);
        assert_eq!(msgs[0].body, vec![1, 2, 3]);
        assert_eq!(msgs[1].typ, HandshakeType::SERVER_HELLO_DONE);
        assert_eq!(r.pending(), 0);
    }
}
