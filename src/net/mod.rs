//! Below TLS: everything between "HOST:PORT" and a socket ready for a ClientHello. Name
//! resolution and TCP connect with timeouts, the way out through a proxy ([`proxy`]: HTTP
//! CONNECT, SOCKS5; [`no_proxy`] for `--proxy env`) and the protocol's plaintext upgrade ([`starttls`]: SMTP, IMAP, POP3, FTP,
//! LDAP, XMPP, PostgreSQL, MySQL). The rustls handshake, the audit's probes and `mitm` all open
//! their connections through [`open`], so each gets the same proxy and the same upgrade.
//!
//! Blocking by design (std sockets with deadlines); async callers run [`open`] in
//! `spawn_blocking` and convert the socket ([`open_async`]). The one non-blocking path is
//! [`connect_async`]: a plain TCP connect on tokio, for `scan`'s thousands of direct
//! connections, classified exactly like [`connect`].

pub mod no_proxy;
pub mod proxy;
pub mod starttls;
pub mod target;

use std::io::ErrorKind;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

pub use no_proxy::NoProxy;
pub use proxy::{Proxy, ProxyError, ProxyKind};
pub use starttls::{Exchange, Protocol, Starttls, StarttlsError};
pub use target::Target;

/// Why a connection could not be opened (up to and including the STARTTLS upgrade).
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// The target string is not `HOST[:PORT]`.
    #[error("bad target '{target}': {reason}")]
    BadTarget {
        /// What was given.
        target: String,
        /// What is wrong.
        reason: String,
    },
    /// Name resolution failed.
    #[error("DNS lookup of {host} failed: {reason}")]
    Dns {
        /// The name.
        host: String,
        /// Resolver message.
        reason: String,
    },
    /// No answer from the resolver in time.
    #[error("DNS lookup of {host} timed out after {secs:.1}s")]
    DnsTimeout {
        /// The name.
        host: String,
        /// The limit.
        secs: f64,
    },
    /// TCP connect failed (refused, unreachable).
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// The address.
        addr: String,
        /// OS message.
        reason: String,
    },
    /// TCP connect did not finish in time.
    #[error("connection to {addr} timed out after {secs:.1}s")]
    ConnectTimeout {
        /// The address.
        addr: String,
        /// The limit.
        secs: f64,
    },
    /// The proxy failed or refused.
    #[error(transparent)]
    Proxy(#[from] ProxyError),
    /// The plaintext upgrade failed or was refused.
    #[error(transparent)]
    Starttls(#[from] StarttlsError),
}

impl NetError {
    /// Whether this is a finding about the server (it does not offer or refuses the upgrade)
    /// rather than a failure to run: verify and audit `--policy` exit 1 on it.
    pub fn is_finding(&self) -> bool {
        matches!(self, NetError::Starttls(e) if e.is_finding())
    }

    /// The plaintext exchange so far, when the upgrade failed.
    pub fn exchange(&self) -> Option<&Exchange> {
        match self {
            NetError::Starttls(e) => Some(e.exchange()),
            _ => None,
        }
    }
}

/// How to reach a server: directly or through a proxy, with or without a STARTTLS upgrade.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetOptions {
    /// Go through this proxy.
    pub proxy: Option<Proxy>,
    /// Upgrade with this protocol before TLS.
    pub starttls: Option<Starttls>,
}

/// Limits for opening a connection; [`Timeouts::uniform`] is the usual choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Name resolution.
    pub dns: Duration,
    /// TCP connect, per address.
    pub connect: Duration,
    /// The proxy's answer, and each read of the plaintext exchange.
    pub io: Duration,
}

impl Timeouts {
    /// Every phase bounded by `d`.
    pub fn uniform(d: Duration) -> Self {
        Self {
            dns: d,
            connect: d,
            io: d,
        }
    }
}

/// Milliseconds spent in each phase of opening.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct OpenTimings {
    /// Name resolution (0 for IP literals and when the proxy resolves).
    pub dns: f64,
    /// TCP connect (to the proxy, through a proxy).
    pub tcp_connect: f64,
    /// The proxy's tunnel set-up.
    pub proxy: f64,
    /// The STARTTLS exchange.
    pub starttls: f64,
}

/// A socket ready for the ClientHello (`S`: the socket type; `()` once it was taken out).
#[derive(Debug)]
pub struct Opened<S = TcpStream> {
    /// The socket.
    pub stream: S,
    /// The address connected to (the proxy's, through a proxy).
    pub address: SocketAddr,
    /// Phase timings.
    pub timings: OpenTimings,
    /// The plaintext exchange before TLS, with STARTTLS.
    pub exchange: Option<Exchange>,
}

/// Resolves the target with a timeout (std's resolver has none, so it runs on a thread).
pub fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>, NetError> {
    if let Some(ip) = target.ip() {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let query = (target.host.clone(), target.port);
    std::thread::spawn(move || {
        let _ = tx.send(query.to_socket_addrs().map(|a| a.collect::<Vec<_>>()));
    });
    match rx.recv_timeout(timeout) {
        Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
        Ok(Ok(_)) => Err(NetError::Dns {
            host: target.host.clone(),
            reason: "no addresses".into(),
        }),
        Ok(Err(e)) => Err(NetError::Dns {
            host: target.host.clone(),
            reason: e.to_string(),
        }),
        Err(_) => Err(NetError::DnsTimeout {
            host: target.host.clone(),
            secs: timeout.as_secs_f64(),
        }),
    }
}

/// Connects to the first address that answers.
pub fn connect(addrs: &[SocketAddr], timeout: Duration) -> Result<TcpStream, NetError> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) if e.kind() == ErrorKind::TimedOut || e.kind() == ErrorKind::WouldBlock => {
                last = Some(NetError::ConnectTimeout {
                    addr: addr.to_string(),
                    secs: timeout.as_secs_f64(),
                })
            }
            Err(e) => {
                last = Some(NetError::Connect {
                    addr: addr.to_string(),
                    reason: io_reason(&e),
                })
            }
        }
    }
    Err(last.unwrap_or_else(|| NetError::Connect {
        addr: "(none)".into(),
        reason: "no address to connect to".into(),
    }))
}

/// Connects to `addr` on tokio within `timeout`: the plain route of [`open`] without a thread
/// per connection (`scan` keeps thousands in flight). Errors as [`connect`] gives them.
pub async fn connect_async(
    addr: SocketAddr,
    timeout: Duration,
) -> Result<tokio::net::TcpStream, NetError> {
    match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
        Err(_) => Err(NetError::ConnectTimeout {
            addr: addr.to_string(),
            secs: timeout.as_secs_f64(),
        }),
        Ok(Err(e)) if e.kind() == ErrorKind::TimedOut => Err(NetError::ConnectTimeout {
            addr: addr.to_string(),
            secs: timeout.as_secs_f64(),
        }),
        Ok(Err(e)) => Err(NetError::Connect {
            addr: addr.to_string(),
            reason: io_reason(&e),
        }),
        Ok(Ok(s)) => {
            let _ = s.set_nodelay(true);
            Ok(s)
        }
    }
}

/// [`open`] for async callers: runs on tokio's blocking pool (the proxy and STARTTLS
/// exchanges are blocking code) and hands back a tokio socket with the same phase timings and
/// exchange. Each phase is bounded by `timeouts`, so the thread ends on its own even when the
/// caller stopped waiting.
pub async fn open_async(
    target: Target,
    opts: NetOptions,
    timeouts: Timeouts,
) -> Result<(tokio::net::TcpStream, Opened<()>), NetError> {
    let Opened {
        stream,
        address,
        timings,
        exchange,
    } = tokio::task::spawn_blocking(move || open(&target, &opts, timeouts))
        .await
        .map_err(|e| NetError::Connect {
            addr: "(connection thread)".into(),
            reason: e.to_string(),
        })??;
    let stream = stream
        .set_nonblocking(true)
        .and_then(|()| tokio::net::TcpStream::from_std(stream))
        .map_err(|e| NetError::Connect {
            addr: address.to_string(),
            reason: e.to_string(),
        })?;
    Ok((
        stream,
        Opened {
            stream: (),
            address,
            timings,
            exchange,
        },
    ))
}

/// Short OS error text for the common cases.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused".into(),
        ErrorKind::HostUnreachable => "host unreachable".into(),
        ErrorKind::NetworkUnreachable => "network unreachable".into(),
        _ => e.to_string(),
    }
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

/// Opens a connection to `target` as `opts` says: resolve and connect (or let the proxy do
/// it), then the STARTTLS exchange. Blocking.
pub fn open(target: &Target, opts: &NetOptions, timeouts: Timeouts) -> Result<Opened, NetError> {
    let mut timings = OpenTimings::default();
    let (stream, address) = match &opts.proxy {
        None => {
            let t = Instant::now();
            let addrs = resolve(target, timeouts.dns)?;
            if target.ip().is_none() {
                timings.dns = ms(t.elapsed());
            }
            let t = Instant::now();
            let s = connect(&addrs, timeouts.connect)?;
            timings.tcp_connect = ms(t.elapsed());
            let a = peer(&s)?;
            (s, a)
        }
        Some(p) => {
            let t = Instant::now();
            let addrs = resolve(&p.addr, timeouts.dns)?;
            let s = connect(&addrs, timeouts.connect)?;
            timings.tcp_connect = ms(t.elapsed());
            let a = peer(&s)?;
            let t = Instant::now();
            let s = p.tunnel(s, target, timeouts)?;
            timings.proxy = ms(t.elapsed());
            (s, a)
        }
    };
    let _ = stream.set_nodelay(true);
    let exchange = match &opts.starttls {
        None => None,
        Some(st) => {
            let t = Instant::now();
            let x = starttls::upgrade(&stream, st, target, timeouts.io)?;
            timings.starttls = ms(t.elapsed());
            Some(x)
        }
    };
    Ok(Opened {
        stream,
        address,
        timings,
        exchange,
    })
}

fn peer(s: &TcpStream) -> Result<SocketAddr, NetError> {
    s.peer_addr().map_err(|e| NetError::Connect {
        addr: "(peer)".into(),
        reason: e.to_string(),
    })
}

/// A target together with how to reach it; shared by every connection of an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The server (by name, so a proxy can resolve it).
    pub target: Target,
    /// Proxy and upgrade.
    pub net: NetOptions,
}

impl Route {
    /// Whether this route needs more than a plain TCP connect.
    pub fn is_plain(&self) -> bool {
        self.net == NetOptions::default()
    }
}

/// How a prober reaches its server: straight to an address, or along a [`Route`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialer {
    /// The address probes go to (the proxy's with a proxy).
    pub addr: SocketAddr,
    /// Proxy and STARTTLS; `None` is a plain connect to `addr`.
    pub route: Option<Route>,
}

impl Dialer {
    /// A plain dialer to `addr`.
    pub fn direct(addr: SocketAddr) -> Self {
        Self { addr, route: None }
    }

    /// What [`open`] is called with: the address already chosen unless a proxy resolves the
    /// name, and XMPP's domain kept from the target.
    pub fn plan(&self) -> (Target, NetOptions) {
        let by_addr = Target {
            host: self.addr.ip().to_string(),
            port: self.addr.port(),
        };
        let Some(r) = &self.route else {
            return (by_addr, NetOptions::default());
        };
        let target = if r.net.proxy.is_some() {
            r.target.clone()
        } else {
            by_addr
        };
        let mut net = r.net.clone();
        // XMPP's stream names the domain, not the address we connect to.
        if let Some(st) = net.starttls.as_mut()
            && st.xmpp_host.is_none()
        {
            st.xmpp_host = Some(r.target.host.clone());
        }
        (target, net)
    }

    /// Opens a connection ready for the ClientHello (blocking).
    pub fn open(&self, timeout: Duration) -> Result<Opened, NetError> {
        match &self.route {
            None => {
                let t = Instant::now();
                let stream = connect(&[self.addr], timeout)?;
                let _ = stream.set_nodelay(true);
                Ok(Opened {
                    stream,
                    address: self.addr,
                    timings: OpenTimings {
                        tcp_connect: ms(t.elapsed()),
                        ..OpenTimings::default()
                    },
                    exchange: None,
                })
            }
            Some(_) => {
                let (target, net) = self.plan();
                open(&target, &net, Timeouts::uniform(timeout))
            }
        }
    }
}

/// A stand-in for `std::env::var` over fixed pairs, for the environment readers' tests.
#[cfg(test)]
pub(crate) fn env_lookup(
    pairs: &'static [(&'static str, &'static str)],
) -> impl Fn(&str) -> Option<String> {
    move |k| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    }
}
