//! Reaching a target through a proxy: HTTP CONNECT (RFC 9110 §9.3.6, with Basic credentials)
//! and SOCKS5 (RFC 1928, username/password RFC 1929, through the `tokio-socks` crate), with the
//! name resolved locally (`socks5://`) or by the proxy (`socks5h://`). `--proxy env` reads
//! `https_proxy` / `ALL_PROXY` and `no_proxy` ([`super::no_proxy`]); nothing reads the
//! environment otherwise.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::{Target, Timeouts};

/// Why a connection through a proxy failed.
#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    /// A `--proxy` that is not a proxy URL.
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
        /// Proxy URL (without credentials).
        proxy: String,
        /// HTTP status.
        status: u16,
        /// The status line.
        line: String,
    },
    /// The proxy rejected our credentials (or wanted some).
    #[error("proxy {proxy} rejected the credentials: {detail}")]
    Auth {
        /// Proxy URL (without credentials).
        proxy: String,
        /// What it said.
        detail: String,
    },
    /// The proxy did not answer in time.
    #[error("proxy {proxy} did not answer {what} within {secs:.1}s")]
    ProxyTimeout {
        /// Proxy URL.
        proxy: String,
        /// "CONNECT" or "the SOCKS5 negotiation".
        what: &'static str,
        /// The limit.
        secs: f64,
    },
    /// The proxy misbehaved or could not reach the target.
    #[error("proxy {proxy}: {detail}")]
    Proxy {
        /// Proxy URL.
        proxy: String,
        /// What happened.
        detail: String,
    },
}

/// Largest proxy response head we read before giving up (a CONNECT reply is a few lines).
const MAX_HEAD: usize = 16 * 1024;

/// Which proxy protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProxyKind {
    /// HTTP CONNECT.
    Http,
    /// SOCKS5, the target's name resolved here.
    Socks5,
    /// SOCKS5, the target's name sent to the proxy (remote DNS).
    Socks5h,
}

/// A proxy: kind, address and optional credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// Protocol.
    pub kind: ProxyKind,
    /// The proxy's address.
    pub addr: Target,
    /// user, password.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the password.
        write!(f, "Proxy({self})")
    }
}

impl Proxy {
    /// Parses `http://[user:pass@]HOST[:PORT]` (port 8080 by default),
    /// `socks5://…` or `socks5h://…` (port 1080 by default). Percent-escapes in the
    /// credentials are decoded.
    pub fn parse(s: &str) -> Result<Self, ProxyError> {
        let bad = |reason: &str| ProxyError::BadProxy {
            proxy: redact(s),
            reason: reason.to_string(),
        };
        let (kind, rest, default_port) = if let Some(r) = s.strip_prefix("http://") {
            (ProxyKind::Http, r, 8080)
        } else if let Some(r) = s.strip_prefix("socks5h://") {
            (ProxyKind::Socks5h, r, 1080)
        } else if let Some(r) = s.strip_prefix("socks5://") {
            (ProxyKind::Socks5, r, 1080)
        } else {
            return Err(bad(
                "expected http://HOST:PORT (HTTP CONNECT), socks5://HOST:PORT, socks5h://HOST:PORT or env",
            ));
        };
        let rest = rest.trim_end_matches('/');
        let (creds, hostport) = match rest.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, rest),
        };
        if hostport.contains('/') {
            return Err(bad("a proxy URL has no path"));
        }
        let credentials = match creds {
            None => None,
            Some(c) => {
                let (u, p) = c.split_once(':').unwrap_or((c, ""));
                let (u, p) = (
                    percent_decode(u).ok_or_else(|| bad("bad %-escape in the user name"))?,
                    percent_decode(p).ok_or_else(|| bad("bad %-escape in the password"))?,
                );
                if u.is_empty() {
                    return Err(bad("empty user name"));
                }
                Some((u, p))
            }
        };
        let addr = Target::parse(hostport, default_port).map_err(|e| bad(&e.to_string()))?;
        Ok(Self {
            kind,
            addr,
            credentials,
        })
    }

    /// `--proxy env`: `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY`, first set wins.
    /// `Ok(None)` when none is set.
    pub fn from_env() -> Result<Option<Self>, ProxyError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// [`Self::from_env`] over any variable lookup (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ProxyError> {
        for k in ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"] {
            if let Some(v) = get(k).filter(|v| !v.trim().is_empty()) {
                return Self::parse(v.trim()).map(Some).map_err(|e| match e {
                    ProxyError::BadProxy { proxy, reason } => ProxyError::BadProxy {
                        proxy: format!("{proxy} (from {k})"),
                        reason,
                    },
                    other => other,
                });
            }
        }
        Ok(None)
    }

    /// Opens a tunnel to `target` over `tcp`, a fresh connection to the proxy.
    pub fn tunnel(
        &self,
        tcp: TcpStream,
        target: &Target,
        timeouts: Timeouts,
    ) -> Result<TcpStream, ProxyError> {
        match self.kind {
            ProxyKind::Http => connect_tunnel(tcp, target, timeouts.io, self),
            ProxyKind::Socks5 | ProxyKind::Socks5h => socks5(tcp, target, timeouts, self),
        }
    }
}

impl std::fmt::Display for Proxy {
    /// The URL without the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = match self.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5",
            ProxyKind::Socks5h => "socks5h",
        };
        match &self.credentials {
            Some((u, _)) => write!(f, "{scheme}://{u}:***@{}", self.addr),
            None => write!(f, "{scheme}://{}", self.addr),
        }
    }
}

fn redact(s: &str) -> String {
    match (s.find("://"), s.rfind('@')) {
        (Some(i), Some(j)) if j > i => {
            let creds = &s[i + 3..j];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &s[..i + 3], &s[j..])
        }
        _ => s.to_string(),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Sends CONNECT and reads the reply head; the socket is the tunnel when the proxy says 2xx.
pub fn connect_tunnel(
    mut tcp: TcpStream,
    target: &Target,
    timeout: Duration,
    proxy: &Proxy,
) -> Result<TcpStream, ProxyError> {
    let io = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            ProxyError::ProxyTimeout {
                proxy: proxy.to_string(),
                what: "CONNECT",
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
    let auth = match &proxy.credentials {
        Some((u, p)) => format!(
            "Proxy-Authorization: Basic {}\r\n",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        ),
        None => String::new(),
    };
    let req = format!(
        "CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n{auth}User-Agent: tlsight/{}\r\n\r\n",
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
                what: "CONNECT",
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
        tcp.set_read_timeout(Some(left.max(Duration::from_millis(1))))
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
        // 407 is the standard answer; some proxies (tinyproxy) answer 401 to bad credentials.
        Some(c @ (401 | 407))
            if version.starts_with("HTTP/1.") && (c == 407 || proxy.credentials.is_some()) =>
        {
            Err(ProxyError::Auth {
                proxy: proxy.to_string(),
                detail: format!(
                    "\"{status_line}\"{}",
                    if proxy.credentials.is_none() {
                        " (it wants credentials: http://USER:PASS@HOST:PORT)"
                    } else {
                        ""
                    }
                ),
            })
        }
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

/// SOCKS5 negotiation with `tokio-socks` on a private current-thread runtime, on its own
/// thread so that this blocking function is safe to call from anywhere.
fn socks5(
    tcp: TcpStream,
    target: &Target,
    timeouts: Timeouts,
    proxy: &Proxy,
) -> Result<TcpStream, ProxyError> {
    let err = |detail: String| ProxyError::Proxy {
        proxy: proxy.to_string(),
        detail,
    };
    // socks5: resolve here and send an address; socks5h: send the name.
    let dest: (String, u16) = match (proxy.kind, target.ip()) {
        (ProxyKind::Socks5, None) => {
            let addrs = super::resolve(target, timeouts.dns).map_err(|e| err(e.to_string()))?;
            (addrs[0].ip().to_string(), target.port)
        }
        _ => (target.host.clone(), target.port),
    };
    tcp.set_nonblocking(true)
        .map_err(|e| err(format!("cannot set up the socket: {e}")))?;
    let creds = proxy.credentials.clone();
    let limit = timeouts.io;
    let result = std::thread::scope(|scope| {
        scope
            .spawn(move || -> Result<TcpStream, tokio_socks::Error> {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(tokio_socks::Error::Io)?;
                rt.block_on(async move {
                    let sock = tokio::net::TcpStream::from_std(tcp)?;
                    let dest = (dest.0.as_str(), dest.1);
                    let fut = async {
                        match &creds {
                            Some((u, p)) => {
                                tokio_socks::tcp::Socks5Stream::connect_with_password_and_socket(
                                    sock, dest, u, p,
                                )
                                .await
                            }
                            None => {
                                tokio_socks::tcp::Socks5Stream::connect_with_socket(sock, dest)
                                    .await
                            }
                        }
                    };
                    let s = tokio::time::timeout(limit, fut).await.map_err(|_| {
                        tokio_socks::Error::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "timeout",
                        ))
                    })??;
                    let std = s.into_inner().into_std()?;
                    std.set_nonblocking(false)?;
                    Ok(std)
                })
            })
            .join()
    });
    match result {
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(socks_error(e, proxy, limit)),
        Err(_) => Err(err("SOCKS5 negotiation thread failed".into())),
    }
}

fn socks_error(e: tokio_socks::Error, proxy: &Proxy, limit: Duration) -> ProxyError {
    use tokio_socks::Error as E;
    let p = proxy.to_string();
    match e {
        E::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => ProxyError::ProxyTimeout {
            proxy: p,
            what: "the SOCKS5 negotiation",
            secs: limit.as_secs_f64(),
        },
        E::PasswordAuthFailure(code) => ProxyError::Auth {
            proxy: p,
            detail: format!("username/password authentication failed (status {code})"),
        },
        E::NoAcceptableAuthMethods => ProxyError::Auth {
            proxy: p,
            detail: if proxy.credentials.is_none() {
                "no acceptable authentication method (it wants credentials: socks5://USER:PASS@HOST:PORT)".into()
            } else {
                "no acceptable authentication method".into()
            },
        },
        E::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => ProxyError::Proxy {
            proxy: p,
            detail: "closed the connection during the SOCKS5 negotiation".into(),
        },
        other => ProxyError::Proxy {
            proxy: p,
            detail: format!("SOCKS5: {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proxy_urls() {
        let p = Proxy::parse("http://127.0.0.1:3128").unwrap();
        assert_eq!(p.addr.port, 3128);
        assert_eq!(p.to_string(), "http://127.0.0.1:3128");
        assert_eq!(Proxy::parse("http://[::1]/").unwrap().addr.port, 8080);
        let p = Proxy::parse("http://u%40x:p%3Aw@h:1").unwrap();
        assert_eq!(p.credentials, Some(("u@x".into(), "p:w".into())));
        assert_eq!(p.to_string(), "http://u@x:***@h:1");
        assert!(!format!("{p:?}").contains("p:w"));
        let s = Proxy::parse("socks5h://127.0.0.1").unwrap();
        assert_eq!((s.kind, s.addr.port), (ProxyKind::Socks5h, 1080));
        assert_eq!(
            Proxy::parse("socks5://a:b@127.0.0.1:9").unwrap().kind,
            ProxyKind::Socks5
        );
        for bad in [
            "127.0.0.1:3128",
            "https://p:1",
            "socks4://h:1",
            "http://:p@h:1",
            "http://h:1/x",
            "http://:1",
            "http://u:%zz@h:1",
        ] {
            assert!(Proxy::parse(bad).is_err(), "{bad}");
        }
        let e = Proxy::parse("ftp://u:secret@h").unwrap_err().to_string();
        assert!(!e.contains("secret"), "{e}");
    }

    #[test]
    fn env_order_and_absence() {
        let env = crate::net::env_lookup;
        assert_eq!(Proxy::from_lookup(env(&[])).unwrap(), None);
        let p = Proxy::from_lookup(env(&[
            ("ALL_PROXY", "socks5h://127.0.0.1:1"),
            ("https_proxy", "http://127.0.0.1:2"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(p.addr.port, 2);
        let p = Proxy::from_lookup(env(&[("ALL_PROXY", "socks5h://127.0.0.1:1")]))
            .unwrap()
            .unwrap();
        assert_eq!(p.kind, ProxyKind::Socks5h);
        let e = Proxy::from_lookup(env(&[("https_proxy", "nonsense")])).unwrap_err();
        assert!(e.to_string().contains("https_proxy"), "{e}");
    }
}
