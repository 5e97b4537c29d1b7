//! `tlsight fs-demo`: forward secrecy shown on real recorded sessions (RSA key transport falls to
//! a leaked server key, ECDHE does not), and `tlsight decrypt`: the same machinery on any
//! recording, with the server's RSA key or an NSS key log. JSON schema: docs/fs-demo.md.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use serde::Serialize;
use tlsight::capture::{Direction, KeyLogSecrets, Transcript};
use tlsight::crypto::fs::{self, Plaintext, RecoveryAccount, SessionAccount};
use tlsight::crypto::{DecryptedSession, decrypt_session, rsa_kx};
use tlsight::handshake::{self, Target, legacy12};
use tlsight::report::{self, Palette};
use tlsight::wire::{AlertDescription, ContentType, HandshakeType};

use super::{exit, print_out};

/// The committed demo key and certificate (certs/rsa2048.*), so `fs-demo` runs anywhere.
const DEMO_CERT: &[u8] = include_bytes!("../../certs/rsa2048.pem");
const DEMO_KEY: &[u8] = include_bytes!("../../certs/rsa2048.key");
const SUITE_RSA: u16 = 0x009C;
const SUITE_ECDHE: u16 = 0xC02F;

/// Arguments of `tlsight fs-demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Run against your own TLS 1.2 server instead of a local `openssl s_server`.
    #[arg(long, value_name = "HOST:PORT", requires = "key")]
    server: Option<String>,
    /// The server's RSA private key (PEM, PKCS#8 or PKCS#1); needed with --server.
    #[arg(long, value_name = "KEY.pem", requires = "server")]
    key: Option<PathBuf>,
    /// SNI and Host header to send (default: localhost, or the --server host name; no SNI for an IP).
    #[arg(long, value_name = "NAME")]
    sni: Option<String>,
    /// Keep the recordings (and an NSS key log for Wireshark) in this directory.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Seconds to wait for each step on the network.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    timeout: f64,
    /// Print a machine-readable account of each step.
    #[arg(long)]
    json: bool,
}

/// Arguments of `tlsight decrypt`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("secret").required(true).args(["key", "keylog"])))]
pub(crate) struct DecryptArgs {
    /// A recording (tlsight's JSON format, docs/recording.md) or a pcap/pcapng capture (every
    /// TLS connection in it; secrets from --keylog, --key, or its Decryption Secrets Block).
    recording: PathBuf,
    /// The server's RSA private key (TLS 1.2 RSA key transport only).
    #[arg(long, value_name = "KEY.pem")]
    key: Option<PathBuf>,
    /// An NSS key log (SSLKEYLOGFILE, `openssl s_server -keylogfile`, tlsight --out).
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Print the decrypted session as JSON.
    #[arg(long)]
    json: bool,
}

fn fail(cmd: &str, msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("tlsight: {cmd}: {msg}");
    ExitCode::from(exit::ERROR)
}

// ---------------------------------------------------------------------------------------------
// The local server.

/// `openssl s_server` on an ephemeral loopback port; killed (and its files removed) on drop.
struct OpensslServer {
    child: Child,
    addr: SocketAddr,
    dir: PathBuf,
}

impl OpensslServer {
    fn start(timeout: Duration) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!(
            "tlsight-fs-demo-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let write = |name: &str, data: &[u8]| {
            std::fs::write(dir.join(name), data).map_err(|e| format!("{}: {e}", dir.display()))
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
                return Err(format!(
                    "cannot start `openssl s_server` ({e}); install OpenSSL or use --server and --key"
                ));
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
                Err(_) => Err(format!("`openssl s_server` printed an odd address: {a}")),
            },
            Err(_) => {
                let mut err = String::new();
                if let Some(mut e) = server.child.stderr.take() {
                    let _ = server.child.kill();
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                let first = err.lines().next().unwrap_or("no output").to_string();
                Err(format!(
                    "`openssl s_server` did not start listening: {first}"
                ))
            }
        }
    }

    fn keylog(&self) -> Option<KeyLogSecrets> {
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

// ---------------------------------------------------------------------------------------------
// fs-demo.

/// The `--json` account of `tlsight fs-demo`.
#[derive(Debug, Serialize)]
struct DemoReport {
    /// The server the sessions went to.
    server: String,
    /// "local openssl s_server" or "user server".
    server_kind: &'static str,
    /// Where the private key came from.
    private_key: String,
    /// Where the recordings were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    out_dir: Option<String>,
    /// Session A (RSA key transport) then B (ECDHE).
    sessions: Vec<DemoSession>,
    /// Why TLS 1.3 does not have this problem.
    tls13: &'static str,
}

#[derive(Debug, Serialize)]
struct DemoSession {
    /// "A" or "B".
    name: &'static str,
    /// The suite offered.
    offered_suite: String,
    /// The recording file, when kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    recording: Option<String>,
    /// Bytes each way.
    #[serde(skip_serializing_if = "Option::is_none")]
    bytes: Option<Bytes>,
    /// The attack with the private key.
    #[serde(flatten)]
    account: Option<SessionAccount>,
    /// The client's own key log decrypts the session (the endpoints knew the secret).
    #[serde(skip_serializing_if = "Option::is_none")]
    client_keylog_decrypts: Option<bool>,
    /// The recovered master secret equals the one OpenSSL logged (local server only).
    #[serde(skip_serializing_if = "Option::is_none")]
    matches_server_keylog: Option<bool>,
    /// Why the session could not be recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct Bytes {
    client_to_server: usize,
    server_to_client: usize,
}

const TLS13_NOTE: &str = "TLS 1.3 removed static RSA key transport: every TLS 1.3 handshake \
    agrees its secret by ephemeral (EC)DHE, so a leaked server key never decrypts recorded TLS 1.3 traffic.";

/// Runs `tlsight fs-demo`.
pub(crate) fn run_demo(args: DemoArgs) -> ExitCode {
    const CMD: &str = "fs-demo";
    let timeout = Duration::from_secs_f64(args.timeout.clamp(0.1, 600.0));
    // Local openssl server or the user's server.
    let (local, addr, key, key_label, sni) = match (&args.server, &args.key) {
        (Some(server), Some(key_path)) => {
            // Same target syntax and DNS timeout as `tlsight handshake`.
            let target = match Target::parse(server, 443) {
                Ok(t) => t,
                Err(e) => return fail(CMD, e),
            };
            let addr = match handshake::resolve(&target, timeout) {
                Ok(a) => a[0],
                Err(e) => return fail(CMD, e),
            };
            let key = match rsa_kx::load_private_key_file(key_path) {
                Ok(k) => k,
                Err(e) => return fail(CMD, e),
            };
            // RFC 6066: no IP literals in SNI; the Host header still names the target.
            let sni = args
                .sni
                .clone()
                .or_else(|| target.ip().is_none().then(|| target.host.clone()));
            (None, addr, key, key_path.display().to_string(), sni)
        }
        _ => {
            let srv = match OpensslServer::start(timeout) {
                Ok(s) => s,
                Err(e) => return fail(CMD, e),
            };
            let key = match rsa_kx::load_private_key(
                &String::from_utf8_lossy(DEMO_KEY),
                "built-in demo key",
            ) {
                Ok(k) => k,
                Err(e) => return fail(CMD, e),
            };
            let addr = srv.addr;
            let sni = Some(args.sni.clone().unwrap_or_else(|| "localhost".into()));
            (
                Some(srv),
                addr,
                key,
                "built-in demo key (certs/rsa2048.key)".to_string(),
                sni,
            )
        }
    };
    if let Some(dir) = &args.out
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return fail(CMD, format!("{}: {e}", dir.display()));
    }
    let host = sni.clone().unwrap_or_else(|| addr.ip().to_string());
    let request = format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n").into_bytes();
    let mut sessions = Vec::new();
    let mut client_secrets = KeyLogSecrets::default();
    for (name, suite, file) in [
        ("A", SUITE_RSA, "session-a-rsa.json"),
        ("B", SUITE_ECDHE, "session-b-ecdhe.json"),
    ] {
        let mut s = DemoSession {
            name,
            offered_suite: tlsight::crypto::suite_name(suite),
            recording: None,
            bytes: None,
            account: None,
            client_keylog_decrypts: None,
            matches_server_keylog: None,
            error: None,
        };
        let opts = legacy12::Options {
            suite,
            server_name: sni.clone(),
            request: request.clone(),
            timeout,
            extended_master_secret: true,
            encrypt_then_mac: true,
        };
        let session = match legacy12::run(addr, &opts) {
            Ok(x) => x,
            Err(e) => {
                s.error = Some(e.to_string());
                sessions.push(s);
                continue;
            }
        };
        let t = session.transcript;
        s.bytes = Some(Bytes {
            client_to_server: t.stream(Direction::ClientToServer).0.len(),
            server_to_client: t.stream(Direction::ServerToClient).0.len(),
        });
        if let Some(dir) = &args.out {
            let path = dir.join(file);
            if let Err(e) = t.save(&path) {
                return fail(CMD, e);
            }
            s.recording = Some(path.display().to_string());
        }
        for e in session.secrets.entries() {
            client_secrets.insert(e);
        }
        // From here on: only the recording and the private key.
        match fs::attack(&t, &key) {
            Ok(a) => {
                if let (Some(srv), Some(rec)) = (&local, &a.recovered) {
                    s.matches_server_keylog = srv.keylog().and_then(|log| {
                        let cr = decrypt_session(&t, &session.secrets).ok()?.client_random;
                        Some(
                            log.get(&cr, "CLIENT_RANDOM").map(hex::encode)
                                == Some(rec.master_secret.clone()),
                        )
                    });
                }
                s.account = Some(a);
            }
            Err(e) => s.error = Some(e.to_string()),
        }
        s.client_keylog_decrypts = Some(fs::decrypts_with(&t, &session.secrets));
        sessions.push(s);
    }
    if let Some(dir) = &args.out {
        let path = dir.join("client.keylog");
        if let Err(e) = std::fs::write(&path, client_secrets.to_nss()) {
            return fail(CMD, format!("{}: {e}", path.display()));
        }
        if let Some(srv) = &local {
            let _ = std::fs::copy(srv.dir.join("server.keylog"), dir.join("server.keylog"));
        }
    }
    let report = DemoReport {
        server: addr.to_string(),
        server_kind: if local.is_some() {
            "local openssl s_server"
        } else {
            "user server"
        },
        private_key: key_label,
        out_dir: args.out.as_ref().map(|d| d.display().to_string()),
        sessions,
        tls13: TLS13_NOTE,
    };
    drop(local);
    if args.json {
        print_out(&report::to_json(&report));
    } else {
        print_out(&render_demo(&report, Palette::detect()));
    }
    let ran = report
        .sessions
        .iter()
        .filter(|s| s.account.is_some())
        .count();
    ExitCode::from(if ran == 0 { exit::ERROR } else { exit::OK })
}

fn short_hex(h: &str, bytes: usize) -> String {
    if h.len() > bytes * 2 {
        format!("{}… ({} bytes)", &h[..bytes * 2], h.len() / 2)
    } else {
        h.to_string()
    }
}

/// Wraps a hex string into indented lines of 64 digits.
fn hex_block(h: &str, indent: &str, p: Palette) -> String {
    let mut out = String::new();
    for chunk in h.as_bytes().chunks(64) {
        out.push_str(indent);
        out.push_str(&p.dim(String::from_utf8_lossy(chunk)));
        out.push('\n');
    }
    out
}

/// Shows text with control characters escaped, at most `max_lines` lines.
fn text_block(text: &str, indent: &str, max_lines: usize) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.split('\n').collect();
    for line in lines.iter().take(max_lines) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { '·' } else { c })
            .collect();
        out.push_str(indent);
        out.push_str(&clean);
        out.push('\n');
    }
    if lines.len() > max_lines {
        out.push_str(&format!(
            "{indent}… ({} more lines)\n",
            lines.len() - max_lines
        ));
    }
    out
}

fn render_demo(r: &DemoReport, p: Palette) -> String {
    let mut o = String::new();
    let step =
        |n: u32, title: &str| format!("\n{} {}\n", p.bold(format!("Step {n}")), p.bold(title));
    o.push_str(&format!(
        "{}\n{}\n",
        p.bold("tlsight fs-demo — forward secrecy, shown on real recorded sessions"),
        p.dim("A passive attacker records two sessions today and steals the server's private key tomorrow.")
    ));

    o.push_str(&step(1, "The server"));
    o.push_str(&format!(
        "  {} on {}: TLS 1.2, one RSA key and certificate, accepting\n  {} and {}\n  Private key used below: {}\n",
        r.server_kind,
        r.server,
        p.label(tlsight::crypto::suite_name(SUITE_RSA)),
        p.label(tlsight::crypto::suite_name(SUITE_ECDHE)),
        r.private_key
    ));

    for (i, s) in r.sessions.iter().enumerate() {
        let title = if i == 0 {
            "Session A: RSA key transport"
        } else {
            "Session B: ECDHE"
        };
        o.push_str(&step(
            2 + i as u32,
            &format!("{title} ({})", s.offered_suite),
        ));
        if let Some(e) = &s.error {
            o.push_str(&format!("  {} {e}\n", p.bad("could not record:")));
            continue;
        }
        if let Some(b) = &s.bytes {
            o.push_str(&format!(
                "  tlsight's TLS 1.2 client connected, sent GET /, read the response. Recorded {} bytes client→server, {} bytes server→client{}.\n",
                b.client_to_server,
                b.server_to_client,
                s.recording
                    .as_ref()
                    .map(|f| format!(" → {f}"))
                    .unwrap_or_default()
            ));
        }
        let Some(a) = &s.account else { continue };
        let kx = &a.key_exchange;
        if let Some(cert) = &kx.certificate_key {
            o.push_str(&format!("  Server certificate key: {cert}\n"));
        }
        if let Some(ske) = &kx.server_key_exchange {
            o.push_str(&format!(
                "  {}: the server's ephemeral {} public key ({} bytes)\n",
                p.label("ServerKeyExchange"),
                ske.group_name,
                ske.public_key.len() / 2
            ));
            o.push_str(&hex_block(&ske.public_key, "      ", p));
            if ske.signed_by_certificate_key {
                o.push_str(&format!(
                    "    {} signed with {} by the certificate's RSA key — the long-term key's only job here\n",
                    p.good("✓"),
                    ske.signature_scheme_name
                ));
            } else {
                o.push_str(&format!(
                    "    {} signature ({}) did not verify: {}\n",
                    p.bad("✗"),
                    ske.signature_scheme_name,
                    ske.signature_error.as_deref().unwrap_or("?")
                ));
            }
        }
        if let Some(cke) = &kx.client_key_exchange {
            let what = if cke.contents == "rsa_encrypted_pre_master_secret" {
                format!(
                    "the pre-master secret, RSA-encrypted to the server's public key ({} bytes of ciphertext)",
                    cke.length
                )
            } else {
                format!(
                    "the client's ephemeral public key ({} bytes) — no secret in it",
                    cke.length
                )
            };
            o.push_str(&format!("  {}: {what}\n", p.label("ClientKeyExchange")));
            o.push_str(&hex_block(&cke.hex, "      ", p));
            if cke.contents == "rsa_encrypted_pre_master_secret" {
                o.push_str(&format!(
                    "    {}\n",
                    p.warn("Whoever gets the server's private key — today or in ten years — can decrypt this.")
                ));
            }
        }
    }

    // Step 4/5: the attack.
    for (i, s) in r.sessions.iter().enumerate() {
        let title = if i == 0 {
            "The key leaks: decrypt session A from the recording and the private key"
        } else {
            "Try the same on session B"
        };
        o.push_str(&step(4 + i as u32, title));
        let Some(a) = &s.account else {
            o.push_str(&format!("  {}\n", p.dim("(no recording)")));
            continue;
        };
        if let Some(rec) = &a.recovered {
            render_recovery(&mut o, rec, a.key_exchange.extended_master_secret, p);
        }
        for f in &a.finished {
            o.push_str(&format!(
                "  Finished ({}): expected {} received {} {}\n",
                f.dir.sender(),
                hex::encode(&f.expected),
                hex::encode(&f.received),
                if f.ok { p.good("✓") } else { p.bad("✗") }
            ));
        }
        if a.decrypted {
            o.push_str(&format!(
                "  {} both Finished messages verify: the recovered keys are the session's keys.\n",
                p.good("✓")
            ));
            if let Some(m) = s.matches_server_keylog {
                o.push_str(&format!(
                    "  {} the recovered master secret {} the one OpenSSL logged with -keylogfile\n",
                    if m { p.good("✓") } else { p.bad("✗") },
                    if m { "equals" } else { "differs from" }
                ));
            }
            if let Some(pt) = &a.plaintext {
                render_plaintext(&mut o, pt, p);
            }
        } else {
            o.push_str(&format!(
                "  {} {}\n",
                p.bad("✗ cannot decrypt:"),
                a.reason.as_deref().unwrap_or("unknown reason")
            ));
            if a.key_exchange.server_key_exchange.is_some() {
                o.push_str(
                    "  The pre-master secret was ECDH(client ephemeral private key, server ephemeral public key).\n  Both ephemeral private keys lived in memory for one handshake and were thrown away; the\n  recording holds only the public halves and a signature. No long-term key can recompute it.\n",
                );
            }
            if s.client_keylog_decrypts == Some(true) {
                o.push_str(&format!(
                    "  {} With the client's own key log (CLIENT_RANDOM, as SSLKEYLOGFILE writes it) it decrypts:\n  only the two ends ever knew the secret.\n",
                    p.good("✓")
                ));
            }
        }
    }
    o.push_str(&format!("\n{}\n  {}\n", p.bold("TLS 1.3"), TLS13_NOTE));
    let a_ok = r
        .sessions
        .first()
        .and_then(|s| s.account.as_ref())
        .is_some_and(|a| a.decrypted);
    let b_safe = r
        .sessions
        .get(1)
        .and_then(|s| s.account.as_ref())
        .is_some_and(|a| !a.decrypted);
    o.push_str(&format!(
        "\n{} session A {}; session B {}.\n",
        p.bold("Result:"),
        if a_ok {
            p.bad("was read with the leaked key")
        } else {
            p.good("was not decrypted")
        },
        if b_safe {
            p.good("stayed secret — that is forward secrecy")
        } else {
            p.bad("was not shown secret")
        }
    ));
    if let Some(d) = &r.out_dir {
        o.push_str(&format!(
            "Recordings and key logs in {d} (client.keylog opens the sessions in Wireshark; replay with `tlsight decrypt`).\n"
        ));
    }
    o
}

fn render_recovery(o: &mut String, rec: &RecoveryAccount, ems: bool, p: Palette) {
    o.push_str(&format!(
        "  RSA-decrypt the ClientKeyExchange → pre-master secret (48 bytes: version 0303 ‖ 46 random)\n{}",
        hex_block(&rec.pre_master_secret, "      ", p)
    ));
    if ems {
        o.push_str(&format!(
            "  Extended master secret (RFC 7627) was negotiated, so\n    master = PRF(pms, \"extended master secret\", Hash(ClientHello … ClientKeyExchange))\n    session hash {}\n",
            p.dim(rec.session_hash.as_deref().unwrap_or("?"))
        ));
    } else {
        o.push_str("  master = PRF(pms, \"master secret\", client_random ‖ server_random)\n");
    }
    o.push_str(&format!(
        "  Master secret\n{}  key block = PRF(master, \"key expansion\", server_random ‖ client_random) → AES-GCM keys and salts\n",
        hex_block(&rec.master_secret, "      ", p)
    ));
}

fn render_plaintext(o: &mut String, pt: &Plaintext, p: Palette) {
    o.push_str(&format!(
        "  {} ({} bytes)\n{}",
        p.label("client → server"),
        pt.client.len(),
        text_block(&pt.client, "    │ ", 20)
    ));
    o.push_str(&format!(
        "  {} ({} bytes)\n{}",
        p.label("server → client"),
        pt.server.len(),
        text_block(&pt.server, "    │ ", 20)
    ));
}

// ---------------------------------------------------------------------------------------------
// decrypt.

/// The `--json` form of `tlsight decrypt`.
#[derive(Debug, Serialize)]
struct DecryptReport {
    /// The recording file.
    recording: String,
    /// `private_key` or `keylog`.
    secret_source: &'static str,
    /// The key exchange (TLS 1.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    key_exchange: Option<fs::KeyExchangeAccount>,
    /// Secrets recovered with the private key.
    #[serde(skip_serializing_if = "Option::is_none")]
    recovered: Option<RecoveryAccount>,
    /// The decrypted session: every record, handshake message and Finished check.
    session: DecryptedSession,
    /// Application data as text.
    plaintext: Plaintext,
}

/// Runs `tlsight decrypt`: a JSON recording, or every TLS connection of a pcap/pcapng capture.
pub(crate) fn run_decrypt(args: DecryptArgs) -> ExitCode {
    const CMD: &str = "decrypt";
    let name = args.recording.display().to_string();
    let head = match std::fs::read(&args.recording) {
        Ok(b) => b,
        Err(e) => return fail(CMD, format!("{name}: {e}")),
    };
    // A capture may hold several connections and carry its own key log (a DSB).
    let (streams, embedded) = if tlsight::capture::pcap_in::is_capture(&head) {
        match tlsight::capture::pcap_in::read_capture(&head, &name) {
            Ok(c) => (c.streams, c.secrets),
            Err(e) => return fail(CMD, e),
        }
    } else {
        match Transcript::load(&args.recording) {
            Ok(t) => (vec![t], KeyLogSecrets::default()),
            Err(e) => return fail(CMD, e),
        }
    };
    let key = match &args.key {
        Some(path) => match rsa_kx::load_private_key_file(path) {
            Ok(k) => Some(k),
            Err(e) => return fail(CMD, e),
        },
        None => None,
    };
    let keylog = match (&args.key, &args.keylog) {
        (None, Some(path)) => match KeyLogSecrets::load(path) {
            Ok(s) => Some(s),
            Err(e) => return fail(CMD, e),
        },
        (None, None) if !embedded.is_empty() => Some(embedded),
        (None, None) => {
            return fail(
                CMD,
                "give --key or --keylog (the input carries no Decryption Secrets Block)",
            );
        }
        _ => None,
    };
    let source = match (&key, &args.keylog) {
        (Some(_), _) => "private_key",
        (None, Some(_)) => "keylog",
        (None, None) => "embedded",
    };
    let mut reports = Vec::new();
    for t in &streams {
        let (secrets, recovered) = match (&key, &keylog) {
            (Some(key), _) => match rsa_kx::recover(t, key) {
                Ok(r) => (r.secrets.clone(), Some(RecoveryAccount::from(&r))),
                Err(e) => return fail(CMD, e),
            },
            (None, Some(s)) => (s.clone(), None),
            (None, None) => return fail(CMD, "no secrets"),
        };
        let session = match decrypt_session(t, &secrets) {
            Ok(s) => s,
            Err(e) => return fail(CMD, e),
        };
        if recovered.is_some() && session.finished.iter().any(|f| !f.ok) {
            return fail(
                CMD,
                "the Finished messages did not verify with the recovered keys: wrong private key",
            );
        }
        reports.push(DecryptReport {
            recording: name.clone(),
            secret_source: source,
            key_exchange: fs::describe_key_exchange(t)
                .ok()
                .filter(|_| !session_is_13(&session)),
            recovered,
            plaintext: Plaintext::of(&session),
            session,
        });
    }
    if args.json {
        match reports.as_slice() {
            [one] => print_out(&report::to_json(one)),
            many => print_out(&report::to_json(&many)),
        }
    } else {
        let text: Vec<String> = reports
            .iter()
            .zip(&streams)
            .map(|(r, t)| render_decrypt(r, t, Palette::detect()))
            .collect();
        print_out(&text.join("\n"));
    }
    ExitCode::from(if reports.iter().all(|r| r.session.fully_verified()) {
        exit::OK
    } else {
        exit::FINDING
    })
}

fn session_is_13(s: &DecryptedSession) -> bool {
    s.version == tlsight::wire::ProtocolVersion::TLS13
}

fn render_decrypt(r: &DecryptReport, t: &Transcript, p: Palette) -> String {
    let s = &r.session;
    let mut o = String::new();
    let kv = |k: &str, v: String| format!("{:<12}{v}\n", p.bold(k));
    o.push_str(&kv(
        "Recording",
        format!(
            "{}{}",
            r.recording,
            t.target
                .as_ref()
                .map(|x| format!(" (connection to {x})"))
                .unwrap_or_default()
        ),
    ));
    o.push_str(&kv(
        "Session",
        format!(
            "{}  {} (0x{:04X}){}",
            s.version.label(),
            p.label(&s.suite_name),
            s.cipher_suite,
            if session_is_13(s) {
                String::new()
            } else if s.extended_master_secret {
                "  extended master secret".to_string()
            } else {
                "  no extended master secret".to_string()
            }
        ),
    ));
    o.push_str(&kv("Client rnd", p.dim(hex::encode(&s.client_random))));
    match (&r.recovered, r.secret_source) {
        (Some(rec), _) => {
            o.push_str(&kv(
                "Secrets",
                "recovered with the server's private key (RSA key transport)".into(),
            ));
            o.push_str(&kv(
                "",
                format!(
                    "pre-master {}",
                    p.dim(short_hex(&rec.pre_master_secret, 16))
                ),
            ));
            o.push_str(&kv(
                "",
                format!("master     {}", p.dim(short_hex(&rec.master_secret, 16))),
            ));
        }
        _ => o.push_str(&kv("Secrets", "from the key log".into())),
    }
    if let Some(kx) = &r.key_exchange
        && let Some(cke) = &kx.client_key_exchange
    {
        o.push_str(&kv(
            "Key exch.",
            format!(
                "{}: ClientKeyExchange carries {} ({} bytes)",
                kx.method,
                if cke.contents == "rsa_encrypted_pre_master_secret" {
                    "the RSA-encrypted pre-master secret"
                } else {
                    "an ephemeral public key"
                },
                cke.length
            ),
        ));
    }
    for n in &s.notes {
        o.push_str(&kv("Note", p.warn(n)));
    }

    o.push_str(&format!("\n{}\n", p.bold("Records")));
    o.push_str(&p.dim(format!(
        "  {:>3}  {:>9}  {:<7} {:<17} {:<9} {:>6}  {}\n",
        "#", "time ms", "from", "type", "", "bytes", "contents"
    )));
    for (i, rec) in s.records.iter().enumerate() {
        let contents = record_contents(s, i);
        let ct = rec
            .content_type
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("type {}", rec.content_type.0));
        o.push_str(&format!(
            "  {:>3}  {:>9.3}  {:<7} {:<17} {:<9} {:>6}  {}\n",
            i + 1,
            rec.t_us as f64 / 1000.0,
            rec.dir.sender(),
            ct,
            if rec.encrypted { "encrypted" } else { "plain" },
            rec.plaintext.len(),
            match &rec.error {
                Some(e) => p.bad(e),
                None => contents,
            }
        ));
    }
    if !s.finished.is_empty() {
        o.push_str(&format!("\n{}\n", p.bold("Finished")));
        for f in &s.finished {
            o.push_str(&format!(
                "  {:<7} {} {}\n",
                f.dir.sender(),
                if f.ok {
                    p.good("✓ verify_data matches the keys")
                } else {
                    p.bad("✗ verify_data does not match")
                },
                p.dim(hex::encode(&f.received))
            ));
        }
    }
    o.push_str(&format!("\n{}\n", p.bold("Application data")));
    render_plaintext(&mut o, &r.plaintext, p);
    o
}

/// Short description of what a record carried.
fn record_contents(s: &DecryptedSession, index: usize) -> String {
    let rec = &s.records[index];
    match rec.content_type {
        ContentType::HANDSHAKE => {
            let names: Vec<String> = s
                .handshake
                .iter()
                .filter(|m| m.record == index)
                .map(|m| handshake_name(m.typ))
                .collect();
            if names.is_empty() {
                "(part of a message)".into()
            } else {
                names.join(", ")
            }
        }
        ContentType::ALERT => match rec.plaintext.as_slice() {
            [level, desc] => format!(
                "{} {}",
                if *level == 2 { "fatal" } else { "warning" },
                AlertDescription(*desc).name().unwrap_or("unknown")
            ),
            _ => "alert".into(),
        },
        ContentType::CHANGE_CIPHER_SPEC => "ChangeCipherSpec".into(),
        ContentType::APPLICATION_DATA => {
            let head: String =
                String::from_utf8_lossy(&rec.plaintext[..rec.plaintext.len().min(40)])
                    .chars()
                    .map(|c| if c.is_control() { '·' } else { c })
                    .collect();
            head
        }
        _ => String::new(),
    }
}

fn handshake_name(t: HandshakeType) -> String {
    t.name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("type {}", t.0))
}
