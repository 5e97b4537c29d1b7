//! STARTTLS: the plaintext exchange that turns a protocol's connection into a TLS one. One file
//! per protocol; each reads the server's greeting and capabilities, sends the upgrade command and
//! reads the go-ahead, recording every step with its time and bytes in an [`Exchange`]. A server
//! that does not offer the upgrade or refuses it is a finding ([`StarttlsError::NotOffered`],
//! [`StarttlsError::Refused`]), decoded from the protocol's own answer.
//!
//! What each protocol sends is listed in docs/starttls.md.

mod ftp;
mod imap;
mod ldap;
mod lines;
mod mysql;
mod pop3;
mod postgres;
mod smtp;
mod xmpp;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::Target;

/// A protocol with a STARTTLS upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    /// SMTP (RFC 3207): EHLO, STARTTLS, 220.
    Smtp,
    /// IMAP (RFC 3501 §6.2.1): CAPABILITY, STARTTLS, OK.
    Imap,
    /// POP3 (RFC 2595 §4): CAPA, STLS, +OK.
    Pop3,
    /// FTP (RFC 4217): FEAT, AUTH TLS, 234.
    Ftp,
    /// LDAP (RFC 4511 §4.14): the StartTLS extended operation.
    Ldap,
    /// XMPP client-to-server (RFC 6120 §5): stream header, features, starttls, proceed.
    Xmpp,
    /// PostgreSQL: SSLRequest, 'S'.
    Postgres,
    /// MySQL / MariaDB: the server's greeting, an SSL request packet.
    Mysql,
}

impl Protocol {
    /// Every protocol, in documentation order.
    pub const ALL: [Protocol; 8] = [
        Protocol::Smtp,
        Protocol::Imap,
        Protocol::Pop3,
        Protocol::Ftp,
        Protocol::Ldap,
        Protocol::Xmpp,
        Protocol::Postgres,
        Protocol::Mysql,
    ];

    /// The lower-case name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Smtp => "smtp",
            Protocol::Imap => "imap",
            Protocol::Pop3 => "pop3",
            Protocol::Ftp => "ftp",
            Protocol::Ldap => "ldap",
            Protocol::Xmpp => "xmpp",
            Protocol::Postgres => "postgres",
            Protocol::Mysql => "mysql",
        }
    }

    /// Parses a command-line name (`postgresql`, `mariadb` accepted too).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "smtp" => Protocol::Smtp,
            "imap" => Protocol::Imap,
            "pop3" => Protocol::Pop3,
            "ftp" => Protocol::Ftp,
            "ldap" => Protocol::Ldap,
            "xmpp" => Protocol::Xmpp,
            "postgres" | "postgresql" => Protocol::Postgres,
            "mysql" | "mariadb" => Protocol::Mysql,
            _ => return None,
        })
    }

    /// The protocol a well-known plaintext port implies (25, 587, 143, 110, 21, 389, 5222,
    /// 5432, 3306).
    pub fn for_port(port: u16) -> Option<Self> {
        Some(match port {
            25 | 587 => Protocol::Smtp,
            143 => Protocol::Imap,
            110 => Protocol::Pop3,
            21 => Protocol::Ftp,
            389 => Protocol::Ldap,
            5222 => Protocol::Xmpp,
            5432 => Protocol::Postgres,
            3306 => Protocol::Mysql,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Protocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What to upgrade with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starttls {
    /// The protocol.
    pub protocol: Protocol,
    /// XMPP: the domain in the stream header's `to` (default: the target host).
    pub xmpp_host: Option<String>,
    /// Chosen from the port rather than asked for (shown in the output).
    pub from_port: bool,
}

impl Starttls {
    /// An explicit choice.
    pub fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            xmpp_host: None,
            from_port: false,
        }
    }
}

/// Who sent a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// Us.
    Client,
    /// The server.
    Server,
}

/// One message of the plaintext exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Who sent it.
    pub from: Side,
    /// What it is: "banner", "capabilities", "command", "go-ahead", "refusal", …
    pub role: &'static str,
    /// Microseconds since the TCP connection was ready.
    pub t_us: u64,
    /// Human-readable form (the text lines; a decoding for binary protocols).
    pub text: String,
    /// The bytes as sent.
    #[serde(serialize_with = "hex_ser")]
    pub raw: Vec<u8>,
}

/// The whole plaintext exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exchange {
    /// The protocol.
    pub protocol: Protocol,
    /// Chosen from the well-known port.
    pub from_port: bool,
    /// The steps in order.
    pub steps: Vec<Step>,
    /// Whether the server agreed to start TLS.
    pub upgraded: bool,
    /// Microseconds the exchange took.
    pub elapsed_us: u64,
}

/// Why the upgrade did not happen. Each keeps the exchange so far.
#[derive(Debug, thiserror::Error)]
pub enum StarttlsError {
    /// The server's capabilities do not list the upgrade.
    #[error("{} server does not offer STARTTLS: {detail}", exchange.protocol)]
    NotOffered {
        /// What the server said instead.
        detail: String,
        /// The exchange.
        exchange: Box<Exchange>,
    },
    /// The server answered the upgrade command with an error.
    #[error("{} server refused STARTTLS: {detail}", exchange.protocol)]
    Refused {
        /// The server's answer.
        detail: String,
        /// The exchange.
        exchange: Box<Exchange>,
    },
    /// The server said something the protocol does not allow here.
    #[error("{} server: {detail}", exchange.protocol)]
    Protocol {
        /// What was expected and what came.
        detail: String,
        /// The exchange.
        exchange: Box<Exchange>,
    },
    /// No answer in time.
    #[error("{} server sent nothing for {secs:.1}s during the STARTTLS exchange{}", exchange.protocol, waiting_for(exchange))]
    Timeout {
        /// The limit.
        secs: f64,
        /// The exchange.
        exchange: Box<Exchange>,
    },
    /// The server closed the connection or a socket error.
    #[error("{} server: {detail} during the STARTTLS exchange", exchange.protocol)]
    Io {
        /// What happened.
        detail: String,
        /// The exchange.
        exchange: Box<Exchange>,
    },
}

fn hex_ser<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&hex::encode(b))
}

fn waiting_for(x: &Exchange) -> String {
    match x.steps.last() {
        None => " (no greeting)".into(),
        Some(s) if s.from == Side::Client => format!(" (after our {})", s.role),
        Some(s) => format!(" (after its {})", s.role),
    }
}

impl StarttlsError {
    /// The exchange up to the failure.
    pub fn exchange(&self) -> &Exchange {
        match self {
            StarttlsError::NotOffered { exchange, .. }
            | StarttlsError::Refused { exchange, .. }
            | StarttlsError::Protocol { exchange, .. }
            | StarttlsError::Timeout { exchange, .. }
            | StarttlsError::Io { exchange, .. } => exchange,
        }
    }

    /// Not offered or refused: a fact about the server, not a failure to run.
    pub fn is_finding(&self) -> bool {
        matches!(
            self,
            StarttlsError::NotOffered { .. } | StarttlsError::Refused { .. }
        )
    }
}

/// Internal failure kinds, turned into [`StarttlsError`] with the exchange attached.
#[derive(Debug)]
pub(crate) enum Fail {
    NotOffered(String),
    Refused(String),
    Protocol(String),
    Timeout,
    Io(String),
}

/// Largest single server message we accept (a capability list or greeting is a few KiB).
const MAX_MESSAGE: usize = 64 * 1024;

/// A plaintext conversation on the socket: deadline-bounded reads that never read past what
/// the protocol step needs (TLS starts right after the go-ahead), each step recorded.
pub(crate) struct Session<'a> {
    sock: &'a TcpStream,
    start: Instant,
    timeout: Duration,
    buf: Vec<u8>,
    exchange: Exchange,
}

impl<'a> Session<'a> {
    fn new(sock: &'a TcpStream, st: &Starttls, timeout: Duration) -> Self {
        Self {
            sock,
            start: Instant::now(),
            timeout,
            buf: Vec::new(),
            exchange: Exchange {
                protocol: st.protocol,
                from_port: st.from_port,
                steps: Vec::new(),
                upgraded: false,
                elapsed_us: 0,
            },
        }
    }

    fn now_us(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX)
    }

    /// Records a server step.
    pub(crate) fn server_step(&mut self, role: &'static str, raw: Vec<u8>, text: String) {
        let t_us = self.now_us();
        self.exchange.steps.push(Step {
            from: Side::Server,
            role,
            t_us,
            text,
            raw,
        });
    }

    /// Sends and records a client step.
    pub(crate) fn send(&mut self, role: &'static str, raw: &[u8], text: &str) -> Result<(), Fail> {
        let t_us = self.now_us();
        self.exchange.steps.push(Step {
            from: Side::Client,
            role,
            t_us,
            text: text.to_string(),
            raw: raw.to_vec(),
        });
        let mut s = self.sock;
        let _ = s.set_write_timeout(Some(self.timeout));
        s.write_all(raw).map_err(|e| io_fail(&e))
    }

    /// Sends a text line (CRLF added) and records it.
    pub(crate) fn send_line(&mut self, role: &'static str, line: &str) -> Result<(), Fail> {
        let raw = format!("{line}\r\n");
        self.send(role, raw.as_bytes(), line)
    }

    /// Reads until `done(buf)` returns the length of a complete message, which is taken out of
    /// the buffer. Reads byte-exactly only what arrives; a server never sends past its go-ahead
    /// before our ClientHello, so nothing of TLS is consumed.
    pub(crate) fn read_until(
        &mut self,
        done: impl Fn(&[u8]) -> Option<usize>,
    ) -> Result<Vec<u8>, Fail> {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(n) = done(&self.buf) {
                let rest = self.buf.split_off(n.min(self.buf.len()));
                return Ok(std::mem::replace(&mut self.buf, rest));
            }
            if self.buf.len() > MAX_MESSAGE {
                return Err(Fail::Protocol(format!(
                    "a message longer than {MAX_MESSAGE} bytes: \"{}\"",
                    preview(&self.buf)
                )));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(Fail::Timeout);
            }
            let mut s = self.sock;
            let _ = s.set_read_timeout(Some(left));
            let mut chunk = [0u8; 4096];
            match s.read(&mut chunk) {
                Ok(0) => {
                    return Err(Fail::Io(if self.buf.is_empty() {
                        "closed the connection".into()
                    } else {
                        format!("closed the connection after \"{}\"", preview(&self.buf))
                    }));
                }
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Err(Fail::Timeout);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(io_fail(&e)),
            }
        }
    }

    /// Reads whole lines until `last(first_line, line)` says `line` ends the server's reply:
    /// the one reader of the line protocols (SMTP and FTP coded replies, IMAP tagged answers,
    /// POP3 status lines and lists), each telling only where its replies end. Lines end at LF
    /// (CRLF or a bare LF).
    pub(crate) fn read_lines(
        &mut self,
        last: impl Fn(&[u8], &[u8]) -> bool,
    ) -> Result<Vec<u8>, Fail> {
        self.read_until(|b| {
            let first = &b[..memchr::memchr(b'\n', b)? + 1];
            let mut pos = 0;
            loop {
                let end = pos + memchr::memchr(b'\n', &b[pos..])? + 1;
                if last(first, &b[pos..end]) {
                    return Some(end);
                }
                pos = end;
            }
        })
    }

    /// [`Self::read_lines`], recorded as a server step.
    pub(crate) fn read_reply(
        &mut self,
        role: &'static str,
        last: impl Fn(&[u8], &[u8]) -> bool,
    ) -> Result<Vec<u8>, Fail> {
        let raw = self.read_lines(last)?;
        self.server_step(role, raw.clone(), text(&raw));
        Ok(raw)
    }

    /// Records the server's answer to the upgrade command: a go-ahead or a refusal.
    pub(crate) fn answer_step(&mut self, raw: Vec<u8>, accepted: bool) {
        let t = text(&raw);
        self.server_step(if accepted { "go-ahead" } else { "refusal" }, raw, t);
    }

    /// Reads `n` bytes exactly.
    pub(crate) fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, Fail> {
        self.read_until(|b| (b.len() >= n).then_some(n))
    }

    /// Bytes read but not consumed: must be empty when TLS starts.
    fn leftover(&self) -> &[u8] {
        &self.buf
    }

    fn finish(mut self, r: Result<(), Fail>) -> Result<Exchange, StarttlsError> {
        self.exchange.elapsed_us = self.now_us();
        let r = r.and_then(|()| {
            if self.leftover().is_empty() {
                Ok(())
            } else {
                Err(Fail::Protocol(format!(
                    "sent {} more bytes after its go-ahead, before our ClientHello: \"{}\"",
                    self.leftover().len(),
                    preview(self.leftover())
                )))
            }
        });
        let x = Box::new(self.exchange);
        match r {
            Ok(()) => {
                let mut x = *x;
                x.upgraded = true;
                Ok(x)
            }
            Err(Fail::NotOffered(detail)) => Err(StarttlsError::NotOffered {
                detail,
                exchange: x,
            }),
            Err(Fail::Refused(detail)) => Err(StarttlsError::Refused {
                detail,
                exchange: x,
            }),
            Err(Fail::Protocol(detail)) => Err(StarttlsError::Protocol {
                detail,
                exchange: x,
            }),
            Err(Fail::Timeout) => Err(StarttlsError::Timeout {
                secs: self.timeout.as_secs_f64(),
                exchange: x,
            }),
            Err(Fail::Io(detail)) => Err(StarttlsError::Io {
                detail,
                exchange: x,
            }),
        }
    }
}

fn io_fail(e: &std::io::Error) -> Fail {
    match e.kind() {
        ErrorKind::WouldBlock | ErrorKind::TimedOut => Fail::Timeout,
        ErrorKind::ConnectionReset => Fail::Io("reset the connection".into()),
        ErrorKind::BrokenPipe => Fail::Io("closed the connection".into()),
        _ => Fail::Io(e.to_string()),
    }
}

/// Printable text of server bytes: control characters but CR/LF/TAB shown as '.', at most 200.
pub(crate) fn preview(b: &[u8]) -> String {
    let s: String = b
        .iter()
        .take(200)
        .map(|&c| match c {
            b'\r' | b'\n' => ' ',
            0x20..=0x7e => c as char,
            _ => '.',
        })
        .collect();
    let s = s.trim().to_string();
    if b.len() > 200 { format!("{s}…") } else { s }
}

/// Text of a line-based message without the line ends.
pub(crate) fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the upgrade on `sock` (just connected, before any TLS byte).
pub fn upgrade(
    sock: &TcpStream,
    st: &Starttls,
    target: &Target,
    timeout: Duration,
) -> Result<Exchange, StarttlsError> {
    let mut s = Session::new(sock, st, timeout);
    let r = match st.protocol {
        Protocol::Smtp => smtp::run(&mut s),
        Protocol::Imap => imap::run(&mut s),
        Protocol::Pop3 => pop3::run(&mut s),
        Protocol::Ftp => ftp::run(&mut s),
        Protocol::Ldap => ldap::run(&mut s),
        Protocol::Xmpp => xmpp::run(
            &mut s,
            st.xmpp_host.as_deref().unwrap_or(target.host.as_str()),
        ),
        Protocol::Postgres => postgres::run(&mut s),
        Protocol::Mysql => mysql::run(&mut s),
    };
    s.finish(r)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Scripted servers on loopback for the per-protocol unit tests.
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::time::Duration;

    use super::*;

    /// A server step: send these bytes, or expect the client to send bytes starting with these.
    pub(crate) enum S {
        Send(&'static [u8]),
        Expect(&'static [u8]),
    }

    /// Runs `script` as the server and the upgrade as the client.
    pub(crate) fn run(proto: Protocol, script: Vec<S>) -> Result<Exchange, StarttlsError> {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            for step in script {
                match step {
                    S::Send(b) => c.write_all(b).unwrap(),
                    S::Expect(p) => {
                        let mut got = Vec::new();
                        let mut b = [0u8; 1];
                        while got.len() < p.len() && c.read(&mut b).unwrap_or(0) == 1 {
                            got.push(b[0]);
                        }
                        assert_eq!(String::from_utf8_lossy(&got), String::from_utf8_lossy(p));
                        // Swallow the rest of the client's message.
                        c.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
                        let mut rest = [0u8; 1024];
                        let _ = c.read(&mut rest);
                        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        });
        let sock = TcpStream::connect(addr).unwrap();
        let target = Target {
            host: "mail.example".into(),
            port: addr.port(),
        };
        let r = upgrade(
            &sock,
            &Starttls::new(proto),
            &target,
            Duration::from_secs(2),
        );
        drop(sock);
        let _ = server.join();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_names() {
        assert_eq!(Protocol::for_port(587), Some(Protocol::Smtp));
        assert_eq!(Protocol::for_port(443), None);
        for p in Protocol::ALL {
            assert_eq!(Protocol::parse(p.name()), Some(p));
        }
        assert_eq!(Protocol::parse("PostgreSQL"), Some(Protocol::Postgres));
        assert_eq!(Protocol::parse("http"), None);
    }
}
