//! The TLS 1.3 key schedule pieces a passive decryptor needs (RFC 8446 §7): HKDF-Expand-Label,
//! traffic key/IV derivation, the Finished key and the KeyUpdate step. The traffic secrets
//! themselves come from a key log; the handshake secret is never recomputed here.

use super::CryptoError;
use super::suite::{HashAlg, SuiteParams};

/// Output length for ring's HKDF, which wants a `KeyType`.
struct Len(usize);

impl ring::hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// `HKDF-Expand-Label(secret, label, context, len)` (RFC 8446 §7.1): info = u16 len ‖
/// u8 len ‖ "tls13 " ‖ label ‖ u8 len ‖ context.
pub fn hkdf_expand_label(
    hash: HashAlg,
    secret: &[u8],
    label: &str,
    context: &[u8],
    len: usize,
) -> Result<Vec<u8>, CryptoError> {
    let full_label = format!("tls13 {label}");
    // Both length prefixes are single bytes / u16 by definition; labels and contexts used in
    // TLS are at most 255 bytes, larger outputs than 255*HashLen are refused by ring below.
    let (Ok(len16), Ok(label_len), Ok(ctx_len)) = (
        u16::try_from(len),
        u8::try_from(full_label.len()),
        u8::try_from(context.len()),
    ) else {
        return Err(CryptoError::BadKeyLength {
            what: "HKDF-Expand-Label input",
            got: len.max(full_label.len()).max(context.len()),
            expected: 255,
        });
    };
    let len_bytes = len16.to_be_bytes();
    let info: [&[u8]; 5] = [
        &len_bytes,
        &[label_len],
        full_label.as_bytes(),
        &[ctx_len],
        context,
    ];
    let prk = ring::hkdf::Prk::new_less_safe(hash.hkdf(), secret);
    let okm = prk
        .expand(&info, Len(len))
        .map_err(|_| CryptoError::BadKeyLength {
            what: "HKDF-Expand-Label output",
            got: len,
            expected: 255 * hash.output_len(),
        })?;
    let mut out = vec![0u8; len];
    okm.fill(&mut out).map_err(|_| CryptoError::BadKeyLength {
        what: "HKDF-Expand-Label output",
        got: len,
        expected: 255 * hash.output_len(),
    })?;
    Ok(out)
}

/// A record-protection key and IV derived from a traffic secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficKeys {
    /// AEAD key ("key" label).
    pub key: Vec<u8>,
    /// 12-byte IV ("iv" label).
    pub iv: Vec<u8>,
}

/// Derives `[sender]_write_key` and `[sender]_write_iv` from a traffic secret (RFC 8446 §7.3).
pub fn traffic_keys(suite: &SuiteParams, secret: &[u8]) -> Result<TrafficKeys, CryptoError> {
    check_secret_len(suite.hash, secret)?;
    Ok(TrafficKeys {
        key: hkdf_expand_label(suite.hash, secret, "key", &[], suite.bulk.key_len())?,
        iv: hkdf_expand_label(suite.hash, secret, "iv", &[], 12)?,
    })
}

/// `application_traffic_secret_N+1` after a KeyUpdate (RFC 8446 §7.2).
pub fn next_traffic_secret(hash: HashAlg, secret: &[u8]) -> Result<Vec<u8>, CryptoError> {
    hkdf_expand_label(hash, secret, "traffic upd", &[], hash.output_len())
}

/// Finished.verify_data = HMAC(finished_key, transcript_hash) where finished_key =
/// HKDF-Expand-Label(handshake traffic secret, "finished", "", Hash.length) (RFC 8446 §4.4.4).
pub fn finished_verify_data(
    hash: HashAlg,
    handshake_traffic_secret: &[u8],
    transcript_hash: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let finished_key = hkdf_expand_label(
        hash,
        handshake_traffic_secret,
        "finished",
        &[],
        hash.output_len(),
    )?;
    let key = ring::hmac::Key::new(hash.hmac(), &finished_key);
    Ok(ring::hmac::sign(&key, transcript_hash).as_ref().to_vec())
}

fn check_secret_len(hash: HashAlg, secret: &[u8]) -> Result<(), CryptoError> {
    if secret.len() == hash.output_len() {
        Ok(())
    } else {
        Err(CryptoError::BadKeyLength {
            what: "traffic secret",
            got: secret.len(),
            expected: hash.output_len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // RFC 8448 §3 (Simple 1-RTT Handshake, TLS_AES_128_GCM_SHA256).
    const HS_SECRET: &str = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac";
    const CH_SH_HASH: &str = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
    const C_HS: &str = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
    const S_HS: &str = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
    const S_AP: &str = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";

    #[test]
    fn rfc8448_derive_secret_uses_expand_label_with_context() {
        let hs = h(HS_SECRET);
        let th = h(CH_SH_HASH);
        let c = hkdf_expand_label(HashAlg::Sha256, &hs, "c hs traffic", &th, 32).unwrap();
        let s = hkdf_expand_label(HashAlg::Sha256, &hs, "s hs traffic", &th, 32).unwrap();
        assert_eq!(hex::encode(c), C_HS);
        assert_eq!(hex::encode(s), S_HS);
    }

    #[test]
    fn rfc8448_traffic_keys() {
        let suite = SuiteParams::lookup(0x1301).unwrap();
        let k = traffic_keys(suite, &h(S_HS)).unwrap();
        assert_eq!(hex::encode(&k.key), "3fce516009c21727d0f2e4e86ee403bc");
        assert_eq!(hex::encode(&k.iv), "5d313eb2671276ee13000b30");
        let k = traffic_keys(suite, &h(C_HS)).unwrap();
        assert_eq!(hex::encode(&k.key), "dbfaa693d1762c5b666af5d950258d01");
        assert_eq!(hex::encode(&k.iv), "5bd3c71b836e0b76bb73265f");
        let k = traffic_keys(suite, &h(S_AP)).unwrap();
        assert_eq!(hex::encode(&k.key), "9f02283b6c9c07efc26bb9f2ac92e356");
        assert_eq!(hex::encode(&k.iv), "cf782b88dd83549aadf1e984");
    }

    #[test]
    fn rfc8448_finished_key() {
        let fk = hkdf_expand_label(HashAlg::Sha256, &h(S_HS), "finished", &[], 32).unwrap();
        assert_eq!(
            hex::encode(fk),
            "008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8"
        );
    }

    #[test]
    fn wrong_secret_length_is_an_error() {
        let suite = SuiteParams::lookup(0x1302).unwrap();
        let e = traffic_keys(suite, &[0; 32]).unwrap_err();
        assert_eq!(e.to_string(), "traffic secret is 32 bytes, expected 48");
    }
}
