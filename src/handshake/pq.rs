//! Post-quantum hybrid key exchange for the ring provider: X25519MLKEM768 (0x11EC),
//! SecP256r1MLKEM768 (0x11EB) and SecP384r1MLKEM1024 (0x11ED) from draft-ietf-tls-ecdhe-mlkem,
//! built from libcrux's `libcrux-ml-kem` (FIPS 203), aws-lc's X25519 ([`X25519`]) and ring's
//! P-256 / P-384 through rustls' public `SupportedKxGroup` / `ActiveKeyExchange` traits, so ring
//! stays the provider for everything else.
//!
//! Layout (draft-ietf-tls-ecdhe-mlkem §"Construction"): X25519MLKEM768 puts ML-KEM first in the
//! shares and the secret (client: encapsulation key 1184 ‖ x25519 32; server: ciphertext 1088 ‖
//! x25519 32; secret: ML-KEM ‖ X25519). SecP256r1MLKEM768 puts the curve first (65 ‖ 1184,
//! 65 ‖ 1088, ECDH ‖ ML-KEM), so that the FIPS-approved part leads for SP 800-56C; so does
//! SecP384r1MLKEM1024 (97 ‖ 1568 both ways). The table is [`crate::wire::hybrid`].

use libcrux_ml_kem::{mlkem768, mlkem1024};
use ring::rand::{SecureRandom, SystemRandom};
use rustls::crypto::{ActiveKeyExchange, CompletedKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::ffdhe_groups::FfdheGroup;
use rustls::{Error, NamedGroup, PeerMisbehaved, ProtocolVersion};
use zeroize::{Zeroize, Zeroizing};

use crate::wire::hybrid::{self, HybridLayout, ShareSender};

/// X25519 from aws-lc (rustls' own aws-lc-rs group), alone and as the hybrid's classical half.
/// aws-lc computes it with s2n-bignum's verified x86-64/Arm assembly: keygen + agreement took
/// 42-46 µs against ring's 85-94 µs on the machine `scripts/bench-scan.sh` ran on, and every
/// TLS 1.3 handshake pays it once.
pub static X25519: &dyn SupportedKxGroup = rustls::crypto::aws_lc_rs::kx_group::X25519;

/// X25519MLKEM768: ML-KEM-768 first, then X25519.
pub static X25519MLKEM768: &dyn SupportedKxGroup = &Hybrid {
    name: NamedGroup::X25519MLKEM768,
    classical: X25519,
    kem: Kem::MlKem768,
    layout: hybrid::X25519MLKEM768,
};

/// SecP256r1MLKEM768: P-256 first, then ML-KEM-768.
pub static SECP256R1MLKEM768: &dyn SupportedKxGroup = &Hybrid {
    name: NamedGroup::secp256r1MLKEM768,
    classical: rustls::crypto::ring::kx_group::SECP256R1,
    kem: Kem::MlKem768,
    layout: hybrid::SECP256R1MLKEM768,
};

/// SecP384r1MLKEM1024: P-384 first, then ML-KEM-1024 (rustls has no name for 0x11ED).
pub static SECP384R1MLKEM1024: &dyn SupportedKxGroup = &Hybrid {
    name: NamedGroup::Unknown(0x11ED),
    classical: rustls::crypto::ring::kx_group::SECP384R1,
    kem: Kem::MlKem1024,
    layout: hybrid::SECP384R1MLKEM1024,
};

/// The ML-KEM parameter set of a hybrid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kem {
    MlKem768,
    MlKem1024,
}

/// A decapsulation key of either parameter set (boxed: they are 2,400 and 3,168 bytes), wiped
/// when dropped (libcrux's key types do not wipe themselves).
enum DecapsulationKey {
    MlKem768(Box<mlkem768::MlKem768PrivateKey>),
    MlKem1024(Box<mlkem1024::MlKem1024PrivateKey>),
}

impl Drop for DecapsulationKey {
    fn drop(&mut self) {
        match self {
            Self::MlKem768(k) => k[..mlkem768::MlKem768PrivateKey::len()].zeroize(),
            Self::MlKem1024(k) => k[..mlkem1024::MlKem1024PrivateKey::len()].zeroize(),
        }
    }
}

// ML-KEM is libcrux's (formally verified; AVX2 chosen at run time, portable code otherwise):
// a scan pays key generation and decapsulation on every TLS 1.3 handshake, and libcrux takes
// about a fifth of the time of RustCrypto's `ml-kem` here (keygen + encaps + decaps: 85 µs
// against 423 µs on this project's 2-core test machine).
impl Kem {
    /// A key pair from a 64-byte seed (d ‖ z, FIPS 203 ML-KEM.KeyGen_internal):
    /// (decapsulation key, encoded encapsulation key).
    fn keypair(self, seed: &[u8; 64]) -> (DecapsulationKey, Vec<u8>) {
        match self {
            Self::MlKem768 => {
                let (dk, ek) = mlkem768::generate_key_pair(*seed).into_parts();
                (
                    DecapsulationKey::MlKem768(Box::new(dk)),
                    ek.as_ref().to_vec(),
                )
            }
            Self::MlKem1024 => {
                let (dk, ek) = mlkem1024::generate_key_pair(*seed).into_parts();
                (
                    DecapsulationKey::MlKem1024(Box::new(dk)),
                    ek.as_ref().to_vec(),
                )
            }
        }
    }

    /// Encapsulates to a peer's encapsulation key with the 32 random bytes `m`: (ciphertext,
    /// shared secret). `None` for a key of the wrong length or one failing FIPS 203 §7.2's
    /// modulus check, which the draft requires servers to reject.
    fn encapsulate(self, ek: &[u8], m: &[u8; 32]) -> Option<(Vec<u8>, Zeroizing<[u8; 32]>)> {
        let (ct, ss) = match self {
            Self::MlKem768 => {
                let ek = mlkem768::MlKem768PublicKey::try_from(ek).ok()?;
                if !mlkem768::validate_public_key(&ek) {
                    return None;
                }
                let (ct, ss) = mlkem768::encapsulate(&ek, *m);
                (ct.as_ref().to_vec(), ss)
            }
            Self::MlKem1024 => {
                let ek = mlkem1024::MlKem1024PublicKey::try_from(ek).ok()?;
                if !mlkem1024::validate_public_key(&ek) {
                    return None;
                }
                let (ct, ss) = mlkem1024::encapsulate(&ek, *m);
                (ct.as_ref().to_vec(), ss)
            }
        };
        Some((ct, Zeroizing::new(ss)))
    }
}

impl DecapsulationKey {
    /// The shared secret in a ciphertext; `None` unless it has the parameter set's exact length.
    /// (A well-sized but forged ciphertext yields an unrelated secret: implicit rejection.)
    fn decapsulate(&self, ct: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
        Some(Zeroizing::new(match self {
            Self::MlKem768(dk) => {
                mlkem768::decapsulate(dk, &mlkem768::MlKem768Ciphertext::try_from(ct).ok()?)
            }
            Self::MlKem1024(dk) => {
                mlkem1024::decapsulate(dk, &mlkem1024::MlKem1024Ciphertext::try_from(ct).ok()?)
            }
        }))
    }
}

#[derive(Debug)]
struct Hybrid {
    name: NamedGroup,
    classical: &'static dyn SupportedKxGroup,
    kem: Kem,
    layout: HybridLayout,
}

fn invalid_share() -> Error {
    Error::PeerMisbehaved(PeerMisbehaved::InvalidKeyShare)
}

/// Fresh randomness for key generation and encapsulation, wiped when dropped.
fn random<const N: usize>() -> Result<Zeroizing<[u8; N]>, Error> {
    let mut b = Zeroizing::new([0u8; N]);
    SystemRandom::new()
        .fill(b.as_mut())
        .map_err(|_| Error::FailedToGetRandomBytes)?;
    Ok(b)
}

impl SupportedKxGroup for Hybrid {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let classical = self.classical.start()?;
        let (dk, ek) = self.kem.keypair(&*random::<64>()?);
        let share = self.layout.join(&ek, classical.pub_key());
        Ok(Box::new(ActiveHybrid {
            name: self.name,
            layout: self.layout,
            classical,
            dk,
            share,
        }))
    }

    /// The server side: a KEM's reply depends on the client's share, so encapsulate here.
    fn start_and_complete(&self, client_share: &[u8]) -> Result<CompletedKeyExchange, Error> {
        let (ek, classical_share) = self
            .layout
            .split(client_share, ShareSender::Client)
            .ok_or_else(invalid_share)?;
        let (ct, pq_secret) = self
            .kem
            .encapsulate(ek, &*random::<32>()?)
            .ok_or_else(invalid_share)?;
        let classical = self.classical.start_and_complete(classical_share)?;
        Ok(CompletedKeyExchange {
            group: self.name,
            pub_key: self.layout.join(&ct, &classical.pub_key),
            secret: SharedSecret::from(
                self.layout
                    .join(&*pq_secret, classical.secret.secret_bytes()),
            ),
        })
    }

    fn ffdhe_group(&self) -> Option<FfdheGroup<'static>> {
        None
    }

    fn name(&self) -> NamedGroup {
        self.name
    }

    fn usable_for_version(&self, version: ProtocolVersion) -> bool {
        version == ProtocolVersion::TLSv1_3
    }
}

struct ActiveHybrid {
    name: NamedGroup,
    layout: HybridLayout,
    classical: Box<dyn ActiveKeyExchange>,
    dk: DecapsulationKey,
    share: Vec<u8>,
}

impl ActiveKeyExchange for ActiveHybrid {
    fn complete(self: Box<Self>, server_share: &[u8]) -> Result<SharedSecret, Error> {
        let (ct, classical_share) = self
            .layout
            .split(server_share, ShareSender::Server)
            .ok_or_else(invalid_share)?;
        let pq_secret = self.dk.decapsulate(ct).ok_or_else(invalid_share)?;
        let classical = self.classical.complete(classical_share)?;
        Ok(SharedSecret::from(
            self.layout.join(&*pq_secret, classical.secret_bytes()),
        ))
    }

    /// Lets rustls send the classical share too and reuse it if the server picks the curve alone.
    fn hybrid_component(&self) -> Option<(NamedGroup, &[u8])> {
        Some((self.classical.group(), self.classical.pub_key()))
    }

    fn complete_hybrid_component(
        self: Box<Self>,
        peer_pub_key: &[u8],
    ) -> Result<SharedSecret, Error> {
        self.classical.complete(peer_pub_key)
    }

    fn pub_key(&self) -> &[u8] {
        &self.share
    }

    fn ffdhe_group(&self) -> Option<FfdheGroup<'static>> {
        None
    }

    fn group(&self) -> NamedGroup {
        self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(group: &'static dyn SupportedKxGroup, layout: HybridLayout) {
        let client = group.start().unwrap();
        assert_eq!(
            client.pub_key().len(),
            layout.share_len(ShareSender::Client)
        );
        let (name, classical) = client.hybrid_component().unwrap();
        assert_eq!(u16::from(name), layout.classical_group);
        // The classical share inside the hybrid share is the one offered on its own.
        let (_, inner) = layout.split(client.pub_key(), ShareSender::Client).unwrap();
        assert_eq!(inner, classical);

        let server = group.start_and_complete(client.pub_key()).unwrap();
        assert_eq!(server.group, group.name());
        assert_eq!(server.pub_key.len(), layout.share_len(ShareSender::Server));
        let client_secret = client.complete(&server.pub_key).unwrap();
        assert_eq!(
            client_secret.secret_bytes().len(),
            32 + if layout.classical_len == 97 { 48 } else { 32 }
        );
        assert_eq!(
            client_secret.secret_bytes(),
            server.secret.secret_bytes(),
            "client and server derive the same hybrid secret"
        );
    }

    #[test]
    fn x25519mlkem768_client_and_server_agree() {
        roundtrip(X25519MLKEM768, hybrid::X25519MLKEM768);
    }

    #[test]
    fn secp256r1mlkem768_client_and_server_agree() {
        roundtrip(SECP256R1MLKEM768, hybrid::SECP256R1MLKEM768);
    }

    /// Known answers from OpenSSL 3.5 (testdata/pq/mlkem-kat.json, made by
    /// scripts/gen-mlkem-kat.js), for both parameter sets: the same seed gives the same
    /// encapsulation key, and decapsulating OpenSSL's ciphertext gives OpenSSL's shared secret.
    #[test]
    fn mlkem_matches_openssl_known_answers() {
        let kat: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/pq/mlkem-kat.json")).unwrap();
        let seed: [u8; 64] = hex::decode(kat["seed"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        for (kem, name, ek_len, ct_len) in [
            (Kem::MlKem768, "ML-KEM-768", 1184, 1088),
            (Kem::MlKem1024, "ML-KEM-1024", 1568, 1568),
        ] {
            let field = |k: &str| hex::decode(kat[name][k].as_str().unwrap()).unwrap();
            let (dk, ek) = kem.keypair(&seed);
            assert_eq!(ek.len(), ek_len, "{name}");
            assert_eq!(ek, field("encapsulation_key"), "{name}");
            let ct = field("ciphertext");
            assert_eq!(ct.len(), ct_len, "{name}");
            let ss = dk.decapsulate(&ct).unwrap();
            assert_eq!(ss.to_vec(), field("shared_secret"), "{name}");
            // A flipped ciphertext bit gives another (implicitly rejected) secret, not an error.
            let mut bad = ct.clone();
            bad[0] ^= 1;
            assert_ne!(dk.decapsulate(&bad).unwrap(), ss, "{name}");
            // A ciphertext of the wrong length is refused.
            assert_eq!(dk.decapsulate(&ct[1..]), None, "{name}");
            // Our encapsulation to OpenSSL's key decapsulates to the same secret.
            let (ct2, ss2) = kem.encapsulate(&ek, &[42u8; 32]).unwrap();
            assert_eq!(ct2.len(), ct_len, "{name}");
            assert_eq!(dk.decapsulate(&ct2), Some(ss2), "{name}");
        }
    }

    #[test]
    fn secp384r1mlkem1024_client_and_server_agree() {
        roundtrip(SECP384R1MLKEM1024, hybrid::SECP384R1MLKEM1024);
    }

    #[test]
    fn hybrid_groups_are_tls13_only() {
        for g in [X25519MLKEM768, SECP256R1MLKEM768, SECP384R1MLKEM1024] {
            assert!(g.usable_for_version(ProtocolVersion::TLSv1_3));
            assert!(!g.usable_for_version(ProtocolVersion::TLSv1_2));
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Whatever a server sends back (any length, exact-length garbage included), completing
        /// the key exchange returns a result, never a panic.
        #[test]
        fn arbitrary_server_shares_never_panic(
            len in proptest::prop_oneof![0usize..2000, proptest::strategy::Just(1120), proptest::strategy::Just(1153)],
            seed in proptest::prelude::any::<u64>(),
            group in 0usize..3,
        ) {
            let g = [X25519MLKEM768, SECP256R1MLKEM768, SECP384R1MLKEM1024][group];
            let bytes: Vec<u8> = (0..len).map(|i| (seed.wrapping_mul(i as u64 + 1) >> 13) as u8).collect();
            let _ = g.start().unwrap().complete(&bytes);
            // The server side: any client share.
            let _ = g.start_and_complete(&bytes);
        }
    }

    #[test]
    fn malformed_shares_are_rejected() {
        // Wrong length, either side.
        assert!(X25519MLKEM768.start_and_complete(&[0u8; 1215]).is_err());
        let client = X25519MLKEM768.start().unwrap();
        assert!(client.complete(&[0u8; 1121]).is_err());
        // An encapsulation key whose coefficients exceed q fails FIPS 203's modulus check.
        let mut share = vec![0xFFu8; hybrid::X25519MLKEM768.kem_client_len];
        share.extend_from_slice(&[9u8; 32]);
        assert!(X25519MLKEM768.start_and_complete(&share).is_err());
    }
}
