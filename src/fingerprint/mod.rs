//! TLS fingerprints: JA3 / JA3S (Salesforce, BSD-3) and JA4 (FoxIO, BSD-3) of a ClientHello, and
//! JA4S (FoxIO License 1.1) of a ServerHello, behind an explicit licence opt-in.
//!
//! The functions take plain field structs, not decoded messages, so any decoder (ours, a pcap
//! reader, a test) can feed them; the caller keeps extensions and lists in wire order and this
//! module applies each algorithm's own GREASE removal and sorting. Written here because no
//! published crate computes all four (`ja3` 0.5.1 does not build, DESIGN.md §5).

mod ja3;
mod ja4;

pub use ja3::{ja3, ja3_string, ja3s, ja3s_string};
pub use ja4::{FoxIoLicenseAccepted, Ja4, Ja4s, ja4, ja4s};

use serde::Serialize;

use crate::wire::extensions::ExtensionValue;

/// The ClientHello fields the fingerprints read, every list in wire order, GREASE included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientHelloFields {
    /// ClientHello.legacy_version (0x0303 for TLS 1.3 hellos).
    pub legacy_version: u16,
    /// Offered cipher suites, including SCSVs and GREASE.
    pub cipher_suites: Vec<u16>,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// supported_groups (a.k.a. elliptic_curves) contents.
    pub supported_groups: Vec<u16>,
    /// ec_point_formats contents.
    pub ec_point_formats: Vec<u8>,
    /// signature_algorithms contents.
    pub signature_algorithms: Vec<u16>,
    /// ALPN protocol names in order.
    pub alpn: Vec<Vec<u8>>,
    /// supported_versions contents.
    pub supported_versions: Vec<u16>,
    /// Whether a server_name extension is present.
    pub has_sni: bool,
    /// Whether the hello was carried by QUIC (JA4 prefix `q` instead of `t`).
    pub quic: bool,
}

/// The ServerHello fields the fingerprints read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerHelloFields {
    /// ServerHello.legacy_version.
    pub legacy_version: u16,
    /// The chosen cipher suite.
    pub cipher_suite: u16,
    /// Extension types in wire order.
    pub extensions: Vec<u16>,
    /// supported_versions selected_version, when present (TLS 1.3).
    pub selected_version: Option<u16>,
    /// The ALPN protocol the server chose.
    pub alpn: Option<Vec<u8>>,
    /// Whether the hello was carried by QUIC.
    pub quic: bool,
}

impl ClientHelloFields {
    /// The fingerprint view of a ClientHello decoded by [`crate::wire`].
    pub fn from_hello(ch: &crate::wire::handshake::ClientHello) -> Self {
        let mut f = Self {
            legacy_version: ch.legacy_version,
            cipher_suites: ch.cipher_suites.clone(),
            extensions: ch.extensions.iter().map(|e| e.typ).collect(),
            ..Default::default()
        };
        for e in &ch.extensions {
            match &e.value {
                ExtensionValue::ServerName { .. } => f.has_sni = true,
                ExtensionValue::SupportedGroups { groups } => f.supported_groups = groups.clone(),
                ExtensionValue::EcPointFormats { formats } => f.ec_point_formats = formats.clone(),
                ExtensionValue::SignatureAlgorithms { schemes } if e.typ == 13 => {
                    f.signature_algorithms = schemes.clone()
                }
                ExtensionValue::Alpn { protocols } => {
                    f.alpn = protocols.iter().map(|p| p.as_bytes().to_vec()).collect()
                }
                ExtensionValue::SupportedVersions { versions } => {
                    f.supported_versions = versions.clone()
                }
                _ => {}
            }
        }
        f
    }
}

impl ServerHelloFields {
    /// The fingerprint view of a ServerHello decoded by [`crate::wire`].
    pub fn from_hello(sh: &crate::wire::handshake::ServerHello) -> Self {
        let mut f = Self {
            legacy_version: sh.legacy_version,
            cipher_suite: sh.cipher_suite,
            extensions: sh.extensions.iter().map(|e| e.typ).collect(),
            ..Default::default()
        };
        for e in &sh.extensions {
            match &e.value {
                ExtensionValue::SelectedVersion { version } => f.selected_version = Some(*version),
                ExtensionValue::Alpn { protocols } => {
                    f.alpn = protocols.first().map(|p| p.as_bytes().to_vec())
                }
                _ => {}
            }
        }
        f
    }
}

fn not_grease(v: &u16) -> bool {
    !crate::wire::is_grease_u16(*v)
}
