//! Shared test helpers: peers on loopback (openssl s_server, fake servers) and the test PKI.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Path of a file under the repository root.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// A free loopback port (bound then released; fine for tests that start a peer right away).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind ephemeral port")
}

/// `openssl s_server` on 127.0.0.1, killed on drop.
pub struct OpensslServer {
    child: Child,
    pub port: u16,
}

impl OpensslServer {
    /// Starts `openssl s_server -accept PORT <args>` and waits until it accepts connections.
    pub fn start(args: &[&str]) -> Self {
        for _attempt in 0..5 {
            let port = free_port();
            let mut child = Command::new("openssl")
                .arg("s_server")
                .args(["-accept", &port.to_string(), "-naccept", "50"])
                .args(args)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("openssl s_server (install openssl)");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Self { child, port };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("openssl s_server did not start with {args:?}");
    }

    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP server on loopback that answers every connection with `behaviour`.
pub struct FakeServer {
    pub addr: SocketAddr,
}

impl FakeServer {
    /// `behaviour` gets each accepted socket; the listener lives until the test ends.
    pub fn start(behaviour: fn(TcpStream)) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                std::thread::spawn(move || behaviour(s));
            }
        });
        Self { addr }
    }

    pub fn target(&self) -> String {
        self.addr.to_string()
    }
}

/// Reads whatever the client sent first (its ClientHello), with a bound on time.
pub fn read_hello(s: &mut TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = [0u8; 4096];
    let _ = s.read(&mut buf);
}

/// Writes and lingers so the client reads before the close.
pub fn reply(mut s: TcpStream, bytes: &[u8]) {
    read_hello(&mut s);
    let _ = s.write_all(bytes);
    let _ = s.flush();
    std::thread::sleep(Duration::from_millis(200));
}
