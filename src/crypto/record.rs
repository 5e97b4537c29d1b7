//! Record protection (RFC 5246 §6.2.3.3 with RFC 5288 / RFC 7905 nonces, RFC 8446 §5.2-5.3):
//! open (and, for tlsight's own TLS 1.2 client, seal) one record with a known key.

use ring::aead;

use super::CryptoError;
use super::suite::{Bulk, SuiteParams};
use super::tls13;
use crate::wire::ContentType;

/// Why a record did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    /// Shorter than nonce + tag.
    #[error("fragment of {len} bytes is shorter than the {min}-byte minimum for this cipher")]
    TooShort {
        /// Fragment length.
        len: usize,
        /// Minimum.
        min: usize,
    },
    /// The AEAD tag did not verify: wrong key, wrong sequence number, or tampered bytes.
    #[error("authentication tag mismatch (wrong key or sequence number, or altered bytes)")]
    BadTag,
    /// TLS 1.3 inner plaintext made only of zero padding.
    #[error("TLS 1.3 inner plaintext has no content type (all padding)")]
    NoContentType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// TLS 1.3: nonce = iv XOR seq, AAD = record header, inner content type.
    Tls13,
    /// TLS 1.2 GCM: nonce = 4-byte salt ‖ 8-byte explicit nonce from the record.
    Tls12Explicit,
    /// TLS 1.2 ChaCha20-Poly1305 (RFC 7905): nonce = iv XOR seq, nothing explicit.
    Tls12Xor,
}

/// One direction's record key.
pub struct RecordCipher {
    key: aead::LessSafeKey,
    iv: Vec<u8>,
    mode: Mode,
    bulk: Bulk,
}

impl std::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("RecordCipher")
            .field("mode", &self.mode)
            .field("bulk", &self.bulk)
            .finish_non_exhaustive()
    }
}

/// A decrypted record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The real content type (TLS 1.3: from the inner plaintext).
    pub content_type: ContentType,
    /// The plaintext (TLS 1.3: without content type and padding).
    pub plaintext: Vec<u8>,
}

impl RecordCipher {
    /// A TLS 1.3 cipher from a traffic secret (key log `*_TRAFFIC_SECRET*`).
    pub fn tls13(suite: &SuiteParams, traffic_secret: &[u8]) -> Result<Self, CryptoError> {
        let keys = tls13::traffic_keys(suite, traffic_secret)?;
        Self::new(suite.bulk, &keys.key, keys.iv, Mode::Tls13)
    }

    /// A TLS 1.2 cipher from the key-block write key and IV of one side.
    pub fn tls12(suite: &SuiteParams, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        let mode = match suite.bulk {
            Bulk::Aes128Gcm | Bulk::Aes256Gcm => Mode::Tls12Explicit,
            Bulk::Chacha20Poly1305 => Mode::Tls12Xor,
        };
        if iv.len() != suite.bulk.tls12_fixed_iv_len() {
            return Err(CryptoError::BadKeyLength {
                what: "TLS 1.2 write IV",
                got: iv.len(),
                expected: suite.bulk.tls12_fixed_iv_len(),
            });
        }
        Self::new(suite.bulk, key, iv.to_vec(), mode)
    }

    fn new(bulk: Bulk, key: &[u8], iv: Vec<u8>, mode: Mode) -> Result<Self, CryptoError> {
        let unbound =
            aead::UnboundKey::new(bulk.ring_alg(), key).map_err(|_| CryptoError::BadKeyLength {
                what: "record key",
                got: key.len(),
                expected: bulk.key_len(),
            })?;
        Ok(Self {
            key: aead::LessSafeKey::new(unbound),
            iv,
            mode,
            bulk,
        })
    }

    fn xor_nonce(&self, seq: u64) -> aead::Nonce {
        let mut n = [0u8; aead::NONCE_LEN];
        n.copy_from_slice(&self.iv[..aead::NONCE_LEN]);
        for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        aead::Nonce::assume_unique_for_key(n)
    }

    fn tls12_aad(seq: u64, header: &[u8; 5], plain_len: usize) -> [u8; 13] {
        let mut aad = [0u8; 13];
        aad[..8].copy_from_slice(&seq.to_be_bytes());
        aad[8..11].copy_from_slice(&header[..3]);
        // Record plaintext is at most 2^14 bytes, so it fits the u16 length field.
        aad[11..].copy_from_slice(&(plain_len as u16).to_be_bytes());
        aad
    }

    /// Opens a record: `header` is the 5-byte record header as received, `fragment` its body,
    /// `seq` the record's sequence number under this key.
    pub fn open(&self, header: &[u8; 5], fragment: &[u8], seq: u64) -> Result<Opened, OpenError> {
        let tag = self.bulk.ring_alg().tag_len();
        match self.mode {
            Mode::Tls13 => {
                if fragment.len() < tag + 1 {
                    return Err(OpenError::TooShort {
                        len: fragment.len(),
                        min: tag + 1,
                    });
                }
                let mut buf = fragment.to_vec();
                let plain = self
                    .key
                    .open_in_place(self.xor_nonce(seq), aead::Aad::from(*header), &mut buf)
                    .map_err(|_| OpenError::BadTag)?;
                // Inner plaintext: content ‖ type ‖ zeros (RFC 8446 §5.2).
                let end = plain
                    .iter()
                    .rposition(|&b| b != 0)
                    .ok_or(OpenError::NoContentType)?;
                Ok(Opened {
                    content_type: ContentType(plain[end]),
                    plaintext: plain[..end].to_vec(),
                })
            }
            Mode::Tls12Explicit | Mode::Tls12Xor => {
                let explicit = self.bulk.tls12_explicit_nonce_len();
                if fragment.len() < explicit + tag {
                    return Err(OpenError::TooShort {
                        len: fragment.len(),
                        min: explicit + tag,
                    });
                }
                let nonce = if self.mode == Mode::Tls12Explicit {
                    let mut n = [0u8; aead::NONCE_LEN];
                    n[..4].copy_from_slice(&self.iv[..4]);
                    n[4..].copy_from_slice(&fragment[..8]);
                    aead::Nonce::assume_unique_for_key(n)
                } else {
                    self.xor_nonce(seq)
                };
                let plain_len = fragment.len() - explicit - tag;
                let aad = Self::tls12_aad(seq, header, plain_len);
                let mut buf = fragment[explicit..].to_vec();
                let plain = self
                    .key
                    .open_in_place(nonce, aead::Aad::from(aad), &mut buf)
                    .map_err(|_| OpenError::BadTag)?;
                Ok(Opened {
                    content_type: ContentType(header[0]),
                    plaintext: plain.to_vec(),
                })
            }
        }
    }

    /// Seals `plaintext` into a complete record (header included) with sequence number `seq`.
    /// TLS 1.2 GCM uses the sequence number as explicit nonce, as OpenSSL and rustls do.
    pub fn seal(
        &self,
        content_type: ContentType,
        version: u16,
        plaintext: &[u8],
        seq: u64,
    ) -> Vec<u8> {
        let tag = self.bulk.ring_alg().tag_len();
        let (outer_type, mut body) = match self.mode {
            Mode::Tls13 => {
                let mut b = plaintext.to_vec();
                b.push(content_type.0);
                (ContentType::APPLICATION_DATA, b)
            }
            _ => (content_type, plaintext.to_vec()),
        };
        let explicit = if self.mode == Mode::Tls12Explicit {
            seq.to_be_bytes().to_vec()
        } else {
            Vec::new()
        };
        let total = explicit.len() + body.len() + tag;
        let mut header = [0u8; 5];
        header[0] = outer_type.0;
        header[1..3].copy_from_slice(&version.to_be_bytes());
        // Callers seal at most 2^14 bytes, far below u16::MAX.
        header[3..].copy_from_slice(&(total as u16).to_be_bytes());
        let (nonce, aad): (aead::Nonce, Vec<u8>) = match self.mode {
            Mode::Tls13 => (self.xor_nonce(seq), header.to_vec()),
            Mode::Tls12Xor => (
                self.xor_nonce(seq),
                Self::tls12_aad(seq, &header, body.len()).to_vec(),
            ),
            Mode::Tls12Explicit => {
                let mut n = [0u8; aead::NONCE_LEN];
                n[..4].copy_from_slice(&self.iv[..4]);
                n[4..].copy_from_slice(&explicit);
                (
                    aead::Nonce::assume_unique_for_key(n),
                    Self::tls12_aad(seq, &header, body.len()).to_vec(),
                )
            }
        };
        // Sealing with a valid key into a Vec cannot fail except on absurd lengths (> 2^36).
        let sealed = self
            .key
            .seal_in_place_append_tag(nonce, aead::Aad::from(aad), &mut body)
            .is_ok();
        let mut out = header.to_vec();
        out.extend_from_slice(&explicit);
        if sealed {
            out.extend_from_slice(&body);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(rec: &[u8]) -> [u8; 5] {
        rec[..5].try_into().unwrap()
    }

    #[test]
    fn tls12_gcm_round_trip_and_sequence_binding() {
        let suite = SuiteParams::lookup(0x009C).unwrap();
        let c = RecordCipher::tls12(suite, &[7; 16], &[1, 2, 3, 4]).unwrap();
        let rec = c.seal(
            ContentType::APPLICATION_DATA,
            0x0303,
            b"GET / HTTP/1.0\r\n",
            3,
        );
        assert_eq!(rec.len(), 5 + 8 + 16 + 16);
        let o = c.open(&header(&rec), &rec[5..], 3).unwrap();
        assert_eq!(o.plaintext, b"GET / HTTP/1.0\r\n");
        assert_eq!(o.content_type, ContentType::APPLICATION_DATA);
        // The sequence number is in the AAD: a replay at another position fails.
        assert_eq!(c.open(&header(&rec), &rec[5..], 4), Err(OpenError::BadTag));
    }

    #[test]
    fn tls12_chacha_has_no_explicit_nonce() {
        let suite = SuiteParams::lookup(0xCCA8).unwrap();
        let c = RecordCipher::tls12(suite, &[9; 32], &[5; 12]).unwrap();
        let rec = c.seal(ContentType::HANDSHAKE, 0x0303, &[20, 0, 0, 12], 0);
        assert_eq!(rec.len(), 5 + 4 + 16);
        assert_eq!(
            c.open(&header(&rec), &rec[5..], 0).unwrap().plaintext,
            vec![20, 0, 0, 12]
        );
    }

    #[test]
    fn tls13_inner_type_and_padding() {
        let suite = SuiteParams::lookup(0x1302).unwrap();
        let c = RecordCipher::tls13(suite, &[3; 48]).unwrap();
        let mut rec = c.seal(ContentType::HANDSHAKE, 0x0303, b"hi\0\0", 1);
        assert_eq!(rec[0], 23);
        let o = c.open(&header(&rec), &rec[5..], 1).unwrap();
        // "hi\0\0" then type 22: trailing zeros of the content survive, only padding after the
        // type byte would be stripped.
        assert_eq!(o.content_type, ContentType::HANDSHAKE);
        assert_eq!(o.plaintext, b"hi\0\0");
        rec[7] ^= 1;
        assert_eq!(c.open(&header(&rec), &rec[5..], 1), Err(OpenError::BadTag));
        assert!(matches!(
            c.open(&header(&rec), &rec[5..10], 1),
            Err(OpenError::TooShort { .. })
        ));
    }
}
