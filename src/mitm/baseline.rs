//! Trust on first use: a JSON file that remembers, per `host:port`, the keys and issuer of the
//! chain and the server hello's fingerprint, so a later change can be flagged (`--baseline`,
//! `--remember`). Comparison is pure; reading and writing are explicit.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::MitmError;

/// What was seen for one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// SHA-256 of the leaf's SPKI, base64.
    pub leaf_spki_sha256: String,
    /// The leaf's issuer DN.
    pub issuer: String,
    /// SPKI hashes of every certificate sent, leaf first.
    #[serde(default)]
    pub chain_spki_sha256: Vec<String>,
    /// JA3S of the ServerHello.
    #[serde(default)]
    pub ja3s: Option<String>,
    /// Negotiated version.
    #[serde(default)]
    pub version: Option<String>,
    /// Negotiated cipher suite.
    #[serde(default)]
    pub cipher_suite: Option<String>,
    /// When first recorded (Unix seconds).
    #[serde(default)]
    pub first_seen_unix: i64,
    /// When last confirmed (Unix seconds).
    #[serde(default)]
    pub last_seen_unix: i64,
}

/// The file: entries by `host:port`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineFile {
    /// Format version (1).
    pub version: u32,
    /// Entries.
    pub hosts: BTreeMap<String, BaselineEntry>,
}

impl BaselineFile {
    /// Reads a file; a missing file is an empty baseline only when `missing_ok`.
    pub fn load(path: &Path, missing_ok: bool) -> Result<Self, MitmError> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| MitmError::Baseline {
                path: path.display().to_string(),
                detail: format!("not a tlsight baseline (JSON with \"hosts\"): {e}"),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && missing_ok => Ok(Self {
                version: 1,
                hosts: BTreeMap::new(),
            }),
            Err(e) => Err(MitmError::Baseline {
                path: path.display().to_string(),
                detail: format!("cannot read: {e}"),
            }),
        }
    }

    /// Writes the file atomically (temporary file + rename), creating the directory.
    pub fn save(&self, path: &Path) -> Result<(), MitmError> {
        let err = |detail: String| MitmError::Baseline {
            path: path.display().to_string(),
            detail,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| err(format!("cannot create directory: {e}")))?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = crate::report::to_json(self);
        std::fs::write(&tmp, text).map_err(|e| err(format!("cannot write: {e}")))?;
        std::fs::rename(&tmp, path).map_err(|e| err(format!("cannot replace: {e}")))
    }
}

/// The default TOFU store: `$XDG_STATE_HOME/tlsight/mitm-baseline.json`, else
/// `~/.local/state/tlsight/mitm-baseline.json`.
pub fn default_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("tlsight").join("mitm-baseline.json"))
}

/// One field that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// Field name (`leaf_spki_sha256`, `issuer`, `ja3s`, ...).
    pub field: String,
    /// Recorded value.
    pub was: String,
    /// Value now.
    pub now: String,
}

/// The outcome of comparing with the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineStatus {
    /// The baseline has no entry for this host.
    NoEntry,
    /// Same keys, issuer and server hello.
    Match,
    /// Something changed.
    Changed,
}

/// Comparison result, plus what `--remember` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BaselineCheck {
    /// File compared with.
    pub file: Option<String>,
    /// Key in the file.
    pub key: String,
    /// Outcome.
    pub status: BaselineStatus,
    /// What changed.
    pub differences: Vec<Difference>,
    /// The certificate chain changed (leaf key or issuer).
    pub chain_changed: bool,
    /// The server hello changed (JA3S, version or suite).
    pub server_hello_changed: bool,
    /// The recorded entry.
    pub recorded: Option<BaselineEntry>,
    /// `recorded` (new entry), `updated` (last_seen refreshed), `kept` (changed: old entry kept)
    /// or null without `--remember`.
    pub action: Option<String>,
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "-".into())
}

/// Compares what is seen now with the recorded entry.
pub fn compare(key: &str, recorded: Option<&BaselineEntry>, now: &BaselineEntry) -> BaselineCheck {
    let Some(rec) = recorded else {
        return BaselineCheck {
            file: None,
            key: key.to_string(),
            status: BaselineStatus::NoEntry,
            differences: Vec::new(),
            chain_changed: false,
            server_hello_changed: false,
            recorded: None,
            action: None,
        };
    };
    let mut d = Vec::new();
    let mut push = |field: &str, was: String, now: String| {
        if was != now {
            d.push(Difference {
                field: field.into(),
                was,
                now,
            })
        }
    };
    push(
        "leaf_spki_sha256",
        rec.leaf_spki_sha256.clone(),
        now.leaf_spki_sha256.clone(),
    );
    push("issuer", rec.issuer.clone(), now.issuer.clone());
    // Fields absent from an older record are not differences.
    if rec.ja3s.is_some() {
        push("ja3s", opt(&rec.ja3s), opt(&now.ja3s));
    }
    if rec.version.is_some() {
        push("version", opt(&rec.version), opt(&now.version));
    }
    if rec.cipher_suite.is_some() {
        push(
            "cipher_suite",
            opt(&rec.cipher_suite),
            opt(&now.cipher_suite),
        );
    }
    let chain_changed = d
        .iter()
        .any(|x| x.field == "leaf_spki_sha256" || x.field == "issuer");
    let server_hello_changed = d
        .iter()
        .any(|x| matches!(x.field.as_str(), "ja3s" | "version" | "cipher_suite"));
    BaselineCheck {
        file: None,
        key: key.to_string(),
        status: if d.is_empty() {
            BaselineStatus::Match
        } else {
            BaselineStatus::Changed
        },
        differences: d,
        chain_changed,
        server_hello_changed,
        recorded: Some(rec.clone()),
        action: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(spki: &str, ja3s: &str) -> BaselineEntry {
        BaselineEntry {
            leaf_spki_sha256: spki.into(),
            issuer: "CN=A".into(),
            chain_spki_sha256: vec![spki.into()],
            ja3s: Some(ja3s.into()),
            version: Some("TLSv1.3".into()),
            cipher_suite: Some("TLS_AES_128_GCM_SHA256".into()),
            first_seen_unix: 1,
            last_seen_unix: 2,
        }
    }

    #[test]
    fn compare_tells_chain_from_server_hello_changes() {
        let a = entry("k1", "j1");
        assert_eq!(compare("h:1", None, &a).status, BaselineStatus::NoEntry);
        assert_eq!(compare("h:1", Some(&a), &a).status, BaselineStatus::Match);
        let c = compare("h:1", Some(&a), &entry("k2", "j1"));
        assert!(c.chain_changed && !c.server_hello_changed);
        let c = compare("h:1", Some(&a), &entry("k2", "j2"));
        assert!(c.chain_changed && c.server_hello_changed);
        assert_eq!(c.differences.len(), 2);
    }

    #[test]
    fn load_and_save_round_trip_and_errors() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("sub/b.json");
        assert!(BaselineFile::load(&p, false).is_err());
        let mut f = BaselineFile::load(&p, true).unwrap();
        f.hosts.insert("h:1".into(), entry("k", "j"));
        f.save(&p).unwrap();
        assert_eq!(BaselineFile::load(&p, false).unwrap(), f);
        std::fs::write(&p, "not json").unwrap();
        let e = BaselineFile::load(&p, true).unwrap_err().to_string();
        assert!(e.contains("not a tlsight baseline"), "{e}");
    }
}
