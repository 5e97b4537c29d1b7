//! Reaching a target through an HTTP CONNECT proxy (used by `tlsight mitm --proxy`) (RFC 9110 §9.3.6): connect to the proxy,
//! ask for a tunnel, read the status line and headers, then hand the socket to
//! [`crate::handshake::inspect_stream`]. Every step is bounded by the inspection's timeouts.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use super::{HandshakeError, InspectOptions, Inspection, Target};

/// Why a connection through an HTTP CONNECT proxy failed.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A `--proxy` that is not `http://HOST:PORT`.
    #[error("bad proxy '{proxy}': {reason}")]
    BadProxy {
        /// As given.
        proxy: String,
        /// What is wrong.
        reason: String,
    },
    /// The proxy answered CONNECT with a non-2xx status.
    #[error("proxy {proxy} refused the tunnel: \"{line}\" (status {status})")]
    ProxyRefused {
        /// Proxy URL.
        proxy: String,
        /// HTTP status.
        status: u16,
        /// The status line.
        line: String,
    },
    /// The proxy did not answer in time.
    #[error("proxy {proxy} did not answer CONNECT within {secs:.1}s")]
    ProxyTimeout {
        /// Proxy URL.
        proxy: String,
        /// The limit.
        secs: f64,
    },
    /// The proxy misbehaved.
    #[error("proxy {proxy}: {detail}")]
    Proxy {
        /// Proxy URL.
        proxy: String,
        /// What happened.
        detail: String,
    },
    /// Resolving, connecting or the handshake itself failed.
    #[error(transparent)]
    Handshake(#[from] HandshakeError),
}

/// Largest proxy response head we read before giving up (a CONNECT reply is a few lines).
const MAX_HEAD: usize = 16 * 1024;

/// `http://HOST:PORT` of a proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyAddr {
    /// The proxy's address.
    pub target: Target,
}

impl ProxyAddr {
    /// Parses `http://HOST[:PORT]` (port 8080 when omitted; `https://` proxies are not supported).
    pub fn parse(s: &str) -> Result<Self, ProxyError> {
        let bad = |reason: &str| ProxyError::BadProxy {
            proxy: s.to_string(),
            reason: reason.to_string(),
        };
        let rest = s
            .strip_prefix("http://")
            .ok_or_else(|| bad("expected http://HOST:PORT (an HTTP CONNECT proxy)"))?;
        let rest = rest.trim_end_matches('/');
        if rest.contains('@') {
            return Err(bad("proxy credentials are not supported"));
        }
        if rest.contains('/') {
            return Err(bad("a proxy URL has no path"));
        }
        let target = Target::parse(rest, 8080).map_err(|e| bad(&e.to_string()))?;
        Ok(Self { target })
    }
}

impl std::fmt::Display for ProxyAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}", self.target)
    }
}

/// Opens a tunnel to `opts.target` through the proxy and runs the handshake in it.
pub fn inspect_via(opts: &InspectOptions, proxy: &ProxyAddr) -> Result<Inspection, ProxyError> {
    let t0 = Instant::now();
    let addrs = crate::handshake::resolve(&proxy.target, opts.timeouts.dns)?;
    let tcp = crate::handshake::connect(&addrs, opts.timeouts.connect)?;
    let address = tcp
        .peer_addr()
        .map_err(|e| HandshakeError::Io(e.to_string()))?;
    let tcp = connect_tunnel(tcp, &opts.target, opts.timeouts.handshake, proxy)?;
    let tunnel_ms = t0.elapsed().as_secs_f64() * 1000.0;
    Ok(crate::handshake::inspect_stream(
        opts, tcp, address, 0.0, tunnel_ms,
    )?)
}

/// Sends CONNECT and reads the reply head; the socket is the tunnel when the proxy says 2xx.
pub fn connect_tunnel(
    mut tcp: TcpStream,
    target: &Target,
    timeout: std::time::Duration,
    proxy: &ProxyAddr,
) -> Result<TcpStream, ProxyError> {
    let io = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            ProxyError::ProxyTimeout {
                proxy: proxy.to_string(),
                secs: timeout.as_secs_f64(),
            }
        } else {
            ProxyError::Proxy {
                proxy: proxy.to_string(),
                detail: e.to_string(),
            }
        }
    };
    tcp.set_read_timeout(Some(timeout)).map_err(io)?;
    tcp.set_write_timeout(Some(timeout)).map_err(io)?;
    let authority = target.to_string();
    let req = format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: tlsight/{}\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    );
    tcp.write_all(req.as_bytes()).map_err(io)?;
    let deadline = Instant::now() + timeout;
    // Byte by byte: the tunnel starts right after the blank line and must not be over-read.
    let mut head = Vec::with_capacity(256);
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if Instant::now() >= deadline {
            return Err(ProxyError::ProxyTimeout {
                proxy: proxy.to_string(),
                secs: timeout.as_secs_f64(),
            });
        }
        if head.len() >= MAX_HEAD {
            return Err(ProxyError::Proxy {
                proxy: proxy.to_string(),
                detail: format!("reply head longer than {MAX_HEAD} bytes"),
            });
        }
        // Each read waits only for what is left of the deadline (no slow-drip overrun).
        let left = deadline.saturating_duration_since(Instant::now());
        tcp.set_read_timeout(Some(left.max(std::time::Duration::from_millis(1))))
            .map_err(io)?;
        match tcp.read(&mut b).map_err(io)? {
            0 => {
                return Err(ProxyError::Proxy {
                    proxy: proxy.to_string(),
                    detail: if head.is_empty() {
                        "closed the connection without answering CONNECT".into()
                    } else {
                        format!(
                            "closed the connection mid-reply: \"{}\"",
                            String::from_utf8_lossy(&head).trim_end()
                        )
                    },
                });
            }
            _ => head.push(b[0]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let status_line = text.lines().next().unwrap_or_default().to_string();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(c) if version.starts_with("HTTP/1.") && (200..300).contains(&c) => Ok(tcp),
        Some(c) if version.starts_with("HTTP/1.") => Err(ProxyError::ProxyRefused {
            proxy: proxy.to_string(),
            status: c,
            line: status_line,
        }),
        _ => Err(ProxyError::Proxy {
            proxy: proxy.to_string(),
            detail: format!("not an HTTP reply: \"{status_line}\""),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proxy_urls() {
        let p = ProxyAddr::parse("http://127.0.0.1:3128").unwrap();
        assert_eq!(p.target.port, 3128);
        assert_eq!(p.to_string(), "http://127.0.0.1:3128");
        assert_eq!(ProxyAddr::parse("http://[::1]/").unwrap().target.port, 8080);
        for bad in [
            "127.0.0.1:3128",
            "https://p:1",
            "http://u:p@h:1",
            "http://h:1/x",
            "http://:1",
        ] {
            assert!(ProxyAddr::parse(bad).is_err(), "{bad}");
        }
    }
}
