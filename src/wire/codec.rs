//! A bounds-checked reader over TLS wire bytes. Every read returns an error instead of panicking,
//! so the decoders above it are panic-free on arbitrary input.

use super::WireError;

/// Cursor over a byte slice; `what` names the structure being read, for error messages.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    /// Starts reading `buf`, which holds a `what` (e.g. "ClientHello").
    pub fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, pos: 0, what }
    }

    /// Bytes not yet consumed.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Number of bytes not yet consumed.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether everything was consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Current offset from the start of the buffer.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Takes exactly `n` bytes.
    pub fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], WireError> {
        if self.remaining() < n {
            return Err(WireError::Truncated {
                what: self.what,
                field,
                needed: n,
                available: self.remaining(),
            });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// Reads a u8.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, field)?[0])
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self, field: &'static str) -> Result<u16, WireError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// Reads a big-endian u24.
    pub fn u24(&mut self, field: &'static str) -> Result<u32, WireError> {
        let b = self.take(3, field)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, WireError> {
        let b = self.take(4, field)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// Reads a vector with a u8 length prefix.
    pub fn vec8(&mut self, field: &'static str) -> Result<&'a [u8], WireError> {
        let n = self.u8(field)? as usize;
        self.take(n, field)
    }

    /// Reads a vector with a u16 length prefix.
    pub fn vec16(&mut self, field: &'static str) -> Result<&'a [u8], WireError> {
        let n = self.u16(field)? as usize;
        self.take(n, field)
    }

    /// Reads a vector with a u24 length prefix.
    pub fn vec24(&mut self, field: &'static str) -> Result<&'a [u8], WireError> {
        let n = self.u24(field)? as usize;
        self.take(n, field)
    }

    /// Reads a list of u16 values from a vector whose byte length is `bytes` (must be even).
    pub fn u16_list(bytes: &'a [u8], what: &'static str) -> Result<Vec<u16>, WireError> {
        if !bytes.len().is_multiple_of(2) {
            return Err(WireError::Invalid {
                what,
                reason: format!("odd length {} for a list of 16-bit values", bytes.len()),
            });
        }
        Ok(bytes
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect())
    }

    /// Fails if bytes are left over.
    pub fn expect_end(&self) -> Result<(), WireError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(WireError::TrailingData {
                what: self.what,
                extra: self.remaining(),
            })
        }
    }
}

/// Appends `v` as big-endian u16.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends `v` as big-endian u24 (the caller guarantees `v < 2^24`).
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes()[1..]);
}

/// Appends `body` with a u8 length prefix; bodies longer than 255 bytes are truncated by the
/// caller's contract (builders only pass short bodies here).
pub fn put_vec8(out: &mut Vec<u8>, body: &[u8]) {
    let n = body.len().min(u8::MAX as usize);
    out.push(n as u8);
    out.extend_from_slice(&body[..n]);
}

/// Appends `body` with a u16 length prefix (truncated at 65535 bytes).
pub fn put_vec16(out: &mut Vec<u8>, body: &[u8]) {
    let n = body.len().min(u16::MAX as usize);
    put_u16(out, n as u16);
    out.extend_from_slice(&body[..n]);
}

/// Appends `body` with a u24 length prefix (truncated at 2^24-1 bytes).
pub fn put_vec24(out: &mut Vec<u8>, body: &[u8]) {
    let n = body.len().min(0xFF_FFFF);
    put_u24(out, n as u32);
    out.extend_from_slice(&body[..n]);
}
