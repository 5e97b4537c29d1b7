//! What `tlsight explain` shows: registry entries of any kind in one list, and the `--list`
//! selection of a whole registry. The report layer (`report::explain`) renders them; `--json`
//! serialises each entry as its registry row.

use super::{CipherSuite, NamedGroup, Rating, SignatureScheme, Sslv2CipherSpec, Versions};

/// One explained entry: a cipher suite, an SSLv2 cipher spec, a named group or a signature
/// scheme.
#[derive(Debug, Clone, Copy)]
pub enum Entry {
    /// A TLS cipher suite.
    Suite(&'static CipherSuite),
    /// An SSLv2 cipher spec.
    Sslv2(&'static Sslv2CipherSpec),
    /// A named group (supported_groups).
    Group(&'static NamedGroup),
    /// A signature scheme (signature_algorithms).
    Sig(&'static SignatureScheme),
}

impl Entry {
    /// The entry's overall rating.
    pub fn rating(&self) -> Rating {
        match self {
            Self::Suite(s) => s.rating(),
            Self::Sslv2(s) => s.rating(),
            Self::Group(g) => g.rating(),
            Self::Sig(s) => s.rating(),
        }
    }
}

/// Each entry serialises as its registry row (which carries a `type` field), in field order.
impl serde::Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Suite(x) => x.serialize(s),
            Self::Sslv2(x) => x.serialize(s),
            Self::Group(x) => x.serialize(s),
            Self::Sig(x) => x.serialize(s),
        }
    }
}

/// Which registry a listing covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    /// Cipher suites.
    Suites,
    /// Named groups.
    Groups,
    /// Signature schemes.
    Sigalgs,
}

/// Filters of a listing. The suite-only filters (`tls13` to `openssl`) are ignored for groups
/// and signature schemes; an empty `ratings` keeps every rating.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Only suites usable with TLS 1.3.
    pub tls13: bool,
    /// Only suites usable with TLS 1.2.
    pub tls12: bool,
    /// Only forward-secret suites.
    pub fs: bool,
    /// Only AEAD suites.
    pub aead: bool,
    /// Only suites OpenSSL has a name for.
    pub openssl: bool,
    /// Only entries with one of these ratings.
    pub ratings: Vec<Rating>,
}

/// The entries of `what` that pass `filter`, in registry order.
pub fn list(what: Registry, filter: &ListFilter) -> Vec<Entry> {
    let rating_ok = |r: Rating| filter.ratings.is_empty() || filter.ratings.contains(&r);
    match what {
        Registry::Suites => super::all_cipher_suites()
            .iter()
            .filter(|s| !filter.tls13 || s.versions.contains(Versions::TLS13))
            .filter(|s| !filter.tls12 || s.versions.contains(Versions::TLS12))
            .filter(|s| !filter.fs || s.forward_secrecy)
            .filter(|s| !filter.aead || s.aead)
            .filter(|s| !filter.openssl || s.openssl.is_some())
            .filter(|s| rating_ok(s.rating()))
            .map(Entry::Suite)
            .collect(),
        Registry::Groups => super::all_groups()
            .iter()
            .filter(|g| rating_ok(g.rating()))
            .map(Entry::Group)
            .collect(),
        Registry::Sigalgs => super::all_sig_schemes()
            .iter()
            .filter(|s| rating_ok(s.rating()))
            .map(Entry::Sig)
            .collect(),
    }
}
