//! The `tlsight handshake` report: one data model, rendered as JSON (`--json`, schema in
//! docs/handshake.md) and as aligned human text.

pub mod html;
pub mod text;

pub use text::{RenderOptions, render, render_all};

use serde::Serialize;

use super::names;
use crate::capture::Direction;
use crate::handshake::Timings;
use crate::handshake::messages::{Message, MessageContent};
use crate::wire::extensions::{Extension, ExtensionValue};
use crate::wire::handshake::{HandshakeBody, KeyExchangeParams};

/// Everything `tlsight handshake` found.
#[derive(Debug, Clone, Serialize)]
pub struct HandshakeReport {
    /// `host:port` as given.
    pub target: String,
    /// Address connected to.
    pub address: String,
    /// SNI sent (null when none).
    pub sni: Option<String>,
    /// Which TLS implementation spoke: "rustls", or "tlsight" (tlsight's own TLS 1.0-1.2
    /// engine, used when rustls cannot negotiate or when asked with `--engine tlsight`).
    pub engine: crate::handshake::EngineName,
    /// Why tlsight's engine spoke instead of rustls (null when rustls spoke, or when the
    /// engine was asked for).
    pub engine_fallback: Option<String>,
    /// The proxy the connection went through (URL without password).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// The plaintext exchange before TLS (docs/starttls.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starttls: Option<crate::net::Exchange>,
    /// What was negotiated.
    pub negotiated: NegotiatedReport,
    /// Every message both ways, in order.
    pub messages: Vec<Message>,
    /// The records that carried them, as on the wire (ciphertext for protected ones).
    pub records: Vec<crate::handshake::messages::RecordSummary>,
    /// The server's certificates, as sent (leaf first).
    pub certificates: Vec<CertificateReport>,
    /// Trust verdict.
    pub verification: VerificationReport,
    /// Milliseconds per phase.
    pub timings_ms: Timings,
    /// Hello fingerprints.
    pub fingerprints: FingerprintReport,
    /// What decrypting the encrypted part achieved.
    pub decryption: DecryptionReport,
    /// The interception check (`tlsight mitm`'s verdict and signals), when a chain arrived.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::interception_json"
    )]
    pub interception: Option<Box<crate::mitm::Assessment>>,
    /// Names of every code point the messages carry as a number: `cipher_suites`, `groups`,
    /// `signature_schemes`, `versions`, each a map from "0x1301" to the registry name.
    pub names: CodeNames,
    /// Why the handshake failed, if it did.
    pub error: Option<String>,
}

/// Negotiated parameters.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NegotiatedReport {
    /// "TLSv1.3", ...
    pub version: Option<String>,
    /// IANA name.
    pub cipher_suite: Option<String>,
    /// Code point, "0x1301".
    pub cipher_suite_code: Option<String>,
    /// The suite decomposed (from the registry), with its rating.
    pub cipher_suite_components: Option<SuiteComponents>,
    /// Key-exchange group.
    pub group: Option<String>,
    /// The group's family from the registry: "ECDHE", "FFDHE", "hybrid PQ" (post-quantum
    /// hybrid such as X25519MLKEM768), "ML-KEM".
    pub group_kind: Option<String>,
    /// ALPN protocol.
    pub alpn: Option<String>,
    /// Whether the server acknowledged our SNI (empty server_name in ServerHello/EE).
    pub sni_acknowledged: bool,
    /// "full", "full_with_hello_retry_request", "resumed".
    pub handshake_kind: Option<String>,
    /// The server sent a HelloRetryRequest.
    pub hello_retry_request: bool,
    /// TLS 1.2: extended master secret negotiated (RFC 7627).
    pub extended_master_secret: Option<bool>,
    /// TLS 1.2: secure renegotiation indicated (RFC 5746).
    pub secure_renegotiation: Option<bool>,
    /// TLS 1.0-1.2 CBC suites: encrypt-then-MAC negotiated (RFC 7366).
    pub encrypt_then_mac: Option<bool>,
    /// DHE: size of the server's finite-field prime in bits.
    pub dh_prime_bits: Option<usize>,
    /// Signature scheme the server used to prove key possession.
    pub server_signature_scheme: Option<String>,
}

/// Code point → name maps for the numbers in `messages[]`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CodeNames {
    /// Cipher suites (IANA names; GREASE and SCSVs marked).
    pub cipher_suites: std::collections::BTreeMap<String, String>,
    /// Named groups.
    pub groups: std::collections::BTreeMap<String, String>,
    /// Signature schemes.
    pub signature_schemes: std::collections::BTreeMap<String, String>,
    /// Protocol versions.
    pub versions: std::collections::BTreeMap<String, String>,
}

impl CodeNames {
    fn collect(messages: &[Message]) -> Self {
        let mut n = Self::default();
        let mut suite = |c: u16| {
            n.cipher_suites.insert(hex_code(c), names::suite(c));
        };
        let mut groups: Vec<u16> = Vec::new();
        let mut schemes: Vec<u16> = Vec::new();
        let mut versions: Vec<u16> = Vec::new();
        let mut exts: Vec<&Extension> = Vec::new();
        for m in messages {
            let MessageContent::Handshake(b) = &m.fields else {
                continue;
            };
            match b {
                HandshakeBody::ClientHello(ch) => {
                    ch.cipher_suites.iter().for_each(|c| suite(*c));
                    versions.push(ch.legacy_version);
                    exts.extend(&ch.extensions);
                }
                HandshakeBody::ServerHello(sh) => {
                    suite(sh.cipher_suite);
                    versions.push(sh.legacy_version);
                    exts.extend(&sh.extensions);
                }
                HandshakeBody::EncryptedExtensions { extensions } => exts.extend(extensions),
                HandshakeBody::CertificateRequest(cr) => {
                    schemes.extend(&cr.signature_schemes);
                    exts.extend(&cr.extensions);
                }
                HandshakeBody::ServerKeyExchange(ske) => {
                    if let KeyExchangeParams::Ecdhe { group, .. } = ske.params {
                        groups.push(group);
                    }
                    schemes.extend(ske.signature_scheme);
                }
                HandshakeBody::CertificateVerify {
                    signature_scheme, ..
                } => schemes.push(*signature_scheme),
                _ => {}
            }
        }
        for x in exts {
            match &x.value {
                ExtensionValue::SupportedGroups { groups: g } => groups.extend(g),
                ExtensionValue::KeyShares { shares } => {
                    groups.extend(shares.iter().map(|s| s.group))
                }
                ExtensionValue::KeyShare { share } => groups.push(share.group),
                ExtensionValue::KeyShareRequest { group } => groups.push(*group),
                ExtensionValue::SignatureAlgorithms { schemes: s } => schemes.extend(s),
                ExtensionValue::SupportedVersions { versions: v } => versions.extend(v),
                ExtensionValue::SelectedVersion { version } => versions.push(*version),
                _ => {}
            }
        }
        for g in groups {
            n.groups.insert(hex_code(g), names::group(g));
        }
        for s in schemes {
            n.signature_schemes
                .insert(hex_code(s), names::sig_scheme(s));
        }
        for v in versions {
            n.versions.insert(hex_code(v), names::version(v));
        }
        n
    }
}

/// A negotiated suite's parts, from [`crate::suites`]. For TLS 1.3 suites, key exchange and
/// authentication are negotiated separately: `kx` is then the group and `auth` the server's
/// signature scheme.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SuiteComponents {
    /// Key exchange.
    pub kx: String,
    /// Authentication.
    pub auth: String,
    /// Bulk cipher.
    pub cipher: String,
    /// Cipher key size.
    pub key_bits: u16,
    /// Mode (GCM, CBC, Poly1305, ...).
    pub mode: String,
    /// Authenticated encryption.
    pub aead: bool,
    /// MAC, for non-AEAD suites.
    pub mac: Option<String>,
    /// PRF / HKDF hash.
    pub hash: String,
    /// Forward secrecy.
    pub forward_secrecy: bool,
    /// Registry rating.
    pub rating: String,
    /// One reason per flaw, with its source.
    pub reasons: Vec<String>,
}

impl SuiteComponents {
    fn new(code: u16, tls13_kx: Option<String>, tls13_auth: Option<String>) -> Option<Self> {
        let s = crate::suites::cipher_suite(code)?;
        let tls13 = s.versions.names() == ["TLSv1.3"];
        Some(Self {
            kx: match (tls13, tls13_kx) {
                (true, Some(g)) => format!("{g} (negotiated separately in TLS 1.3)"),
                _ => s.kx.to_string(),
            },
            auth: match (tls13, tls13_auth) {
                (true, Some(a)) => format!("{a} (negotiated separately in TLS 1.3)"),
                _ => s.auth.to_string(),
            },
            cipher: s.cipher.to_string(),
            key_bits: s.key_bits,
            mode: s.mode.to_string(),
            aead: s.aead,
            mac: s.mac.map(|m| m.to_string()),
            hash: s.prf.to_string(),
            forward_secrecy: s.forward_secrecy,
            rating: s.rating().to_string(),
            reasons: s
                .reasons()
                .iter()
                .map(|r| format!("{} ({})", r.text, r.source))
                .collect(),
        })
    }
}

/// Trust verdict of the chain.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerificationReport {
    /// Anchored in Mozilla's roots (or a `--ca` anchor) and valid for the name.
    pub trusted: bool,
    /// Short snake_case codes.
    pub errors: Vec<String>,
    /// The verifier's full message.
    pub detail: Option<String>,
    /// Name checked.
    pub name: String,
    /// Whether the handshake signature verified with the leaf's key (null if never checked).
    pub handshake_signature_valid: Option<bool>,
    /// What the handshake proved about the leaf key; `trusted` needs `status == "proven"`.
    pub key_possession: crate::x509::KeyPossession,
    /// The chain's own verdict (anchored, valid for the name), whatever the server proved.
    pub chain_trusted: bool,
    /// Stores that anchor the chain (`mozilla`, `custom` for `--ca`); empty when none does.
    pub anchors: Vec<String>,
    /// Each anchoring store with the anchor it reached.
    pub anchored_by: Vec<AnchoredBy>,
    /// Stores the verdict consulted.
    pub stores_consulted: Vec<String>,
}

/// One store that anchors the chain, and where.
#[derive(Debug, Clone, Serialize)]
pub struct AnchoredBy {
    /// `mozilla` or `custom`.
    pub store: String,
    /// The anchor's subject.
    pub subject: String,
    /// The anchor's SPKI pin (base64 SHA-256).
    pub spki_sha256: String,
}

/// One certificate as sent: decoded, or why it could not be.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CertificateReport {
    /// Decoded.
    Decoded(Box<crate::x509::CertSummary>),
    /// Not decodable.
    Malformed {
        /// Why.
        error: String,
        /// DER length.
        der_len: usize,
    },
}

impl CertificateReport {
    /// Decodes one DER certificate.
    pub fn from_der(der: &[u8]) -> Self {
        match crate::x509::CertSummary::from_der(der) {
            Ok(c) => Self::Decoded(Box::new(c)),
            Err(e) => Self::Malformed {
                error: e.to_string(),
                der_len: der.len(),
            },
        }
    }
}

/// Decryption of the encrypted handshake with the session's own key-log secrets.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DecryptionReport {
    /// Every protected record opened.
    pub decrypted: bool,
    /// Client Finished verify_data recomputed and matched (null: not seen).
    pub client_finished_verified: Option<bool>,
    /// Server Finished verify_data recomputed and matched (null: not seen).
    pub server_finished_verified: Option<bool>,
    /// Why decryption failed, if it did.
    pub error: Option<String>,
}

/// Fingerprints of both hellos.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FingerprintReport {
    /// JA3 MD5.
    pub ja3: Option<String>,
    /// JA3 input string.
    pub ja3_string: Option<String>,
    /// JA4.
    pub ja4: Option<String>,
    /// JA4 raw (sorted, unhashed).
    pub ja4_r: Option<String>,
    /// JA3S MD5.
    pub ja3s: Option<String>,
    /// JA3S input string.
    pub ja3s_string: Option<String>,
    /// JA4S (only with `--ja4s`, FoxIO License 1.1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4s: Option<String>,
}

/// A code point as the JSON name maps and the text show it.
fn hex_code(v: u16) -> String {
    format!("0x{v:04X}")
}

/// Options that shape the report (not its rendering).
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Compute JA4S (the user accepted the FoxIO License 1.1 with `--ja4s`).
    pub ja4s: bool,
    /// The `--ca` anchors the handshake trusted besides Mozilla's roots (to name the store
    /// that anchors the chain).
    pub extra_roots: Vec<rustls_pki_types::CertificateDer<'static>>,
    /// The handshake trusted only `extra_roots`, not Mozilla's.
    pub only_extra_roots: bool,
}

/// The stores among those the handshake trusted (Mozilla unless `only_extra_roots`, plus the
/// `--ca` anchors) that anchor `chain`, each with its anchor.
fn anchoring_stores(
    chain: &[rustls_pki_types::CertificateDer<'static>],
    name: &str,
    opts: &BuildOptions,
) -> Vec<AnchoredBy> {
    let vo = crate::x509::VerifyOptions {
        host: Some(name.to_string()),
        stores: crate::x509::StoreSelection {
            mozilla: !opts.only_extra_roots,
            os: false,
        },
        extra_anchors: opts.extra_roots.clone(),
        // Same semantics as the handshake's webpki verdict: which store anchors, not lints.
        strict: false,
        ..crate::x509::VerifyOptions::default()
    };
    crate::x509::verify_chain(chain, &vo)
        .stores
        .iter()
        .filter(|(_, s)| s.trusted)
        .map(|(k, s)| AnchoredBy {
            store: k.name().to_string(),
            subject: s
                .anchor
                .as_ref()
                .map(|a| a.subject.clone())
                .unwrap_or_default(),
            spki_sha256: s
                .anchor
                .as_ref()
                .map(|a| a.spki_sha256.clone())
                .unwrap_or_default(),
        })
        .collect()
}

impl HandshakeReport {
    /// Builds the report from an inspection and its decoded messages.
    pub fn build(
        ins: &crate::handshake::Inspection,
        analysis: crate::handshake::Analysis,
        opts: BuildOptions,
    ) -> Self {
        let finished = |d: Direction| {
            analysis
                .finished_checks
                .iter()
                .find(|(dir, _)| *dir == d)
                .map(|(_, ok)| *ok)
        };
        let decryption = DecryptionReport {
            decrypted: analysis.decryption_error.is_none()
                && !analysis
                    .messages
                    .iter()
                    .any(|m| m.encrypted && matches!(m.fields, MessageContent::Opaque { .. })),
            client_finished_verified: finished(Direction::ClientToServer),
            server_finished_verified: finished(Direction::ServerToClient),
            error: analysis.decryption_error.clone(),
        };
        let messages = analysis.messages;
        let records = analysis.records;
        let names = CodeNames::collect(&messages);
        let hello = messages.iter().find_map(|m| match &m.fields {
            MessageContent::Handshake(HandshakeBody::ClientHello(ch)) => Some(ch),
            _ => None,
        });
        let server_hello = messages.iter().find_map(|m| match &m.fields {
            MessageContent::Handshake(HandshakeBody::ServerHello(sh))
                if !sh.hello_retry_request =>
            {
                Some(sh)
            }
            _ => None,
        });
        let hrr = messages.iter().any(|m| {
            matches!(&m.fields, MessageContent::Handshake(HandshakeBody::ServerHello(sh)) if sh.hello_retry_request)
        });
        let server_exts: Vec<&Extension> = messages
            .iter()
            .filter(|m| m.direction == Direction::ServerToClient)
            .flat_map(|m| match &m.fields {
                MessageContent::Handshake(HandshakeBody::ServerHello(sh))
                    if !sh.hello_retry_request =>
                {
                    sh.extensions.iter().collect()
                }
                MessageContent::Handshake(HandshakeBody::EncryptedExtensions { extensions }) => {
                    extensions.iter().collect()
                }
                _ => Vec::new(),
            })
            .collect();
        let has = |t: u16| server_exts.iter().any(|e| e.typ == t);
        let n = &ins.negotiated;
        let tls12 = n.version.is_some_and(|v| (0x0301..=0x0303).contains(&v));
        let cbc = n
            .cipher_suite
            .and_then(|c| crate::crypto::SuiteParams::lookup(c).ok())
            .is_some_and(|s| matches!(s.bulk, crate::crypto::Bulk::Cbc(..)));
        let server_signature_scheme = messages.iter().find_map(|m| match &m.fields {
            MessageContent::Handshake(HandshakeBody::CertificateVerify {
                signature_scheme,
                ..
            }) if m.direction == Direction::ServerToClient => Some(*signature_scheme),
            MessageContent::Handshake(HandshakeBody::ServerKeyExchange(ske)) => {
                ske.signature_scheme
            }
            _ => None,
        });
        let negotiated = NegotiatedReport {
            version: n.version.map(names::version),
            cipher_suite: n.cipher_suite.map(names::suite),
            cipher_suite_code: n.cipher_suite.map(hex_code),
            cipher_suite_components: n.cipher_suite.and_then(|c| {
                SuiteComponents::new(
                    c,
                    n.group.map(names::group),
                    server_signature_scheme.map(names::sig_scheme),
                )
            }),
            group: n.group.map(names::group),
            group_kind: n
                .group
                .and_then(crate::suites::group)
                .map(|g| g.kind.name().to_string()),
            alpn: n.alpn.clone(),
            sni_acknowledged: has(0),
            handshake_kind: n.handshake_kind.map(str::to_string),
            hello_retry_request: hrr,
            extended_master_secret: (tls12 && server_hello.is_some()).then(|| has(23)),
            secure_renegotiation: (tls12 && server_hello.is_some()).then(|| has(0xFF01)),
            encrypt_then_mac: (tls12 && cbc && server_hello.is_some()).then(|| has(22)),
            dh_prime_bits: ins.dh_prime_bits,
            server_signature_scheme: server_signature_scheme.map(names::sig_scheme),
        };
        let name = ins.sni.clone().unwrap_or_else(|| ins.target.host.clone());
        let mut stores_consulted = Vec::new();
        if !opts.only_extra_roots {
            stores_consulted.push("mozilla".to_string());
        }
        if !opts.extra_roots.is_empty() {
            stores_consulted.push("custom".to_string());
        }
        let chain_trusted = !ins.seen.certificates.is_empty() && ins.seen.error.is_none();
        let key_possession = ins.key_possession();
        let mut errors: Vec<String> = ins
            .seen
            .error
            .iter()
            .map(|e| crate::handshake::error_code(e).to_string())
            .collect();
        // A chain without proof of the key authenticates nothing: that comes first.
        if !ins.seen.certificates.is_empty() && !key_possession.proven() {
            errors.insert(0, "key_possession_failed".to_string());
        }
        let anchored_by = if chain_trusted {
            anchoring_stores(&ins.seen.certificates, &name, &opts)
        } else {
            Vec::new()
        };
        let verification = VerificationReport {
            trusted: ins.failure.is_none() && chain_trusted && key_possession.proven(),
            errors,
            detail: ins.seen.error.as_ref().map(|e| e.to_string()),
            name,
            handshake_signature_valid: ins.seen.signature_valid,
            key_possession,
            chain_trusted,
            anchors: anchored_by.iter().map(|a| a.store.clone()).collect(),
            anchored_by,
            stores_consulted,
        };
        let mut fingerprints = FingerprintReport::default();
        if let Some(ch) = hello {
            let f = crate::fingerprint::ClientHelloFields::from_hello(ch);
            fingerprints.ja3 = Some(crate::fingerprint::ja3(&f));
            fingerprints.ja3_string = Some(crate::fingerprint::ja3_string(&f));
            let j = crate::fingerprint::ja4(&f);
            fingerprints.ja4 = Some(j.ja4);
            fingerprints.ja4_r = Some(j.ja4_r);
        }
        if let Some(sh) = server_hello {
            let f = crate::fingerprint::ServerHelloFields::from_hello(sh);
            fingerprints.ja3s = Some(crate::fingerprint::ja3s(&f));
            fingerprints.ja3s_string = Some(crate::fingerprint::ja3s_string(&f));
            if opts.ja4s {
                let lic = crate::fingerprint::FoxIoLicenseAccepted::accept_foxio_license_1_1();
                fingerprints.ja4s = Some(crate::fingerprint::ja4s(&f, lic).ja4s);
            }
        }
        Self {
            target: ins.target.to_string(),
            address: ins.address.to_string(),
            sni: ins.sni.clone(),
            engine: ins.engine,
            engine_fallback: ins.fallback.clone(),
            proxy: ins.proxy.clone(),
            starttls: ins.starttls.clone(),
            negotiated,
            messages,
            records,
            certificates: ins
                .seen
                .certificates
                .iter()
                .map(|c| CertificateReport::from_der(c))
                .collect(),
            verification,
            timings_ms: ins.timings,
            fingerprints,
            decryption,
            interception: None,
            names,
            error: ins.failure.as_ref().map(|f| f.to_string()),
        }
    }
}

impl HandshakeReport {
    /// Adds `tlsight mitm`'s verdict and signals for this inspection, when a chain arrived to
    /// judge; `expected_anchors` are the user's `--ca` roots.
    pub fn assess_interception(
        &mut self,
        ins: &crate::handshake::Inspection,
        expected_anchors: &[rustls_pki_types::CertificateDer<'static>],
    ) {
        if ins.seen.certificates.is_empty() {
            return;
        }
        let Ok(mut opts) = crate::mitm::AssessOptions::new() else {
            return;
        };
        opts.extra_anchors = expected_anchors.to_vec();
        let obs = crate::mitm::Observation::from_messages(ins, &self.messages, None);
        self.interception = crate::mitm::assess_observation(&obs, &opts)
            .ok()
            .map(Box::new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Chunk, KeyLogSecrets, Transcript};
    use crate::handshake::{Inspection, Negotiated, SeenChain, Target};
    use crate::report::Palette;
    use crate::wire::builder::ClientHelloBuilder;

    /// A hello with GREASE, an unknown extension and a malformed one, answered by an alert.
    fn inspection() -> Inspection {
        let hello = ClientHelloBuilder::new()
            .cipher_suites(&[0x0A0A, 0x1301, 0xC02F, 0x00FF])
            .sni("example.test")
            .extension(0x1A1A, &[])
            .extension(0x1234, &[0xDE, 0xAD])
            .extension(10, &[0, 3, 0]) // supported_groups with an odd-length list
            .build();
        let mut t = Transcript::new(Some("example.test:443".into()));
        t.chunks.push(Chunk {
            dir: Direction::ClientToServer,
            t_us: 10,
            data: hello,
        });
        t.chunks.push(Chunk {
            dir: Direction::ServerToClient,
            t_us: 2500,
            data: vec![21, 3, 3, 0, 2, 2, 40],
        });
        Inspection {
            target: Target {
                host: "example.test".into(),
                port: 443,
            },
            address: "127.0.0.1:443".parse().unwrap(),
            sni: Some("example.test".into()),
            transcript: t,
            secrets: KeyLogSecrets::default(),
            negotiated: Negotiated::default(),
            seen: SeenChain::default(),
            timings: Timings::default(),
            failure: Some(crate::handshake::HandshakeError::Alert(
                "handshake_failure".into(),
            )),
            engine: crate::handshake::EngineName::Rustls,
            fallback: None,
            possession: None,
            dh_prime_bits: None,
            starttls: None,
            proxy: None,
        }
    }

    #[test]
    fn grease_unknown_and_malformed_extensions_are_shown_not_dropped() {
        let ins = inspection();
        let report = HandshakeReport::build(
            &ins,
            crate::handshake::analyze(&ins),
            BuildOptions::default(),
        );
        let text = render(&report, Palette::PLAIN, RenderOptions::default());
        for needle in [
            "0x0A0A  GREASE (0x0A0A)",
            "0x1301  TLS_AES_128_GCM_SHA256",
            "0x00FF  TLS_EMPTY_RENEGOTIATION_INFO_SCSV",
            "GREASE (0x1A1A)",
            "unknown (0x1234)",
            "raw dead",
            "malformed (",
            "fatal handshake_failure (40)",
            "server sent alert handshake_failure",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        assert!(
            !text.contains("\x1b["),
            "plain palette emits no escape codes"
        );
        let colored = render(&report, Palette::COLOR, RenderOptions { raw: true });
        assert!(colored.contains("\x1b[31m"), "fatal alert in red");
        assert!(colored.contains("record #0"), "--raw shows records");
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["messages"][0]["cipher_suites"][0], 0x0A0A);
        assert_eq!(
            json["messages"][0]["extensions"][2]["name"],
            "unknown (0x1234)"
        );
        assert_eq!(json["messages"][0]["extensions"][2]["raw"], "dead");
        assert_eq!(json["messages"][1]["description"], "handshake_failure");
        assert_eq!(json["verification"]["trusted"], false);
        assert_eq!(json["names"]["cipher_suites"]["0x0A0A"], "GREASE (0x0A0A)");
        assert_eq!(
            json["names"]["cipher_suites"]["0x1301"],
            "TLS_AES_128_GCM_SHA256"
        );
    }
}
