//! `tlsight decrypt` as a library call: a JSON recording, or every TLS connection of a
//! pcap/pcapng capture, decrypted with the server's RSA key, an NSS key log, or the capture's
//! own Decryption Secrets Block. The CLI renders the [`DecryptReport`]s (`report::fsdemo`).

use std::path::PathBuf;

use serde::Serialize;

use super::FsDemoError;
use crate::capture::{KeyLogSecrets, Transcript};
use crate::crypto::fs::{self, Plaintext, RecoveryAccount};
use crate::crypto::{DecryptedSession, decrypt_session, rsa_kx};

/// What to decrypt and with which secret (`key` wins over `keylog`; neither: the capture's
/// embedded key log).
#[derive(Debug, Clone)]
pub struct DecryptOptions {
    /// A recording (docs/recording.md) or a pcap/pcapng capture.
    pub recording: PathBuf,
    /// The server's RSA private key file.
    pub key: Option<PathBuf>,
    /// An NSS key log file.
    pub keylog: Option<PathBuf>,
}

/// The `--json` form of `tlsight decrypt`.
#[derive(Debug, Serialize)]
pub struct DecryptReport {
    /// The recording file.
    pub recording: String,
    /// The recorded connection's target (`host:port`), when the recording names one.
    #[serde(skip)]
    pub connection: Option<String>,
    /// `private_key` or `keylog`.
    pub secret_source: &'static str,
    /// The key exchange (TLS 1.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_exchange: Option<fs::KeyExchangeAccount>,
    /// Secrets recovered with the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovered: Option<RecoveryAccount>,
    /// The decrypted session: every record, handshake message and Finished check.
    pub session: DecryptedSession,
    /// Application data as text.
    pub plaintext: Plaintext,
}

/// Decrypts every connection of the input, one report each, in order.
pub fn decrypt(opts: &DecryptOptions) -> Result<Vec<DecryptReport>, FsDemoError> {
    let name = opts.recording.display().to_string();
    let head = match std::fs::read(&opts.recording) {
        Ok(b) => b,
        Err(e) => return Err(FsDemoError::io(&opts.recording, e)),
    };
    // A capture may hold several connections and carry its own key log (a DSB).
    let (streams, embedded) = if crate::capture::pcap_in::is_capture(&head) {
        match crate::capture::pcap_in::read_capture(&head, &name) {
            Ok(c) => (c.streams, c.secrets),
            Err(e) => return Err(e.into()),
        }
    } else {
        match Transcript::load(&opts.recording) {
            Ok(t) => (vec![t], KeyLogSecrets::default()),
            Err(e) => return Err(e.into()),
        }
    };
    let key = match &opts.key {
        Some(path) => match rsa_kx::load_private_key_file(path) {
            Ok(k) => Some(k),
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    let keylog = match (&opts.key, &opts.keylog) {
        (None, Some(path)) => match KeyLogSecrets::load(path) {
            Ok(s) => Some(s),
            Err(e) => return Err(e.into()),
        },
        (None, None) if !embedded.is_empty() => Some(embedded),
        (None, None) => {
            return Err(FsDemoError::NoSecrets);
        }
        _ => None,
    };
    let source = match (&key, &opts.keylog) {
        (Some(_), _) => "private_key",
        (None, Some(_)) => "keylog",
        (None, None) => "embedded",
    };
    let mut reports = Vec::new();
    for t in &streams {
        let (secrets, recovered) = match (&key, &keylog) {
            (Some(key), _) => match rsa_kx::recover(t, key) {
                Ok(r) => (r.secrets.clone(), Some(RecoveryAccount::from(&r))),
                Err(e) => return Err(e.into()),
            },
            (None, Some(s)) => (s.clone(), None),
            (None, None) => return Err(FsDemoError::NoSecrets),
        };
        let session = decrypt_session(t, &secrets)?;
        if recovered.is_some() && session.finished.iter().any(|f| !f.ok) {
            return Err(FsDemoError::WrongKey);
        }
        reports.push(DecryptReport {
            recording: name.clone(),
            connection: t.target.clone(),
            secret_source: source,
            key_exchange: fs::describe_key_exchange(t)
                .ok()
                .filter(|_| !session_is_13(&session)),
            recovered,
            plaintext: Plaintext::of(&session),
            session,
        });
    }
    Ok(reports)
}

/// Whether the session is TLS 1.3 (no key exchange to describe, no master secret).
pub fn session_is_13(s: &DecryptedSession) -> bool {
    s.version == crate::wire::ProtocolVersion::TLS13
}
