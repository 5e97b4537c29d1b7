//! STARTTLS against real daemons started here on 127.0.0.1 with private configuration in a temp
//! dir (no init scripts, no system service touched): SMTP (postfix), IMAP and POP3 (dovecot),
//! PostgreSQL, LDAP (slapd), FTP (vsftpd), MySQL (MariaDB), XMPP (prosody). For each: the handshake
//! completes and shows the plaintext exchange, verify gives the right verdict, the audit's suite
//! list equals what `openssl s_client -starttls` accepts, mitm is clean. Servers that do not
//! offer STARTTLS or refuse it give a clean error and exit 1.
//!
//! scripts/test.sh installs the daemons; a test skips (loudly) only when that install failed
//! (TLSIGHT_SKIP_STARTTLS_DAEMONS=1).

mod common;

use common::daemon::{self, Daemon, Smtp, chown, pki, postfix};

use std::collections::{BTreeMap, BTreeSet};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;

/// Where a server listens, for the checks.
struct Endpoint {
    name: &'static str,
    port: u16,
    /// Added to every tlsight command (XMPP's `--xmpp-host`).
    tlsight_extra: &'static [&'static str],
    /// Added to every `openssl s_client` (XMPP's `-xmpphost`).
    s_client_extra: &'static [&'static str],
}

impl Endpoint {
    fn new(name: &'static str, port: u16) -> Self {
        Self {
            name,
            port,
            tlsight_extra: &[],
            s_client_extra: &[],
        }
    }
}

impl Endpoint {
    fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
    fn target(&self) -> String {
        self.addr().to_string()
    }
}

impl From<&Daemon> for Endpoint {
    fn from(d: &Daemon) -> Self {
        Endpoint::new(d.name, d.port)
    }
}

/// A daemon binary, or `None` (loud skip) when scripts/test.sh said its install failed.
fn tool(name: &str) -> Option<PathBuf> {
    daemon::tool(name, "TLSIGHT_SKIP_STARTTLS_DAEMONS")
}

fn certs() -> PathBuf {
    common::repo("certs")
}

fn run(args: &[&str]) -> Output {
    cargo_bin_cmd!("tlsight")
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap()
}

/// `run` with the endpoint's own extra arguments appended.
fn run_on(d: &Endpoint, args: &[&str]) -> Output {
    run(&[args, d.tlsight_extra].concat())
}

/// The text of step `i` of the STARTTLS exchange in a handshake's JSON.
fn step_text(j: &serde_json::Value, i: usize) -> &str {
    j["starttls"]["steps"][i]["text"].as_str().unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    common::json_stdout(out)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The handshake completes, decodes, and shows the plaintext exchange with these roles.
fn check_handshake(d: &Endpoint, proto: &str, roles: &[(&str, &str)]) -> serde_json::Value {
    let root = certs().join("root.pem");
    let out = run_on(
        d,
        &[
            "handshake",
            &d.target(),
            "--starttls",
            proto,
            "--ca",
            root.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}: {}", d.name, stderr(&out));
    let j = json(&out);
    assert_eq!(j["starttls"]["protocol"], proto);
    assert_eq!(j["starttls"]["upgraded"], true);
    let got: Vec<(String, String)> = j["starttls"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["from"].as_str().unwrap().to_string(),
                s["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = roles
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, want, "{}: steps", d.name);
    assert!(j["timings_ms"]["starttls"].as_f64().unwrap() > 0.0);
    assert!(j["negotiated"]["version"].as_str().is_some(), "{j}");
    let finished = j["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == "Finished")
        .count();
    assert_eq!(finished, 2, "{}: both Finished decoded", d.name);
    // Human output shows the exchange too.
    let out = run_on(
        d,
        &[
            "handshake",
            &d.target(),
            "--starttls",
            proto,
            "--ca",
            root.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("STARTTLS {proto}")), "{text}");
    assert!(text.contains("upgraded to TLS"), "{text}");
    j
}

/// verify: trusted with the test root, not trusted (exit 1) without it.
fn check_verify(d: &Endpoint, proto: &str) {
    let root = certs().join("root.pem");
    let out = run_on(
        d,
        &[
            "verify",
            &d.target(),
            "--starttls",
            proto,
            "--ca",
            root.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}: {}", d.name, stderr(&out));
    let out = run_on(
        d,
        &[
            "verify",
            &d.target(),
            "--starttls",
            proto,
            "--store",
            "mozilla",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}: {}", d.name, stderr(&out));
}

/// mitm: clean with the test root as the expected anchor.
fn check_mitm(d: &Endpoint, proto: &str) {
    let root = certs().join("root.pem");
    let out = run_on(
        d,
        &[
            "mitm",
            &d.target(),
            "--starttls",
            proto,
            "--ca",
            root.to_str().unwrap(),
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}: {}", d.name, stderr(&out));
    let j = json(&out);
    assert_eq!(j["verdict"], "clean");
    assert_eq!(j["starttls"]["protocol"], proto);
}

fn rsa_pickable(name: &str) -> bool {
    !["ECDSA", "DSS", "PSK", "SRP"]
        .iter()
        .any(|k| name.contains(k))
}

/// verify, mitm and the audit (as [`check_audit`]), after the handshake.
fn check_verify_mitm_audit(d: &Endpoint, proto: &str) {
    check_verify(d, proto);
    check_mitm(d, proto);
    check_audit(d, proto, proto);
}

/// The audit's suites per version equal what `openssl s_client -starttls` accepts, and every
/// probe connection repeated the upgrade.
fn check_audit(d: &Endpoint, proto: &str, s_client_proto: &str) -> BTreeMap<String, BTreeSet<u16>> {
    check_audit_except(d, proto, s_client_proto, &|_, _| false)
}

/// [`check_audit`], where `extra_ok(version, suite)` names suites tlsight may find beyond
/// s_client's, each for a stated reason at the call site.
fn check_audit_except(
    d: &Endpoint,
    proto: &str,
    s_client_proto: &str,
    extra_ok: &dyn Fn(&str, u16) -> bool,
) -> BTreeMap<String, BTreeSet<u16>> {
    let root = certs().join("root.pem");
    let out = run_on(
        d,
        &[
            "audit",
            &d.target(),
            "--starttls",
            proto,
            "--ca",
            root.to_str().unwrap(),
            "--json",
            "--max-connections",
            "4",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}: {}", d.name, stderr(&out));
    let j = json(&out);
    let conns = j["connections"].as_u64().unwrap();
    let upgrades = j["starttls_upgrades"].as_u64().unwrap();
    assert!(conns > 10, "{conns}");
    assert_eq!(upgrades, conns, "{}: every connection upgrades", d.name);
    assert_eq!(j["starttls"]["protocol"], proto);
    let got: BTreeMap<String, BTreeSet<u16>> = j["cipher_suite_details"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(v, l)| {
            (
                v.clone(),
                l.as_array()
                    .unwrap()
                    .iter()
                    .map(|s| {
                        u16::from_str_radix(
                            s["code"].as_str().unwrap().trim_start_matches("0x"),
                            16,
                        )
                        .unwrap()
                    })
                    .collect(),
            )
        })
        .collect();
    // The daemons serve the RSA test certificate without PSK/SRP credentials, so suites
    // authenticated by ECDSA or DSS, PSK and SRP cannot be picked: s_client skips them (it
    // runs once per suite per version, the slow part of these tests) and so does the compare.
    let truth = common::s_client_truth_among(
        d.addr(),
        &[&["-starttls", s_client_proto][..], d.s_client_extra].concat(),
        rsa_pickable,
    );
    assert!(!truth.is_empty(), "{}: s_client accepted nothing", d.name);
    // s_client judges only the suites this OpenSSL implements.
    let known: BTreeSet<u16> = common::openssl_suites()
        .iter()
        .filter(|s| rsa_pickable(&s.1))
        .map(|s| s.0)
        .collect();
    for v in truth.keys().chain(got.keys()).collect::<BTreeSet<_>>() {
        let t = truth.get(v).cloned().unwrap_or_default();
        let g: BTreeSet<u16> = got
            .get(v)
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| known.contains(c) && (t.contains(c) || !extra_ok(v, *c)))
            .collect();
        assert_eq!(
            g, t,
            "{}: {v}: tlsight (left) vs s_client -starttls (right)",
            d.name
        );
    }
    got
}

// ---------------------------------------------------------------- SMTP (postfix)

const SMTP_ROLES: &[(&str, &str)] = &[
    ("server", "banner"),
    ("client", "command"),
    ("server", "capabilities"),
    ("client", "command"),
    ("server", "go-ahead"),
];

#[test]
fn smtp_handshake_verify_audit_mitm() {
    let Some(daemon) = postfix(Smtp::Tls) else {
        return;
    };
    let d = Endpoint::from(&daemon);
    let j = check_handshake(&d, "smtp", SMTP_ROLES);
    assert!(step_text(&j, 2).contains("STARTTLS"));
    check_verify_mitm_audit(&d, "smtp");
}

#[test]
fn smtp_without_starttls_is_a_finding() {
    let Some(d) = postfix(Smtp::Plain) else {
        return;
    };
    let out = run(&["handshake", &d.target(), "--starttls", "smtp"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let e = stderr(&out);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("tlsight: "), "{e}");
    assert!(
        e.contains("does not offer STARTTLS: no STARTTLS in its EHLO answer"),
        "{e}"
    );
    // The exchange is still shown, the EHLO answer included.
    assert!(String::from_utf8_lossy(&out.stdout).contains("250-8BITMIME"));
    let out = run(&["handshake", &d.target(), "--starttls", "smtp", "--json"]);
    let j = json(&out);
    assert_eq!(j["finding"], true);
    assert_eq!(j["starttls"]["upgraded"], false);
    let out = run(&["verify", &d.target(), "--starttls", "smtp"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let out = run(&["audit", &d.target(), "--starttls", "smtp"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run(&[
        "audit",
        &d.target(),
        "--starttls",
        "smtp",
        "--policy",
        "intermediate",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("does not offer STARTTLS"));
    let out = run(&["mitm", &d.target(), "--starttls", "smtp"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

#[test]
fn smtp_refusing_starttls_is_a_finding() {
    let Some(d) = postfix(Smtp::WrongKey) else {
        return;
    };
    let out = run(&["verify", &d.target(), "--starttls", "smtp"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let e = stderr(&out);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(
        e.contains("smtp server refused STARTTLS: \"454 4.7.0 TLS not available"),
        "{e}"
    );
    let out = run(&["handshake", &d.target(), "--starttls", "smtp"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("454 4.7.0"));
}

#[test]
fn talking_starttls_to_a_tls_server_is_a_clean_error() {
    // An implicit-TLS server waits for a ClientHello; our EHLO gets no greeting: exit 2.
    let s = common::OpensslServer::start(&[
        "-cert",
        certs().join("rsa2048-chain.pem").to_str().unwrap(),
        "-key",
        certs().join("rsa2048.key").to_str().unwrap(),
    ]);
    let out = run(&[
        "handshake",
        &s.target(),
        "--starttls",
        "smtp",
        "--timeout",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(e.starts_with("tlsight: "), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn well_known_port_chooses_the_protocol_and_says_so() {
    // Nothing listens on 127.0.0.1:25 in the tests; the note comes before the connect.
    let out = run(&["handshake", "127.0.0.1:25", "--timeout", "1"]);
    let e = stderr(&out);
    assert!(
        e.contains("note: port 25 is SMTP's: upgrading with STARTTLS (--starttls none"),
        "{e}"
    );
    let out = run(&[
        "handshake",
        "127.0.0.1:25",
        "--starttls",
        "none",
        "--timeout",
        "1",
    ]);
    assert!(!stderr(&out).contains("note:"), "{}", stderr(&out));
    let out = run(&["handshake", "127.0.0.1:4433", "--starttls", "gopher"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown protocol 'gopher'"));
}

// ---------------------------------------------------------------- IMAP + POP3 (dovecot)

/// Dovecot with IMAP on the daemon's port and POP3 on the second one returned.
fn dovecot() -> Option<(Daemon, u16)> {
    let bin = tool("dovecot")?;
    let dir = daemon::tempdir();
    let (cert, key) = pki(dir.path(), None);
    // Two ports: IMAP on the daemon's, POP3 on one more picked alongside.
    let pop3 = common::free_port();
    let d = Daemon::start_in("dovecot", dir, |dir, port| {
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        let conf = format!(
            "base_dir = {d}/run\nstate_dir = {d}/state\nlog_path = {d}/dovecot.log\n\
             protocols = imap pop3\nlisten = 127.0.0.1\nssl = yes\n\
             ssl_cert = <{cert}\nssl_key = <{key}\n{dh}mail_location = maildir:{d}/home/Maildir\n\
             passdb {{\n  driver = static\n  args = password=unused\n}}\n\
             userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={d}/home\n}}\n\
             service imap-login {{\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    port = 0\n  }}\n}}\n\
             service pop3-login {{\n  inet_listener pop3 {{\n    address = 127.0.0.1\n    port = {pop3}\n  }}\n  inet_listener pop3s {{\n    port = 0\n  }}\n}}\n",
            d = dir.display(),
            cert = cert.display(),
            key = key.display(),
            // Debian's own configuration sets DH parameters; without them dovecot picks DHE
            // suites and then fails the handshake.
            dh = if Path::new("/usr/share/dovecot/dh.pem").is_file() {
                "ssl_dh = </usr/share/dovecot/dh.pem\n"
            } else {
                ""
            },
        );
        let path = dir.join("dovecot.conf");
        std::fs::write(&path, conf).unwrap();
        daemon::quiet(Command::new(&bin).arg("-F").arg("-c").arg(&path))
    });
    // POP3 listens once IMAP does (one master), but give it the same chance.
    let end = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", pop3)).is_err() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((d, pop3))
}

#[test]
fn dovecot_imap_and_pop3() {
    let Some((dovecot, pop3_port)) = dovecot() else {
        return;
    };
    let imap = Endpoint::from(&dovecot);
    let j = check_handshake(
        &imap,
        "imap",
        // Dovecot lists its capabilities in the greeting: no CAPABILITY command needed.
        &[
            ("server", "banner"),
            ("client", "command"),
            ("server", "go-ahead"),
        ],
    );
    assert_eq!(j["starttls"]["steps"][1]["text"], "a2 STARTTLS");
    check_verify(&imap, "imap");
    check_mitm(&imap, "imap");
    let imap_suites = check_audit(&imap, "imap", "imap");
    // POP3 from the same daemon.
    let pop3 = Endpoint::new("dovecot pop3", pop3_port);
    check_handshake(
        &pop3,
        "pop3",
        &[
            ("server", "banner"),
            ("client", "command"),
            ("server", "capabilities"),
            ("client", "command"),
            ("server", "go-ahead"),
        ],
    );
    check_verify(&pop3, "pop3");
    // Same daemon, same TLS settings: POP3's audit must find what IMAP's found (s_client's
    // loop already checked that list once).
    let out = run(&["audit", &pop3.target(), "--starttls", "pop3", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["starttls_upgrades"], j["connections"]);
    for (v, codes) in &imap_suites {
        let got: BTreeSet<u16> = j["cipher_suite_details"][v]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                u16::from_str_radix(s["code"].as_str().unwrap().trim_start_matches("0x"), 16)
                    .unwrap()
            })
            .collect();
        assert_eq!(&got, codes, "pop3 vs imap, {v}");
    }
}

// ---------------------------------------------------------------- PostgreSQL

/// Runs as the `postgres` user (postgres refuses root), straight through setpriv so the
/// process we signal is postgres itself.
fn as_postgres(bin: &Path) -> Command {
    let mut c = Command::new("setpriv");
    c.args([
        "--reuid=postgres",
        "--regid=postgres",
        "--init-groups",
        "--",
    ])
    .arg(bin);
    c
}

fn postgres() -> Option<Daemon> {
    let initdb = tool("initdb")?;
    let server = tool("postgres")?;
    let dir = daemon::tempdir();
    let (cert, key) = pki(dir.path(), Some("postgres"));
    let data = dir.path().join("data");
    let st = as_postgres(&initdb)
        .arg("-D")
        .arg(&data)
        .args(["-A", "trust", "-U", "postgres", "--no-sync"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "initdb failed");
    Some(Daemon::start_in("postgres", dir, |dir, port| {
        daemon::quiet(
            as_postgres(&server)
                .arg("-D")
                .arg(&data)
                .args(["-c", "listen_addresses=127.0.0.1", "-c"])
                .arg(format!("port={port}"))
                .arg("-c")
                .arg(format!("unix_socket_directories={}", dir.display()))
                .args(["-c", "ssl=on", "-c"])
                .arg(format!("ssl_cert_file={}", cert.display()))
                .arg("-c")
                .arg(format!("ssl_key_file={}", key.display())),
        )
    }))
}

#[test]
fn postgres_sslrequest() {
    let Some(daemon) = postgres() else { return };
    let d = Endpoint::from(&daemon);
    check_handshake(
        &d,
        "postgres",
        &[("client", "command"), ("server", "go-ahead")],
    );
    check_verify_mitm_audit(&d, "postgres");
}

// ---------------------------------------------------------------- LDAP (slapd)

fn slapd() -> Option<Daemon> {
    let bin = tool("slapd")?;
    let dir = daemon::tempdir();
    let (cert, key) = pki(dir.path(), None);
    Some(Daemon::start_in("slapd", dir, |dir, port| {
        let conf = format!(
            "include /etc/ldap/schema/core.schema\npidfile {d}/slapd.pid\nargsfile {d}/slapd.args\n\
             TLSCertificateFile {cert}\nTLSCertificateKeyFile {key}\n",
            d = dir.display(),
            cert = cert.display(),
            key = key.display()
        );
        let path = dir.join("slapd.conf");
        std::fs::write(&path, conf).unwrap();
        daemon::quiet(
            Command::new(&bin)
                .arg("-f")
                .arg(&path)
                .arg("-h")
                .arg(format!("ldap://127.0.0.1:{port}/"))
                .args(["-d", "0"]),
        )
    }))
}

#[test]
fn slapd_ldap_starttls() {
    let Some(daemon) = slapd() else { return };
    let d = Endpoint::from(&daemon);
    let j = check_handshake(&d, "ldap", &[("client", "command"), ("server", "go-ahead")]);
    assert!(step_text(&j, 1).contains("success (0)"));
    check_verify(&d, "ldap");
    check_mitm(&d, "ldap");
    // GnuTLS (Debian's slapd) has no DH parameters of its own: it picks a DHE suite only when
    // the hello lists an RFC 7919 FFDHE group, as tlsight's does. OpenSSL 3.0's s_client
    // drops FFDHE groups from its TLS <= 1.2 hellos (even with -groups ffdhe2048), so it never
    // gets them. The ServerHello tlsight receives for them is the server accepting them.
    let got = check_audit_except(&d, "ldap", "ldap", &|v, c| {
        v != "TLSv1.3" && tlsight::probe::suite::suite_name(c).starts_with("TLS_DHE_RSA_")
    });
    assert!(
        got["TLSv1.2"].contains(&0x009E),
        "GnuTLS picks DHE for tlsight's hello"
    );
}

// ---------------------------------------------------------------- FTP (vsftpd)

fn vsftpd() -> Option<Daemon> {
    let bin = tool("vsftpd")?;
    let dir = daemon::tempdir();
    let (cert, key) = pki(dir.path(), None);
    Some(Daemon::start_in("vsftpd", dir, |dir, port| {
        let conf = format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address=127.0.0.1\nlisten_port={port}\n\
             background=NO\nanonymous_enable=NO\nlocal_enable=YES\nssl_enable=YES\n\
             rsa_cert_file={cert}\nrsa_private_key_file={key}\nsecure_chroot_dir={d}\n\
             seccomp_sandbox=NO\nxferlog_enable=NO\nvsftpd_log_file={d}/log\n\
             require_ssl_reuse=NO\nmax_per_ip=0\n",
            d = dir.display(),
            cert = cert.display(),
            key = key.display()
        );
        let path = dir.join("vsftpd.conf");
        std::fs::write(&path, conf).unwrap();
        daemon::quiet(Command::new(&bin).arg(&path))
    }))
}

#[test]
fn vsftpd_auth_tls() {
    let Some(daemon) = vsftpd() else { return };
    let d = Endpoint::from(&daemon);
    check_handshake(&d, "ftp", SMTP_ROLES);
    check_verify_mitm_audit(&d, "ftp");
}

// ---------------------------------------------------------------- MySQL (MariaDB)

fn mariadb() -> Option<Daemon> {
    let install = tool("mariadb-install-db")?;
    let server = tool("mariadbd")?;
    let dir = daemon::tempdir();
    let (cert, key) = pki(dir.path(), Some("mysql"));
    let data = dir.path().join("data");
    let st = Command::new(&install)
        .arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .args([
            "--user=mysql",
            "--skip-test-db",
            "--auth-root-authentication-method=normal",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "mariadb-install-db failed");
    Some(Daemon::start_in("mariadbd", dir, |dir, port| {
        daemon::quiet(
            Command::new(&server)
                .arg("--no-defaults")
                .arg(format!("--datadir={}", data.display()))
                .args(["--user=mysql", "--bind-address=127.0.0.1"])
                .arg(format!("--port={port}"))
                .arg(format!("--socket={}/sock", dir.display()))
                .arg(format!("--pid-file={}/pid", dir.display()))
                .arg(format!("--ssl-cert={}", cert.display()))
                .arg(format!("--ssl-key={}", key.display()))
                .arg(format!("--log-error={}/err.log", dir.display()))
                .args(["--innodb-buffer-pool-size=8M", "--skip-grant-tables"]),
        )
    }))
}

#[test]
fn mariadb_ssl_request() {
    let Some(daemon) = mariadb() else { return };
    let d = Endpoint::from(&daemon);
    let j = check_handshake(&d, "mysql", &[("server", "banner"), ("client", "command")]);
    assert!(step_text(&j, 0).contains("MariaDB"));
    check_verify_mitm_audit(&d, "mysql");
}

#[test]
fn smtp_starttls_through_a_socks5_proxy() {
    let Some(d) = postfix(Smtp::Tls) else { return };
    let Some(px) = common::microsocks(Some(("carol", "pw"))) else {
        return;
    };
    let url = px.url("socks5h", Some("carol:pw"));
    let root = certs().join("root.pem");
    let out = run(&[
        "handshake",
        &d.target(),
        "--starttls",
        "smtp",
        "--proxy",
        &url,
        "--ca",
        root.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["starttls"]["upgraded"], true);
    assert_eq!(j["proxy"], px.url("socks5h", Some("carol:***")));
    let out = run(&[
        "audit",
        &d.target(),
        "--starttls",
        "smtp",
        "--proxy",
        &url,
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let j = json(&out);
    assert_eq!(j["starttls_upgrades"], j["connections"]);
    assert!(j["cipher_suite_details"]["TLSv1.3"].as_array().is_some());
}

// ---------------------------------------------------------------- XMPP (prosody)

fn prosody() -> Option<Daemon> {
    let bin = tool("prosody")?;
    let dir = daemon::tempdir();
    let (cert, key) = pki(dir.path(), Some("prosody"));
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    chown("prosody", &[&dir.path().join("data")]);
    Some(Daemon::start_in("prosody", dir, |dir, port| {
        let conf = format!(
            "pidfile = \"{d}/prosody.pid\"\ndata_path = \"{d}/data\"\ndaemonize = false\n\
             c2s_ports = {{ {port} }}\nc2s_interfaces = {{ \"127.0.0.1\" }}\n\
             interfaces = {{ \"127.0.0.1\" }}\ns2s_ports = {{ }}\ncomponent_ports = {{ }}\n\
             http_ports = {{ }}\nhttps_ports = {{ }}\nc2s_direct_tls_ports = {{ }}\n\
             certificates = \"{d}\"\n\
             log = {{ {{ levels = {{ min = \"error\" }}, to = \"file\", filename = \"{d}/prosody.log\" }} }}\n\
             modules_enabled = {{ \"tls\", \"saslauth\", \"disco\" }}\n\
             modules_disabled = {{ \"s2s\", \"http\", \"posix\" }}\n\
             c2s_require_encryption = true\n\
             ssl = {{ certificate = \"{cert}\", key = \"{key}\" }}\n\
             VirtualHost \"tlsight.test\"\n",
            d = dir.display(),
            cert = cert.display(),
            key = key.display()
        );
        let path = dir.join("prosody.cfg.lua");
        std::fs::write(&path, conf).unwrap();
        // Prosody refuses to run as root: as its own user, exec'd so the signal reaches it.
        daemon::quiet(
            Command::new("setpriv")
                .args(["--reuid=prosody", "--regid=prosody", "--init-groups", "--"])
                .arg(&bin)
                .arg("--config")
                .arg(&path),
        )
    }))
}

#[test]
fn prosody_xmpp_starttls() {
    let Some(daemon) = prosody() else { return };
    let mut d = Endpoint::from(&daemon);
    // Naming a domain the server does not serve (the address): a clean error with the hint.
    let out = run(&[
        "handshake",
        &d.target(),
        "--starttls",
        "xmpp",
        "--timeout",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stream error host-unknown"),
        "{}",
        stderr(&out)
    );
    d.tlsight_extra = &["--xmpp-host", "tlsight.test"];
    d.s_client_extra = &["-xmpphost", "tlsight.test"];
    let j = check_handshake(
        &d,
        "xmpp",
        &[
            ("client", "command"),
            ("server", "capabilities"),
            ("client", "command"),
            ("server", "go-ahead"),
        ],
    );
    assert!(step_text(&j, 0).contains("to='tlsight.test'"));
    check_verify_mitm_audit(&d, "xmpp");
}
