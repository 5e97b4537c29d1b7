//! The README's main job: `tlsight demo` starts its own server and inspects it, offline.

use std::time::Duration;

use assert_cmd::Command;

#[test]
fn demo_inspects_its_own_server_over_both_versions() {
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .args(["demo", "--json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = v.as_array().unwrap();
    let versions: Vec<&str> = reports
        .iter()
        .map(|r| r["negotiated"]["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["TLSv1.3", "TLSv1.2"]);
    for r in reports {
        assert_eq!(
            r["verification"]["trusted"], true,
            "{:#}",
            r["verification"]
        );
        assert_eq!(r["decryption"]["decrypted"], true);
        assert_eq!(r["decryption"]["client_finished_verified"], true);
        assert_eq!(r["decryption"]["server_finished_verified"], true);
        assert_eq!(r["interception"]["verdict"], "clean");
        assert!(r["messages"].as_array().unwrap().len() >= 8);
    }
}

#[test]
fn demo_human_output_is_plain_when_piped() {
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\x1b'),
        "no escape codes when stdout is not a terminal"
    );
    for needle in [
        "ClientHello",
        "EncryptedExtensions [decrypted]",
        "ServerKeyExchange",
        "Summary",
        "Interception check",
    ] {
        assert!(text.contains(needle), "{needle} missing");
    }
}

#[test]
fn serve_refuses_a_port_in_use_with_one_line() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = Command::cargo_bin("tlsight")
        .unwrap()
        .args(["serve", "--listen", &addr])
        .timeout(Duration::from_secs(10))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("cannot listen"), "{err}");
}
