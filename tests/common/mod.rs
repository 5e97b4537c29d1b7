//! Shared test helpers: peers on loopback (openssl s_server, fake servers) and the test PKI.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
    /// Starts `openssl s_server <args>` on an ephemeral loopback port.
    pub fn start(args: &[&str]) -> Self {
        let (child, addr) = spawn_s_server(args);
        Self {
            child,
            port: addr.port(),
        }
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

/// Spawns `openssl s_server -accept 127.0.0.1:0 <args>` and learns its port from the `ACCEPT`
/// line it prints: the kernel picks the port while s_server binds it, so no other socket can
/// take it in between (picking a free port first and passing it on races with every other
/// connection the test suite makes). Do not pass `-quiet`, which silences that line.
pub fn spawn_s_server<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (Child, SocketAddr) {
    use std::io::BufRead;
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server (install openssl)");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    // Keep draining stdout so s_server never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(a) = line.strip_prefix("ACCEPT ") {
                let _ = tx.send(a.trim().to_string());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(10)) {
        Ok(a) => {
            let addr: SocketAddr = a.parse().expect("ACCEPT address");
            (child, addr)
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "openssl s_server did not start with {:?}",
                args.iter()
                    .map(|a| a.as_ref().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
            );
        }
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

/// `gnutls-serv` on 127.0.0.1 with the test PKI's RSA chain and a priority string, killed on
/// drop; `None` when GnuTLS' tools are not installed (callers say so on stderr).
pub struct GnutlsServer {
    child: Child,
    pub addr: SocketAddr,
}

impl GnutlsServer {
    pub fn start(priority: &str) -> Option<Self> {
        use std::time::Instant;
        // gnutls-serv cannot report a kernel-chosen port: pick one, and pick again if the
        // server exits because something took it meanwhile.
        for _attempt in 0..5 {
            let port = free_port();
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            let c = repo("certs");
            let mut child = Command::new("gnutls-serv")
                .args(["--port", &port.to_string(), "--priority", priority])
                .arg("--x509certfile")
                .arg(c.join("rsa2048-chain.pem"))
                .arg("--x509keyfile")
                .arg(c.join("rsa2048.key"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if TcpStream::connect(addr).is_ok() {
                    return Some(Self { child, addr });
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("gnutls-serv did not start with {priority}");
    }
}

impl Drop for GnutlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
