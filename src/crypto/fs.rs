//! The forward-secrecy experiment as a pure function: given a recorded TLS session and the
//! server's long-term RSA private key — nothing else — show what the key exchange put on the
//! wire and try to decrypt the session. RSA key transport falls (the pre-master secret is in the
//! recording, encrypted to that key); ECDHE does not (the key only signed the server's ephemeral
//! share). The account is the `--json` model of `tlsight fs-demo` and `tlsight decrypt`.

use rsa::PrivateKey;
use serde::Serialize;

use super::kx::{KeyExchangeView, key_exchange_view};
use super::rsa_kx::{ClientKeyExchange, RsaRecovery, recover};
use super::session::{DecryptedSession, FinishedCheck, cleartext_handshake, decrypt_session};
use super::suite::KeyExchange;
use super::{CryptoError, suite_name};
use crate::capture::{Direction, KeyLogSecrets, Transcript};

/// What the ClientKeyExchange carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientKeyExchangeAccount {
    /// `rsa_encrypted_pre_master_secret` or `ephemeral_public_key`.
    pub contents: &'static str,
    /// Length in bytes.
    pub length: usize,
    /// The bytes, hex.
    pub hex: String,
}

/// An ECDHE ServerKeyExchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerKeyExchangeAccount {
    /// NamedGroup code point.
    pub group: u16,
    /// Its name.
    pub group_name: String,
    /// The server's ephemeral public key, hex.
    pub public_key: String,
    /// SignatureScheme code point.
    pub signature_scheme: u16,
    /// Its name.
    pub signature_scheme_name: String,
    /// Whether the certificate's (long-term) key signed the parameters.
    pub signed_by_certificate_key: bool,
    /// Why the signature did not verify, if it did not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_error: Option<String>,
}

/// The key exchange as a passive observer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyExchangeAccount {
    /// "RSA key transport", "ECDHE", ...
    pub method: String,
    /// Whether the extended master secret (RFC 7627) was negotiated.
    pub extended_master_secret: bool,
    /// The server certificate's public key, e.g. "RSA 2048-bit".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_key: Option<String>,
    /// ECDHE parameters signed by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_key_exchange: Option<ServerKeyExchangeAccount>,
    /// The ClientKeyExchange.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_key_exchange: Option<ClientKeyExchangeAccount>,
}

/// What the private key recovered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoveryAccount {
    /// The pre-master secret, hex (0303 ‖ 46 random bytes).
    pub pre_master_secret: String,
    /// RFC 7627 session hash, hex, when the extended master secret was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_hash: Option<String>,
    /// The master secret, hex.
    pub master_secret: String,
}

impl From<&RsaRecovery> for RecoveryAccount {
    fn from(r: &RsaRecovery) -> Self {
        Self {
            pre_master_secret: hex::encode(&r.pre_master),
            session_hash: r.session_hash.as_ref().map(hex::encode),
            master_secret: hex::encode(&r.master_secret),
        }
    }
}

/// Application data both ways, as text (invalid UTF-8 replaced).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plaintext {
    /// What the client sent.
    pub client: String,
    /// What the server sent.
    pub server: String,
}

impl Plaintext {
    /// The application data of a decrypted session.
    pub fn of(s: &DecryptedSession) -> Self {
        Self {
            client: String::from_utf8_lossy(&s.application_data(Direction::ClientToServer))
                .into_owned(),
            server: String::from_utf8_lossy(&s.application_data(Direction::ServerToClient))
                .into_owned(),
        }
    }
}

/// One session of the experiment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionAccount {
    /// Cipher suite (IANA name).
    pub cipher_suite: String,
    /// Its code point.
    pub cipher_suite_code: u16,
    /// What the key exchange put on the wire.
    pub key_exchange: KeyExchangeAccount,
    /// Whether the private key decrypted the session (both Finished verified).
    pub decrypted: bool,
    /// Secrets recovered with the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered: Option<RecoveryAccount>,
    /// Finished checks with the recovered keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finished: Vec<FinishedCheck>,
    /// The application data, when decrypted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plaintext: Option<Plaintext>,
    /// Why the session could not be decrypted, when it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Describes the key exchange of a recorded TLS 1.2 session.
pub fn describe_key_exchange(t: &Transcript) -> Result<KeyExchangeAccount, CryptoError> {
    let clear = cleartext_handshake(t)?;
    let view = key_exchange_view(&clear)?;
    Ok(account_of(&view, clear.hellos.extended_master_secret))
}

fn account_of(v: &KeyExchangeView, ems: bool) -> KeyExchangeAccount {
    let method = match v.suite.kx {
        KeyExchange::Rsa => "RSA key transport",
        KeyExchange::Ecdhe => "ECDHE",
        KeyExchange::Dhe => "DHE",
        KeyExchange::DhAnon => "anonymous DH",
        KeyExchange::EcdhAnon => "anonymous ECDH",
        KeyExchange::Tls13 => "TLS 1.3 (EC)DHE",
    }
    .to_string();
    let certificate_key = v.server_certificate.as_deref().and_then(certificate_key);
    let server_key_exchange = v.server_params.as_ref().map(|p| {
        let sig = v.server_params_signature.clone().unwrap_or(Ok(()));
        ServerKeyExchangeAccount {
            group: p.group,
            group_name: group_name(p.group),
            public_key: hex::encode(&p.public),
            signature_scheme: p.scheme,
            signature_scheme_name: scheme_name(p.scheme),
            signed_by_certificate_key: sig.is_ok(),
            signature_error: sig.err(),
        }
    });
    let client_key_exchange = v.client.as_ref().map(|c| match c {
        ClientKeyExchange::RsaEncrypted(b) => ClientKeyExchangeAccount {
            contents: "rsa_encrypted_pre_master_secret",
            length: b.len(),
            hex: hex::encode(b),
        },
        ClientKeyExchange::EphemeralPublic(b) => ClientKeyExchangeAccount {
            contents: "ephemeral_public_key",
            length: b.len(),
            hex: hex::encode(b),
        },
    });
    KeyExchangeAccount {
        method,
        extended_master_secret: ems,
        certificate_key,
        server_key_exchange,
        client_key_exchange,
    }
}

/// Tries to decrypt a recorded session with the server's private key alone.
pub fn attack(t: &Transcript, key: &PrivateKey) -> Result<SessionAccount, CryptoError> {
    let clear = cleartext_handshake(t)?;
    let code = clear.hellos.cipher_suite;
    let view = key_exchange_view(&clear)?;
    let mut out = SessionAccount {
        cipher_suite: suite_name(code),
        cipher_suite_code: code,
        key_exchange: account_of(&view, clear.hellos.extended_master_secret),
        decrypted: false,
        recovered: None,
        finished: Vec::new(),
        plaintext: None,
        reason: None,
    };
    let rec = match recover(t, key) {
        Ok(r) => r,
        Err(e) => {
            out.reason = Some(e.to_string());
            return Ok(out);
        }
    };
    out.recovered = Some(RecoveryAccount::from(&rec));
    let s = decrypt_session(t, &rec.secrets)?;
    out.finished = s.finished.clone();
    if s.fully_verified() {
        out.decrypted = true;
        out.plaintext = Some(Plaintext::of(&s));
    } else {
        out.reason = Some(
            "the Finished messages did not verify with the recovered keys: wrong private key"
                .into(),
        );
    }
    Ok(out)
}

/// Decrypts with a key log, for the contrast: the ends of the connection knew the secret.
pub fn decrypts_with(t: &Transcript, secrets: &KeyLogSecrets) -> bool {
    decrypt_session(t, secrets).is_ok_and(|s| s.fully_verified())
}

/// "RSA 2048-bit", "EC P-256", ... for a certificate.
pub fn certificate_key(der: &[u8]) -> Option<String> {
    use x509_parser::public_key::PublicKey;
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    Some(match cert.public_key().parsed().ok()? {
        PublicKey::RSA(k) => format!("RSA {}-bit", k.key_size()),
        PublicKey::EC(p) => format!("EC {}-bit", p.key_size()),
        _ => "other".to_string(),
    })
}

/// Name of a NamedGroup used by ECDHE.
pub fn group_name(g: u16) -> String {
    match g {
        0x0017 => "secp256r1".into(),
        0x0018 => "secp384r1".into(),
        0x0019 => "secp521r1".into(),
        0x001D => "x25519".into(),
        0x001E => "x448".into(),
        _ => format!("0x{g:04X}"),
    }
}

/// Name of a SignatureScheme.
pub fn scheme_name(s: u16) -> String {
    match s {
        0x0401 => "rsa_pkcs1_sha256".into(),
        0x0501 => "rsa_pkcs1_sha384".into(),
        0x0601 => "rsa_pkcs1_sha512".into(),
        0x0804 => "rsa_pss_rsae_sha256".into(),
        0x0805 => "rsa_pss_rsae_sha384".into(),
        0x0806 => "rsa_pss_rsae_sha512".into(),
        0x0403 => "ecdsa_secp256r1_sha256".into(),
        0x0503 => "ecdsa_secp384r1_sha384".into(),
        0x0807 => "ed25519".into(),
        _ => format!("0x{s:04X}"),
    }
}
