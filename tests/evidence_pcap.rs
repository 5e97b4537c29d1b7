//! `--pcap FILE`: the pcapng tlsight writes opens decrypted in tshark with no key file (the
//! Decryption Secrets Block), and what tshark decodes from it matches tlsight's own JSON field
//! by field. The DSB is byte-identical to the one `editcap --inject-secrets tls,KEYS` writes.
//! Peers: `openssl s_server` on 127.0.0.1.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn tshark_ready() -> bool {
    common::tool_ready("tshark", "TLSIGHT_SKIP_TSHARK")
}

fn server() -> common::OpensslServer {
    common::test_pki_server(&[])
}

/// Runs tlsight and returns (exit code, stdout).
fn tlsight(args: &[&str]) -> (i32, String) {
    let (code, out, err) = common::run_tlsight(args);
    (code, out + &err)
}

/// Runs tshark on a capture (`-r FILE` among `args`), with the capture's server ports decoded
/// as TLS: on an unusual port tshark only guesses, and may not guess a ClientHello that spans
/// segments (a post-quantum key share makes it larger than one).
fn tshark(args: &[&str]) -> String {
    let mut decode = Vec::new();
    if let Some(i) = args.iter().position(|a| *a == "-r") {
        let cap =
            tlsight::capture::load_capture(Path::new(args[i + 1])).expect("our capture reads");
        let ports: std::collections::BTreeSet<u16> = cap
            .streams
            .iter()
            .filter_map(|t| t.server.map(|s| s.port()))
            .collect();
        for p in ports {
            decode.push("-d".to_string());
            decode.push(format!("tcp.port=={p},tls"));
        }
    }
    let out = Command::new("tshark")
        .args(&decode)
        .args(args)
        .output()
        .expect("run tshark");
    assert!(
        out.status.success(),
        "tshark {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every value of `key` anywhere in tshark's JSON, in document order; `_raw` fields are
/// `[hex, pos, len, mask, type]`, or a list of those when merged by --no-duplicate-keys.
fn raw_values(v: &Value, key: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == key {
                    match x.get(0) {
                        Some(Value::String(s)) => out.push(s.clone()),
                        Some(Value::Array(_)) => {
                            for one in x.as_array().unwrap() {
                                out.push(one[0].as_str().unwrap().to_string());
                            }
                        }
                        _ => {}
                    }
                }
                raw_values(x, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| raw_values(x, key, out)),
        _ => {}
    }
}

/// Handshake types tshark decoded, in order (it can only see the encrypted ones decrypted).
fn tshark_types(pcap: &Path) -> Vec<u64> {
    tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "tls.handshake",
        "-T",
        "fields",
        "-e",
        "tls.handshake.type",
    ])
    .lines()
    .flat_map(|l| {
        l.split(',')
            .map(|t| t.trim().parse::<u64>().unwrap())
            .collect::<Vec<_>>()
    })
    .collect()
}

fn ours<'a>(report: &'a Value, typ: &str) -> Vec<&'a Value> {
    report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == typ)
        .collect()
}

/// tshark's view of the capture, checked against our report: every handshake message type in
/// order, the certificates byte for byte, both Finished verify_data, the negotiated suite.
fn check_against_tshark(pcap: &Path, report: &Value) {
    let our_types: Vec<u64> = report["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["handshake_type"].as_u64())
        .collect();
    assert_eq!(
        tshark_types(pcap),
        our_types,
        "handshake messages seen by tshark"
    );

    let json: Value = serde_json::from_str(&tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "tls.handshake",
        "-T",
        "json",
        "-x",
        "--no-duplicate-keys",
    ]))
    .unwrap();
    let mut certs = Vec::new();
    raw_values(&json, "tls.handshake.certificate_raw", &mut certs);
    let our_certs: Vec<String> = ours(report, "Certificate")[0]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["der"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(certs, our_certs, "certificates decoded by tshark");
    assert_eq!(certs.len(), 2);

    let mut verify = Vec::new();
    raw_values(&json, "tls.handshake.verify_data_raw", &mut verify);
    let our_verify: Vec<String> = ours(report, "Finished")
        .iter()
        .map(|m| m["verify_data"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        verify, our_verify,
        "Finished verify_data decrypted by tshark"
    );
    assert_eq!(verify.len(), 2, "both Finished messages decrypted");

    let suites = tshark(&[
        "-r",
        pcap.to_str().unwrap(),
        "-Y",
        "tls.handshake.type == 2",
        "-T",
        "fields",
        "-e",
        "tls.handshake.ciphersuite",
    ]);
    assert_eq!(
        suites.trim().to_lowercase(),
        report["negotiated"]["cipher_suite_code"]
            .as_str()
            .unwrap()
            .to_lowercase()
    );
}

/// A live handshake at `version` written with --pcap; returns the pcap path and our report.
fn live_capture(version: &str, dir: &Path) -> (std::path::PathBuf, Value) {
    let s = server();
    let pcap = dir.join("h.pcapng");
    let ca = common::repo("certs/root.pem");
    let (code, out) = tlsight(&[
        "handshake",
        &s.target(),
        version,
        "--ca",
        ca.to_str().unwrap(),
        "--pcap",
        pcap.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    (pcap, serde_json::from_str(&out).unwrap())
}

#[test]
fn tls13_pcap_opens_decrypted_in_tshark_and_matches_our_json() {
    if !tshark_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (pcap, report) = live_capture("--tls13", dir.path());
    assert_eq!(report["negotiated"]["version"], "TLSv1.3");
    check_against_tshark(&pcap, &report);
    // TLS 1.3 hides the Certificate: tshark shows it only because the DSB decrypted it.
    assert!(tshark_types(&pcap).contains(&11));
}

#[test]
fn tls12_pcap_opens_decrypted_in_tshark_and_matches_our_json() {
    if !tshark_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (pcap, report) = live_capture("--tls12", dir.path());
    assert_eq!(report["negotiated"]["version"], "TLSv1.2");
    check_against_tshark(&pcap, &report);
    // TCP as a stack would write it: one handshake, one FIN each way, no analysis warnings.
    let file = pcap.to_str().unwrap();
    let count = |filter: &str| tshark(&["-r", file, "-Y", filter]).lines().count();
    assert_eq!(count("tcp.flags.syn == 1 && tcp.flags.ack == 0"), 1);
    assert_eq!(count("tcp.flags.syn == 1 && tcp.flags.ack == 1"), 1);
    assert_eq!(count("tcp.flags.fin == 1"), 2);
    assert_eq!(
        count("tcp.analysis.flags"),
        0,
        "tshark sees no lost, retransmitted or out-of-order segment"
    );
}

/// Block type and body of each pcapng block (little-endian, as both tools write).
fn blocks(bytes: &[u8]) -> Vec<(u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 8 <= bytes.len() {
        let t = u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap());
        let len = u32::from_le_bytes(bytes[i + 4..i + 8].try_into().unwrap()) as usize;
        out.push((t, bytes[i..i + len].to_vec()));
        i += len;
    }
    out
}

#[test]
fn decryption_secrets_block_is_the_one_editcap_injects() {
    if !tshark_ready() {
        return;
    }
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let (code, out) = tlsight(&[
        "handshake",
        &s.target(),
        "--ca",
        common::repo("certs/root.pem").to_str().unwrap(),
        "--pcap",
        &p("ours.pcapng"),
        "--keylog",
        &p("keys.txt"),
    ]);
    assert_eq!(code, 0, "{out}");
    for args in [
        vec![
            "--discard-all-secrets".to_string(),
            p("ours.pcapng"),
            p("bare.pcapng"),
        ],
        vec![
            "--inject-secrets".to_string(),
            format!("tls,{}", p("keys.txt")),
            p("bare.pcapng"),
            p("editcap.pcapng"),
        ],
    ] {
        let out = Command::new("editcap")
            .args(&args)
            .output()
            .expect("editcap (wireshark-common)");
        assert!(
            out.status.success(),
            "editcap {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let ours = blocks(&std::fs::read(p("ours.pcapng")).unwrap());
    let theirs = blocks(&std::fs::read(p("editcap.pcapng")).unwrap());
    let dsb = |b: &[(u32, Vec<u8>)]| {
        b.iter()
            .filter(|(t, _)| *t == 0x0A)
            .map(|(_, d)| d.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(dsb(&ours).len(), 1);
    assert_eq!(
        dsb(&ours),
        dsb(&theirs),
        "same Decryption Secrets Block, byte for byte"
    );
    // The secrets come before the first packet in both files.
    let first = |b: &[(u32, Vec<u8>)], t: u32| b.iter().position(|(x, _)| *x == t).unwrap();
    assert!(first(&ours, 0x0A) < first(&ours, 6));
    assert!(first(&theirs, 0x0A) < first(&theirs, 6));
    let packets = |b: &[(u32, Vec<u8>)]| {
        b.iter()
            .filter(|(t, _)| *t == 6)
            .map(|(_, d)| d.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(packets(&ours), packets(&theirs));
}

#[test]
fn handshake_from_our_own_pcap_gives_the_live_report() {
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("h.pcapng");
    let ca = common::repo("certs/root.pem");
    let (code, live) = tlsight(&[
        "handshake",
        &s.target(),
        "--ca",
        ca.to_str().unwrap(),
        "--pcap",
        pcap.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{live}");
    let (code, replay) = tlsight(&[
        "handshake",
        "--from",
        pcap.to_str().unwrap(),
        "--ca",
        ca.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{replay}");
    let live: Value = serde_json::from_str(&live).unwrap();
    let replay: Value = serde_json::from_str(&replay).unwrap();
    // One engine: the same messages (every field and byte), records, negotiated parameters,
    // certificates, fingerprints, decryption, trust verdict and interception verdict.
    for key in [
        "messages",
        "records",
        "negotiated",
        "certificates",
        "fingerprints",
        "decryption",
        "names",
        "address",
    ] {
        assert_eq!(
            live[key], replay[key],
            "{key} differs between live and capture"
        );
    }
    assert_eq!(
        live["verification"]["trusted"],
        replay["verification"]["trusted"]
    );
    assert_eq!(
        live["verification"]["handshake_signature_valid"],
        replay["verification"]["handshake_signature_valid"]
    );
    assert_eq!(
        live["interception"]["verdict"],
        replay["interception"]["verdict"]
    );
}

#[test]
fn audit_pcap_holds_every_probe_connection_as_its_own_stream() {
    if !tshark_ready() {
        return;
    }
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("a.pcapng");
    let (code, out) = tlsight(&[
        "audit",
        &s.target(),
        "--pcap",
        pcap.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let connections = report["connections"].as_u64().unwrap() as usize;
    let file = pcap.to_str().unwrap();
    let streams: std::collections::BTreeSet<String> =
        tshark(&["-r", file, "-T", "fields", "-e", "tcp.stream"])
            .lines()
            .map(str::to_string)
            .collect();
    assert_eq!(
        streams.len(),
        connections,
        "one TCP stream per connection the audit counted"
    );
    let port = s.port.to_string();
    let sent = tshark(&[
        "-r",
        file,
        "-Y",
        &format!("tcp.dstport == {port} && tcp.len > 0"),
        "-T",
        "fields",
        "-e",
        "tcp.stream",
    ]);
    let with_data: std::collections::BTreeSet<&str> = sent.lines().collect();
    assert_eq!(
        with_data.len(),
        connections,
        "every stream carries the probe's hello"
    );
    // tshark recognises every TLS ClientHello; the SSLv2 probe's hello is not TLS.
    let hellos = tshark(&[
        "-r",
        file,
        "-Y",
        "tls.handshake.type == 1",
        "-T",
        "fields",
        "-e",
        "tcp.stream",
    ]);
    let with_hello: std::collections::BTreeSet<&str> = hellos.lines().collect();
    let missing: Vec<&&str> = with_data
        .iter()
        .filter(|s| !with_hello.contains(**s))
        .collect();
    assert!(
        missing.len() <= 1,
        "{} ClientHellos in {connections} streams; without: {missing:?}",
        with_hello.len()
    );
    // The real handshakes among the probes (TLS 1.3 facts, resumption) decrypt with the DSB.
    assert!(
        tshark(&["-r", file, "-Y", "tls.handshake.type == 20"])
            .lines()
            .count()
            >= 2
    );
}

#[test]
fn verify_and_mitm_pcaps_open_decrypted() {
    if !tshark_ready() {
        return;
    }
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let ca = common::repo("certs/root.pem");
    for cmd in ["verify", "mitm"] {
        let pcap = dir.path().join(format!("{cmd}.pcapng"));
        let (code, out) = tlsight(&[
            cmd,
            &s.target(),
            "--ca",
            ca.to_str().unwrap(),
            "--pcap",
            pcap.to_str().unwrap(),
        ]);
        assert!(code == 0 || code == 1, "{cmd}: {out}");
        let types = tshark_types(&pcap);
        assert!(
            types.contains(&11) && types.contains(&20),
            "{cmd}: decrypted Certificate and Finished in {types:?}"
        );
    }
}
