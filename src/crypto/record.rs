//! Record protection (RFC 5246 §6.2.3 with RFC 5288 / RFC 6655 / RFC 7905 nonces, RFC 2246 /
//! RFC 4346 for TLS 1.0/1.1 CBC, RFC 7366 encrypt-then-MAC, RFC 8446 §5.2-5.3): open and seal
//! one record with a known key. Ciphers come from ring (AES-GCM, ChaCha20-Poly1305) and
//! RustCrypto (`cbc` over AES / 3DES / Camellia / ARIA, `aes-gcm` over Camellia / ARIA, `ccm`,
//! `rc4`); nothing here implements a primitive. Stateful ciphers (RC4, TLS 1.0's chained CBC IV)
//! make `open` and `seal` take `&mut self`: records must be opened in order.

use ring::aead;

use super::CryptoError;
use super::mac::MacKey;
use super::suite::{BlockAlg, Bulk, SuiteParams};
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
    /// Record MAC mismatch.
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

/// A block cipher key for CBC.
#[derive(Clone)]
enum BlockKey {
    Aes128(aes::Aes128),
    Aes256(aes::Aes256),
    TripleDes(des::TdesEde3),
    Camellia128(camellia::Camellia128),
    Camellia256(camellia::Camellia256),
    Aria128(aria::Aria128),
    Aria256(aria::Aria256),
}

fn cbc_run<C>(c: &C, iv: &[u8], data: &mut [u8], encrypt: bool) -> bool
where
    C: cbc::cipher::BlockCipherEncrypt + cbc::cipher::BlockCipherDecrypt + Clone,
{
    use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit};
    let bs = C::block_size();
    if !data.len().is_multiple_of(bs) {
        return false;
    }
    if encrypt {
        let Ok(mut m) = cbc::Encryptor::<C>::inner_iv_slice_init(c.clone(), iv) else {
            return false;
        };
        for chunk in data.chunks_exact_mut(bs) {
            let Ok(mut b) = cbc::cipher::Block::<C>::try_from(&*chunk) else {
                return false;
            };
            m.encrypt_block(&mut b);
            chunk.copy_from_slice(&b);
        }
    } else {
        let Ok(mut m) = cbc::Decryptor::<C>::inner_iv_slice_init(c.clone(), iv) else {
            return false;
        };
        for chunk in data.chunks_exact_mut(bs) {
            let Ok(mut b) = cbc::cipher::Block::<C>::try_from(&*chunk) else {
                return false;
            };
            m.decrypt_block(&mut b);
            chunk.copy_from_slice(&b);
        }
    }
    true
}

impl BlockKey {
    fn new(alg: BlockAlg, key: &[u8]) -> Option<Self> {
        use cbc::cipher::KeyInit;
        Some(match alg {
            BlockAlg::Aes128 => Self::Aes128(aes::Aes128::new_from_slice(key).ok()?),
            BlockAlg::Aes256 => Self::Aes256(aes::Aes256::new_from_slice(key).ok()?),
            BlockAlg::TripleDes => Self::TripleDes(des::TdesEde3::new_from_slice(key).ok()?),
            BlockAlg::Camellia128 => {
                Self::Camellia128(camellia::Camellia128::new_from_slice(key).ok()?)
            }
            BlockAlg::Camellia256 => {
                Self::Camellia256(camellia::Camellia256::new_from_slice(key).ok()?)
            }
            BlockAlg::Aria128 => Self::Aria128(aria::Aria128::new_from_slice(key).ok()?),
            BlockAlg::Aria256 => Self::Aria256(aria::Aria256::new_from_slice(key).ok()?),
        })
    }

    /// CBC over `data` (a multiple of the block size) in place; false on a length mismatch.
    fn cbc(&self, iv: &[u8], data: &mut [u8], encrypt: bool) -> bool {
        match self {
            Self::Aes128(c) => cbc_run(c, iv, data, encrypt),
            Self::Aes256(c) => cbc_run(c, iv, data, encrypt),
            Self::TripleDes(c) => cbc_run(c, iv, data, encrypt),
            Self::Camellia128(c) => cbc_run(c, iv, data, encrypt),
            Self::Camellia256(c) => cbc_run(c, iv, data, encrypt),
            Self::Aria128(c) => cbc_run(c, iv, data, encrypt),
            Self::Aria256(c) => cbc_run(c, iv, data, encrypt),
        }
    }
}

type CcmAes128 = ccm::Ccm<aes::Aes128, ccm::consts::U16, ccm::consts::U12>;
type CcmAes256 = ccm::Ccm<aes::Aes256, ccm::consts::U16, ccm::consts::U12>;
type Ccm8Aes128 = ccm::Ccm<aes::Aes128, ccm::consts::U8, ccm::consts::U12>;
type Ccm8Aes256 = ccm::Ccm<aes::Aes256, ccm::consts::U8, ccm::consts::U12>;
type GcmCamellia128 = aes_gcm::AesGcm<camellia::Camellia128, aes_gcm::aead::consts::U12>;
type GcmCamellia256 = aes_gcm::AesGcm<camellia::Camellia256, aes_gcm::aead::consts::U12>;
type GcmAria128 = aes_gcm::AesGcm<aria::Aria128, aes_gcm::aead::consts::U12>;
type GcmAria256 = aes_gcm::AesGcm<aria::Aria256, aes_gcm::aead::consts::U12>;

/// The RustCrypto AEADs (those ring lacks), all with TLS 1.2's salt ‖ explicit 12-byte nonce.
#[derive(Clone)]
enum RcAead {
    Ccm128(Box<CcmAes128>),
    Ccm256(Box<CcmAes256>),
    Ccm8_128(Box<Ccm8Aes128>),
    Ccm8_256(Box<Ccm8Aes256>),
    Camellia128(Box<GcmCamellia128>),
    Camellia256(Box<GcmCamellia256>),
    Aria128(Box<GcmAria128>),
    Aria256(Box<GcmAria256>),
}

fn rc_new<A: aes_gcm::aead::KeyInit>(key: &[u8]) -> Option<Box<A>> {
    A::new_from_slice(key).ok().map(Box::new)
}

fn rc_seal<A: aes_gcm::aead::Aead>(a: &A, nonce: &[u8], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    let n = aes_gcm::aead::Nonce::<A>::try_from(nonce).ok()?;
    a.encrypt(&n, aes_gcm::aead::Payload { msg, aad }).ok()
}

fn rc_open<A: aes_gcm::aead::Aead>(a: &A, nonce: &[u8], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
    let n = aes_gcm::aead::Nonce::<A>::try_from(nonce).ok()?;
    a.decrypt(&n, aes_gcm::aead::Payload { msg, aad }).ok()
}

impl RcAead {
    fn new(bulk: Bulk, key: &[u8]) -> Option<Self> {
        Some(match bulk {
            Bulk::Ccm(BlockAlg::Aes128, 16) => Self::Ccm128(rc_new(key)?),
            Bulk::Ccm(BlockAlg::Aes256, 16) => Self::Ccm256(rc_new(key)?),
            Bulk::Ccm(BlockAlg::Aes128, 8) => Self::Ccm8_128(rc_new(key)?),
            Bulk::Ccm(BlockAlg::Aes256, 8) => Self::Ccm8_256(rc_new(key)?),
            Bulk::Gcm(BlockAlg::Camellia128) => Self::Camellia128(rc_new(key)?),
            Bulk::Gcm(BlockAlg::Camellia256) => Self::Camellia256(rc_new(key)?),
            Bulk::Gcm(BlockAlg::Aria128) => Self::Aria128(rc_new(key)?),
            Bulk::Gcm(BlockAlg::Aria256) => Self::Aria256(rc_new(key)?),
            _ => return None,
        })
    }

    fn tag_len(&self) -> usize {
        match self {
            Self::Ccm8_128(_) | Self::Ccm8_256(_) => 8,
            _ => 16,
        }
    }

    fn seal(&self, nonce: &[u8], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Ccm128(a) => rc_seal(a.as_ref(), nonce, aad, msg),
            Self::Ccm256(a) => rc_seal(a.as_ref(), nonce, aad, msg),
            Self::Ccm8_128(a) => rc_seal(a.as_ref(), nonce, aad, msg),
            Self::Ccm8_256(a) => rc_seal(a.as_ref(), nonce, aad, msg),
            Self::Camellia128(a) => rc_seal(a.as_ref(), nonce, aad, msg),
            Self::Camellia256(a) => rc_seal(a.as_ref(), nonce, aad, msg),
            Self::Aria128(a) => rc_seal(a.as_ref(), nonce, aad, msg),
            Self::Aria256(a) => rc_seal(a.as_ref(), nonce, aad, msg),
        }
    }

    fn open(&self, nonce: &[u8], aad: &[u8], msg: &[u8]) -> Option<Vec<u8>> {
        match self {
            Self::Ccm128(a) => rc_open(a.as_ref(), nonce, aad, msg),
            Self::Ccm256(a) => rc_open(a.as_ref(), nonce, aad, msg),
            Self::Ccm8_128(a) => rc_open(a.as_ref(), nonce, aad, msg),
            Self::Ccm8_256(a) => rc_open(a.as_ref(), nonce, aad, msg),
            Self::Camellia128(a) => rc_open(a.as_ref(), nonce, aad, msg),
            Self::Camellia256(a) => rc_open(a.as_ref(), nonce, aad, msg),
            Self::Aria128(a) => rc_open(a.as_ref(), nonce, aad, msg),
            Self::Aria256(a) => rc_open(a.as_ref(), nonce, aad, msg),
        }
    }
}

enum Engine {
    Aead {
        key: Box<aead::LessSafeKey>,
        iv: Vec<u8>,
        mode: Mode,
    },
    RustCryptoAead {
        aead: RcAead,
        salt: Vec<u8>,
    },
    Cbc {
        block: Box<BlockKey>,
        block_len: usize,
        mac: MacKey,
        mac_len: usize,
        /// RFC 7366 encrypt-then-MAC.
        etm: bool,
        /// TLS 1.0: the IV of the next record (the last ciphertext block of the previous one).
        chained_iv: Option<Vec<u8>>,
    },
    Rc4 {
        state: Box<rc4::Rc4>,
        mac: MacKey,
        mac_len: usize,
    },
    Null {
        mac: MacKey,
        mac_len: usize,
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

fn set_len(h: &mut [u8; 5], n: usize) {
    // Callers seal at most 2^14 bytes, far below u16::MAX.
    h[3..].copy_from_slice(&(n as u16).to_be_bytes());
}

fn bad_len(what: &'static str, got: usize, expected: usize) -> CryptoError {
    CryptoError::BadKeyLength {
        what,
        got,
        expected,
    }
}

impl RecordCipher {
    /// A TLS 1.3 cipher from a traffic secret (key log `*_TRAFFIC_SECRET*`).
    pub fn tls13(suite: &SuiteParams, traffic_secret: &[u8]) -> Result<Self, CryptoError> {
        let keys = tls13::traffic_keys(suite, traffic_secret)?;
        Self::aead(suite.bulk, &keys.key, keys.iv, Mode::Tls13)
    }

    /// A TLS 1.2 AEAD cipher from the key-block write key and IV (salt) of one side.
    pub fn tls12(suite: &SuiteParams, key: &[u8], iv: &[u8]) -> Result<Self, CryptoError> {
        if !suite.bulk.is_aead() {
            return Err(CryptoError::Recording(format!(
                "{} is not an AEAD suite: use RecordCipher::tls12_mac",
                suite.name
            )));
        }
        if iv.len() != suite.bulk.tls12_fixed_iv_len() {
            return Err(bad_len(
                "TLS 1.2 write IV",
                iv.len(),
                suite.bulk.tls12_fixed_iv_len(),
            ));
        }
        if key.len() != suite.bulk.key_len() {
            return Err(bad_len("record key", key.len(), suite.bulk.key_len()));
        }
        match suite.bulk {
            Bulk::Aes128Gcm | Bulk::Aes256Gcm => {
                Self::aead(suite.bulk, key, iv.to_vec(), Mode::Tls12Explicit)
            }
            Bulk::Chacha20Poly1305 => Self::aead(suite.bulk, key, iv.to_vec(), Mode::Tls12Xor),
            bulk => Ok(Self {
                engine: Engine::RustCryptoAead {
                    aead: RcAead::new(bulk, key)
                        .ok_or_else(|| bad_len("record key", key.len(), suite.bulk.key_len()))?,
                    salt: iv.to_vec(),
                },
                bulk,
            }),
        }
    }

    /// A MAC-protected cipher (CBC, RC4 or NULL) from the key-block MAC key, write key and (TLS
    /// 1.0 CBC only) IV of one side. `encrypt_then_mac`: both hellos carried RFC 7366's
    /// extension (it changes CBC only).
    pub fn tls12_mac(
        suite: &SuiteParams,
        mac_key: &[u8],
        key: &[u8],
        iv: &[u8],
        encrypt_then_mac: bool,
    ) -> Result<Self, CryptoError> {
        let Some(mac_alg) = suite.bulk.mac() else {
            return Err(CryptoError::Recording(format!(
                "{} is an AEAD suite: use RecordCipher::tls12",
                suite.name
            )));
        };
        let mac_len = mac_alg.output_len();
        if key.len() != suite.bulk.key_len() || mac_key.len() != mac_len {
            return Err(bad_len(
                "write key / MAC key",
                key.len() + mac_key.len(),
                suite.bulk.key_len() + mac_len,
            ));
        }
        let mac = MacKey::new(mac_alg, mac_key);
        let engine = match suite.bulk {
            Bulk::Cbc(alg, _) => {
                let chained_iv = if suite.implicit_cbc_iv() {
                    if iv.len() != alg.block_len() {
                        return Err(bad_len("TLS 1.0 CBC IV", iv.len(), alg.block_len()));
                    }
                    Some(iv.to_vec())
                } else {
                    None
                };
                Engine::Cbc {
                    block: Box::new(
                        BlockKey::new(alg, key)
                            .ok_or_else(|| bad_len("block cipher key", key.len(), alg.key_len()))?,
                    ),
                    block_len: alg.block_len(),
                    mac,
                    mac_len,
                    etm: encrypt_then_mac,
                    chained_iv,
                }
            }
            Bulk::Rc4(_) => {
                use rc4::KeyInit;
                Engine::Rc4 {
                    state: Box::new(
                        rc4::Rc4::new_from_slice(key)
                            .map_err(|_| bad_len("RC4 key", key.len(), 16))?,
                    ),
                    mac,
                    mac_len,
                }
            }
            _ => Engine::Null { mac, mac_len },
        };
        Ok(Self {
            engine,
            bulk: suite.bulk,
        })
    }

    /// The TLS 1.0-1.2 cipher of one side from a key block, whatever the suite's bulk cipher.
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
            Self::tls12_mac(suite, mac, key, iv, encrypt_then_mac)
        }
    }

    fn aead(bulk: Bulk, key: &[u8], iv: Vec<u8>, mode: Mode) -> Result<Self, CryptoError> {
        let bad = || bad_len("record key", key.len(), bulk.key_len());
        let alg = bulk.ring_alg().ok_or_else(bad)?;
        let unbound = aead::UnboundKey::new(alg, key).map_err(|_| bad())?;
        Ok(Self {
            engine: Engine::Aead {
                key: Box::new(aead::LessSafeKey::new(unbound)),
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
    /// `seq` the record's sequence number under this key. Records must be opened in order
    /// (RC4 and TLS 1.0 CBC carry state from one record to the next).
    pub fn open(
        &mut self,
        header: &[u8; 5],
        fragment: &[u8],
        seq: u64,
    ) -> Result<Opened, OpenError> {
        let (key, iv, mode) = match &mut self.engine {
            Engine::Aead { key, iv, mode } => (&**key, &*iv, *mode),
            Engine::RustCryptoAead { aead, salt } => {
                let tag = aead.tag_len();
                if fragment.len() < 8 + tag {
                    return Err(OpenError::TooShort {
                        len: fragment.len(),
                        min: 8 + tag,
                    });
                }
                let nonce = [&salt[..], &fragment[..8]].concat();
                let aad = tls12_aad(seq, header, fragment.len() - 8 - tag);
                let plaintext = aead
                    .open(&nonce, &aad, &fragment[8..])
                    .ok_or(OpenError::BadTag)?;
                return Ok(Opened {
                    content_type: ContentType(header[0]),
                    plaintext,
                });
            }
            Engine::Cbc {
                block,
                block_len,
                mac,
                mac_len,
                etm,
                chained_iv,
            } => {
                return open_cbc(
                    block, *block_len, mac, *mac_len, *etm, chained_iv, header, fragment, seq,
                );
            }
            Engine::Rc4 {
                state,
                mac,
                mac_len,
            } => {
                use rc4::StreamCipher;
                let mut buf = fragment.to_vec();
                // The keystream advances whether or not the MAC verifies, as the sender's did.
                state.apply_keystream(&mut buf);
                return check_mac(mac, *mac_len, header, buf, seq);
            }
            Engine::Null { mac, mac_len } => {
                return check_mac(mac, *mac_len, header, fragment.to_vec(), seq);
            }
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
    /// TLS 1.2 GCM/CCM use the sequence number as explicit nonce, as OpenSSL and rustls do;
    /// TLS 1.1+ CBC takes a fresh random IV per record.
    pub fn seal(
        &mut self,
        content_type: ContentType,
        version: u16,
        plaintext: &[u8],
        seq: u64,
    ) -> Vec<u8> {
        self.seal_with(content_type, version, plaintext, seq, false)
    }

    /// [`Self::seal`] with every CBC padding byte but the length byte wrong (MAC and length
    /// right): the record a TLS implementation that checks only the length byte accepts (TLS
    /// POODLE). `None` unless this is CBC with MAC-then-encrypt.
    pub fn seal_bad_padding(
        &mut self,
        content_type: ContentType,
        version: u16,
        plaintext: &[u8],
        seq: u64,
    ) -> Option<Vec<u8>> {
        match &self.engine {
            Engine::Cbc { etm: false, .. } => {
                Some(self.seal_with(content_type, version, plaintext, seq, true))
            }
            _ => None,
        }
    }

    fn seal_with(
        &mut self,
        content_type: ContentType,
        version: u16,
        plaintext: &[u8],
        seq: u64,
        bad_padding: bool,
    ) -> Vec<u8> {
        let mut header = [content_type.0, 0, 0, 0, 0];
        header[1..3].copy_from_slice(&version.to_be_bytes());
        let mac_over = |mac: &MacKey, h: &[u8; 5], data: &[u8]| {
            let mut h = *h;
            set_len(&mut h, data.len());
            mac.sign(&[&tls12_aad(seq, &h, data.len()), data])
        };
        let finish = |mut header: [u8; 5], payload: Vec<u8>| {
            set_len(&mut header, payload.len());
            let mut out = header.to_vec();
            out.extend_from_slice(&payload);
            out
        };
        let (key, iv, mode) = match &mut self.engine {
            Engine::Aead { key, iv, mode } => (&**key, &*iv, *mode),
            Engine::RustCryptoAead { aead, salt } => {
                let explicit = seq.to_be_bytes();
                let nonce = [&salt[..], &explicit[..]].concat();
                let aad = tls12_aad(seq, &header, plaintext.len());
                let mut payload = explicit.to_vec();
                // Sealing with a valid key cannot fail except on absurd lengths.
                payload.extend_from_slice(&aead.seal(&nonce, &aad, plaintext).unwrap_or_default());
                return finish(header, payload);
            }
            Engine::Cbc {
                block,
                block_len,
                mac,
                etm,
                chained_iv,
                ..
            } => {
                let bl = *block_len;
                let iv = match chained_iv {
                    Some(iv) => iv.clone(),
                    None => {
                        let mut civ = vec![0u8; bl];
                        // The system RNG failing leaves a zero IV: still decryptable, only
                        // predictable.
                        let _ = ring::rand::SecureRandom::fill(
                            &ring::rand::SystemRandom::new(),
                            &mut civ,
                        );
                        civ
                    }
                };
                let mut body = plaintext.to_vec();
                if !*etm {
                    body.extend_from_slice(&mac_over(mac, &header, plaintext));
                }
                let mut pad = bl - 1 - body.len() % bl;
                if bad_padding && pad == 0 {
                    // A padding byte to get wrong needs at least one beside the length byte.
                    pad = bl;
                }
                body.extend(std::iter::repeat_n(pad as u8, pad + 1));
                if bad_padding {
                    let n = body.len();
                    for b in &mut body[n - 1 - pad..n - 1] {
                        *b ^= 0xFF;
                    }
                }
                block.cbc(&iv, &mut body, true);
                let mut payload = if chained_iv.is_some() {
                    Vec::new()
                } else {
                    iv.clone()
                };
                if let Some(next) = chained_iv {
                    *next = body[body.len() - bl..].to_vec();
                }
                payload.extend_from_slice(&body);
                if *etm {
                    let tag = mac_over(mac, &header, &payload);
                    payload.extend_from_slice(&tag);
                }
                return finish(header, payload);
            }
            Engine::Rc4 { state, mac, .. } => {
                use rc4::StreamCipher;
                let mut body = plaintext.to_vec();
                body.extend_from_slice(&mac_over(mac, &header, plaintext));
                state.apply_keystream(&mut body);
                return finish(header, body);
            }
            Engine::Null { mac, .. } => {
                let mut body = plaintext.to_vec();
                body.extend_from_slice(&mac_over(mac, &header, plaintext));
                return finish(header, body);
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

/// Stream and NULL records: content ‖ MAC.
fn check_mac(
    mac: &MacKey,
    mac_len: usize,
    header: &[u8; 5],
    mut buf: Vec<u8>,
    seq: u64,
) -> Result<Opened, OpenError> {
    if buf.len() < mac_len {
        return Err(OpenError::TooShort {
            len: buf.len(),
            min: mac_len,
        });
    }
    let (content, tag) = buf.split_at(buf.len() - mac_len);
    if !mac.verify(&[&tls12_aad(seq, header, content.len()), content], tag) {
        return Err(OpenError::BadMac);
    }
    buf.truncate(buf.len() - mac_len);
    Ok(Opened {
        content_type: ContentType(header[0]),
        plaintext: buf,
    })
}

/// CBC record: [IV ‖] CBC(content ‖ MAC ‖ padding) (MAC-then-encrypt, RFC 5246 §6.2.3.2) or
/// [IV ‖] CBC(content ‖ padding) ‖ MAC (encrypt-then-MAC, RFC 7366); the IV is explicit from
/// TLS 1.1 on, chained from the previous record in TLS 1.0. Not constant-time: this opens
/// recordings and a client's own session, never answers as a server facing a padding oracle.
#[allow(clippy::too_many_arguments)]
fn open_cbc(
    block: &BlockKey,
    bl: usize,
    mac: &MacKey,
    mac_len: usize,
    etm: bool,
    chained_iv: &mut Option<Vec<u8>>,
    header: &[u8; 5],
    fragment: &[u8],
    seq: u64,
) -> Result<Opened, OpenError> {
    let explicit = if chained_iv.is_some() { 0 } else { bl };
    let min = if etm {
        explicit + bl + mac_len
    } else {
        explicit + (mac_len + 1).div_ceil(bl) * bl
    };
    if fragment.len() < min {
        return Err(OpenError::TooShort {
            len: fragment.len(),
            min,
        });
    }
    let (payload, tag) = if etm {
        fragment.split_at(fragment.len() - mac_len)
    } else {
        (fragment, &[][..])
    };
    if payload.len() < explicit + bl || !(payload.len() - explicit).is_multiple_of(bl) {
        return Err(OpenError::TooShort {
            len: fragment.len(),
            min,
        });
    }
    let verify = |data: &[u8], tag: &[u8]| {
        let mut h = *header;
        set_len(&mut h, data.len());
        if mac.verify(&[&tls12_aad(seq, &h, data.len()), data], tag) {
            Ok(())
        } else {
            Err(OpenError::BadMac)
        }
    };
    let (iv, cipher) = match chained_iv {
        Some(iv) => {
            let this = iv.clone();
            // The next record chains from this one's last ciphertext block, valid or not.
            *iv = payload[payload.len() - bl..].to_vec();
            (this, payload)
        }
        None => (payload[..bl].to_vec(), &payload[bl..]),
    };
    if etm {
        verify(payload, tag)?;
    }
    let mut buf = cipher.to_vec();
    if !block.cbc(&iv, &mut buf, false) {
        return Err(OpenError::BadPadding);
    }
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
        verify(content, tag)?;
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
        let mut c = RecordCipher::tls12(suite, &[7; 16], &[1, 2, 3, 4]).unwrap();
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
        let mut c = RecordCipher::tls12(suite, &[9; 32], &[5; 12]).unwrap();
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
        let mut c = RecordCipher::tls13(suite, &[3; 48]).unwrap();
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
                let mut c = RecordCipher::tls12_mac(
                    suite,
                    &vec![4; mac_len],
                    &vec![5; suite.bulk.key_len()],
                    &[],
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
        let mut c = RecordCipher::tls12_mac(suite, &[1; 20], &[2; 16], &[], false).unwrap();
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

    /// Every TLS 1.0-1.2 suite of the table, at every version it is usable at, with and
    /// without encrypt-then-MAC: a record sealed by one side opens on a twin key, in sequence
    /// (RC4 and TLS 1.0 CBC carry state), and not under the wrong sequence number.
    #[test]
    fn every_suite_round_trips_at_every_version() {
        use crate::crypto::suite::SUPPORTED;
        for base in SUPPORTED.iter().filter(|s| !s.tls13) {
            for v in [0x0301u16, 0x0302, 0x0303] {
                if !base.usable_at(v) {
                    continue;
                }
                let suite = base.for_version(v);
                for etm in [false, true] {
                    let kb = tls12::key_block(&suite, &[9; 48], &[1; 32], &[2; 32]).unwrap();
                    let mut tx = RecordCipher::from_key_block(&suite, &kb, true, etm).unwrap();
                    let mut rx = RecordCipher::from_key_block(&suite, &kb, true, etm).unwrap();
                    for (seq, len) in [0usize, 1, 17, 300].into_iter().enumerate() {
                        let msg = vec![0x5A; len];
                        let rec = tx.seal(ContentType::APPLICATION_DATA, v, &msg, seq as u64);
                        let o = rx.open(&header(&rec), &rec[5..], seq as u64);
                        assert_eq!(
                            o.map(|o| o.plaintext),
                            Ok(msg),
                            "{} v={v:04x} etm={etm} len={len}",
                            suite.name
                        );
                    }
                    let rec = tx.seal(ContentType::APPLICATION_DATA, v, b"x", 7);
                    let mut again = RecordCipher::from_key_block(&suite, &kb, true, etm).unwrap();
                    assert!(
                        again.open(&header(&rec), &rec[5..], 8).is_err(),
                        "{}",
                        suite.name
                    );
                }
            }
        }
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
            let mut c = RecordCipher::tls13(suite, &h(secret)).unwrap();
            let wire = h(wire);
            let o = c.open(&header(&wire), &wire[5..], 0).unwrap();
            assert_eq!(o.content_type, ct);
            assert_eq!(o.plaintext, plain);
            assert_eq!(c.seal(ct, 0x0303, &plain, 0), wire);
        }
    }

    /// The TLS POODLE probe's record: right MAC and length byte, wrong padding bytes, so a
    /// checking peer fails it on padding; AEAD and encrypt-then-MAC have no such record.
    #[test]
    fn bad_padding_records_fail_on_padding_only_for_mac_then_encrypt_cbc() {
        let suite = SuiteParams::lookup(0x002F).unwrap();
        let twin = || RecordCipher::tls12_mac(suite, &[1; 20], &[2; 16], &[], false).unwrap();
        let (mut tx, mut rx) = (twin(), twin());
        for len in [0, 1, 11, 16, 27] {
            let data = vec![0x41; len];
            let good = tx.seal(ContentType::APPLICATION_DATA, 0x0303, &data, 1);
            assert_eq!(
                rx.open(&header(&good), &good[5..], 1).unwrap().plaintext,
                data
            );
            let bad = tx
                .seal_bad_padding(ContentType::APPLICATION_DATA, 0x0303, &data, 1)
                .unwrap();
            assert_eq!(
                rx.open(&header(&bad), &bad[5..], 1),
                Err(OpenError::BadPadding),
                "{len} bytes"
            );
        }
        let aead = SuiteParams::lookup(0x009C).unwrap();
        let mut g = RecordCipher::tls12(aead, &[7; 16], &[1, 2, 3, 4]).unwrap();
        assert!(
            g.seal_bad_padding(ContentType::APPLICATION_DATA, 0x0303, b"x", 0)
                .is_none()
        );
        let mut etm = RecordCipher::tls12_mac(suite, &[1; 20], &[2; 16], &[], true).unwrap();
        assert!(
            etm.seal_bad_padding(ContentType::APPLICATION_DATA, 0x0303, b"x", 0)
                .is_none()
        );
    }
}
