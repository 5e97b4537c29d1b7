//! A minimal HTTP/1.0 GET for the URLs certificates point to (AIA caIssuers, CRL distribution
//! points): plain http by design, since those objects are signed. Written here because it is
//! tiny and bounded (timeouts, size and redirect limits); the x509 layer opens no sockets and
//! `tlsight verify --fetch` calls this.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use super::Target;

/// Limits for `--fetch`.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Per request: resolve + connect + whole response.
    pub timeout: Duration,
    /// Largest body accepted.
    pub max_bytes: usize,
    /// Redirects followed per URL.
    pub max_redirects: usize,
    /// Issuers fetched one after the other.
    pub max_aia_hops: usize,
    /// CRLs fetched.
    pub max_crls: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            max_bytes: 4 << 20,
            max_redirects: 3,
            max_aia_hops: 3,
            max_crls: 8,
        }
    }
}

/// GETs `url`; follows a few redirects; returns the body of a 200 response.
pub fn get(url: &str, limits: &Limits) -> Result<Vec<u8>, String> {
    let mut url = url.to_string();
    for _ in 0..=limits.max_redirects {
        match get_once(&url, limits)? {
            Response::Body(b) => return Ok(b),
            Response::Redirect(to) => url = to,
        }
    }
    Err(format!("more than {} redirects", limits.max_redirects))
}

enum Response {
    Body(Vec<u8>),
    Redirect(String),
}

fn get_once(url: &str, limits: &Limits) -> Result<Response, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are fetched"))?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let target = Target::parse(authority, 80).map_err(|e| format!("{url}: {e}"))?;
    let deadline = Instant::now() + limits.timeout;
    let addrs = super::resolve(&target, limits.timeout).map_err(|e| format!("{url}: {e}"))?;
    let mut sock = super::connect(&addrs, limits.timeout).map_err(|e| format!("{url}: {e}"))?;
    let _ = sock.set_write_timeout(Some(limits.timeout));
    let host = if target.port == 80 {
        target.host.clone()
    } else {
        authority.to_string()
    };
    let req = format!(
        "GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: tlsight\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    sock.write_all(req.as_bytes())
        .map_err(|e| format!("{url}: send: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "{url}: no complete answer within {:?}",
                limits.timeout
            ));
        }
        let _ = sock.set_read_timeout(Some(left));
        match sock.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.len() > limits.max_bytes + 16384 {
                    return Err(format!(
                        "{url}: response larger than {} bytes",
                        limits.max_bytes
                    ));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("{url}: receive: {e}")),
        }
    }
    parse_response(url, &buf, limits)
}

fn parse_response(url: &str, buf: &[u8], limits: &Limits) -> Result<Response, String> {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("{url}: not an HTTP response"))?;
    let head = String::from_utf8_lossy(&buf[..end]);
    let body = &buf[end + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("{url}: bad status line {status_line:?}"))?;
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    match status {
        200 => {
            if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
                return Err(format!("{url}: chunked response to an HTTP/1.0 request"));
            }
            if body.len() > limits.max_bytes {
                return Err(format!(
                    "{url}: response larger than {} bytes",
                    limits.max_bytes
                ));
            }
            Ok(Response::Body(body.to_vec()))
        }
        301 | 302 | 303 | 307 | 308 => header("location")
            .map(Response::Redirect)
            .ok_or_else(|| format!("{url}: redirect {status} without Location")),
        _ => Err(format!("{url}: HTTP status {status}")),
    }
}
