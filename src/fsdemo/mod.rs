//! Forward secrecy shown on real recorded sessions, and decryption of any recording: the
//! orchestration behind `tlsight fs-demo` ([`demo`]: start a local server, record, recover) and
//! `tlsight decrypt` ([`decrypt`]). The experiment itself is `crypto::fs`; the renderers are
//! `report::fsdemo`. JSON schema: docs/fs-demo.md.

pub mod decrypt;
pub mod demo;
mod server;

pub use decrypt::{DecryptOptions, DecryptReport, decrypt};
pub use demo::{DemoOptions, DemoReport, DemoSession, run};

/// Why the demo or the decryption could not run.
#[derive(Debug, thiserror::Error)]
pub enum FsDemoError {
    /// The server address did not parse.
    #[error(transparent)]
    Net(#[from] crate::net::NetError),
    /// The server name did not resolve.
    #[error(transparent)]
    Handshake(#[from] crate::handshake::HandshakeError),
    /// A key could not be loaded, or the recording not be decrypted.
    #[error(transparent)]
    Crypto(#[from] crate::crypto::CryptoError),
    /// A recording, capture or key log could not be read or written.
    #[error(transparent)]
    Capture(#[from] crate::capture::CaptureError),
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: String,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The local `openssl s_server` could not be started.
    #[error("{0}")]
    Server(String),
    /// Neither a key nor a key log, and the capture embeds none.
    #[error("give --key or --keylog (the input carries no Decryption Secrets Block)")]
    NoSecrets,
    /// The private key recovered secrets that the Finished messages refute.
    #[error("the Finished messages did not verify with the recovered keys: wrong private key")]
    WrongKey,
}

impl FsDemoError {
    fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            source,
        }
    }
}
