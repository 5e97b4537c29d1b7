//! Trust stores: Mozilla's roots (webpki-roots, certificates from webpki-root-certs), the
//! operating system's store (rustls-native-certs, which reads only SSL_CERT_FILE/SSL_CERT_DIR
//! when either is set), and custom anchors from `--ca`. Each store keeps the certificates it
//! knows so the path can show the anchor and check its self-signature (DESIGN.md §3).

use rustls_pki_types::{CertificateDer, TrustAnchor};
use serde::Serialize;

/// Which store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreKind {
    /// Mozilla's CA program, as shipped by webpki-roots.
    Mozilla,
    /// The operating system store.
    Os,
    /// Anchors given by the user (`--ca`).
    Custom,
}

impl StoreKind {
    /// Lower-case name used in output and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mozilla => "mozilla",
            Self::Os => "os",
            Self::Custom => "custom",
        }
    }
}

/// One anchor: what webpki needs, plus the certificate when the store has it.
#[derive(Debug, Clone)]
pub struct Anchor {
    /// The webpki trust anchor (subject and SPKI *contents*, without outer SEQUENCE).
    pub anchor: TrustAnchor<'static>,
    /// The full certificate, when known.
    pub cert: Option<CertificateDer<'static>>,
}

impl Anchor {
    /// DER SubjectPublicKeyInfo (with its SEQUENCE header), as hashed for pins.
    pub fn spki_der(&self) -> Vec<u8> {
        wrap_sequence(self.anchor.subject_public_key_info.as_ref())
    }
    /// DER Name of the subject (with its SEQUENCE header).
    pub fn subject_der(&self) -> Vec<u8> {
        wrap_sequence(self.anchor.subject.as_ref())
    }
}

/// A loaded store.
#[derive(Debug, Clone)]
pub struct Store {
    /// Which store.
    pub kind: StoreKind,
    /// Anchors, in store order.
    pub anchors: Vec<Anchor>,
    /// Where they came from (crate version, file paths).
    pub source: String,
    /// Certificates that could not be used as anchors, and load errors.
    pub load_errors: Vec<String>,
}

impl Store {
    /// Mozilla's roots. Anchors come from webpki-roots; their certificates, where the
    /// slightly different webpki-root-certs release has them, are matched by subject + SPKI.
    pub fn mozilla() -> Self {
        static MOZILLA: std::sync::OnceLock<Store> = std::sync::OnceLock::new();
        MOZILLA.get_or_init(Self::load_mozilla).clone()
    }

    fn load_mozilla() -> Self {
        let mut certs: Vec<(TrustAnchor<'static>, CertificateDer<'static>)> = Vec::new();
        for der in webpki_root_certs::TLS_SERVER_ROOT_CERTS {
            if let Ok(ta) = webpki::anchor_from_trusted_cert(der) {
                certs.push((ta.to_owned(), der.clone().into_owned()));
            }
        }
        let anchors = webpki_roots::TLS_SERVER_ROOTS
            .iter()
            .map(|ta| Anchor {
                anchor: ta.clone(),
                cert: certs
                    .iter()
                    .find(|(c, _)| {
                        c.subject == ta.subject
                            && c.subject_public_key_info == ta.subject_public_key_info
                    })
                    .map(|(_, d)| d.clone()),
            })
            .collect();
        Self {
            kind: StoreKind::Mozilla,
            anchors,
            source: "webpki-roots (Mozilla CA program)".into(),
            load_errors: Vec::new(),
        }
    }

    /// The operating system store via rustls-native-certs. Loading it parses every PEM file of
    /// the system bundle (most of a `handshake` run's CPU time), so it is loaded once per process
    /// and per SSL_CERT_FILE / SSL_CERT_DIR setting; [`Store::prefetch_os`] starts that early.
    pub fn os() -> Self {
        type Key = (Option<std::ffi::OsString>, Option<std::ffi::OsString>);
        static OS: std::sync::Mutex<Option<(Key, Store)>> = std::sync::Mutex::new(None);
        let key = (
            std::env::var_os("SSL_CERT_FILE"),
            std::env::var_os("SSL_CERT_DIR"),
        );
        // Held while loading, so a concurrent caller waits for the one load.
        let mut cached = OS.lock().unwrap_or_else(|p| p.into_inner());
        match &*cached {
            Some((k, store)) if *k == key => store.clone(),
            _ => {
                let store = Self::load_os();
                *cached = Some((key, store.clone()));
                store
            }
        }
    }

    /// Loads the OS store on a background thread, so it is ready when a verification needs it
    /// (started before a handshake, it overlaps the network round trips).
    pub fn prefetch_os() {
        std::thread::spawn(|| {
            let _ = Self::os();
        });
    }

    fn load_os() -> Self {
        let source = match (
            std::env::var_os("SSL_CERT_FILE"),
            std::env::var_os("SSL_CERT_DIR"),
        ) {
            (None, None) => "system default (openssl-probe)".to_string(),
            (f, d) => {
                let mut parts = Vec::new();
                if let Some(f) = f {
                    parts.push(format!("SSL_CERT_FILE={}", f.to_string_lossy()));
                }
                if let Some(d) = d {
                    parts.push(format!("SSL_CERT_DIR={}", d.to_string_lossy()));
                }
                parts.join(" ")
            }
        };
        let loaded = super::os_store::load();
        let mut store = Self::from_certs(StoreKind::Os, loaded.certs, source);
        store.load_errors.extend(loaded.errors);
        store
    }

    /// A store of the given certificates (`--ca`, limbo's trusted certs).
    pub fn custom(certs: Vec<CertificateDer<'static>>, source: impl Into<String>) -> Self {
        Self::from_certs(StoreKind::Custom, certs, source.into())
    }

    fn from_certs(kind: StoreKind, certs: Vec<CertificateDer<'static>>, source: String) -> Self {
        let mut anchors = Vec::new();
        let mut load_errors = Vec::new();
        for (i, der) in certs.into_iter().enumerate() {
            match webpki::anchor_from_trusted_cert(&der) {
                Ok(ta) => {
                    let ta = ta.to_owned();
                    anchors.push(Anchor {
                        anchor: ta,
                        cert: Some(der),
                    });
                }
                Err(e) => load_errors.push(format!("certificate #{i} is not a usable anchor: {e}")),
            }
        }
        Self {
            kind,
            anchors,
            source,
            load_errors,
        }
    }

    /// The webpki anchors, for `verify_for_usage`.
    pub fn trust_anchors(&self) -> Vec<TrustAnchor<'static>> {
        self.anchors.iter().map(|a| a.anchor.clone()).collect()
    }

    /// The anchor with this subject and SPKI contents (webpki form).
    pub fn find(&self, ta: &TrustAnchor<'_>) -> Option<&Anchor> {
        self.anchors.iter().find(|a| {
            a.anchor.subject.as_ref() == ta.subject.as_ref()
                && a.anchor.subject_public_key_info.as_ref() == ta.subject_public_key_info.as_ref()
        })
    }

    /// Whether a certificate is one of this store's anchors (same subject and key).
    pub fn contains_cert(&self, der: &CertificateDer<'_>) -> bool {
        match webpki::anchor_from_trusted_cert(der) {
            Ok(ta) => self.find(&ta).is_some(),
            Err(_) => false,
        }
    }
}

/// Puts a DER SEQUENCE header in front of `contents`.
pub(crate) fn wrap_sequence(contents: &[u8]) -> Vec<u8> {
    let len = contents.len();
    let mut out = vec![0x30];
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let n = bytes.len() - skip;
        out.push(0x80 | u8::try_from(n).unwrap_or(0));
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mozilla_store_has_anchors_and_most_certificates() {
        let s = Store::mozilla();
        assert!(s.anchors.len() > 100);
        let with_cert = s.anchors.iter().filter(|a| a.cert.is_some()).count();
        assert!(
            with_cert + 5 >= s.anchors.len(),
            "{with_cert} of {}",
            s.anchors.len()
        );
    }

    #[test]
    fn sequence_header_long_form() {
        let v = wrap_sequence(&[0u8; 300]);
        assert_eq!(&v[..4], &[0x30, 0x82, 0x01, 0x2c]);
        assert_eq!(wrap_sequence(&[1, 2])[..2], [0x30, 2]);
    }
}
