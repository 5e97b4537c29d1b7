//! `tlsight fs-demo` and `tlsight decrypt` end to end: the binary starts its own
//! `openssl s_server` on loopback, records both sessions, decrypts the RSA one with the private
//! key alone and fails on the ECDHE one for the right reason.

mod sserver;

use assert_cmd::Command;
use serde_json::Value;
use sserver::{CERTS, SServer};

fn tlsight() -> Command {
    let mut c = Command::cargo_bin("tlsight").unwrap();
    c.env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(120));
    c
}

fn fixture(name: &str) -> String {
    format!("{}/testdata/fs/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn fs_demo_json_tells_the_whole_story() {
    let dir = tempfile::tempdir().unwrap();
    let out = tlsight()
        .args(["fs-demo", "--json", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let a = &v["sessions"][0];
    let b = &v["sessions"][1];

    assert_eq!(a["cipher_suite"], "TLS_RSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(a["key_exchange"]["method"], "RSA key transport");
    assert_eq!(
        a["key_exchange"]["client_key_exchange"]["contents"],
        "rsa_encrypted_pre_master_secret"
    );
    assert_eq!(a["key_exchange"]["client_key_exchange"]["length"], 256);
    assert_eq!(a["key_exchange"]["extended_master_secret"], true);
    assert_eq!(a["decrypted"], true);
    assert_eq!(a["matches_server_keylog"], true);
    assert!(
        a["plaintext"]["client"]
            .as_str()
            .unwrap()
            .starts_with("GET / HTTP/1.0\r\n")
    );
    assert!(
        a["plaintext"]["server"]
            .as_str()
            .unwrap()
            .starts_with("HTTP/1.0 200 ok")
    );
    assert_eq!(a["finished"].as_array().unwrap().len(), 2);
    assert!(a["reason"].is_null());

    assert_eq!(b["cipher_suite"], "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    assert_eq!(b["decrypted"], false);
    assert!(b["plaintext"].is_null());
    assert!(b["reason"].as_str().unwrap().contains("ephemeral"), "{b}");
    assert_eq!(
        b["key_exchange"]["client_key_exchange"]["contents"],
        "ephemeral_public_key"
    );
    let ske = &b["key_exchange"]["server_key_exchange"];
    assert_eq!(ske["signed_by_certificate_key"], true);
    assert_eq!(b["client_keylog_decrypts"], true);

    // --out kept the recordings and a key log that decrypts both.
    for f in [
        "session-a-rsa.json",
        "session-b-ecdhe.json",
        "client.keylog",
        "server.keylog",
    ] {
        assert!(dir.path().join(f).exists(), "{f}");
    }
    for f in ["session-a-rsa.json", "session-b-ecdhe.json"] {
        tlsight()
            .arg("decrypt")
            .arg(dir.path().join(f))
            .arg("--keylog")
            .arg(dir.path().join("client.keylog"))
            .assert()
            .success();
    }
}

#[test]
fn fs_demo_human_output_narrates_the_steps() {
    let out = tlsight().arg("fs-demo").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Step 1 The server",
        "ClientKeyExchange: the pre-master secret, RSA-encrypted",
        "ServerKeyExchange: the server's ephemeral",
        "Extended master secret (RFC 7627)",
        "Finished (client): expected",
        "GET / HTTP/1.0",
        "HTTP/1.0 200 ok",
        "cannot decrypt",
        "TLS 1.3 removed static RSA key transport",
        "session B stayed secret",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    assert!(!text.contains('\x1b'), "no colour when piped");
}

#[test]
fn fs_demo_against_a_user_server() {
    let srv = SServer::start("-tls1_2", "AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256");
    let out = tlsight()
        .args([
            "fs-demo",
            "--json",
            "--server",
            &srv.addr.to_string(),
            "--key",
        ])
        .arg(format!("{CERTS}/rsa2048.key"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["server_kind"], "user server");
    assert_eq!(v["sessions"][0]["decrypted"], true);
    assert_eq!(v["sessions"][1]["decrypted"], false);
}

#[test]
fn fs_demo_server_without_rsa_key_transport_is_reported_per_session() {
    let srv = SServer::start("-tls1_2", "ECDHE-RSA-AES128-GCM-SHA256");
    let out = tlsight()
        .args([
            "fs-demo",
            "--json",
            "--server",
            &srv.addr.to_string(),
            "--key",
        ])
        .arg(format!("{CERTS}/rsa2048.key"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["sessions"][0]["error"]
            .as_str()
            .unwrap()
            .contains("handshake_failure"),
        "{v}"
    );
    assert_eq!(v["sessions"][1]["decrypted"], false);
}

#[test]
fn fs_demo_server_needs_key() {
    let out = tlsight()
        .args(["fs-demo", "--server", "127.0.0.1:1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--key"));
}

#[test]
fn decrypt_with_the_private_key_prints_the_exchange() {
    let out = tlsight()
        .args(["decrypt", &fixture("tls12-rsa.json"), "--key"])
        .arg(format!("{CERTS}/rsa2048.key"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "TLS_RSA_WITH_AES_128_GCM_SHA256",
        "recovered with the server's private key",
        "ClientKeyExchange",
        "✓ verify_data matches the keys",
        "│ GET / HTTP/1.0",
        "│ HTTP/1.0 200 ok",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn decrypt_json_has_records_and_plaintext() {
    let out = tlsight()
        .args(["decrypt", &fixture("tls13.json"), "--json", "--keylog"])
        .arg(fixture("openssl-tls13.keylog"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["secret_source"], "keylog");
    assert_eq!(v["session"]["version"], 0x0304);
    assert_eq!(v["session"]["suite_name"], "TLS_AES_256_GCM_SHA384");
    let recs = v["session"]["records"].as_array().unwrap();
    assert!(
        recs.iter()
            .any(|r| r["encrypted"] == true && r["content_type"] == 22)
    );
    assert!(v["key_exchange"].is_null());
}

#[test]
fn decrypt_bad_inputs_fail_with_one_line() {
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                fixture("tls12-ecdhe.json"),
                "--key".into(),
                format!("{CERTS}/rsa2048.key"),
            ],
            "forward secrecy",
        ),
        (
            vec![
                fixture("tls12-rsa.json"),
                "--key".into(),
                format!("{CERTS}/root.key"),
            ],
            "wrong private key",
        ),
        (
            vec![
                fixture("tls12-rsa.json"),
                "--key".into(),
                format!("{CERTS}/ecdsa-p256.key"),
            ],
            "an RSA key is needed",
        ),
        (
            vec![
                fixture("tls12-rsa.json"),
                "--keylog".into(),
                fixture("openssl-tls13.keylog"),
            ],
            "key log has no CLIENT_RANDOM line",
        ),
        (
            vec![
                fixture("openssl-tls12.keylog"),
                "--keylog".into(),
                fixture("openssl-tls12.keylog"),
            ],
            "not a tlsight recording",
        ),
        (
            vec![
                fixture("missing.json"),
                "--keylog".into(),
                fixture("openssl-tls12.keylog"),
            ],
            "missing.json",
        ),
    ];
    for (args, needle) in cases {
        let out = tlsight().arg("decrypt").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{needle:?} not in {err}");
    }
}

#[test]
fn decrypt_needs_a_secret() {
    tlsight()
        .args(["decrypt", &fixture("tls12-rsa.json")])
        .assert()
        .code(2);
}

#[test]
fn decrypt_partial_success_exits_1_and_marks_records() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("openssl-tls13.keylog")).unwrap();
    // Damage the server's application secret only.
    let damaged: String = text
        .lines()
        .map(|l| {
            if let Some(rest) = l.strip_prefix("SERVER_TRAFFIC_SECRET_0 ") {
                let (cr, secret) = rest.split_once(' ').unwrap();
                let flipped = if secret.starts_with('0') { "1" } else { "0" };
                format!("SERVER_TRAFFIC_SECRET_0 {cr} {flipped}{}\n", &secret[1..])
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let path = dir.path().join("damaged.keylog");
    std::fs::write(&path, damaged).unwrap();
    let out = tlsight()
        .args(["decrypt", &fixture("tls13.json"), "--keylog"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("authentication tag mismatch"), "{text}");
    assert!(text.contains("✓ verify_data matches the keys"), "{text}");
}

#[test]
fn fs_demo_without_openssl_says_so() {
    let empty = tempfile::tempdir().unwrap();
    let out = tlsight()
        .arg("fs-demo")
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("cannot start `openssl s_server`"), "{err}");
    assert!(err.contains("--server and --key"), "{err}");
    assert_eq!(err.lines().count(), 1);
}
