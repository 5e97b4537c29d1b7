//! Daemons the tests start on 127.0.0.1 with a private configuration in a temp dir (postfix,
//! dovecot, postgres, slapd, vsftpd, mariadb, prosody, and the proxies microsocks and
//! tinyproxy): found where Debian installs them, started on a free port, waited for until they
//! accept, and stopped (SIGTERM, then SIGKILL) on drop. No init script, no system service.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A daemon listening on `127.0.0.1:port`, with its temp dir (removed on drop).
pub struct Daemon {
    child: Child,
    /// For messages.
    pub name: &'static str,
    /// Where it listens.
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Daemon {
    /// [`Daemon::start_in`] with a fresh temp dir.
    pub fn start(name: &'static str, spawn: impl FnMut(&Path, u16) -> Child) -> Self {
        Self::start_in(name, tempdir(), spawn)
    }

    /// Picks a free port, spawns `spawn(dir, port)` and waits until the port accepts; retries
    /// with a new port when the daemon exits early (another socket took the port in between).
    /// A daemon that never listens fails the test with the tail of its logs in `dir`.
    pub fn start_in(
        name: &'static str,
        dir: tempfile::TempDir,
        mut spawn: impl FnMut(&Path, u16) -> Child,
    ) -> Self {
        for _ in 0..3 {
            let port = super::free_port();
            let mut child = spawn(dir.path(), port);
            let end = Instant::now() + Duration::from_secs(30);
            loop {
                let addr = SocketAddr::from(([127, 0, 0, 1], port));
                if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                    return Self {
                        child,
                        name,
                        port,
                        dir,
                    };
                }
                if let Ok(Some(st)) = child.try_wait() {
                    eprintln!("{name} exited early ({st}); retrying{}", logs(dir.path()));
                    break;
                }
                if Instant::now() > end {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "{name} did not listen on {port} within 30 s{}",
                        logs(dir.path())
                    );
                }
                std::thread::sleep(Duration::from_millis(30));
            }
        }
        panic!("{name} did not start{}", logs(dir.path()));
    }

    /// The daemon's temp dir (its configuration and logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn target(&self) -> String {
        self.addr().to_string()
    }

    /// `scheme://[creds@]127.0.0.1:port` (the proxies).
    pub fn url(&self, scheme: &str, creds: Option<&str>) -> String {
        match creds {
            Some(c) => format!("{scheme}://{c}@127.0.0.1:{}", self.port),
            None => format!("{scheme}://127.0.0.1:{}", self.port),
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SIGTERM lets a master process (postfix, dovecot, postgres) take its workers down too.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("{}: did not stop on SIGTERM, killing", self.name);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `cmd` with its output discarded (daemons log to files in their temp dir).
pub fn quiet(cmd: &mut Command) -> Child {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"))
}

/// A temp dir the daemons' unprivileged users can enter (postfix's queue lives in it).
pub fn tempdir() -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
        .expect("chmod temp dir");
    dir
}

/// The last lines of every `*.log` file in `dir`, for a failure message.
fn logs(dir: &Path) -> String {
    let mut out = String::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "log") {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            let tail = &lines[lines.len().saturating_sub(15)..];
            out.push_str(&format!("\n--- {}:\n{}", p.display(), tail.join("\n")));
        }
    }
    out
}

/// A daemon's binary: an absolute path, or a name looked up where Debian installs daemons.
/// Missing, `None` (the caller skips, loudly) only when scripts/test.sh said its install
/// failed by setting `skip_env`; otherwise the test fails.
pub fn tool(name: &str, skip_env: &str) -> Option<PathBuf> {
    let found = if name.starts_with('/') {
        Some(PathBuf::from(name)).filter(|p| p.is_file())
    } else {
        [
            "/usr/sbin",
            "/usr/bin",
            "/usr/lib/postgresql/15/bin",
            "/usr/local/bin",
        ]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
    };
    if found.is_some() {
        return found;
    }
    if std::env::var_os(skip_env).is_some() {
        eprintln!("SKIPPED: {name} is not installed (scripts/test.sh could not install it)");
        return None;
    }
    panic!("{name} not found: run scripts/test.sh, which installs the daemons these tests start");
}

/// Changes the owner of `paths` (daemons that drop privileges read their files as that user).
pub fn chown(owner: &str, paths: &[&Path]) {
    let st = Command::new("chown")
        .arg(owner)
        .args(paths)
        .status()
        .expect("chown");
    assert!(st.success(), "chown {owner}");
}

/// The test PKI's RSA chain and key copied into `dir`, owned by `owner` when given, the key
/// 0600 (postgres insists).
pub fn pki(dir: &Path, owner: Option<&str>) -> (PathBuf, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::copy(super::repo("certs/rsa2048-chain.pem"), &cert).expect("copy cert");
    std::fs::copy(super::repo("certs/rsa2048.key"), &key).expect("copy key");
    if let Some(o) = owner {
        chown(o, &[dir, &cert, &key]);
    }
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod key");
    (cert, key)
}

/// How a postfix instance is set up.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Smtp {
    /// STARTTLS with the test PKI.
    Tls,
    /// No TLS at all: no STARTTLS in its EHLO answer.
    Plain,
    /// Given a key that is not its certificate's: postfix disables TLS at start but still
    /// lists STARTTLS, and answers the command "454 4.7.0 TLS not available due to local
    /// problem" (a real, common misconfiguration).
    WrongKey,
}

/// Postfix's smtpd alone on 127.0.0.1, from a private main.cf / master.cf in a temp dir (its
/// own queue and data directories, log in postfix.log there), run by postfix's `master` in the
/// foreground so the test owns the process. Nothing of the system's postfix is used or started.
pub fn postfix(mode: Smtp) -> Option<Daemon> {
    let master = tool(
        "/usr/lib/postfix/sbin/master",
        "TLSIGHT_SKIP_STARTTLS_DAEMONS",
    )?;
    let dir = tempdir();
    let (cert, key) = pki(dir.path(), None);
    let key = if mode == Smtp::WrongKey {
        let wrong = dir.path().join("wrong.key");
        std::fs::copy(super::repo("certs/ecdsa-p256.key"), &wrong).unwrap();
        wrong
    } else {
        key
    };
    // The queue directories master and smtpd use, with the owners postfix wants (what
    // `postfix check` would create, without reading the system's /etc/postfix).
    let conf = dir.path().join("conf");
    let (queue, data) = (dir.path().join("queue"), dir.path().join("data"));
    for d in ["conf", "data", "queue/pid", "queue/private", "queue/public"] {
        std::fs::create_dir_all(dir.path().join(d)).unwrap();
    }
    chown(
        "postfix",
        &[&data, &queue.join("private"), &queue.join("public")],
    );
    let tls = match mode {
        Smtp::Plain => "smtpd_tls_security_level = none\n".to_string(),
        Smtp::Tls | Smtp::WrongKey => format!(
            "smtpd_tls_security_level = may\nsmtpd_tls_cert_file = {}\nsmtpd_tls_key_file = {}\n",
            cert.display(),
            key.display()
        ),
    };
    // The log goes to a file through postlogd; postfix accepts a log file only under one of
    // maillog_file_prefixes, and says why it failed nowhere else: without this it exits silently.
    let main_cf = format!(
        "compatibility_level = 3.6\nqueue_directory = {q}\ndata_directory = {data}\n\
         mail_owner = postfix\nsetgid_group = postdrop\n\
         maillog_file = {d}/postfix.log\nmaillog_file_prefixes = {d}\n\
         inet_interfaces = 127.0.0.1\ninet_protocols = ipv4\nmyhostname = mail.tlsight.test\n\
         mydestination =\nmynetworks = 127.0.0.0/8\nlocal_recipient_maps =\nnotify_classes =\n\
         smtpd_client_connection_count_limit = 0\nsmtpd_client_connection_rate_limit = 0\n{tls}",
        q = queue.display(),
        data = data.display(),
        d = dir.path().display(),
    );
    std::fs::write(conf.join("main.cf"), main_cf).unwrap();
    Some(Daemon::start_in("postfix", dir, |_, port| {
        // Only what smtpd needs: itself on our port, the logger, and tlsmgr (without it smtpd
        // has "no entropy for TLS key generation" and disables TLS).
        std::fs::write(
            conf.join("master.cf"),
            format!(
                "127.0.0.1:{port} inet n - n - - smtpd\n\
                 postlog unix-dgram n - n - 1 postlogd\n\
                 tlsmgr unix - - n 1000? 1 tlsmgr\n"
            ),
        )
        .unwrap();
        // -s: stay in the foreground, a child of the test (what `postfix start-fg` does when it
        // is not PID 1), so the Daemon's SIGTERM stops master and its smtpd processes.
        quiet(Command::new(&master).arg("-c").arg(&conf).arg("-s"))
    }))
}

/// nginx serving HTTPS on 127.0.0.1 with the test PKI's RSA chain, from a private nginx.conf in
/// a temp dir (its pid, logs and temp paths there), in the foreground (`daemon off`), its
/// default TLS settings (`ssl_protocols`/`ssl_ciphers` unset, as a distribution ships it).
pub fn nginx() -> Option<Daemon> {
    let bin = tool("nginx", "TLSIGHT_SKIP_NGINX")?;
    Some(Daemon::start("nginx", move |dir, port| {
        let (cert, key) = pki(dir, None);
        let d = dir.display();
        let conf = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\n\
             events {{ worker_connections 256; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  \
             uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n  \
             server {{\n    listen 127.0.0.1:{port} ssl;\n    ssl_certificate {};\n    \
             ssl_certificate_key {};\n    location / {{ return 200 \"ok\\n\"; }}\n  }}\n}}\n",
            cert.display(),
            key.display()
        );
        let path = dir.join("nginx.conf");
        std::fs::write(&path, conf).expect("write nginx.conf");
        quiet(
            Command::new(&bin)
                .arg("-p")
                .arg(dir)
                .arg("-e")
                .arg(dir.join("error.log"))
                .arg("-c")
                .arg(&path),
        )
    }))
}
