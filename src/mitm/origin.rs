//! Where an operating-system trust anchor came from. rustls-native-certs reads only
//! SSL_CERT_FILE / SSL_CERT_DIR when either is set, else the distribution bundle; on Debian that
//! bundle is built by update-ca-certificates from /usr/share/ca-certificates (shipped by the
//! distribution) plus /usr/local/share/ca-certificates (added on this machine). Finding the
//! anchor's key in one of those trees tells a distribution root from a locally added one.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Where to look; [`Default`] is the Debian layout and the process environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreLayout {
    /// SSL_CERT_FILE, when set.
    pub ssl_cert_file: Option<PathBuf>,
    /// SSL_CERT_DIR, when set.
    pub ssl_cert_dir: Option<PathBuf>,
    /// Certificates added by the machine's administrator.
    pub local_dirs: Vec<PathBuf>,
    /// Certificates shipped by the distribution.
    pub distro_dirs: Vec<PathBuf>,
}

impl Default for StoreLayout {
    fn default() -> Self {
        Self {
            ssl_cert_file: std::env::var_os("SSL_CERT_FILE").map(PathBuf::from),
            ssl_cert_dir: std::env::var_os("SSL_CERT_DIR").map(PathBuf::from),
            local_dirs: vec![PathBuf::from("/usr/local/share/ca-certificates")],
            distro_dirs: vec![PathBuf::from("/usr/share/ca-certificates")],
        }
    }
}

/// The kind of origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginKind {
    /// Read from SSL_CERT_FILE / SSL_CERT_DIR.
    Environment,
    /// Added by this machine's administrator (/usr/local/share/ca-certificates).
    Local,
    /// Shipped by the distribution (/usr/share/ca-certificates).
    Distribution,
    /// In the OS bundle but in none of the known trees.
    Unknown,
}

/// Where the OS anchor came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorOrigin {
    /// Kind.
    pub kind: OriginKind,
    /// The file holding the anchor, when found.
    pub path: Option<String>,
    /// One line for people.
    pub detail: String,
}

/// Upper bound on files read per tree (a store has a few hundred).
const MAX_FILES: usize = 5000;

/// Classifies the OS anchor whose SPKI hash (base64 SHA-256) is `spki_sha256`.
pub fn classify(spki_sha256: &str, layout: &StoreLayout) -> AnchorOrigin {
    if layout.ssl_cert_file.is_some() || layout.ssl_cert_dir.is_some() {
        if let Some(f) = &layout.ssl_cert_file
            && file_has(f, spki_sha256)
        {
            // A bundle built by update-ca-certificates: find which tree the root came from.
            if let Some(o) = search_trees(spki_sha256, layout) {
                return o;
            }
            return AnchorOrigin {
                kind: OriginKind::Environment,
                path: Some(f.display().to_string()),
                detail: format!(
                    "read from SSL_CERT_FILE={} (set in the environment; it replaces the system bundle)",
                    f.display()
                ),
            };
        }
        if let Some(d) = &layout.ssl_cert_dir
            && let Some(p) = find_in(d, spki_sha256)
        {
            // /etc/ssl/certs holds symlinks into the distribution and local trees: follow them.
            let real = std::fs::canonicalize(&p).unwrap_or_else(|_| p.clone());
            if let Some(o) = in_trees(&real, layout).or_else(|| search_trees(spki_sha256, layout)) {
                return o;
            }
            return AnchorOrigin {
                kind: OriginKind::Environment,
                path: Some(p.display().to_string()),
                detail: format!(
                    "read from SSL_CERT_DIR={}: {} (set in the environment)",
                    d.display(),
                    p.display()
                ),
            };
        }
        return AnchorOrigin {
            kind: OriginKind::Environment,
            path: None,
            detail:
                "the OS store comes from SSL_CERT_FILE / SSL_CERT_DIR (set in the environment); \
                     the anchor's file was not found again"
                    .into(),
        };
    }
    if let Some(o) = search_trees(spki_sha256, layout) {
        return o;
    }
    AnchorOrigin {
        kind: OriginKind::Unknown,
        path: None,
        detail: format!(
            "in the OS bundle but not under {} or {} (added to the bundle by other means)",
            join(&layout.local_dirs),
            join(&layout.distro_dirs)
        ),
    }
}

/// Looks for the key in the local trees, then the distribution's.
fn search_trees(spki_sha256: &str, layout: &StoreLayout) -> Option<AnchorOrigin> {
    for d in &layout.local_dirs {
        if let Some(p) = find_in(d, spki_sha256) {
            return Some(local(&p, d));
        }
    }
    for d in &layout.distro_dirs {
        if let Some(p) = find_in(d, spki_sha256) {
            return Some(distribution(&p));
        }
    }
    None
}

fn local(p: &Path, d: &Path) -> AnchorOrigin {
    AnchorOrigin {
        kind: OriginKind::Local,
        detail: format!(
            "added on this machine: {} (under {}, not shipped by the distribution)",
            p.display(),
            d.display()
        ),
        path: Some(p.display().to_string()),
    }
}

fn distribution(p: &Path) -> AnchorOrigin {
    AnchorOrigin {
        kind: OriginKind::Distribution,
        detail: format!("shipped by the distribution: {}", p.display()),
        path: Some(p.display().to_string()),
    }
}

/// The origin of a resolved file path by the tree it lies in.
fn in_trees(real: &Path, layout: &StoreLayout) -> Option<AnchorOrigin> {
    let canon = |d: &PathBuf| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone());
    if let Some(d) = layout
        .local_dirs
        .iter()
        .find(|d| real.starts_with(canon(d)))
    {
        return Some(local(real, d));
    }
    if layout
        .distro_dirs
        .iter()
        .any(|d| real.starts_with(canon(d)))
    {
        return Some(distribution(real));
    }
    None
}

fn join(v: &[PathBuf]) -> String {
    v.iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn file_has(path: &Path, spki_sha256: &str) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let certs =
        crate::x509::certs_from_bytes(&bytes, &path.display().to_string()).unwrap_or_default();
    certs.iter().any(|c| {
        crate::x509::CertSummary::from_der(c.as_ref()).is_ok_and(|s| s.spki_sha256 == spki_sha256)
    })
}

/// Depth-first search of a tree for a certificate file holding the key.
fn find_in(dir: &Path, spki_sha256: &str) -> Option<PathBuf> {
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            seen += 1;
            if seen > MAX_FILES {
                return None;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "crt" | "pem" | "cer"))
                && file_has(&p, spki_sha256)
            {
                return Some(p);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_local_from_distribution_and_environment() {
        let tmp = tempfile::tempdir().unwrap();
        let local = tmp.path().join("local");
        let distro = tmp.path().join("distro/mozilla");
        std::fs::create_dir_all(&local).unwrap();
        std::fs::create_dir_all(&distro).unwrap();
        let root = crate::handshake::server::TEST_ROOT_PEM;
        let spki = {
            let c = crate::x509::certs_from_bytes(root, "root").unwrap();
            crate::x509::CertSummary::from_der(c[0].as_ref())
                .unwrap()
                .spki_sha256
        };
        std::fs::write(distro.join("root.crt"), root).unwrap();
        let mut layout = StoreLayout {
            ssl_cert_file: None,
            ssl_cert_dir: None,
            local_dirs: vec![local.clone()],
            distro_dirs: vec![tmp.path().join("distro")],
        };
        assert_eq!(classify(&spki, &layout).kind, OriginKind::Distribution);
        std::fs::write(local.join("corp.crt"), root).unwrap();
        let o = classify(&spki, &layout);
        assert_eq!(o.kind, OriginKind::Local);
        assert!(o.path.unwrap().ends_with("corp.crt"));
        assert_eq!(classify("nope", &layout).kind, OriginKind::Unknown);
        // SSL_CERT_DIR=/etc/ssl/certs style: symlinks are followed into the trees.
        let etc = tmp.path().join("etc");
        std::fs::create_dir_all(&etc).unwrap();
        std::os::unix::fs::symlink(local.join("corp.crt"), etc.join("corp.pem")).unwrap();
        std::fs::remove_file(distro.join("root.crt")).unwrap();
        layout.ssl_cert_dir = Some(etc.clone());
        assert_eq!(classify(&spki, &layout).kind, OriginKind::Local);
        // SSL_CERT_FILE = a bundle holding a root from the local tree: still "local".
        let bundle = tmp.path().join("bundle.crt");
        std::fs::write(&bundle, root).unwrap();
        layout.ssl_cert_file = Some(bundle.clone());
        assert_eq!(classify(&spki, &layout).kind, OriginKind::Local);
        // A root that only the environment file has.
        std::fs::remove_file(local.join("corp.crt")).unwrap();
        let o = classify(&spki, &layout);
        assert_eq!(o.kind, OriginKind::Environment);
        assert!(o.detail.contains("SSL_CERT_FILE="), "{}", o.detail);
        // Only SSL_CERT_DIR, with a plain file of its own.
        layout.ssl_cert_file = None;
        std::fs::remove_file(etc.join("corp.pem")).unwrap();
        std::fs::write(etc.join("own.pem"), root).unwrap();
        let o = classify(&spki, &layout);
        assert_eq!(o.kind, OriginKind::Environment);
        assert!(o.detail.contains("SSL_CERT_DIR="), "{}", o.detail);
    }
}
