//! An `openssl s_server` on a loopback ephemeral port with a key log, killed on drop.
#![allow(dead_code)] // each test binary uses a different subset

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/certs");

pub struct SServer {
    child: Child,
    pub addr: SocketAddr,
    pub keylog: PathBuf,
    _dir: tempfile::TempDir,
}

impl SServer {
    /// `openssl s_server -www` with the RSA test key, the given protocol flag and cipher string.
    pub fn start(proto: &str, ciphers: &str) -> Self {
        Self::start_with(proto, ciphers, &[])
    }

    /// Same, with extra s_server arguments.
    pub fn start_with(proto: &str, ciphers: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let keylog = dir.path().join("server.keylog");
        let mut args: Vec<String> = vec![
            "s_server".into(),
            "-accept".into(),
            "127.0.0.1:0".into(),
            proto.into(),
            "-key".into(),
            format!("{CERTS}/rsa2048.key"),
            "-cert".into(),
            format!("{CERTS}/rsa2048.pem"),
            "-www".into(),
            "-keylogfile".into(),
            keylog.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        if proto == "-tls1_3" {
            args.extend(["-ciphersuites".into(), ciphers.into()]);
        } else {
            args.extend(["-cipher".into(), ciphers.into()]);
        }
        let mut child = Command::new("openssl")
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl must be installed for these tests");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(a) = line.strip_prefix("ACCEPT ") {
                    let _ = tx.send(a.trim().to_string());
                }
            }
        });
        let start = Instant::now();
        let addr = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("s_server did not print its ACCEPT line");
        assert!(start.elapsed() < Duration::from_secs(10));
        Self {
            child,
            addr: addr.parse().unwrap(),
            keylog,
            _dir: dir,
        }
    }

    pub fn keylog_path(&self) -> &Path {
        &self.keylog
    }
}

impl Drop for SServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
