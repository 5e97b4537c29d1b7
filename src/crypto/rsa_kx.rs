//! RSA key transport reversed (RFC 5246 §7.4.7.1): with the server's long-term private key, a
//! recorded ClientKeyExchange yields the pre-master secret, then the master secret (with the
//! extended master secret of RFC 7627 when both hellos negotiated it), as a `CLIENT_RANDOM`
//! key-log line that [`super::decrypt_session`] consumes. This is exactly what forward secrecy
//! prevents: for (EC)DHE suites the ClientKeyExchange holds an ephemeral public key instead, and
//! [`CryptoError::ForwardSecret`] explains why nothing can be recovered.

use rsa::PrivateKey;
use rsa::traits::PublicKeyParts;

use super::session::cleartext_handshake;
use super::suite::{KeyExchange, SuiteParams};
use super::{CryptoError, tls12};
use crate::capture::{Direction, KeyLogEntry, KeyLogSecrets, Transcript};
use crate::wire::{HandshakeType, ProtocolVersion};

/// Reads an RSA private key from PEM: PKCS#8 (`BEGIN PRIVATE KEY`, OpenSSL 3's default) or
/// PKCS#1 (`BEGIN RSA PRIVATE KEY`). `path` names the source in errors.
pub fn load_private_key(pem: &str, path: &str) -> Result<PrivateKey, CryptoError> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;
    let bad = |reason: String| CryptoError::PrivateKey {
        path: path.to_string(),
        reason,
    };
    if pem.contains("BEGIN RSA PRIVATE KEY") {
        PrivateKey::from_pkcs1_pem(pem).map_err(|e| bad(format!("PKCS#1 PEM: {e}")))
    } else if pem.contains("BEGIN PRIVATE KEY") {
        PrivateKey::from_pkcs8_pem(pem)
            .map_err(|e| bad(format!("PKCS#8 PEM (an RSA key is needed): {e}")))
    } else if pem.contains("BEGIN ENCRYPTED PRIVATE KEY") {
        Err(bad(
            "encrypted PKCS#8 keys are not supported; decrypt it first with `openssl pkey`".into(),
        ))
    } else if pem.contains("BEGIN EC PRIVATE KEY") {
        Err(bad("an EC key cannot decrypt RSA key transport".into()))
    } else {
        Err(bad(
            "no `BEGIN PRIVATE KEY` or `BEGIN RSA PRIVATE KEY` PEM block".into(),
        ))
    }
}

/// Reads an RSA private key PEM file.
pub fn load_private_key_file(path: &std::path::Path) -> Result<PrivateKey, CryptoError> {
    let text = std::fs::read_to_string(path).map_err(|e| CryptoError::PrivateKey {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    load_private_key(&text, &path.display().to_string())
}

/// Everything recovered from one RSA key-transport session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RsaRecovery {
    /// Negotiated suite.
    pub cipher_suite: u16,
    /// ClientHello.random.
    pub client_random: Vec<u8>,
    /// ServerHello.random.
    pub server_random: Vec<u8>,
    /// The ClientKeyExchange ciphertext: the pre-master secret encrypted to the server's key.
    pub encrypted_pre_master: Vec<u8>,
    /// The decrypted pre-master secret: client_version ‖ 46 random bytes.
    pub pre_master: Vec<u8>,
    /// Whether the extended master secret was used.
    pub extended_master_secret: bool,
    /// RFC 7627 session_hash = Hash(ClientHello .. ClientKeyExchange), when used.
    pub session_hash: Option<Vec<u8>>,
    /// The 48-byte master secret.
    pub master_secret: Vec<u8>,
    /// The same as a key log (one `CLIENT_RANDOM` line).
    pub secrets: KeyLogSecrets,
}

/// The key exchange a ClientKeyExchange carries, decoded for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientKeyExchange {
    /// RSA: the encrypted pre-master secret.
    RsaEncrypted(Vec<u8>),
    /// (EC)DHE: the client's ephemeral public value.
    EphemeralPublic(Vec<u8>),
}

/// Decodes a ClientKeyExchange body for the suite's key exchange.
pub fn parse_client_key_exchange(
    kx: KeyExchange,
    body: &[u8],
) -> Result<ClientKeyExchange, CryptoError> {
    let bad = |e: crate::wire::WireError| CryptoError::RsaKx(format!("ClientKeyExchange: {e}"));
    let mut r = crate::wire::Reader::new(body, "ClientKeyExchange");
    let out = match kx {
        KeyExchange::Rsa => ClientKeyExchange::RsaEncrypted(
            r.vec16("EncryptedPreMasterSecret").map_err(bad)?.to_vec(),
        ),
        KeyExchange::Ecdhe | KeyExchange::EcdhAnon => {
            ClientKeyExchange::EphemeralPublic(r.vec8("ECPoint").map_err(bad)?.to_vec())
        }
        KeyExchange::Dhe | KeyExchange::DhAnon | KeyExchange::Tls13 => {
            ClientKeyExchange::EphemeralPublic(r.vec16("dh_Yc").map_err(bad)?.to_vec())
        }
    };
    r.expect_end().map_err(bad)?;
    Ok(out)
}

/// Recovers the master secret of a recorded TLS 1.2 RSA key-transport session from the
/// server's private key, using nothing else than the recording.
pub fn recover(t: &Transcript, key: &PrivateKey) -> Result<RsaRecovery, CryptoError> {
    let clear = cleartext_handshake(t)?;
    let h = &clear.hellos;
    if h.version == ProtocolVersion::TLS13 {
        return Err(CryptoError::NoKeyTransport {
            version: h.version.label(),
        });
    }
    if !matches!(
        h.version,
        ProtocolVersion::TLS10 | ProtocolVersion::TLS11 | ProtocolVersion::TLS12
    ) {
        return Err(CryptoError::UnsupportedVersion(h.version.label()));
    }
    let suite = SuiteParams::lookup(h.cipher_suite)?.for_version(h.version.0);
    let cke_pos = clear
        .messages
        .iter()
        .position(|(d, m)| {
            *d == Direction::ClientToServer && m.typ == HandshakeType::CLIENT_KEY_EXCHANGE
        })
        .ok_or_else(|| {
            // A server that answered the hello with ChangeCipherSpec and no Certificate resumed.
            let full = clear.messages.iter().any(|(d, m)| {
                *d == Direction::ServerToClient && m.typ == HandshakeType::CERTIFICATE
            });
            if !full && clear.server_ccs {
                CryptoError::Resumed
            } else {
                CryptoError::Recording(
                    "no ClientKeyExchange: the handshake did not get that far".into(),
                )
            }
        })?;
    let cke = parse_client_key_exchange(suite.kx, &clear.messages[cke_pos].1.body)?;
    let encrypted = match cke {
        ClientKeyExchange::RsaEncrypted(ct) => ct,
        ClientKeyExchange::EphemeralPublic(p) => {
            return Err(CryptoError::ForwardSecret {
                suite: suite.name.to_string(),
                kx: if suite.kx.is_dh() { "DHE" } else { "ECDHE" },
                public_len: p.len(),
            });
        }
    };
    if encrypted.len() != key.size() {
        return Err(CryptoError::RsaKx(format!(
            "the pre-master secret is encrypted to a {}-bit key, this key is {}-bit: wrong private key",
            encrypted.len() * 8,
            key.size() * 8
        )));
    }
    // rsa 0.10 uses implicit rejection: a wrong key yields a synthetic message, never a padding
    // error (no Bleichenbacher oracle). A right key yields client_version ‖ 46 bytes.
    let pre_master = key
        .decrypt(rsa::Pkcs1v15Encrypt, &encrypted)
        .map_err(|e| CryptoError::RsaKx(format!("RSA decryption failed: {e}")))?;
    let client_version = clear
        .messages
        .iter()
        .find(|(d, m)| *d == Direction::ClientToServer && m.typ == HandshakeType::CLIENT_HELLO)
        .and_then(|(_, m)| m.body.get(..2))
        .unwrap_or_default();
    if pre_master.len() != 48 || pre_master.get(..2) != Some(client_version) {
        return Err(CryptoError::RsaKx(
            "the pre-master secret did not decrypt with this key (no 48-byte secret starting \
             with the client's version): wrong private key"
                .into(),
        ));
    }
    let (master, session_hash) = if h.extended_master_secret {
        let mut handshake = Vec::new();
        for (_, m) in &clear.messages[..=cke_pos] {
            handshake.extend_from_slice(&m.raw);
        }
        let hash = suite.hash.digest(&handshake);
        (
            tls12::extended_master_secret(suite.hash, &pre_master, &hash),
            Some(hash),
        )
    } else {
        (
            tls12::master_secret(suite.hash, &pre_master, &h.client_random, &h.server_random),
            None,
        )
    };
    let mut secrets = KeyLogSecrets::default();
    secrets.insert(KeyLogEntry {
        label: "CLIENT_RANDOM".into(),
        client_random: h.client_random.clone(),
        secret: master.clone(),
    });
    Ok(RsaRecovery {
        cipher_suite: h.cipher_suite,
        client_random: h.client_random.clone(),
        server_random: h.server_random.clone(),
        encrypted_pre_master: encrypted,
        pre_master,
        extended_master_secret: h.extended_master_secret,
        session_hash,
        master_secret: master,
        secrets,
    })
}
