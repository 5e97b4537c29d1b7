//! Finite-field Diffie-Hellman for DHE and DH_anon suites (RFC 5246 §8.1.2, RFC 7919 §5):
//! the client's key pair and the shared secret, with crypto-bigint's constant-time Montgomery
//! exponentiation for everything that touches the private exponent. crypto-bigint is already in
//! the tree through the `rsa` crate, is maintained by RustCrypto, and its `BoxedMontyForm::pow`
//! runs in time independent of the exponent.

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};

/// Bounds on the server's prime: below 512 bits nothing is worth inspecting (and nothing
/// sane is offered), above 8192 bits the exponentiation becomes a denial of service.
pub const MIN_PRIME_BITS: usize = 256;
/// See [`MIN_PRIME_BITS`].
pub const MAX_PRIME_BITS: usize = 8192;

/// The client's side of a finite-field exchange.
#[derive(Clone)]
pub struct DhAgreement {
    /// Yc, as long as the prime (the ClientKeyExchange value).
    pub public: Vec<u8>,
    /// Z with leading zero bytes stripped: the pre-master secret (RFC 5246 §8.1.2).
    pub shared: Vec<u8>,
    /// Size of the server's prime in bits.
    pub prime_bits: usize,
}

impl std::fmt::Debug for DhAgreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DhAgreement")
            .field("prime_bits", &self.prime_bits)
            .finish_non_exhaustive()
    }
}

fn strip(b: &[u8]) -> &[u8] {
    let lead = b.iter().position(|&x| x != 0).unwrap_or(b.len());
    &b[lead..]
}

/// a < b for big-endian unsigned values (public values only: variable time).
fn less(a: &[u8], b: &[u8]) -> bool {
    let (a, b) = (strip(a), strip(b));
    a.len() < b.len() || (a.len() == b.len() && a < b)
}

/// Checks the server's (p, g, Ys), makes a key pair and agrees on Z. `random` supplies the
/// private exponent's bytes (as many as the prime has).
pub fn agree(
    p: &[u8],
    g: &[u8],
    ys: &[u8],
    random: &dyn Fn(&mut [u8]) -> bool,
) -> Result<DhAgreement, String> {
    let p = strip(p);
    let bits = p
        .first()
        .map(|b| p.len() * 8 - b.leading_zeros() as usize)
        .unwrap_or(0);
    if !(MIN_PRIME_BITS..=MAX_PRIME_BITS).contains(&bits) {
        return Err(format!(
            "DH prime of {bits} bits is outside {MIN_PRIME_BITS}..={MAX_PRIME_BITS}"
        ));
    }
    if p.last().is_none_or(|b| b & 1 == 0) {
        return Err("DH prime is even".into());
    }
    let mut p_minus_1 = p.to_vec();
    if let Some(last) = p_minus_1.last_mut() {
        *last &= 0xFE;
    }
    let one = [1u8];
    if !less(&one, g) || !less(g, &p_minus_1) {
        return Err("DH generator is not in 2..p-2".into());
    }
    if !less(&one, ys) || !less(ys, &p_minus_1) {
        return Err("server's DH public value Ys is not in 2..p-2 (RFC 7919 §5.1)".into());
    }
    let precision = u32::try_from(p.len().div_ceil(8) * 64).map_err(|_| "DH prime too large")?;
    let decode = |b: &[u8]| {
        BoxedUint::from_be_slice(strip(b), precision).map_err(|e| format!("DH value: {e:?}"))
    };
    let modulus = Option::<Odd<BoxedUint>>::from(Odd::new(decode(p)?))
        .ok_or_else(|| "DH prime is even".to_string())?;
    let params = BoxedMontyParams::new_vartime(modulus);
    // A private exponent as long as the prime, minus its top bit so that it stays below p.
    let mut x = vec![0u8; p.len()];
    if !random(&mut x) {
        return Err("system RNG failed".into());
    }
    // The prime's top byte has `sig` significant bits (1..=8); keep one fewer in x's.
    let sig = match bits % 8 {
        0 => 8,
        n => n as u32,
    };
    x[0] &= ((1u16 << (sig - 1)) - 1) as u8;
    x[p.len() - 1] |= 1;
    let exponent = decode(&x)?;
    let public = BoxedMontyForm::new(decode(g)?, &params)
        .pow(&exponent)
        .retrieve()
        .to_be_bytes();
    let shared = BoxedMontyForm::new(decode(ys)?, &params)
        .pow(&exponent)
        .retrieve()
        .to_be_bytes();
    let tail = |v: &[u8]| v[v.len().saturating_sub(p.len())..].to_vec();
    Ok(DhAgreement {
        public: tail(&public),
        shared: strip(&shared).to_vec(),
        prime_bits: bits,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3526 group 14 (2048-bit MODP), generator 2.
    const MODP2048: &str = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";

    fn rng(b: &mut [u8]) -> bool {
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), b).is_ok()
    }

    #[test]
    fn both_sides_agree() {
        let p = hex::decode(MODP2048).unwrap();
        let a = |b: &mut [u8]| {
            b.fill(0x3C);
            true
        };
        let b = |b: &mut [u8]| {
            b.fill(0xA5);
            true
        };
        // Server with exponent a (its public value g^a), client with b, then the server again
        // with the client's public value: both reach g^(ab).
        let server = agree(&p, &[2], &[5], &a).unwrap();
        let client = agree(&p, &[2], &server.public, &b).unwrap();
        let server_z = agree(&p, &[2], &client.public, &a).unwrap();
        assert_eq!(client.shared, server_z.shared);
        assert_eq!(client.public.len(), 256);
        assert_eq!(client.prime_bits, 2048);
        assert_ne!(client.public, server.public);
        assert!(agree(&p, &[2], &[5], &rng).is_ok());
    }

    #[test]
    fn rejects_degenerate_values() {
        let p = hex::decode(MODP2048).unwrap();
        assert!(agree(&p, &[2], &[1], &rng).is_err());
        assert!(agree(&p, &[2], &p, &rng).is_err());
        let mut pm1 = p.clone();
        *pm1.last_mut().unwrap() -= 1;
        assert!(agree(&p, &[2], &pm1, &rng).is_err());
        assert!(agree(&p[..16], &[2], &[5], &rng).is_err(), "128-bit prime");
        assert!(agree(&[], &[2], &[5], &rng).is_err());
        assert!(agree(&pm1, &[2], &[5], &rng).is_err(), "even prime");
        // A prime whose top byte is 1 (257 bits): the exponent's top byte must become 0.
        let mut small = vec![1u8];
        small.extend_from_slice(&[0xFF; 32]);
        assert!(agree(&small, &[2], &[5], &rng).is_ok());
    }
}
