//! `--html FILE`: each page opened in a real headless browser (Debian's chromium): the DOM
//! after load holds every message of the handshake, every link of the chain, every suite of the
//! audit and every signal of the interception check, and the page can make no request (a
//! `default-src 'none'` Content-Security-Policy, and no src/href/url() pointing anywhere).
//! Chromium itself runs with a dead proxy and no name resolution, so it cannot reach out either.
//! Peers: `openssl s_server` on 127.0.0.1.

mod common;

use std::path::Path;
use std::process::Command;

use assert_cmd::cargo::cargo_bin;
use serde_json::Value;

fn chromium_ready() -> bool {
    common::tool_ready("chromium", "TLSIGHT_SKIP_CHROMIUM")
}

/// Runs headless chromium on a local file with a fresh profile; `mode` is `--dump-dom` or
/// `--screenshot=PATH`. Returns stdout.
fn chromium(page: &Path, mode: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-pings",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--hide-scrollbars",
            "--window-size=1200,1400",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The page as the browser built it, after checking it cannot load anything.
fn dom(page: &Path) -> String {
    let dom = chromium(page, "--dump-dom");
    assert!(dom.contains("</html>"), "no DOM: {dom}");
    assert!(
        dom.contains(r#"http-equiv="Content-Security-Policy" content="default-src 'none';"#),
        "CSP missing"
    );
    let lower = dom.to_lowercase();
    for needle in [
        " src=", " href=", "@import", "<script", "<link", "<iframe", "<img", "<object",
    ] {
        assert!(
            !lower.contains(needle),
            "the page could make a request: {needle}"
        );
    }
    // url() only for the SVG's own arrow heads, by fragment.
    for (i, _) in lower.match_indices("url(") {
        assert!(
            lower[i + 4..].starts_with('#'),
            "the page could make a request: {}",
            &dom[i..i + 40]
        );
    }
    dom
}

fn server() -> common::OpensslServer {
    common::test_pki_server(&[])
}

/// Runs tlsight with `--html PAGE --json`; returns the JSON report.
fn report(args: &[&str], page: &Path) -> Value {
    let out = Command::new(cargo_bin("tlsight"))
        .args(args)
        .args(["--json", "--html", page.to_str().unwrap()])
        .output()
        .expect("run tlsight");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn attr_values<'a>(dom: &'a str, attr: &str) -> Vec<&'a str> {
    let pat = format!("{attr}=\"");
    dom.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &dom[i + pat.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn handshake_page_draws_every_message() {
    if !chromium_ready() {
        return;
    }
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("handshake.html");
    let ca = common::repo("certs/root.pem");
    let r = report(
        &["handshake", &s.target(), "--ca", ca.to_str().unwrap()],
        &page,
    );
    let dom = dom(&page);
    let drawn = attr_values(&dom, "data-type");
    let messages: Vec<&str> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    assert_eq!(drawn, messages, "one arrow per message, in order");
    assert!(messages.contains(&"Certificate") && messages.contains(&"Finished"));
    // Encrypted ones are marked as such.
    let encrypted = attr_values(&dom, "data-encrypted")
        .iter()
        .filter(|v| **v == "true")
        .count();
    let expected = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["encrypted"] == true)
        .count();
    assert!(expected > 0);
    assert_eq!(encrypted, expected);
    assert!(dom.contains(r["negotiated"]["cipher_suite"].as_str().unwrap()));
    assert!(dom.contains(r["fingerprints"]["ja4"].as_str().unwrap()));
    // A screenshot renders: a PNG of the window's size.
    let png = dir.path().join("shot.png");
    chromium(&page, &format!("--screenshot={}", png.display()));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(w, 1200);
}

#[test]
fn verify_page_draws_every_link_with_its_proof() {
    if !chromium_ready() {
        return;
    }
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("verify.html");
    let ca = common::repo("certs/root.pem");
    let r = report(
        &["verify", &s.target(), "--ca", ca.to_str().unwrap()],
        &page,
    );
    let dom = dom(&page);
    let chain = r["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 3, "leaf, intermediate, root from --ca");
    let subjects = attr_values(&dom, "data-subject");
    for link in chain {
        assert!(
            subjects.contains(&link["subject"].as_str().unwrap()),
            "{}",
            link["subject"]
        );
        if let Some(alg) = link["signature"]["algorithm"].as_str() {
            assert!(dom.contains(&format!("signature verified: {alg}")), "{alg}");
        }
    }
    for store in r["stores"].as_object().unwrap().keys() {
        assert!(dom.contains(&format!("data-store=\"{store}\"")), "{store}");
    }
}

#[test]
fn audit_page_has_every_accepted_suite_in_the_matrix() {
    if !chromium_ready() {
        return;
    }
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("audit.html");
    let r = report(&["audit", &s.target()], &page);
    let dom = dom(&page);
    let drawn = attr_values(&dom, "data-suite");
    let mut suites: Vec<&str> = r["cipher_suite_details"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|l| {
            l.as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap())
        })
        .collect();
    suites.sort();
    suites.dedup();
    let mut drawn_sorted = drawn.clone();
    drawn_sorted.sort();
    assert_eq!(drawn_sorted, suites);
    assert!(suites.len() > 10);
    assert!(dom.contains(&format!(
        ">{}</span>",
        r["grade"]["grade"].as_str().unwrap()
    )));
    for f in r["findings"].as_array().unwrap() {
        assert!(dom.contains(f["id"].as_str().unwrap()));
    }
    // Every vulnerability check, one row each, with its verdict.
    let checks = r["vulnerabilities"].as_array().unwrap();
    assert!(checks.len() > 10);
    assert_eq!(dom.matches("class=\"vulnerability\"").count(), checks.len());
    for v in checks {
        let verdict = v["result"].as_str().unwrap().replace('_', " ");
        assert!(dom.contains(v["title"].as_str().unwrap()), "{v}");
        assert!(dom.contains(&format!(">{verdict}</span>")), "{v}");
    }
}

#[test]
fn mitm_page_shows_the_verdict_and_every_signal() {
    if !chromium_ready() {
        return;
    }
    let s = server();
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("mitm.html");
    let r = report(&["mitm", &s.target()], &page);
    let dom = dom(&page);
    let verdict = r["verdict"].as_str().unwrap();
    assert!(
        dom.contains(&format!("id=\"verdict\">{verdict}<")),
        "{verdict}"
    );
    let ids = attr_values(&dom, "data-id");
    let signals: Vec<&str> = r["signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert!(
        !signals.is_empty(),
        "an untrusted test chain raises a signal"
    );
    assert_eq!(ids, signals);
}

#[test]
fn completions_and_man_page_come_from_the_parser() {
    let bin = cargo_bin("tlsight");
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = Command::new(&bin)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("handshake") && text.contains("pcap") && text.contains("html"),
            "{shell}"
        );
    }
    let out = Command::new(&bin).arg("man").output().unwrap();
    assert!(out.status.success());
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(
        man.starts_with(".ie") || man.contains(".TH tlsight"),
        "{}",
        &man[..80.min(man.len())]
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(&bin)
        .args(["man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("tlsight-handshake.1").exists());
    // bash can load the script.
    let script = dir.path().join("tlsight.bash");
    let out = Command::new(&bin)
        .args(["completions", "bash"])
        .output()
        .unwrap();
    std::fs::write(&script, out.stdout).unwrap();
    let st = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(st.success(), "bash -n on the completion script");
}
