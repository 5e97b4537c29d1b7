//! The demo's own server: `openssl s_server` on an ephemeral loopback port with the committed
//! demo key and certificate, TLS 1.2 only, RSA key transport and ECDHE suites, logging its keys.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::FsDemoError;
use crate::capture::KeyLogSecrets;

/// The committed demo key and certificate (certs/rsa2048.*), so `fs-demo` runs anywhere.
const DEMO_CERT: &[u8] = include_bytes!("../../certs/rsa2048.pem");
pub(crate) const DEMO_KEY: &[u8] = include_bytes!("../../certs/rsa2048.key");

/// `openssl s_server` on an ephemeral loopback port; killed (and its files removed) on drop.
pub(crate) struct OpensslServer {
    child: Child,
    pub(crate) addr: SocketAddr,
    pub(crate) dir: PathBuf,
}

impl OpensslServer {
    pub(crate) fn start(timeout: Duration) -> Result<Self, FsDemoError> {
        let dir = std::env::temp_dir().join(format!(
            "tlsight-fs-demo-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| FsDemoError::io(&dir, e))?;
        let write = |name: &str, data: &[u8]| {
            std::fs::write(dir.join(name), data).map_err(|e| FsDemoError::io(&dir, e))
        };
        write("server.pem", DEMO_CERT)?;
        write("server.key", DEMO_KEY)?;
        let spawned = Command::new("openssl")
            .args(["s_server", "-accept", "127.0.0.1:0", "-tls1_2", "-cipher"])
            .arg("AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256")
            .arg("-cert")
            .arg(dir.join("server.pem"))
            .arg("-key")
            .arg(dir.join("server.key"))
            .arg("-keylogfile")
            .arg(dir.join("server.keylog"))
            .arg("-www")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(FsDemoError::Server(format!(
                    "cannot start `openssl s_server` ({e}); install OpenSSL or use --server and --key"
                )));
            }
        };
        let (tx, rx) = std::sync::mpsc::channel();
        if let Some(out) = child.stdout.take() {
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    if let Some(a) = line.strip_prefix("ACCEPT ") {
                        let _ = tx.send(a.trim().to_string());
                    }
                }
            });
        }
        let mut server = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir,
        };
        match rx.recv_timeout(timeout) {
            Ok(a) => match a.parse() {
                Ok(addr) => {
                    server.addr = addr;
                    Ok(server)
                }
                Err(_) => Err(FsDemoError::Server(format!(
                    "`openssl s_server` printed an odd address: {a}"
                ))),
            },
            Err(_) => {
                let mut err = String::new();
                if let Some(mut e) = server.child.stderr.take() {
                    let _ = server.child.kill();
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                let first = err.lines().next().unwrap_or("no output").to_string();
                Err(FsDemoError::Server(format!(
                    "`openssl s_server` did not start listening: {first}"
                )))
            }
        }
    }

    pub(crate) fn keylog(&self) -> Option<KeyLogSecrets> {
        KeyLogSecrets::load(&self.dir.join("server.keylog")).ok()
    }
}

impl Drop for OpensslServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
