//! Shared test helpers: peers on loopback (openssl s_server, fake servers) and the test PKI.
#![allow(dead_code)] // each test binary uses a different subset

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub mod daemon;
pub use daemon::Daemon;

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

/// Every suite this OpenSSL knows: (code, OpenSSL name, TLS 1.3?).
pub fn openssl_suites() -> Vec<(u16, String, bool)> {
    let out = Command::new("openssl")
        .args([
            "ciphers",
            "-V",
            "-stdname",
            "ALL:COMPLEMENTOFALL:@SECLEVEL=0",
        ])
        .output()
        .unwrap();
    let mut v: Vec<(u16, String, bool)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let (hi, lo) = f.first()?.split_once(',')?;
            let code = u16::from_str_radix(hi.trim_start_matches("0x"), 16).ok()? << 8
                | u16::from_str_radix(lo.trim_start_matches("0x"), 16).ok()?;
            Some((code, f.get(4)?.to_string(), f.get(5) == Some(&"TLSv1.3")))
        })
        .collect();
    // The CCM TLS 1.3 suites are not in OpenSSL's default list but are known to it.
    for (code, name) in [
        (0x1304, "TLS_AES_128_CCM_SHA256"),
        (0x1305, "TLS_AES_128_CCM_8_SHA256"),
    ] {
        if !v.iter().any(|s| s.0 == code) {
            v.push((code, name.into(), true));
        }
    }
    v
}

/// Does `s_client` with these arguments complete a handshake?
pub fn s_client_ok(addr: SocketAddr, args: &[&str]) -> bool {
    let out = Command::new("openssl")
        .arg("s_client")
        .args(["-connect", &addr.to_string()])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.contains("Cipher is ") && !text.contains("Cipher is (NONE)")
}

/// Truth: version name → accepted suite codes, from s_client one suite at a time; `extra` is
/// added to every s_client (e.g. `-starttls smtp`).
pub fn s_client_truth(addr: SocketAddr, extra: &[&str]) -> BTreeMap<String, BTreeSet<u16>> {
    s_client_truth_among(addr, extra, |_| true)
}

/// [`s_client_truth`] over the suites whose standard name passes `keep` (to skip suites a
/// server cannot pick, e.g. ECDSA-authenticated ones for an RSA-only certificate).
pub fn s_client_truth_among(
    addr: SocketAddr,
    extra: &[&str],
    keep: fn(&str) -> bool,
) -> BTreeMap<String, BTreeSet<u16>> {
    let suites: Vec<(u16, String, bool)> = openssl_suites()
        .into_iter()
        .filter(|s| keep(&s.1))
        .collect();
    let mut out = BTreeMap::new();
    for (flag, name) in [
        ("-tls1", "TLSv1.0"),
        ("-tls1_1", "TLSv1.1"),
        ("-tls1_2", "TLSv1.2"),
        ("-tls1_3", "TLSv1.3"),
    ] {
        let tls13 = name == "TLSv1.3";
        // A version refused with every suite offered accepts none of them.
        let all = if tls13 {
            vec![
                flag,
                "-ciphersuites",
                "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256",
            ]
        } else {
            vec![flag, "-cipher", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"]
        };
        if !s_client_ok(addr, &[&all[..], extra].concat()) {
            continue;
        }
        let todo: Vec<(u16, String)> = suites
            .iter()
            .filter(|s| s.2 == tls13)
            .map(|s| (s.0, s.1.clone()))
            .collect();
        let found = Arc::new(Mutex::new(BTreeSet::new()));
        let queue = Arc::new(Mutex::new(todo));
        let workers: Vec<_> = (0..4)
            .map(|_| {
                let (found, queue) = (found.clone(), queue.clone());
                let flag = flag.to_string();
                let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
                std::thread::spawn(move || {
                    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
                    loop {
                        let Some((code, n)) = queue.lock().unwrap().pop() else {
                            break;
                        };
                        let ok = if tls13 {
                            s_client_ok(addr, &[&[&flag, "-ciphersuites", &n][..], &extra].concat())
                        } else {
                            let c = format!("{n}:@SECLEVEL=0");
                            s_client_ok(addr, &[&[&flag, "-cipher", &c][..], &extra].concat())
                        };
                        if ok {
                            found.lock().unwrap().insert(code);
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        let set = found.lock().unwrap().clone();
        if !set.is_empty() {
            out.insert(name.to_string(), set);
        }
    }
    out
}

/// `microsocks` (a SOCKS5 server from Debian) on loopback, with `user:pass` when given.
/// `None` (the caller skips loudly) only when scripts/test.sh reported its install failed.
pub fn microsocks(creds: Option<(&str, &str)>) -> Option<Daemon> {
    let bin = daemon::tool("microsocks", "TLSIGHT_SKIP_PROXIES")?;
    Some(Daemon::start("microsocks", |_, port| {
        let mut c = Command::new(&bin);
        c.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
        if let Some((u, p)) = creds {
            c.args(["-u", u, "-P", p]);
        }
        daemon::quiet(&mut c)
    }))
}

/// `tinyproxy` (an HTTP CONNECT proxy from Debian) on loopback, in the foreground with a
/// private config, with Basic credentials when given.
pub fn tinyproxy(creds: Option<(&str, &str)>) -> Option<Daemon> {
    let bin = daemon::tool("tinyproxy", "TLSIGHT_SKIP_PROXIES")?;
    Some(Daemon::start("tinyproxy", |dir, port| {
        // No ConnectPort line: CONNECT to every port is allowed.
        let mut text = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\nLogLevel Critical\nPidFile \"{}\"\n",
            dir.join("pid").display()
        );
        if let Some((u, p)) = creds {
            text.push_str(&format!("BasicAuth {u} {p}\n"));
        }
        let conf = dir.join("tinyproxy.conf");
        std::fs::write(&conf, text).unwrap();
        daemon::quiet(Command::new(&bin).arg("-d").arg("-c").arg(&conf))
    }))
}

/// A command's stdout as JSON; on failure the panic shows stdout and stderr.
pub fn json_stdout(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `gnutls-serv` on 127.0.0.1 with the test PKI's RSA chain and a priority string, killed on
/// drop; `None` when GnuTLS' tools are not installed (callers say so on stderr).
pub struct GnutlsServer {
    child: Child,
    pub addr: SocketAddr,
}

impl GnutlsServer {
    pub fn start(priority: &str) -> Option<Self> {
        Self::start_with(priority, &[])
    }

    /// Same, with extra gnutls-serv arguments (`--heartbeat`).
    pub fn start_with(priority: &str, extra: &[&str]) -> Option<Self> {
        use std::time::Instant;
        // gnutls-serv cannot report a kernel-chosen port: pick one, and pick again if the
        // server exits because something took it meanwhile.
        for _attempt in 0..5 {
            let port = free_port();
            let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
            let c = repo("certs");
            let mut child = Command::new("gnutls-serv")
                .args(["--port", &port.to_string(), "--priority", priority])
                .args(extra)
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
