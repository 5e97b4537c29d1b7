//! The transcript: every byte both ways, in order, with time offsets from the start of the
//! connection. This is also the on-disk recording format (`tlsight handshake --record FILE`,
//! `tlsight decrypt FILE`): JSON, documented in docs/recording.md.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use super::CaptureError;

/// Which way bytes travelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// Client to server.
    #[serde(rename = "client")]
    ClientToServer,
    /// Server to client.
    #[serde(rename = "server")]
    ServerToClient,
}

impl Direction {
    /// "client" or "server": who sent the bytes.
    pub fn sender(self) -> &'static str {
        match self {
            Self::ClientToServer => "client",
            Self::ServerToClient => "server",
        }
    }
}

/// One read or write as it happened on the socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    /// Who sent it.
    pub dir: Direction,
    /// Microseconds since the transcript started.
    pub t_us: u64,
    /// The bytes (base64 in the file).
    #[serde(with = "b64")]
    pub data: Vec<u8>,
}

/// Every chunk of a connection, in the order they crossed the socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transcript {
    /// Format version of the recording file; currently 1.
    pub format: u32,
    /// `host:port` the client connected to, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Wall-clock time of the start, microseconds since the Unix epoch (the origin of `t_us`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_unix_us: Option<u64>,
    /// The client's socket address, when known (a capture's TCP endpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<std::net::SocketAddr>,
    /// The server's socket address, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<std::net::SocketAddr>,
    /// Chunks in socket order.
    pub chunks: Vec<Chunk>,
}

/// Recording format version written by this build.
pub const RECORDING_FORMAT: u32 = 1;

impl Transcript {
    /// An empty transcript starting now.
    pub fn new(target: Option<String>) -> Self {
        Self {
            format: RECORDING_FORMAT,
            target,
            start_unix_us: unix_us(std::time::SystemTime::now()),
            client: None,
            server: None,
            chunks: Vec::new(),
        }
    }

    /// Appends bytes read or written at `t_us`. Consecutive writes in the same direction within
    /// 1 ms are merged: one flight, one chunk.
    pub fn push_bytes(&mut self, dir: Direction, t_us: u64, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        match self.chunks.last_mut() {
            Some(last) if last.dir == dir && t_us.saturating_sub(last.t_us) < 1000 => {
                last.data.extend_from_slice(data)
            }
            _ => self.chunks.push(Chunk {
                dir,
                t_us,
                data: data.to_vec(),
            }),
        }
    }

    /// Notes the TCP endpoints of the connection being recorded.
    pub fn with_endpoints(
        mut self,
        client: Option<std::net::SocketAddr>,
        server: Option<std::net::SocketAddr>,
    ) -> Self {
        self.client = client;
        self.server = server;
        self
    }

    /// All bytes one side sent, concatenated, with the start offset and time of each chunk.
    pub fn stream(&self, dir: Direction) -> (Vec<u8>, Vec<(usize, u64)>) {
        let mut bytes = Vec::new();
        let mut marks = Vec::new();
        for c in self.chunks.iter().filter(|c| c.dir == dir) {
            marks.push((bytes.len(), c.t_us));
            bytes.extend_from_slice(&c.data);
        }
        (bytes, marks)
    }

    /// Time (µs) at which byte `offset` of direction `dir`'s stream arrived, given the marks
    /// returned by [`Transcript::stream`].
    pub fn time_at(marks: &[(usize, u64)], offset: usize) -> u64 {
        match marks.binary_search_by(|(o, _)| o.cmp(&offset)) {
            Ok(i) => marks[i].1,
            Err(0) => 0,
            Err(i) => marks[i - 1].1,
        }
    }

    /// Writes the transcript as JSON.
    pub fn save(&self, path: &std::path::Path) -> Result<(), CaptureError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| CaptureError::BadRecording {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        std::fs::write(path, json).map_err(|source| CaptureError::Io {
            path: path.display().to_string(),
            source,
        })
    }

    /// Reads a transcript written by [`Transcript::save`].
    pub fn load(path: &std::path::Path) -> Result<Self, CaptureError> {
        let bytes = std::fs::read(path).map_err(|source| CaptureError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let t: Self = serde_json::from_slice(&bytes).map_err(|e| CaptureError::BadRecording {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        if t.format != RECORDING_FORMAT {
            return Err(CaptureError::BadRecording {
                path: path.display().to_string(),
                reason: format!("format {} (this build reads {RECORDING_FORMAT})", t.format),
            });
        }
        Ok(t)
    }
}

/// Microseconds since the Unix epoch (`None` for a clock before 1970).
pub fn unix_us(t: std::time::SystemTime) -> Option<u64> {
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| u64::try_from(d.as_micros()).ok())
}

mod b64 {
    use super::B64;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(v))
    }
    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        B64.decode(s.as_bytes()).map_err(serde::de::Error::custom)
    }
}

/// A transport wrapper that copies every byte read and written into a shared transcript.
/// Works for any blocking `Read + Write` (a `TcpStream`).
#[derive(Debug)]
pub struct Recorder<S> {
    inner: S,
    start: Instant,
    log: Arc<Mutex<Transcript>>,
}

impl<S> Recorder<S> {
    /// Wraps `inner`; times are measured from `start`.
    pub fn new(inner: S, start: Instant, log: Arc<Mutex<Transcript>>) -> Self {
        Self { inner, start, log }
    }

    /// The wrapped transport.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    fn record(&self, dir: Direction, data: &[u8]) {
        let t_us = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
        // A poisoned lock only means another recorder thread panicked; keep recording.
        let mut log = self.log.lock().unwrap_or_else(|p| p.into_inner());
        log.push_bytes(dir, t_us, data);
    }
}

impl<S: Read> Read for Recorder<S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.record(Direction::ServerToClient, &buf[..n]);
        Ok(n)
    }
}

impl<S: Write> Write for Recorder<S> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.record(Direction::ClientToServer, &buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recording_round_trips_through_json() {
        let mut t = Transcript::new(Some("127.0.0.1:443".into()));
        t.chunks.push(Chunk {
            dir: Direction::ClientToServer,
            t_us: 5,
            data: vec![22, 3, 1],
        });
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        t.save(&p).unwrap();
        assert_eq!(Transcript::load(&p).unwrap(), t);
        std::fs::write(&p, b"{\"format\":1}").unwrap();
        assert!(Transcript::load(&p).is_err());
    }

    #[test]
    fn time_at_finds_the_chunk_holding_an_offset() {
        let marks = [(0, 10), (100, 20), (250, 30)];
        assert_eq!(Transcript::time_at(&marks, 0), 10);
        assert_eq!(Transcript::time_at(&marks, 99), 10);
        assert_eq!(Transcript::time_at(&marks, 100), 20);
        assert_eq!(Transcript::time_at(&marks, 999), 30);
    }
}
