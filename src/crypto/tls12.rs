//! The TLS 1.2 key derivation (RFC 5246 §5, §6.3, §7.4.9; RFC 7627): the P_hash PRF, the
//! master secret with and without the extended master secret, the key block and Finished.

use super::CryptoError;
use super::suite::{HashAlg, SuiteParams};

/// `PRF(secret, label, seed)` truncated to `len` bytes. TLS 1.2: P_hash(secret, label ‖ seed)
/// with A(0) = label ‖ seed, A(i) = HMAC(secret, A(i-1)), output = HMAC(secret, A(i) ‖ label ‖
/// seed)...; TLS 1.0/1.1 ([`HashAlg::Md5Sha1`]): P_MD5(S1, ..) XOR P_SHA1(S2, ..) over the two
/// halves of the secret, which share a byte when its length is odd (RFC 2246 §5).
pub fn prf(hash: HashAlg, secret: &[u8], label: &[u8], seed: &[u8], len: usize) -> Vec<u8> {
    let mut label_seed = Vec::with_capacity(label.len() + seed.len());
    label_seed.extend_from_slice(label);
    label_seed.extend_from_slice(seed);
    if hash == HashAlg::Md5Sha1 {
        let half = secret.len().div_ceil(2);
        let s1 = &secret[..half];
        let s2 = &secret[secret.len() - half..];
        let md5 = p_hash_md5(s1, &label_seed, len);
        let sha1 = p_hash_ring(
            ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            s2,
            &label_seed,
            len,
        );
        return md5.iter().zip(sha1).map(|(a, b)| a ^ b).collect();
    }
    p_hash_ring(hash.hmac(), secret, &label_seed, len)
}

fn p_hash_ring(
    alg: ring::hmac::Algorithm,
    secret: &[u8],
    label_seed: &[u8],
    len: usize,
) -> Vec<u8> {
    let key = ring::hmac::Key::new(alg, secret);
    let mut out = Vec::with_capacity(len + 64);
    let mut a = ring::hmac::sign(&key, label_seed);
    while out.len() < len {
        let mut ctx = ring::hmac::Context::with_key(&key);
        ctx.update(a.as_ref());
        ctx.update(label_seed);
        out.extend_from_slice(ctx.sign().as_ref());
        a = ring::hmac::sign(&key, a.as_ref());
    }
    out.truncate(len);
    out
}

/// P_MD5 with RustCrypto's HMAC (ring has no MD5).
fn p_hash_md5(secret: &[u8], label_seed: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 16);
    let mut a = super::mac::hmac_md5(secret, &[label_seed]);
    while out.len() < len {
        out.extend_from_slice(&super::mac::hmac_md5(secret, &[&a, label_seed]));
        a = super::mac::hmac_md5(secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// Length of a TLS 1.2 master secret.
pub const MASTER_SECRET_LEN: usize = 48;

/// `master_secret = PRF(pre_master_secret, "master secret", client_random ‖ server_random)`.
pub fn master_secret(
    hash: HashAlg,
    pre_master: &[u8],
    client_random: &[u8],
    server_random: &[u8],
) -> Vec<u8> {
    let seed = [client_random, server_random].concat();
    prf(hash, pre_master, b"master secret", &seed, MASTER_SECRET_LEN)
}

/// RFC 7627: `master_secret = PRF(pre_master_secret, "extended master secret", session_hash)`
/// where session_hash = Hash(handshake messages ClientHello .. ClientKeyExchange).
pub fn extended_master_secret(hash: HashAlg, pre_master: &[u8], session_hash: &[u8]) -> Vec<u8> {
    prf(
        hash,
        pre_master,
        b"extended master secret",
        session_hash,
        MASTER_SECRET_LEN,
    )
}

/// The per-direction write keys cut from the key block (AEAD suites: no MAC keys; TLS 1.1+ CBC
/// suites: no IVs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyBlock {
    /// client_write_MAC_key (empty for AEADs).
    pub client_mac: Vec<u8>,
    /// server_write_MAC_key.
    pub server_mac: Vec<u8>,
    /// client_write_key.
    pub client_key: Vec<u8>,
    /// server_write_key.
    pub server_key: Vec<u8>,
    /// client_write_IV (GCM salt or ChaCha20 IV).
    pub client_iv: Vec<u8>,
    /// server_write_IV.
    pub server_iv: Vec<u8>,
}

/// `key_block = PRF(master_secret, "key expansion", server_random ‖ client_random)`, split as
/// client MAC ‖ server MAC ‖ client key ‖ server key ‖ client IV ‖ server IV (RFC 5246 §6.3).
pub fn key_block(
    suite: &SuiteParams,
    master: &[u8],
    client_random: &[u8],
    server_random: &[u8],
) -> Result<KeyBlock, CryptoError> {
    if master.len() != MASTER_SECRET_LEN {
        return Err(CryptoError::BadKeyLength {
            what: "master secret",
            got: master.len(),
            expected: MASTER_SECRET_LEN,
        });
    }
    let m = suite.bulk.mac_key_len();
    let k = suite.bulk.key_len();
    // TLS 1.0 CBC takes its first IV from the key block; later versions send it per record.
    let iv = match suite.bulk {
        super::suite::Bulk::Cbc(b, _) if suite.implicit_cbc_iv() => b.block_len(),
        _ => suite.bulk.tls12_fixed_iv_len(),
    };
    let seed = [server_random, client_random].concat();
    let block = prf(
        suite.hash,
        master,
        b"key expansion",
        &seed,
        2 * m + 2 * k + 2 * iv,
    );
    let mut parts = [m, m, k, k, iv, iv].into_iter().scan(0, |pos, len| {
        let part = block[*pos..*pos + len].to_vec();
        *pos += len;
        Some(part)
    });
    let mut next = || parts.next().unwrap_or_default();
    Ok(KeyBlock {
        client_mac: next(),
        server_mac: next(),
        client_key: next(),
        server_key: next(),
        client_iv: next(),
        server_iv: next(),
    })
}

/// Finished.verify_data = PRF(master_secret, "client finished" | "server finished",
/// Hash(handshake_messages))[..12] (RFC 5246 §7.4.9).
pub fn finished_verify_data(
    hash: HashAlg,
    master: &[u8],
    client: bool,
    transcript_hash: &[u8],
) -> Vec<u8> {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    prf(hash, master, label, transcript_hash, 12)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // Test vectors posted to the IETF TLS WG (msg03416), reproduced by BearSSL, GnuTLS, etc.
    #[test]
    fn prf_sha256_vector() {
        let out = prf(
            HashAlg::Sha256,
            &h("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &h("a0ba9f936cda311827a6f796ffd5198c"),
            100,
        );
        assert_eq!(
            hex::encode(out),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab\
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
             87347b66"
        );
    }

    #[test]
    fn prf_sha384_vector() {
        let out = prf(
            HashAlg::Sha384,
            &h("b80b733d6ceefcdc71566ea48e5567df"),
            b"test label",
            &h("cd665cf6a8447dd6ff8b27555edb7465"),
            148,
        );
        assert_eq!(
            hex::encode(out),
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
             91c8f3a26854308d5eaa3be85e0990703d73e56f"
        );
    }

    // TLS 1.0 PRF vector from the same mailing-list post (also in GnuTLS' and Go's tests).
    #[test]
    fn prf_md5_sha1_vector() {
        let out = prf(
            HashAlg::Md5Sha1,
            &[0xab; 48],
            b"PRF Testvector",
            &[0xcd; 64],
            104,
        );
        assert_eq!(
            hex::encode(out),
            "d3d4d1e349b5d515044666d51de32bab258cb521b6b053463e354832fd976754\
             443bcf9a296519bc289abcbc1187e4ebd31e602353776c408aafb74cbc85eff6\
             9255f9788faa184cbb957a9819d84a5d7eb006eb459d3ae8de9810454b8b2d8f\
             1afbc655a8c9a013"
        );
    }

    #[test]
    fn prf_is_prefix_stable() {
        let long = prf(HashAlg::Sha256, b"k", b"l", b"s", 77);
        assert_eq!(prf(HashAlg::Sha256, b"k", b"l", b"s", 13), long[..13]);
    }

    #[test]
    fn key_block_splits_gcm_and_chacha_shapes() {
        let gcm = SuiteParams::lookup(0x009C).unwrap();
        let kb = key_block(gcm, &[1; 48], &[2; 32], &[3; 32]).unwrap();
        let full = prf(
            HashAlg::Sha256,
            &[1; 48],
            b"key expansion",
            &[[3u8; 32], [2u8; 32]].concat(),
            40,
        );
        assert_eq!(
            [
                kb.client_key,
                kb.server_key,
                kb.client_iv.clone(),
                kb.server_iv
            ]
            .concat(),
            full
        );
        assert_eq!(kb.client_iv.len(), 4);
        let chacha = SuiteParams::lookup(0xCCA8).unwrap();
        let kb = key_block(chacha, &[1; 48], &[2; 32], &[3; 32]).unwrap();
        assert_eq!((kb.client_key.len(), kb.server_iv.len()), (32, 12));
        assert!(key_block(gcm, &[1; 47], &[2; 32], &[3; 32]).is_err());
        // CBC-HMAC-SHA1 in TLS 1.2: MAC keys first, no IVs.
        let cbc = SuiteParams::lookup(0x002F).unwrap();
        let kb = key_block(cbc, &[1; 48], &[2; 32], &[3; 32]).unwrap();
        let full = prf(
            HashAlg::Sha256,
            &[1; 48],
            b"key expansion",
            &[[3u8; 32], [2u8; 32]].concat(),
            72,
        );
        assert_eq!(
            [kb.client_mac, kb.server_mac, kb.client_key, kb.server_key].concat(),
            full
        );
        assert!(kb.client_iv.is_empty());
    }
}
