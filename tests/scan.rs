//! `tlsight scan` against a farm of real servers on many loopback addresses (127.20.x.y):
//! in-process rustls servers (ECDSA and RSA leaves, TLS 1.2-only, one without its private key),
//! `openssl s_server`, and hostile peers built here (silent, slow-drip, garbage, reset, alert,
//! refused). Over a thousand targets per run; every line accounted for, every hostile target
//! bounded by its deadline, shards that add up to the unsharded run, and a killed scan that
//! `--resume` completes; `--per-ip` and `--rate` read off a relay's accept times.

mod common;
#[path = "common/farm.rs"]
mod farm;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

use common::daemon::{Smtp, postfix};
use common::{OpensslServer, repo};
use farm::Kind;

/// The expected status of each kind (with `--retries 1`, timeouts are tried twice).
fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::Tls | Kind::Tls12Rsa => "ok",
        Kind::WrongKey => "key_possession_failure",
        Kind::Silent | Kind::SlowDrip => "handshake_timeout",
        Kind::Garbage => "not_tls",
        Kind::Reset => "connection_reset",
        Kind::Alert => "alert",
        Kind::Refused => "connection_refused",
        Kind::Delayed(_) | Kind::PostgresTls => "ok",
    }
}

struct Farm {
    /// Every peer: address and kind.
    peers: Vec<(SocketAddr, Kind)>,
}

const TLS_PEERS: usize = 250;
const EACH_HOSTILE: usize = 6;

/// The farm serves one scan at a time: on a 2-core machine, three scans in parallel starve its
/// servers past any sensible handshake deadline (debug builds, shared CI runners).
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

fn farm() -> &'static Farm {
    static FARM: OnceLock<Farm> = OnceLock::new();
    FARM.get_or_init(start_farm)
}

fn start_farm() -> Farm {
    let mut kinds = vec![Kind::Tls; TLS_PEERS - 20];
    kinds.extend([Kind::Tls12Rsa; 16]);
    kinds.extend([Kind::WrongKey; 4]);
    for k in [
        Kind::Silent,
        Kind::SlowDrip,
        Kind::Garbage,
        Kind::Reset,
        Kind::Alert,
        Kind::Refused,
    ] {
        kinds.extend(std::iter::repeat_n(k, EACH_HOSTILE));
    }
    // Port 5432: the scan upgrades with PostgreSQL's SSLRequest, as the port says.
    kinds.push(Kind::PostgresTls);
    Farm {
        peers: farm::start(kinds, 20),
    }
}

/// openssl s_server peers (127.0.0.1), owned by the one test that uses them so they stop with
/// it (the farm lives in a static, which is never dropped).
fn openssl_peers() -> Vec<OpensslServer> {
    let chain = ["-cert_chain", "certs/intermediate.pem"];
    let cd = repo("");
    let mk = |cert: &str, key: &str, extra: &[&str]| {
        let cert = cd.join(cert).display().to_string();
        let key = cd.join(key).display().to_string();
        let inter = cd.join(chain[1]).display().to_string();
        let mut args = vec!["-cert", &cert, "-key", &key, "-cert_chain", &inter];
        args.extend_from_slice(extra);
        OpensslServer::start(&args)
    };
    vec![
        mk("certs/ecdsa-p256.pem", "certs/ecdsa-p256.key", &[]),
        mk("certs/rsa2048.pem", "certs/rsa2048.key", &["-tls1_2"]),
        mk("certs/ed25519.pem", "certs/ed25519.key", &["-tls1_3"]),
        // TLS 1.0 with RSA key transport and CBC only: rustls cannot, our engine can.
        mk(
            "certs/rsa2048.pem",
            "certs/rsa2048.key",
            &["-tls1", "-cipher", "AES128-SHA:@SECLEVEL=0"],
        ),
    ]
}

/// The target list: each TLS peer four times (no SNI, SNI localhost, SNI tlsight.test, SNI
/// wrong.example), each hostile peer once, the openssl peers, comments, blank and bad lines.
/// Returns the text and the expected status per key.
fn target_list(f: &Farm, openssl: &[String]) -> (String, BTreeMap<String, String>) {
    let mut text = String::from("# tlsight scan test inventory\n\n");
    let mut want = BTreeMap::new();
    for (addr, kind) in &f.peers {
        let snis: &[Option<&str>] = if matches!(kind, Kind::Tls | Kind::Tls12Rsa) {
            &[
                None,
                Some("localhost"),
                Some("tlsight.test"),
                Some("wrong.example"),
            ]
        } else {
            &[Some("localhost")]
        };
        for sni in snis {
            let key = match sni {
                Some(s) => format!("{addr} {s}"),
                None => addr.to_string(),
            };
            text.push_str(&key);
            text.push('\n');
            want.insert(key, expected(*kind).to_string());
        }
    }
    // s_server serves one connection at a time: only one test uses it.
    for t in openssl {
        let key = format!("{t} localhost");
        text.push_str(&format!("{key}   # openssl s_server\n"));
        want.insert(key, "ok".into());
    }
    for bad in ["bad-port:99999", "10.0.0.1/24"] {
        text.push_str(bad);
        text.push('\n');
        want.insert(bad.to_string(), "invalid_target".into());
    }
    (text, want)
}

/// Every `step`-th line of the list (hostile peers included), to keep the slower tests short.
fn subset(
    (text, want): (String, BTreeMap<String, String>),
    n: usize,
) -> (String, BTreeMap<String, String>) {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| want.contains_key(l.trim()))
        .collect();
    let step = lines.len().div_ceil(n).max(1);
    let mut out = String::new();
    let mut w = BTreeMap::new();
    for l in lines.iter().step_by(step) {
        out.push_str(l);
        out.push('\n');
        w.insert(l.trim().to_string(), want[l.trim()].clone());
    }
    // Keep one of each hostile kind however the step falls.
    for l in &lines {
        let st = &want[l.trim()];
        if st != "ok" && !w.values().any(|v| v == st) {
            out.push_str(l);
            out.push('\n');
            w.insert(l.trim().to_string(), st.clone());
        }
    }
    (out, w)
}

fn tlsight() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tlsight"))
}

/// The per-target deadline of [`FAST`], in milliseconds.
const TARGET_DEADLINE_MS: f64 = 15_000.0;

// Deadlines generous enough for a debug build on a loaded 2-core machine (healthy servers
// answer in milliseconds; these only bound the hostile ones: a silent peer costs two 6 s
// attempts and the backoff), few enough in flight that the farm keeps up.
const FAST: [&str; 12] = [
    "--concurrency",
    "16",
    "--connect-timeout",
    "5",
    "--handshake-timeout",
    "6",
    "--target-timeout",
    "15",
    "--retries",
    "1",
    "--ca",
    "certs/root.pem",
];

fn scan(list: &Path, out: &Path, extra: &[&str]) -> Output {
    tlsight()
        .current_dir(repo(""))
        .arg("scan")
        .arg(list)
        .args(FAST)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .expect("run tlsight scan")
}

/// How many completed handshakes the summary file counts for `version`.
fn s_summary_versions_has(summary: &Path, version: &str) -> u64 {
    let s: Value = serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    s["versions"][version].as_u64().unwrap_or(0)
}

fn records(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out)
        .expect("output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line {l:?}: {e}")))
        .collect()
}

fn by_key(recs: &[Value]) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    for r in recs {
        let key = r["key"].as_str().expect("key").to_string();
        assert!(
            m.insert(key.clone(), r.clone()).is_none(),
            "duplicate {key}"
        );
    }
    m
}

#[test]
fn over_a_thousand_targets_every_line_accounted_for_hostile_ones_bounded() {
    let _turn = one_at_a_time();
    let f = farm();
    let dir = tempfile::tempdir().unwrap();
    let openssl = openssl_peers();
    let openssl_targets: Vec<String> = openssl.iter().map(|s| s.target()).collect();
    let (text, want) = target_list(f, &openssl_targets);
    assert!(want.len() > 1000, "{} targets", want.len());
    let list = dir.path().join("targets.txt");
    std::fs::write(&list, &text).unwrap();
    let out = dir.path().join("out.jsonl");
    let summary = dir.path().join("summary.json");
    let o = scan(&list, &out, &["--summary-json", summary.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let recs = records(&out);
    let got = by_key(&recs);
    assert_eq!(
        got.keys().collect::<BTreeSet<_>>(),
        want.keys().collect::<BTreeSet<_>>(),
        "every target exactly once"
    );
    for (key, status) in &want {
        let r = &got[key];
        assert_eq!(r["status"], status.as_str(), "{key}: {r}");
        // No hostile peer holds a target past its deadline (slack for a loaded machine).
        let ms = r["elapsed_ms"].as_f64().unwrap();
        if status != "ok" {
            assert!(ms < TARGET_DEADLINE_MS + 5_000.0, "{key} took {ms} ms: {r}");
        }
    }
    // Timeouts were retried once; refusals and alerts were not.
    let attempts = |k: Kind| {
        let (addr, _) = f.peers.iter().find(|(_, kind)| *kind == k).unwrap();
        got[&format!("{addr} localhost")]["attempts"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(attempts(Kind::Silent), 2);
    assert_eq!(attempts(Kind::SlowDrip), 2);
    assert_eq!(attempts(Kind::Refused), 1);
    // An alert in answer to the hello: tlsight's engine tried once more, got the same alert,
    // and the rustls answer stands.
    assert_eq!(attempts(Kind::Alert), 2);
    let (alert, _) = f.peers.iter().find(|(_, k)| *k == Kind::Alert).unwrap();
    assert_eq!(got[&format!("{alert} localhost")]["engine"], "rustls");
    assert_eq!(
        got[&format!("{alert} localhost")]["engine_fallback"],
        Value::Null
    );

    // A trusted target: verdict per store with codes, expiry, key possession, fingerprint.
    let (tls_addr, _) = f.peers.iter().find(|(_, k)| *k == Kind::Tls).unwrap();
    let r = &got[&format!("{tls_addr} localhost")];
    assert_eq!(r["negotiated"]["version"], "TLSv1.3");
    // rustls' server follows the client's preference: the scan offers browsers' order.
    assert_eq!(r["negotiated"]["cipher_suite"], "TLS_AES_128_GCM_SHA256");
    assert_eq!(r["negotiated"]["group"], "X25519MLKEM768");
    assert_eq!(r["verification"]["trusted"], true);
    assert_eq!(r["verification"]["stores"]["custom"]["trusted"], true);
    assert_eq!(
        r["verification"]["stores"]["mozilla"]["code"],
        "unknown_issuer"
    );
    assert_eq!(r["handshake_signature_valid"], true);
    assert!(r["certificate"]["days_to_expiry"].as_i64().unwrap() > 365);
    assert_eq!(r["certificate"]["key_algorithm"], "EC");
    assert_eq!(r["interception"]["verdict"], "clean");
    assert_eq!(r["fingerprints"]["ja3s"].as_str().unwrap().len(), 32);
    // The wrong name and the IP without SNI are untrusted for the name only.
    let wrong = &got[&format!("{tls_addr} wrong.example")];
    assert_eq!(wrong["verification"]["trusted"], false);
    assert_eq!(wrong["verification"]["errors"][0], "hostname_mismatch");
    assert_eq!(got[&tls_addr.to_string()]["sni"], Value::Null);
    // TLS 1.2 with RSA, and a server without the key.
    let (rsa, _) = f.peers.iter().find(|(_, k)| *k == Kind::Tls12Rsa).unwrap();
    let r = &got[&format!("{rsa} localhost")];
    assert_eq!(r["negotiated"]["version"], "TLSv1.2");
    assert_eq!(r["certificate"]["key_algorithm"], "RSA");
    let (wk, _) = f.peers.iter().find(|(_, k)| *k == Kind::WrongKey).unwrap();
    let r = &got[&format!("{wk} localhost")];
    assert_eq!(r["handshake_signature_valid"], false);
    assert_eq!(r["interception"]["verdict"], "intercepted");
    // A chain is not trusted when the server did not prove it holds the key, as in `verify`.
    assert_eq!(r["verification"]["trusted"], false, "{r}");
    assert_eq!(
        r["verification"]["errors"][0], "key_possession_failed",
        "{r}"
    );
    // Port 5432 chose PostgreSQL's upgrade; plain TLS targets got none.
    let (pg, _) = f
        .peers
        .iter()
        .find(|(_, k)| *k == Kind::PostgresTls)
        .unwrap();
    let r = &got[&format!("{pg} localhost")];
    assert_eq!(r["starttls"]["protocol"], "postgres", "{r}");
    assert_eq!(r["starttls"]["from_port"], true);
    assert_eq!(r["starttls"]["upgraded"], true);
    assert_eq!(r["verification"]["trusted"], true);
    assert!(r["timings_ms"]["starttls"].as_f64().unwrap() > 0.0, "{r}");
    assert!(
        got[&format!("{tls_addr} localhost")]
            .get("starttls")
            .is_none()
    );
    // openssl s_server, TLS 1.2 only with RSA.
    let r = &got[&format!("{} localhost", openssl_targets[1])];
    assert_eq!(r["negotiated"]["version"], "TLSv1.2");
    assert_eq!(r["engine"], "rustls");
    // TLS 1.0-only, RSA key transport, CBC: tlsight's engine took over, and says why.
    let r = &got[&format!("{} localhost", openssl_targets[3])];
    assert_eq!(r["engine"], "tlsight", "{r}");
    assert!(
        r["engine_fallback"]
            .as_str()
            .unwrap()
            .starts_with("rustls could not negotiate"),
        "{r}"
    );
    assert_eq!(
        r["attempts"], 2,
        "one connection for rustls, one for the engine: {r}"
    );
    assert_eq!(r["negotiated"]["version"], "TLSv1.0");
    assert_eq!(
        r["negotiated"]["cipher_suite"],
        "TLS_RSA_WITH_AES_128_CBC_SHA"
    );
    assert_eq!(r["verification"]["trusted"], true, "{r}");
    // The server's Finished proves the RSA key (only its holder decrypts the premaster).
    assert_eq!(r["handshake_signature_valid"], true, "{r}");
    assert_eq!(r["interception"]["verdict"], "clean", "{r}");
    // JA3S from the engine's transcript: TLS 1.0 (769), suite 0x002F (47).
    assert!(
        r["fingerprints"]["ja3s_string"]
            .as_str()
            .unwrap()
            .starts_with("769,47,"),
        "{r}"
    );
    assert_eq!(s_summary_versions_has(&summary, "TLSv1.0"), 1);

    // The summary counts exactly what was written.
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["targets"].as_u64().unwrap() as usize, want.len());
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for st in want.values() {
        *counts.entry(st.clone()).or_default() += 1;
    }
    for (st, n) in &counts {
        assert_eq!(s["status"][st].as_u64(), Some(*n), "{st}");
    }
    assert_eq!(s["slowest"].as_array().unwrap().len(), 10);
    let text = String::from_utf8_lossy(&o.stderr);
    assert!(
        text.contains("tlsight scan:") && text.contains("handshake_timeout"),
        "{text}"
    );
}

#[test]
fn union_of_shards_is_the_unsharded_run() {
    let _turn = one_at_a_time();
    let f = farm();
    let dir = tempfile::tempdir().unwrap();
    let (text, want) = subset(target_list(f, &[]), 360);
    let list = dir.path().join("targets.txt");
    std::fs::write(&list, &text).unwrap();
    let whole = dir.path().join("whole.jsonl");
    assert!(scan(&list, &whole, &[]).status.success());
    let whole = by_key(&records(&whole));
    assert_eq!(whole.len(), want.len());

    let mut union: BTreeMap<String, Value> = BTreeMap::new();
    let mut sizes = Vec::new();
    for k in 0..3 {
        let out = dir.path().join(format!("shard-{k}.jsonl"));
        // Shard 1 finds its index the way a Kubernetes Indexed Job pod does.
        let o = if k == 1 {
            tlsight()
                .current_dir(repo(""))
                .env("JOB_COMPLETION_INDEX", "1")
                .arg("scan")
                .arg(&list)
                .args(FAST)
                .args(["--shard", "auto", "--shards", "3", "-o"])
                .arg(&out)
                .output()
                .unwrap()
        } else {
            scan(&list, &out, &["--shard", &format!("{k}/3")])
        };
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let recs = records(&out);
        sizes.push(recs.len());
        for r in recs {
            assert_eq!(r["shard"], format!("{k}/3"));
            let key = r["key"].as_str().unwrap().to_string();
            assert!(
                union.insert(key.clone(), r).is_none(),
                "{key} in two shards"
            );
        }
    }
    assert_eq!(
        union.keys().collect::<Vec<_>>(),
        whole.keys().collect::<Vec<_>>()
    );
    for (k, r) in &union {
        assert_eq!(r["status"], whole[k]["status"], "{k}");
    }
    // A hash partition: each shard gets a fair part.
    for n in &sizes {
        assert!(*n > want.len() / 5, "{sizes:?}");
    }
}

#[test]
fn resume_after_a_kill_completes_the_rest() {
    let _turn = one_at_a_time();
    let f = farm();
    let dir = tempfile::tempdir().unwrap();
    // The fast targets only, at a limited rate, so the kill lands mid-run.
    let (text, want) = subset(target_list(f, &[]), 400);
    let list = dir.path().join("targets.txt");
    std::fs::write(&list, &text).unwrap();
    let out = dir.path().join("out.jsonl");
    let mut child = tlsight()
        .current_dir(repo(""))
        .arg("scan")
        .arg(&list)
        .args(FAST)
        .args(["--rate", "100", "-q", "-o"])
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    loop {
        let n = std::fs::read_to_string(&out)
            .map(|s| s.lines().count())
            .unwrap_or(0);
        if n >= 120 {
            break;
        }
        // Only a guard against a hang: the scan has minutes of slack for a loaded machine.
        assert!(t0.elapsed() < Duration::from_secs(600), "no progress");
        assert!(child.try_wait().unwrap().is_none(), "scan ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let first = records(&out).len();
    assert!(first < want.len(), "killed after {first} of {}", want.len());
    // A record cut mid-write by the kill.
    let mut bytes = std::fs::read(&out).unwrap();
    bytes.extend_from_slice(b"{\"key\":\"127.20.0.1:4");
    std::fs::write(&out, bytes).unwrap();

    let summary = dir.path().join("summary.json");
    let o = scan(
        &list,
        &out,
        &["--resume", "--summary-json", summary.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("incomplete last line"));
    let all = by_key(&records(&out));
    assert_eq!(
        all.keys().collect::<BTreeSet<_>>(),
        want.keys().collect::<BTreeSet<_>>()
    );
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["skipped_resume"].as_u64().unwrap() as usize, first);
    assert_eq!(s["targets"].as_u64().unwrap() as usize, want.len() - first);
}

#[test]
fn audit_per_target_and_stdin_input() {
    let _turn = one_at_a_time();
    let f = farm();
    let (tls, _) = f.peers.iter().find(|(_, k)| *k == Kind::Tls).unwrap();
    let (refused, _) = f.peers.iter().find(|(_, k)| *k == Kind::Refused).unwrap();
    let mut child = tlsight()
        .current_dir(repo(""))
        .args(["scan", "-", "--audit", "--ca", "certs/root.pem", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{tls} localhost\n{refused}").unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let recs: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let got = by_key(&recs);
    let a = &got[&format!("{tls} localhost")]["audit"];
    assert_eq!(a["protocols"]["TLSv1.3"], true, "{a}");
    assert_eq!(a["protocols"]["TLSv1.0"], false);
    assert!(got[&refused.to_string()].get("audit").is_none());
}

#[test]
fn groups_choose_the_offer() {
    let _turn = one_at_a_time();
    let f = farm();
    let (tls, _) = f.peers.iter().find(|(_, k)| *k == Kind::Tls).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("t.txt");
    std::fs::write(&list, format!("{tls} localhost\n")).unwrap();
    for (groups, want) in [
        ("x25519", "x25519"),
        ("secp384r1,x25519", "secp384r1"),
        ("X25519MLKEM768", "X25519MLKEM768"),
    ] {
        let out = dir.path().join(format!("{want}.jsonl"));
        let o = scan(&list, &out, &["--groups", groups, "-q"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let r = &records(&out)[0];
        assert_eq!(r["status"], "ok", "{r}");
        assert_eq!(r["negotiated"]["group"], want, "{groups}: {r}");
    }
}

/// A TCP relay on 127.0.0.1 in front of `upstream` (a farm peer): it notes when it accepts each
/// connection, waits `hold`, then forwards both ways. What a scan's limits allow is then read
/// off the accept times: a connection's slot stays taken at least `hold`, because its
/// handshake cannot finish sooner.
struct Relay {
    addr: SocketAddr,
    accepted: std::sync::Arc<std::sync::Mutex<Vec<Instant>>>,
}

impl Relay {
    /// A relay in front of the farm's first plain TLS peer.
    fn start(hold: Duration) -> Self {
        use std::net::{TcpListener, TcpStream};
        let (upstream, _) = *farm().peers.iter().find(|(_, k)| *k == Kind::Tls).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = accepted.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                log.lock().unwrap().push(Instant::now());
                std::thread::spawn(move || {
                    std::thread::sleep(hold);
                    let Ok(server) = TcpStream::connect(upstream) else {
                        return;
                    };
                    let (mut c_in, mut s_out) =
                        (client.try_clone().unwrap(), server.try_clone().unwrap());
                    let up = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut c_in, &mut s_out);
                        let _ = s_out.shutdown(std::net::Shutdown::Write);
                    });
                    let (mut s_in, mut c_out) = (server, client);
                    let _ = std::io::copy(&mut s_in, &mut c_out);
                    let _ = c_out.shutdown(std::net::Shutdown::Both);
                    let _ = up.join();
                });
            }
        });
        Self { addr, accepted }
    }

    /// Accept times, in order.
    fn accepted(&self) -> Vec<Instant> {
        let mut v = self.accepted.lock().unwrap().clone();
        v.sort();
        v
    }

    /// A list file in `dir` of `n` targets on the relay's address, each with its own SNI name
    /// (so its own key).
    fn list_file(&self, dir: &Path, n: usize) -> std::path::PathBuf {
        let text: String = (0..n)
            .map(|i| format!("{} h{i}.tlsight.test\n", self.addr))
            .collect();
        let list = dir.join("t.txt");
        std::fs::write(&list, text).unwrap();
        list
    }

    /// Checks that the scan wrote `n` records, all `ok`, over one connection each; returns the
    /// accept times.
    fn all_ok_one_connection_each(&self, out: &Path, n: usize) -> Vec<Instant> {
        let recs = records(out);
        assert_eq!(recs.len(), n);
        for r in &recs {
            assert_eq!(r["status"], "ok", "{r}");
        }
        let t = self.accepted();
        assert_eq!(t.len(), n, "one connection per target");
        t
    }
}

#[test]
fn per_ip_limit_holds_and_the_wait_is_not_the_targets_deadline() {
    let _turn = one_at_a_time();
    let hold = Duration::from_millis(400);
    let relay = Relay::start(hold);
    let dir = tempfile::tempdir().unwrap();
    let n = 24;
    let list = relay.list_file(dir.path(), n);
    let out = dir.path().join("out.jsonl");
    // 24 targets on one address, 3 at a time: 8 waves of at least 400 ms, 3.2 s in all, longer
    // than the 2 s per-target deadline, which starts only once a target has its slot.
    let o = tlsight()
        .current_dir(repo(""))
        .arg("scan")
        .arg(&list)
        .args([
            "--concurrency",
            "24",
            "--per-ip",
            "3",
            "--target-timeout",
            "2",
        ])
        .args(["--ca", "certs/root.pem", "-q", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = relay.all_ok_one_connection_each(&out, n);
    // Any four connections in a row: the fourth waited for one of the first three to finish.
    for w in t.windows(4) {
        let span = w[3] - w[0];
        assert!(
            span >= hold - Duration::from_millis(150),
            "4 connections within {span:?} with --per-ip 3"
        );
    }
}

#[test]
fn rate_spaces_new_connections() {
    let _turn = one_at_a_time();
    let relay = Relay::start(Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let n = 16;
    let list = relay.list_file(dir.path(), n);
    let out = dir.path().join("out.jsonl");
    let o = scan(&list, &out, &["--rate", "10", "--per-ip", "100", "-q"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = relay.all_ok_one_connection_each(&out, n);
    // 10 per second: 16 connections take at least 1.5 s from the first to the last.
    let span = t[n - 1] - t[0];
    assert!(
        span >= Duration::from_millis(1300),
        "16 connections within {span:?} at --rate 10"
    );
}

#[test]
fn progress_bar_on_a_terminal_and_nothing_when_piped() {
    let _turn = one_at_a_time();
    // Slow enough (4 waves of 300 ms) for the bar to be drawn several times.
    let relay = Relay::start(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let list = relay.list_file(dir.path(), 8);
    let args = |out: &str| {
        vec![
            "scan".to_string(),
            list.display().to_string(),
            "--per-ip".into(),
            "2".into(),
            "--ca".into(),
            "certs/root.pem".into(),
            "-o".into(),
            dir.path().join(out).display().to_string(),
        ]
    };
    // A terminal: util-linux's `script` runs the scan on a pseudo-terminal and copies what it
    // drew.
    let line = std::iter::once(env!("CARGO_BIN_EXE_tlsight").to_string())
        .chain(args("tty.jsonl"))
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let o = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(repo(""))
        .env("TERM", "xterm")
        .output()
        .expect("util-linux script (bsdutils)");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let drawn = String::from_utf8_lossy(&o.stdout);
    assert!(
        drawn.contains("targets") && drawn.contains("ETA") && drawn.contains("in flight"),
        "{drawn}"
    );
    assert_eq!(records(&dir.path().join("tty.jsonl")).len(), 8);
    // Piped: the summary only, no bar and no terminal control.
    let o = tlsight()
        .current_dir(repo(""))
        .args(args("pipe.jsonl"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stderr);
    assert!(text.contains("tlsight scan:"), "{text}");
    assert!(
        !text.contains("ETA") && !text.contains('\r') && !text.contains('\u{1b}'),
        "{text:?}"
    );
    assert_eq!(records(&dir.path().join("pipe.jsonl")).len(), 8);
}

#[test]
fn starttls_smtp_daemons_statuses_and_the_none_override() {
    let _turn = one_at_a_time();
    let f = farm();
    // Postfix (the SMTP server tests/starttls.rs uses) offering STARTTLS, not offering it, and
    // refusing it (454: its key is not its certificate's), beside a farm address where nothing
    // listens.
    let mut daemons = Vec::new();
    let mut want = BTreeMap::new();
    for (mode, status) in [
        (Smtp::Tls, "ok"),
        (Smtp::Plain, "starttls_not_offered"),
        (Smtp::WrongKey, "starttls_refused"),
    ] {
        let Some(d) = postfix(mode) else {
            return;
        };
        want.insert(format!("{} localhost", d.target()), status);
        daemons.push(d);
    }
    let (refused, _) = f.peers.iter().find(|(_, k)| *k == Kind::Refused).unwrap();
    want.insert(format!("{refused} localhost"), "connection_refused");
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("smtp.txt");
    std::fs::write(
        &list,
        want.keys().map(|k| format!("{k}\n")).collect::<String>(),
    )
    .unwrap();
    let out = dir.path().join("smtp.jsonl");
    let o = scan(&list, &out, &["--starttls", "smtp"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = by_key(&records(&out));
    assert_eq!(got.len(), want.len());
    for (key, status) in &want {
        let r = &got[key];
        assert_eq!(r["status"], *status, "{key}: {r}");
        if *status != "connection_refused" {
            assert_eq!(r["starttls"]["protocol"], "smtp", "{r}");
            assert_eq!(r["starttls"]["from_port"], false);
            assert_eq!(r["starttls"]["upgraded"], *status == "ok", "{r}");
            // Findings about the server, not timeouts: never retried.
            assert_eq!(r["attempts"], 1, "{r}");
        }
        match *status {
            "ok" => {
                assert_eq!(r["verification"]["trusted"], true, "{r}");
                assert_eq!(r["certificate"]["key_algorithm"], "RSA");
                assert!(r["negotiated"]["version"].is_string());
            }
            "starttls_refused" => assert!(
                r["starttls"]["server_said"]
                    .as_str()
                    .unwrap()
                    .starts_with("454 "),
                "{r}"
            ),
            "starttls_not_offered" => {
                assert!(
                    r["error"]
                        .as_str()
                        .unwrap()
                        .contains("does not offer STARTTLS")
                )
            }
            _ => assert!(r.get("starttls").is_none(), "{r}"),
        }
    }

    // `--starttls none`: port 5432 gets a ClientHello at once, which the PostgreSQL peer
    // does not take for an SSLRequest.
    let (pg, _) = f
        .peers
        .iter()
        .find(|(_, k)| *k == Kind::PostgresTls)
        .unwrap();
    std::fs::write(&list, format!("{pg} localhost\n")).unwrap();
    let o = scan(&list, &out, &["--starttls", "none"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let r = &records(&out)[0];
    assert_ne!(r["status"], "ok", "{r}");
    assert!(r.get("starttls").is_none(), "{r}");
}

#[test]
fn through_a_socks5_proxy() {
    let _turn = one_at_a_time();
    let f = farm();
    let Some(proxy) = common::microsocks(None) else {
        return;
    };
    let mut want = BTreeMap::new();
    for (addr, kind) in f
        .peers
        .iter()
        .filter(|(_, k)| matches!(k, Kind::Tls | Kind::Refused))
        .take(3)
        .chain(f.peers.iter().filter(|(_, k)| *k == Kind::Refused).take(1))
    {
        want.insert(format!("{addr} localhost"), expected(*kind));
    }
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("t.txt");
    std::fs::write(
        &list,
        want.keys().map(|k| format!("{k}\n")).collect::<String>(),
    )
    .unwrap();
    let out = dir.path().join("o.jsonl");
    let o = scan(&list, &out, &["--proxy", &proxy.url("socks5", None)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = by_key(&records(&out));
    for (key, status) in &want {
        let r = &got[key];
        // The proxy reports the refused connection as a SOCKS5 failure.
        let status = if *status == "connection_refused" {
            "proxy_error"
        } else {
            status
        };
        assert_eq!(r["status"], status, "{key}: {r}");
        if status == "ok" {
            assert_eq!(r["verification"]["trusted"], true, "{r}");
            assert_eq!(
                r["address"],
                format!("127.0.0.1:{}", proxy.port),
                "the proxy's address: {r}"
            );
            assert!(r["timings_ms"]["proxy"].as_f64().unwrap() > 0.0, "{r}");
        }
    }
}

#[test]
fn bad_settings_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("t.txt");
    std::fs::write(&list, "127.0.0.1:1\n").unwrap();
    for (args, needle) in [
        (vec!["--shard", "3/3"], "0-based"),
        (vec!["--shard", "auto"], "none of JOB_COMPLETION_INDEX"),
        (
            vec!["--xmpp-host", "x.example", "--starttls", "smtp"],
            "--xmpp-host",
        ),
        (vec!["--concurrency", "100000000"], "ulimit -n"),
        (vec!["--rate", "0"], "--rate"),
        (
            vec!["--groups", "ffdhe2048"],
            "--groups: ffdhe2048 cannot be offered",
        ),
        (vec!["--groups", "nonsense"], "--groups"),
    ] {
        let o = tlsight()
            .arg("scan")
            .arg(&list)
            .args(&args)
            .env_remove("JOB_COMPLETION_INDEX")
            .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
            .env_remove("SLURM_ARRAY_TASK_ID")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.starts_with("tlsight: ") && err.contains(needle),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    let o = tlsight()
        .args(["scan", "/nonexistent/list"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
