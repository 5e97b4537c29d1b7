//! A tap: where connections made deep inside a command (every probe of an audit, the several
//! handshakes of `mitm`) leave their transcripts and secrets when the user asked for a capture
//! (`--pcap`). Cheap to pass around (`Option<&'static Tap>` keeps option structs `Copy`).

use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

use super::{Direction, KeyLogSecrets, Transcript};

/// Collected transcripts and key-log secrets, in the order connections finished.
#[derive(Debug, Default)]
pub struct Tap {
    inner: Mutex<(Vec<Transcript>, KeyLogSecrets)>,
}

impl Tap {
    /// A tap that lives for the rest of the process (one per command run), so settings that
    /// must stay `Copy` can hold a reference to it.
    pub fn leak() -> &'static Self {
        Box::leak(Box::default())
    }

    /// Adds one connection's transcript and the secrets that decrypt it.
    pub fn push(&self, transcript: Transcript, secrets: &KeyLogSecrets) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        g.0.push(transcript);
        for e in secrets.entries() {
            g.1.insert(e);
        }
    }

    /// Everything collected so far.
    pub fn take(&self) -> (Vec<Transcript>, KeyLogSecrets) {
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *g)
    }
}

/// Taps compare by identity: two settings are equal only if they feed the same tap.
impl PartialEq for Tap {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for Tap {}

/// One connection being recorded into a tap (or nothing, without a tap); the transcript goes
/// into the tap when this is dropped, so every exit path of the caller records.
#[derive(Debug)]
pub struct TapRecording {
    tap: Option<&'static Tap>,
    start: Instant,
    transcript: Transcript,
}

impl TapRecording {
    /// Starts recording a connection from `client` to `server`.
    pub fn start(
        tap: Option<&'static Tap>,
        client: Option<SocketAddr>,
        server: SocketAddr,
    ) -> Self {
        Self {
            tap,
            start: Instant::now(),
            transcript: Transcript::new(Some(server.to_string()))
                .with_endpoints(client, Some(server)),
        }
    }

    /// Notes bytes that crossed the socket.
    pub fn note(&mut self, dir: Direction, data: &[u8]) {
        if self.tap.is_some() {
            let t_us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.transcript.push_bytes(dir, t_us, data);
        }
    }
}

impl Drop for TapRecording {
    fn drop(&mut self) {
        if let Some(tap) = self.tap {
            tap.push(
                std::mem::take(&mut self.transcript),
                &KeyLogSecrets::default(),
            );
        }
    }
}
