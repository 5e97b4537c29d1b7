//! Sans-IO TLS codec: records, handshake messages and extensions, decoded field by field with the
//! raw bytes kept beside every decoded value.
//!
//! Written by hand rather than on tls-parser because tls-parser lacks the TLS 1.3 messages tlsight
//! must show (EncryptedExtensions, the TLS 1.3 Certificate with per-entry extensions) and leaves
//! key_share, pre_shared_key, compress_certificate and ECH undecoded (DESIGN.md §2.1). tls-parser
//! stays a dev-dependency and cross-checks this decoder in the tests.

pub mod builder;
pub mod codec;
pub mod enums;
pub mod extensions;
pub mod handshake;
pub mod hybrid;
pub mod record;

pub use codec::Reader;
pub use enums::{
    AlertDescription, AlertLevel, ContentType, ExtensionType, HandshakeType, ProtocolVersion,
};
pub use record::{HandshakeFrame, HandshakeReassembler, Record, read_record, split_records};

/// Errors from decoding TLS bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// A field ran past the end of its enclosing structure.
    #[error("truncated {what}: {field} needs {needed} bytes, {available} left")]
    Truncated {
        /// Structure being decoded.
        what: &'static str,
        /// Field being read.
        field: &'static str,
        /// Bytes the field needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// Bytes left over after a structure that should have consumed them all.
    #[error("{extra} unexpected trailing bytes after {what}")]
    TrailingData {
        /// Structure being decoded.
        what: &'static str,
        /// Number of extra bytes.
        extra: usize,
    },
    /// A value that violates the protocol.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Structure being decoded.
        what: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The peer does not speak TLS.
    #[error("not TLS at byte {offset}{}", guess.map(|g| format!(" (looks like {g})")).unwrap_or_default())]
    NotTls {
        /// Offset in the stream.
        offset: usize,
        /// The protocol the bytes look like, if recognised.
        guess: Option<&'static str>,
    },
    /// A record longer than any TLS version allows.
    #[error(
        "record at byte {offset} declares {len} bytes, over the {} maximum",
        record::MAX_FRAGMENT_LEN
    )]
    RecordOverflow {
        /// Offset of the record header.
        offset: usize,
        /// Declared fragment length.
        len: usize,
    },
    /// The stream ended inside a record.
    #[error("stream ends inside a record at byte {offset} ({available} bytes of it received)")]
    TruncatedRecord {
        /// Offset of the incomplete record.
        offset: usize,
        /// Bytes of it that arrived.
        available: usize,
    },
}

/// RFC 8701 GREASE values for 16-bit code points: 0x0A0A, 0x1A1A, ... 0xFAFA.
pub fn is_grease_u16(v: u16) -> bool {
    v & 0x0F0F == 0x0A0A && (v >> 8) == (v & 0xFF)
}

/// Serde helper: byte vectors as lowercase hex strings in JSON.
pub mod hex_bytes {
    use serde::Serializer;

    /// Serialises bytes as a hex string.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
}

/// The first `n` bytes as text, non-printable bytes as `.`: what a peer sent instead of TLS,
/// for one-line errors.
pub fn printable_preview(bytes: &[u8], n: usize) -> String {
    bytes
        .iter()
        .take(n)
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}
