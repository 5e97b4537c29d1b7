//! `tlsight demo` as a library call: start the in-process server over the committed test PKI,
//! inspect it with TLS 1.3 then TLS 1.2, and build the handshake reports (rendered by
//! `report::handshake`, or printed as JSON, by the CLI).

use std::net::SocketAddr;
use std::time::Duration;

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::handshake::server::{LocalServer, ServerSettings, TEST_ROOT_PEM, TestKey};
use crate::handshake::{self, HandshakeError, InspectOptions, Target, Timeouts, VersionChoice};
use crate::report::handshake::{BuildOptions, HandshakeReport};

/// Why the tour could not run.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The local server did not start, or a handshake could not be attempted.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
    /// The embedded test root did not parse (a build problem).
    #[error("embedded test root: {0}")]
    Root(String),
}

/// Runs the tour against a local server presenting a `key` leaf: one report per version.
pub fn tour(key: TestKey) -> Result<Vec<HandshakeReport>, DemoError> {
    crate::x509::Store::prefetch_os();
    let settings = ServerSettings {
        key,
        ..ServerSettings::default()
    };
    let server = LocalServer::start(SocketAddr::from(([127, 0, 0, 1], 0)), &settings)?;
    let root = CertificateDer::from_pem_slice(TEST_ROOT_PEM)
        .map_err(|e| DemoError::Root(e.to_string()))?;
    let mut reports = Vec::new();
    for v in [VersionChoice::Tls13, VersionChoice::Tls12] {
        let mut opts = InspectOptions::new(Target {
            host: "127.0.0.1".into(),
            port: server.addr().port(),
        });
        opts.sni = Some("localhost".into());
        opts.versions = v;
        opts.alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        opts.extra_roots = vec![root.clone()];
        opts.timeouts = Timeouts::uniform(Duration::from_secs(5));
        let ins = handshake::inspect(&opts)?;
        let analysis = handshake::analyze(&ins);
        let mut report = HandshakeReport::build(
            &ins,
            analysis,
            BuildOptions {
                ja4s: false,
                extra_roots: opts.extra_roots.clone(),
                only_extra_roots: opts.only_extra_roots,
            },
        );
        report.assess_interception(&ins, &opts.extra_roots);
        reports.push(report);
    }
    Ok(reports)
}
