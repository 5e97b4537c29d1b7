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
    let mut cmd = Command::new("openssl");
    cmd.args(["s_server", "-accept", "127.0.0.1:0"])
        .args(args)
        .stderr(Stdio::null());
    let what = format!(
        "openssl s_server {:?}",
        args.iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
    );
    spawn_until_accept(cmd, &what)
}

/// Spawns a server that prints `ACCEPT ADDR` once listening (s_server's convention, also used
/// by tests/pq/server.js) and returns it with that address; stdin is a pipe (the server may
/// treat its end as the signal to stop) and stdout is drained so it never blocks.
pub fn spawn_until_accept(mut cmd: Command, what: &str) -> (Child, SocketAddr) {
    use std::io::BufRead;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(a) = line.strip_prefix("ACCEPT ") {
                let _ = tx.send(a.trim().to_string());
            }
        }
    });
    match rx.recv_timeout(Duration::from_secs(20)) {
        Ok(a) => {
            let addr: SocketAddr = a.parse().expect("ACCEPT address");
            (child, addr)
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} did not start");
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

/// `openssl s_server -www` with the committed test PKI (RSA leaf + intermediate) plus `extra`.
pub fn test_pki_server(extra: &[&str]) -> OpensslServer {
    let (cert, key, chain) = (
        repo("certs/rsa2048.pem"),
        repo("certs/rsa2048.key"),
        repo("certs/intermediate.pem"),
    );
    let mut args = vec![
        "-www",
        "-cert",
        cert.to_str().unwrap(),
        "-key",
        key.to_str().unwrap(),
    ];
    args.extend(["-cert_chain", chain.to_str().unwrap()]);
    args.extend(extra);
    OpensslServer::start(&args)
}

/// Runs the tlsight binary: (exit code, stdout, stderr).
pub fn run_tlsight<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tlsight"))
        .args(args)
        .output()
        .expect("run tlsight");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether a tool that scripts/test.sh installs is here. Missing, the test may skip (loudly)
/// only when scripts/test.sh said the install failed (`skip_env` set); otherwise it fails.
pub fn tool_ready(tool: &str, skip_env: &str) -> bool {
    if Command::new(tool).arg("--version").output().is_ok() {
        return true;
    }
    if std::env::var_os(skip_env).is_some() {
        eprintln!("SKIPPED: {tool} is not installed (scripts/test.sh could not install it)");
        return false;
    }
    panic!("{tool} is not installed: run scripts/test.sh, which installs it");
}
