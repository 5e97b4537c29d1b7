//! Session secrets in the NSS key-log format (the `SSLKEYLOGFILE` format Wireshark reads):
//! `LABEL <client_random hex> <secret hex>` per line.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::CaptureError;

/// One key-log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLogEntry {
    /// NSS label, e.g. `CLIENT_HANDSHAKE_TRAFFIC_SECRET` or `CLIENT_RANDOM`.
    pub label: String,
    /// The 32-byte ClientHello.random identifying the session.
    pub client_random: Vec<u8>,
    /// The secret.
    pub secret: Vec<u8>,
}

/// Secrets keyed by (client_random, label).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLogSecrets {
    map: BTreeMap<(Vec<u8>, String), Vec<u8>>,
}

impl KeyLogSecrets {
    /// Adds a secret (a later line for the same key replaces an earlier one).
    pub fn insert(&mut self, entry: KeyLogEntry) {
        self.map
            .insert((entry.client_random, entry.label), entry.secret);
    }

    /// The secret for `label` of the session whose ClientHello.random is `client_random`.
    pub fn get(&self, client_random: &[u8], label: &str) -> Option<&[u8]> {
        self.map
            .get(&(client_random.to_vec(), label.to_string()))
            .map(Vec::as_slice)
    }

    /// Whether any secret exists for this session.
    pub fn has_session(&self, client_random: &[u8]) -> bool {
        self.map.keys().any(|(cr, _)| cr == client_random)
    }

    /// All entries, ordered by client random then label.
    pub fn entries(&self) -> impl Iterator<Item = KeyLogEntry> + '_ {
        self.map.iter().map(|((cr, label), secret)| KeyLogEntry {
            label: label.clone(),
            client_random: cr.clone(),
            secret: secret.clone(),
        })
    }

    /// Number of secrets.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Parses NSS key-log text; comments (`#`) and blank lines are skipped. `path` names the
    /// source in errors.
    pub fn parse(text: &str, path: &str) -> Result<Self, CaptureError> {
        let mut out = Self::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |reason: &str| CaptureError::BadKeyLog {
                path: path.to_string(),
                line: i + 1,
                reason: reason.to_string(),
            };
            let mut parts = line.split_ascii_whitespace();
            let (Some(label), Some(cr), Some(secret), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad("expected three fields: LABEL CLIENT_RANDOM SECRET"));
            };
            let client_random = hex::decode(cr).map_err(|_| bad("client random is not hex"))?;
            if client_random.len() != 32 {
                return Err(bad("client random is not 32 bytes"));
            }
            let secret = hex::decode(secret).map_err(|_| bad("secret is not hex"))?;
            out.insert(KeyLogEntry {
                label: label.to_string(),
                client_random,
                secret,
            });
        }
        Ok(out)
    }

    /// Reads an NSS key-log file.
    pub fn load(path: &std::path::Path) -> Result<Self, CaptureError> {
        let text = std::fs::read_to_string(path).map_err(|source| CaptureError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Renders NSS key-log text.
    pub fn to_nss(&self) -> String {
        let mut s = String::new();
        for e in self.entries() {
            s.push_str(&format!(
                "{} {} {}\n",
                e.label,
                hex::encode(&e.client_random),
                hex::encode(&e.secret)
            ));
        }
        s
    }
}

/// A `rustls::KeyLog` that keeps the secrets of the connections it is installed on.
#[derive(Debug, Default)]
pub struct RecordingKeyLog {
    secrets: Mutex<KeyLogSecrets>,
}

impl RecordingKeyLog {
    /// A copy of the secrets logged so far.
    pub fn secrets(&self) -> KeyLogSecrets {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

impl rustls::KeyLog for RecordingKeyLog {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        self.secrets
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(KeyLogEntry {
                label: label.to_string(),
                client_random: client_random.to_vec(),
                secret: secret.to_vec(),
            });
    }

    fn will_log(&self, _label: &str) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders_nss_lines() {
        let cr = "ab".repeat(32);
        let text = format!("# comment\n\nCLIENT_RANDOM {cr} {}\n", "11".repeat(48));
        let s = KeyLogSecrets::parse(&text, "k").unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(
            s.get(&[0xab; 32], "CLIENT_RANDOM").unwrap(),
            &[0x11; 48][..]
        );
        assert_eq!(KeyLogSecrets::parse(&s.to_nss(), "k").unwrap(), s);
    }

    #[test]
    fn rejects_malformed_lines_with_their_number() {
        let e = KeyLogSecrets::parse("CLIENT_RANDOM zz 11\n", "f").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f:1: not an NSS key-log line: client random is not hex"
        );
        let e = KeyLogSecrets::parse("\nONLY_TWO a\n", "f").unwrap_err();
        assert!(e.to_string().starts_with("f:2:"));
    }
}
