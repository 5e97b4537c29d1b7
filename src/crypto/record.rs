//! Record protection (RFC 5246 §6.2.3.3 with RFC 5288 / RFC 7905 nonces, RFC 8446 §5.2-5.3):
//! open (and, for tlsight's own TLS 1.2 client, seal) one record with a known key.

use ring::aead;

use super::CryptoError;
use super::suite::{Bulk, SuiteParams};
use super::{tls12, tls13};
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
    /// CBC padding bytes inconsistent (wrong key, usually).
    #[error("CBC padding is invalid (wrong key or sequence number)")]
    BadPadding,
    /// CBC record MAC mismatch.
    #[error("record MAC mismatch (wrong MAC key or sequence number, or altered bytes)")]
    BadMac,
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

/// AES for CBC; the chaining is done here (a few lines) because TLS padding and the MAC need the
/// raw blocks anyway, and ring offers no AES-CBC.
#[derive(Clone)]
enum Aes {
    K128(aes::Aes128),
    K256(aes::Aes256),
}

impl Aes {
    fn new(key: &[u8]) -> Option<Self> {
        use aes::cipher::KeyInit;
        match key.len() {
            16 => aes::Aes128::new_from_slice(key).ok().map(Self::K128),
            32 => aes::Aes256::new_from_slice(key).ok().map(Self::K256),
            _ => None,
        }
    }

    fn decrypt(&self, block: &mut [u8; 16]) {
        use aes::cipher::BlockCipherDecrypt;
        let mut b = aes::Block::from(*block);
        match self {
            Self::K128(c) => c.decrypt_block(&mut b),
            Self::K256(c) => c.decrypt_block(&mut b),
        }
        block.copy_from_slice(&b);
    }

    fn encrypt(&self, block: &mut [u8; 16]) {
        use aes::cipher::BlockCipherEncrypt;
        let mut b = aes::Block::from(*block);
        match self {
            Self::K128(c) => c.encrypt_block(&mut b),
            Self::K256(c) => c.encrypt_block(&mut b),
        }
        block.copy_from_slice(&b);
    }

    /// CBC-decrypts `data` (a multiple of 16) in place with `iv`.
    fn cbc_decrypt(&self, iv: &[u8; 16], data: &mut [u8]) {
        let mut prev = *iv;
        for chunk in data.chunks_exact_mut(16) {
            let mut block = [0u8; 16];
            block.copy_from_slice(chunk);
            let cipher = block;
            self.decrypt(&mut block);
            for (o, (b, p)) in chunk.iter_mut().zip(block.iter().zip(prev)) {
                *o = b ^ p;
            }
            prev = cipher;
        }
    }

    /// CBC-encrypts `data` (a multiple of 16) in place with `iv`.
    fn cbc_encrypt(&self, iv: &[u8; 16], data: &mut [u8]) {
        let mut prev = *iv;
        for chunk in data.chunks_exact_mut(16) {
            let mut block = [0u8; 16];
            for (o, (d, p)) in block.iter_mut().zip(chunk.iter().zip(prev)) {
                *o = d ^ p;
            }
            self.encrypt(&mut block);
            chunk.copy_from_slice(&block);
            prev = block;
        }
    }
}

enum Engine {
    Aead {
        key: aead::LessSafeKey,
        iv: Vec<u8>,
        mode: Mode,
    },
    Cbc {
        aes: Aes,
        mac: ring::hmac::Key,
        mac_len: usize,
        /// RFC 7366 encrypt-then-MAC.
        etm: bool,
    },
}

/// One direction's record key.
pub struct RecordCipher {
    engine: Engine,
    bulk: Bulk,
}

impl std::fmt::Debug for RecordCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("RecordCipher")
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

fn tls12_aad(seq: u64, header: &[u8; 5], len: usize) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&seq.to_be_bytes());
    aad[8..11].copy_from_slice(&header[..3]);
    // Record payloads are at most 2^14 + 2048 bytes, so the length fits the u16 field.
    aad[11..].copy_from_slice(&(len as u16).to_be_bytes());
    aad
}

impl RecordCipher {
    /// A TLS 1.3 cipher from a traffic secret (key log `*_TRAFFIC_SECRET*`).
    pub fn tls13(suite: &SuiteParams, traffic_secret: &[u8]) -> Result<Self, CryptoError> {
        let keys = tls13::traffic_keys(suite, traffic_secret)?;
        Self::aead(suite.bulk, &keys.key, keys.iv, Mode::Tls13)
    }

    /// A TLS 1.2 AEAD cipher from the key-block write key and IV of one side.
    pub fn tls12(suite: &SuiteParams, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        let mode = match suite.bulk {
            Bulk::Aes128Gcm | Bulk::Aes256Gcm => Mode::Tls12Explicit,
            Bulk::Chacha20Poly1305 => Mode::Tls12Xor,
            Bulk::Aes128Cbc(_) | Bulk::Aes256Cbc(_) => {
                return Err(CryptoError::Recording(format!(
                    "{} is a CBC suite: use RecordCipher::tls12_cbc",
                    suite.name
                )));
            }
        };
        if iv.len() != suite.bulk.tls12_fixed_iv_len() {
            return Err(CryptoError::BadKeyLength {
                what: "TLS 1.2 write IV",
                got: iv.len(),
                expected: suite.bulk.tls12_fixed_iv_len(),
            });
        }
        Self::aead(suite.bulk, key, iv.to_vec(), mode)
    }

    /// A TLS 1.2 CBC-HMAC cipher from the key-block MAC key and write key of one side.
    /// `encrypt_then_mac`: both hellos carried RFC 7366's extension.
    pub fn tls12_cbc(
        suite: &SuiteParams,
        mac_key: &[u8],
        key: &[u8],
        encrypt_then_mac: bool,
    ) -> Result<Self, CryptoError> {
        let (Bulk::Aes128Cbc(mac) | Bulk::Aes256Cbc(mac)) = suite.bulk else {
            return Err(CryptoError::Recording(format!(
                "{} is not a CBC suite",
                suite.name
            )));
        };
        if key.len() != suite.bulk.key_len() || mac_key.len() != mac.output_len() {
            return Err(CryptoError::BadKeyLength {
                what: "CBC write key / MAC key",
                got: key.len() + mac_key.len(),
                expected: suite.bulk.key_len() + mac.output_len(),
            });
        }
        let aes = Aes::new(key).ok_or(CryptoError::BadKeyLength {
            what: "AES key",
            got: key.len(),
            expected: suite.bulk.key_len(),
        })?;
        Ok(Self {
            engine: Engine::Cbc {
                aes,
                mac: ring::hmac::Key::new(mac.hmac(), mac_key),
                mac_len: mac.output_len(),
                etm: encrypt_then_mac,
            },
            bulk: suite.bulk,
        })
    }

    /// The TLS 1.2 cipher of one side from a key block, whatever the suite's bulk cipher.
    pub fn from_key_block(
        suite: &SuiteParams,
        kb: &tls12::KeyBlock,
        client: bool,
        encrypt_then_mac: bool,
    ) -> Result<Self, CryptoError> {
        let (mac, key, iv) = if client {
            (&kb.client_mac, &kb.client_key, &kb.client_iv)
        } else {
            (&kb.server_mac, &kb.server_key, &kb.server_iv)
        };
        if suite.bulk.is_aead() {
            Self::tls12(suite, key, iv)
        } else {
            Self::tls12_cbc(suite, mac, key, encrypt_then_mac)
        }
    }

    fn aead(bulk: Bulk, key: &[u8], iv: Vec<u8>, mode: Mode) -> Result<Self, CryptoError> {
        let bad = || CryptoError::BadKeyLength {
            what: "record key",
            got: key.len(),
            expected: bulk.key_len(),
        };
        let alg = bulk.ring_alg().ok_or_else(bad)?;
        let unbound = aead::UnboundKey::new(alg, key).map_err(|_| bad())?;
        Ok(Self {
            engine: Engine::Aead {
                key: aead::LessSafeKey::new(unbound),
                iv,
                mode,
            },
            bulk,
        })
    }

    fn xor_nonce(iv: &[u8], seq: u64) -> aead::Nonce {
        let mut n = [0u8; aead::NONCE_LEN];
        n.copy_from_slice(&iv[..aead::NONCE_LEN]);
        for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        aead::Nonce::assume_unique_for_key(n)
    }

    /// Opens a record: `header` is the 5-byte record header as received, `fragment` its body,
    /// `seq` the record's sequence number under this key.
    pub fn open(&self, header: &[u8; 5], fragment: &[u8], seq: u64) -> Result<Opened, OpenError> {
        let (key, iv, mode) = match &self.engine {
            Engine::Aead { key, iv, mode } => (key, iv, *mode),
            Engine::Cbc {
                aes,
                mac,
                mac_len,
                etm,
            } => return open_cbc(aes, mac, *mac_len, *etm, header, fragment, seq),
        };
        let tag = key.algorithm().tag_len();
        match mode {
            Mode::Tls13 => {
                if fragment.len() < tag + 1 {
                    return Err(OpenError::TooShort {
                        len: fragment.len(),
                        min: tag + 1,
                    });
                }
                let mut buf = fragment.to_vec();
                let plain = key
                    .open_in_place(Self::xor_nonce(iv, seq), aead::Aad::from(*header), &mut buf)
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
                let nonce = if mode == Mode::Tls12Explicit {
                    let mut n = [0u8; aead::NONCE_LEN];
                    n[..4].copy_from_slice(&iv[..4]);
                    n[4..].copy_from_slice(&fragment[..8]);
                    aead::Nonce::assume_unique_for_key(n)
                } else {
                    Self::xor_nonce(iv, seq)
                };
                let plain_len = fragment.len() - explicit - tag;
                let aad = tls12_aad(seq, header, plain_len);
                let mut buf = fragment[explicit..].to_vec();
                let plain = key
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
    /// TLS 1.2 GCM uses the sequence number as explicit nonce, as OpenSSL and rustls do; CBC
    /// takes a fresh random IV per record.
    pub fn seal(
        &self,
        content_type: ContentType,
        version: u16,
        plaintext: &[u8],
        seq: u64,
    ) -> Vec<u8> {
        let mut header = [content_type.0, 0, 0, 0, 0];
        header[1..3].copy_from_slice(&version.to_be_bytes());
        let set_len = |h: &mut [u8; 5], n: usize| {
            // Callers seal at most 2^14 bytes, far below u16::MAX.
            h[3..].copy_from_slice(&(n as u16).to_be_bytes());
        };
        let (key, iv, mode) = match &self.engine {
            Engine::Aead { key, iv, mode } => (key, iv, *mode),
            Engine::Cbc {
                aes,
                mac,
                mac_len,
                etm,
            } => {
                let mut civ = [0u8; 16];
                // The system RNG failing leaves a zero IV: still decryptable, only predictable.
                let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut civ);
                let mac_over = |h: &[u8; 5], data: &[u8]| {
                    let mut ctx = ring::hmac::Context::with_key(mac);
                    ctx.update(&tls12_aad(seq, h, data.len()));
                    ctx.update(data);
                    ctx.sign().as_ref().to_vec()
                };
                let mut body = plaintext.to_vec();
                if !etm {
                    let mut h = header;
                    set_len(&mut h, plaintext.len());
                    body.extend_from_slice(&mac_over(&h, plaintext));
                }
                let pad = 15 - body.len() % 16;
                body.extend(std::iter::repeat_n(pad as u8, pad + 1));
                aes.cbc_encrypt(&civ, &mut body);
                let mut payload = civ.to_vec();
                payload.extend_from_slice(&body);
                if *etm {
                    let mut h = header;
                    set_len(&mut h, payload.len());
                    let tag = mac_over(&h, &payload);
                    payload.extend_from_slice(&tag);
                }
                debug_assert!(payload.len() > *mac_len);
                set_len(&mut header, payload.len());
                let mut out = header.to_vec();
                out.extend_from_slice(&payload);
                return out;
            }
        };
        let tag = key.algorithm().tag_len();
        let mut body = plaintext.to_vec();
        if mode == Mode::Tls13 {
            body.push(content_type.0);
            header[0] = ContentType::APPLICATION_DATA.0;
        }
        let explicit = if mode == Mode::Tls12Explicit {
            seq.to_be_bytes().to_vec()
        } else {
            Vec::new()
        };
        set_len(&mut header, explicit.len() + body.len() + tag);
        let (nonce, aad): (aead::Nonce, Vec<u8>) = match mode {
            Mode::Tls13 => (Self::xor_nonce(iv, seq), header.to_vec()),
            Mode::Tls12Xor => (
                Self::xor_nonce(iv, seq),
                tls12_aad(seq, &header, body.len()).to_vec(),
            ),
            Mode::Tls12Explicit => {
                let mut n = [0u8; aead::NONCE_LEN];
                n[..4].copy_from_slice(&iv[..4]);
                n[4..].copy_from_slice(&explicit);
                (
                    aead::Nonce::assume_unique_for_key(n),
                    tls12_aad(seq, &header, body.len()).to_vec(),
                )
            }
        };
        // Sealing with a valid key into a Vec cannot fail except on absurd lengths (> 2^36).
        let sealed = key
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

/// TLS 1.2 CBC record: IV ‖ CBC(content ‖ MAC ‖ padding) (MAC-then-encrypt, RFC 5246 §6.2.3.2)
/// or IV ‖ CBC(content ‖ padding) ‖ MAC (encrypt-then-MAC, RFC 7366). Not constant-time: this is
/// an offline decryptor of recordings, not a server facing a padding oracle.
fn open_cbc(
    aes: &Aes,
    mac: &ring::hmac::Key,
    mac_len: usize,
    etm: bool,
    header: &[u8; 5],
    fragment: &[u8],
    seq: u64,
) -> Result<Opened, OpenError> {
    let min = if etm {
        16 + 16 + mac_len
    } else {
        16 + (mac_len + 1).div_ceil(16) * 16
    };
    let (payload, tag) = if etm {
        if fragment.len() < min {
            return Err(OpenError::TooShort {
                len: fragment.len(),
                min,
            });
        }
        fragment.split_at(fragment.len() - mac_len)
    } else {
        (fragment, &[][..])
    };
    if payload.len() < 32 || payload.len() % 16 != 0 || fragment.len() < min {
        return Err(OpenError::TooShort {
            len: fragment.len(),
            min,
        });
    }
    let verify = |data: &[u8], len: usize, tag: &[u8]| {
        let mut h = *header;
        h[3..].copy_from_slice(&(len as u16).to_be_bytes());
        let mut msg = tls12_aad(seq, &h, len).to_vec();
        msg.extend_from_slice(data);
        ring::hmac::verify(mac, &msg, tag).map_err(|_| OpenError::BadMac)
    };
    if etm {
        verify(payload, payload.len(), tag)?;
    }
    let mut iv = [0u8; 16];
    iv.copy_from_slice(&payload[..16]);
    let mut buf = payload[16..].to_vec();
    aes.cbc_decrypt(&iv, &mut buf);
    let pad = usize::from(buf[buf.len() - 1]);
    if pad + 1 > buf.len()
        || buf[buf.len() - 1 - pad..]
            .iter()
            .any(|&b| usize::from(b) != pad)
    {
        return Err(OpenError::BadPadding);
    }
    buf.truncate(buf.len() - 1 - pad);
    if !etm {
        if buf.len() < mac_len {
            return Err(OpenError::BadPadding);
        }
        let (content, tag) = buf.split_at(buf.len() - mac_len);
        verify(content, content.len(), tag)?;
        buf.truncate(buf.len() - mac_len);
    }
    Ok(Opened {
        content_type: ContentType(header[0]),
        plaintext: buf,
    })
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

    #[test]
    fn tls12_cbc_round_trip_mac_then_encrypt_and_encrypt_then_mac() {
        for code in [0x002F, 0xC028] {
            let suite = SuiteParams::lookup(code).unwrap();
            let mac_len = suite.bulk.mac_key_len();
            for etm in [false, true] {
                let c = RecordCipher::tls12_cbc(
                    suite,
                    &vec![4; mac_len],
                    &vec![5; suite.bulk.key_len()],
                    etm,
                )
                .unwrap();
                for len in [0, 1, 15, 16, 100] {
                    let msg = vec![0xAB; len];
                    let rec = c.seal(ContentType::APPLICATION_DATA, 0x0303, &msg, 9);
                    assert_eq!((rec.len() - 5) % 16, if etm { mac_len % 16 } else { 0 });
                    let o = c.open(&header(&rec), &rec[5..], 9).unwrap();
                    assert_eq!(o.plaintext, msg, "0x{code:04X} etm={etm} len={len}");
                    let e = c.open(&header(&rec), &rec[5..], 10).unwrap_err();
                    assert!(
                        matches!(e, OpenError::BadMac | OpenError::BadPadding),
                        "{e}"
                    );
                }
            }
        }
    }

    #[test]
    fn tls12_cbc_rejects_short_and_misaligned_records() {
        let suite = SuiteParams::lookup(0x002F).unwrap();
        let c = RecordCipher::tls12_cbc(suite, &[1; 20], &[2; 16], false).unwrap();
        let h = [23, 3, 3, 0, 20];
        assert!(matches!(
            c.open(&h, &[0; 20], 0),
            Err(OpenError::TooShort { .. })
        ));
        assert!(matches!(
            c.open(&h, &[0; 49], 0),
            Err(OpenError::TooShort { .. })
        ));
        assert!(RecordCipher::tls12(suite, &[2; 16], &[]).is_err());
    }

    // RFC 8448 §3: the client's Finished under the client handshake traffic secret, and 50 bytes
    // of application data (00..31) under the client application traffic secret, both seq 0.
    #[test]
    fn rfc8448_records_open_and_seal_byte_for_byte() {
        let suite = SuiteParams::lookup(0x1301).unwrap();
        let h = |s: &str| hex::decode(s).unwrap();
        let cases = [
            (
                "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
                ContentType::HANDSHAKE,
                h("14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61"),
                "170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338\
                 ac98fc46deb384bd1caeacab6867d726c40546",
            ),
            (
                "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
                ContentType::APPLICATION_DATA,
                (0u8..50).collect(),
                "1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b\
                 395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4",
            ),
        ];
        for (secret, ct, plain, wire) in cases {
            let c = RecordCipher::tls13(suite, &h(secret)).unwrap();
            let wire = h(wire);
            let o = c.open(&header(&wire), &wire[5..], 0).unwrap();
            assert_eq!(o.content_type, ct);
            assert_eq!(o.plaintext, plain);
            assert_eq!(c.seal(ct, 0x0303, &plain, 0), wire);
        }
    }
}
