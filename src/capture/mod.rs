//! What crossed the wire: a timestamped transcript of bytes in both directions, the key-log
//! secrets of the session, and I/O adapters that record while a TLS library talks.

pub mod keylog;
pub mod pcap_in;
pub mod pcap_out;
pub mod tap;
pub mod tcp;
pub mod transcript;

pub use keylog::{KeyLogEntry, KeyLogSecrets, RecordingKeyLog};
pub use pcap_in::{Capture, load_capture};
pub use pcap_out::{save_pcapng, to_pcapng};
pub use tap::{Tap, TapRecording};
pub use transcript::{Chunk, Direction, Recorder, Transcript};

/// Errors from reading or writing recordings and key logs.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// File could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// A recording file that is not in the documented format.
    #[error("{path}: not a tlsight recording: {reason}")]
    BadRecording {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A packet capture that cannot be read or written.
    #[error("{path}: {reason}")]
    BadCapture {
        /// The file.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// A key-log line that is not in NSS key-log format.
    #[error("{path}:{line}: not an NSS key-log line: {reason}")]
    BadKeyLog {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        reason: String,
    },
}
