//! Reads the operating system's trust store with the path rules of rustls-native-certs 0.8:
//! SSL_CERT_FILE / SSL_CERT_DIR when either is set, else openssl-probe's locations; directory
//! symlinks resolved, each file read once, certificates de-duplicated.
//!
//! Written here rather than calling `rustls_native_certs::load_native_certs` because
//! rustls-pki-types decodes PEM with a constant-time base64 decoder — right for private keys,
//! needless for public certificates — and that decoding was ~2.3 ms of a 6 ms
//! `tlsight handshake` run (callgrind + hyperfine, Debian bundle of 145 roots).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rustls_pki_types::CertificateDer;

/// Certificates found and problems met.
#[derive(Debug, Default)]
pub struct OsCertificates {
    /// DER certificates, sorted and de-duplicated.
    pub certs: Vec<CertificateDer<'static>>,
    /// Files or blocks that could not be read.
    pub errors: Vec<String>,
}

/// The file and directories to read.
fn paths() -> (Option<PathBuf>, Vec<PathBuf>) {
    let file = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from);
    let dirs: Vec<PathBuf> = std::env::var_os("SSL_CERT_DIR")
        .map(|d| {
            std::env::split_paths(&d)
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        })
        .unwrap_or_default();
    if file.is_some() || !dirs.is_empty() {
        return (file, dirs);
    }
    let probe = openssl_probe::probe();
    (probe.cert_file, probe.cert_dir)
}

/// Loads the store.
pub fn load() -> OsCertificates {
    let (file, dirs) = paths();
    let mut out = OsCertificates::default();
    let mut seen: HashSet<(u64, u64)> = HashSet::new();
    if let Some(f) = &file {
        if let Ok(m) = std::fs::metadata(f) {
            seen.insert(file_id(&m));
        }
        read_pem_file(f, &mut out);
    }
    for dir in &dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                out.errors.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for entry in entries.flatten() {
            let path = entry.path();
            // `openssl rehash` makes symlinks: follow them; skip dangling ones.
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_file() && seen.insert(file_id(&meta)) {
                read_pem_file(&path, &mut out);
            }
        }
    }
    out.certs
        .sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
    out.certs.dedup();
    out
}

#[cfg(unix)]
fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn file_id(m: &std::fs::Metadata) -> (u64, u64) {
    // No inode numbers: every file counts as new (duplicates are removed after decoding).
    (m.len(), 0)
}

fn read_pem_file(path: &Path, out: &mut OsCertificates) {
    match std::fs::read(path) {
        Ok(bytes) => {
            let (certs, errors) = pem_certificates(&bytes);
            out.certs.extend(certs);
            out.errors.extend(
                errors
                    .into_iter()
                    .map(|e| format!("{}: {e}", path.display())),
            );
        }
        Err(e) => out.errors.push(format!("{}: {e}", path.display())),
    }
}

const BEGIN: &[u8] = b"-----BEGIN CERTIFICATE-----";
const END: &[u8] = b"-----END CERTIFICATE-----";

/// Every `CERTIFICATE` block of a PEM text (other labels and text between blocks are ignored,
/// as OpenSSL does). memchr/memmem scanning: a system bundle is a few hundred kilobytes.
pub fn pem_certificates(text: &[u8]) -> (Vec<CertificateDer<'static>>, Vec<String>) {
    let mut certs = Vec::new();
    let mut errors = Vec::new();
    let mut rest = text;
    let mut b64 = Vec::with_capacity(4096);
    while let Some(start) = memchr::memmem::find(rest, BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let Some(len) = memchr::memmem::find(body, END) else {
            errors.push("a CERTIFICATE block has no END line".to_string());
            break;
        };
        let block = &body[..len];
        // Fast path: lines joined without their breaks (memchr); a block with blanks inside
        // lines (RFC 7468 §3 allows lax whitespace) takes the byte-by-byte path.
        b64.clear();
        let mut from = 0;
        for nl in memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len())) {
            b64.extend_from_slice(block[from..nl].trim_ascii());
            from = nl + 1;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(&b64)
            .or_else(|_| {
                let strict: Vec<u8> = block
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                base64::engine::general_purpose::STANDARD.decode(strict)
            });
        match decoded {
            Ok(der) => certs.push(CertificateDer::from(der)),
            Err(e) => errors.push(format!("bad base64 in a CERTIFICATE block: {e}")),
        }
        rest = &body[len + END.len()..];
    }
    (certs, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    #[test]
    fn decodes_the_same_certificates_as_rustls_pki_types() {
        let root = include_bytes!("../../certs/root.pem");
        let chain = include_bytes!("../../certs/rsa2048-chain.pem");
        let mut text = b"junk before\n".to_vec();
        text.extend_from_slice(root);
        text.extend_from_slice(b"\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        text.extend_from_slice(chain);
        let (ours, errors) = pem_certificates(&text);
        assert!(errors.is_empty(), "{errors:?}");
        let theirs: Vec<_> = CertificateDer::pem_slice_iter(&text)
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.len(), 3);
    }

    #[test]
    fn accepts_blanks_inside_base64_lines() {
        let root = include_bytes!("../../certs/root.pem");
        let (strict, _) = pem_certificates(root);
        let text = String::from_utf8_lossy(root)
            .replace("\n", " \r\n\t")
            .replacen("MII", "MI I", 1);
        let (lax, errors) = pem_certificates(text.as_bytes());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(lax, strict);
    }

    #[test]
    fn reports_broken_blocks() {
        let (c, e) =
            pem_certificates(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n");
        assert!(c.is_empty());
        assert_eq!(e.len(), 1);
        let (c, e) = pem_certificates(b"-----BEGIN CERTIFICATE-----\nAAAA\n");
        assert!(c.is_empty());
        assert!(e[0].contains("no END"));
    }

    #[test]
    fn same_store_as_rustls_native_certs() {
        // Whatever this machine's store is, both loaders must agree on it.
        let ours = load();
        let theirs = rustls_native_certs::load_native_certs();
        let mut t = theirs.certs;
        t.sort_unstable_by(|a, b| a.as_ref().cmp(b.as_ref()));
        t.dedup();
        assert_eq!(ours.certs, t);
    }
}
