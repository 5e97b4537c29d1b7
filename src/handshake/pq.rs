//! Post-quantum hybrid key exchange for the ring provider: X25519MLKEM768 (0x11EC),
//! SecP256r1MLKEM768 (0x11EB) and SecP384r1MLKEM1024 (0x11ED) from draft-ietf-tls-ecdhe-mlkem,
//! built from aws-lc's ML-KEM (FIPS 203) and X25519 ([`X25519`]) and ring's P-256 / P-384
//! through rustls' public `SupportedKxGroup` / `ActiveKeyExchange` traits, so ring stays the
//! provider for everything else.
//!
//! Layout (draft-ietf-tls-ecdhe-mlkem §"Construction"): X25519MLKEM768 puts ML-KEM first in the
//! shares and the secret (client: encapsulation key 1184 ‖ x25519 32; server: ciphertext 1088 ‖
//! x25519 32; secret: ML-KEM ‖ X25519). SecP256r1MLKEM768 puts the curve first (65 ‖ 1184,
//! 65 ‖ 1088, ECDH ‖ ML-KEM), so that the FIPS-approved part leads for SP 800-56C; so does
//! SecP384r1MLKEM1024 (97 ‖ 1568 both ways). The table is [`crate::wire::hybrid`].

use aws_lc_rs::kem;
use rustls::crypto::{ActiveKeyExchange, CompletedKeyExchange, SharedSecret, SupportedKxGroup};
use rustls::ffdhe_groups::FfdheGroup;
use rustls::{Error, NamedGroup, PeerMisbehaved, ProtocolVersion};

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

/// A decapsulation key: aws-lc's, which wipes it when freed (`OPENSSL_free` cleanses).
type DecapsulationKey = kem::DecapsulationKey<kem::AlgorithmId>;

// ML-KEM is aws-lc's (mlkem-native, with CBMC proofs of its C and HOL Light proofs of its
// x86-64 and AArch64 arithmetic; it checks an encapsulation key's modulus on import): a
// scan pays key generation and decapsulation on every TLS 1.3 handshake. On this project's
// 2-core test machine key generation, encapsulation and decapsulation together took 60-76 µs
// in aws-lc, 102-107 µs in libcrux, 423-464 µs in RustCrypto's `ml-kem`.
impl Kem {
    fn algorithm(self) -> &'static kem::Algorithm<kem::AlgorithmId> {
        match self {
            Self::MlKem768 => &kem::ML_KEM_768,
            Self::MlKem1024 => &kem::ML_KEM_1024,
        }
    }

    /// A fresh key pair: (decapsulation key, encoded encapsulation key).
    fn keypair(self) -> Result<(DecapsulationKey, Vec<u8>), Error> {
        let failed = || Error::General("ML-KEM key generation failed".into());
        let dk = kem::DecapsulationKey::generate(self.algorithm()).map_err(|_| failed())?;
        let ek = dk
            .encapsulation_key()
            .and_then(|ek| ek.key_bytes())
            .map_err(|_| failed())?
            .as_ref()
            .to_vec();
        Ok((dk, ek))
    }

    /// Encapsulates to a peer's encapsulation key: (ciphertext, shared secret). `None` for a
    /// key of the wrong length or one failing FIPS 203 §7.2's modulus check, which the draft
    /// requires servers to reject (aws-lc checks both: `mlk_kem_check_pk`).
    fn encapsulate(self, ek: &[u8]) -> Option<(Vec<u8>, kem::SharedSecret)> {
        let ek = kem::EncapsulationKey::new(self.algorithm(), ek).ok()?;
        let (ct, ss) = ek.encapsulate().ok()?;
        Some((ct.as_ref().to_vec(), ss))
    }

    /// The shared secret in a ciphertext; `None` unless it has the parameter set's exact
    /// length. (A well-sized but forged ciphertext yields an unrelated secret: implicit
    /// rejection.)
    fn decapsulate(self, dk: &DecapsulationKey, ct: &[u8]) -> Option<kem::SharedSecret> {
        let len = match self {
            Self::MlKem768 => 1088,
            Self::MlKem1024 => 1568,
        };
        if ct.len() != len {
            return None;
        }
        dk.decapsulate(kem::Ciphertext::from(ct)).ok()
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

impl SupportedKxGroup for Hybrid {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        let classical = self.classical.start()?;
        let (dk, ek) = self.kem.keypair()?;
        let share = self.layout.join(&ek, classical.pub_key());
        Ok(Box::new(ActiveHybrid {
            name: self.name,
            kem: self.kem,
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
        let (ct, pq_secret) = self.kem.encapsulate(ek).ok_or_else(invalid_share)?;
        let classical = self.classical.start_and_complete(classical_share)?;
        Ok(CompletedKeyExchange {
            group: self.name,
            pub_key: self.layout.join(&ct, &classical.pub_key),
            secret: SharedSecret::from(
                self.layout
                    .join(pq_secret.as_ref(), classical.secret.secret_bytes()),
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
    kem: Kem,
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
        let pq_secret = self
            .kem
            .decapsulate(&self.dk, ct)
            .ok_or_else(invalid_share)?;
        let classical = self.classical.complete(classical_share)?;
        Ok(SharedSecret::from(
            self.layout
                .join(pq_secret.as_ref(), classical.secret_bytes()),
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

    /// OpenSSL's key pair for `seed`, expanded by libcrux (aws-lc has no seeded key
    /// generation): (FIPS 203 decapsulation key as aws-lc takes it, encapsulation key).
    fn expand(kem: Kem, seed: [u8; 64]) -> (DecapsulationKey, Vec<u8>) {
        use libcrux_ml_kem::{mlkem768, mlkem1024};
        let (dk, ek) = match kem {
            Kem::MlKem768 => {
                let (dk, ek) = mlkem768::generate_key_pair(seed).into_parts();
                (dk.as_ref().to_vec(), ek.as_ref().to_vec())
            }
            Kem::MlKem1024 => {
                let (dk, ek) = mlkem1024::generate_key_pair(seed).into_parts();
                (dk.as_ref().to_vec(), ek.as_ref().to_vec())
            }
        };
        (
            kem::DecapsulationKey::new(kem.algorithm(), &dk).expect("FIPS 203 key"),
            ek,
        )
    }

    /// Known answers from OpenSSL 3.5 (testdata/pq/mlkem-kat.json, made by
    /// scripts/gen-mlkem-kat.js), for both parameter sets: the seed's key (libcrux expands it)
    /// is OpenSSL's, aws-lc decapsulates OpenSSL's ciphertext to OpenSSL's shared secret, and
    /// aws-lc's encapsulation to OpenSSL's key decapsulates to aws-lc's secret.
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
            let (dk, ek) = expand(kem, seed);
            assert_eq!(ek.len(), ek_len, "{name}");
            assert_eq!(ek, field("encapsulation_key"), "{name}");
            let ct = field("ciphertext");
            assert_eq!(ct.len(), ct_len, "{name}");
            let ss = kem.decapsulate(&dk, &ct).unwrap();
            assert_eq!(ss.as_ref(), field("shared_secret"), "{name}");
            // A flipped ciphertext bit gives another (implicitly rejected) secret, not an error.
            let mut bad = ct.clone();
            bad[0] ^= 1;
            assert_ne!(kem.decapsulate(&dk, &bad).unwrap().as_ref(), ss.as_ref());
            // A ciphertext of the wrong length is refused.
            assert!(kem.decapsulate(&dk, &ct[1..]).is_none(), "{name}");
            // Our encapsulation to OpenSSL's key decapsulates to the same secret.
            let (ct2, ss2) = kem.encapsulate(&ek).unwrap();
            assert_eq!(ct2.len(), ct_len, "{name}");
            assert_eq!(
                kem.decapsulate(&dk, &ct2).unwrap().as_ref(),
                ss2.as_ref(),
                "{name}"
            );
            // A fresh key pair of ours works with itself and has the parameter set's sizes.
            let (dk3, ek3) = kem.keypair().unwrap();
            assert_eq!(ek3.len(), ek_len, "{name}");
            let (ct3, ss3) = kem.encapsulate(&ek3).unwrap();
            assert_eq!(kem.decapsulate(&dk3, &ct3).unwrap().as_ref(), ss3.as_ref());
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
