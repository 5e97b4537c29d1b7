//! `--proxy` for handshake, verify, audit and mitm through real proxies started here on
//! 127.0.0.1: microsocks (SOCKS5, with and without credentials) and tinyproxy (HTTP CONNECT,
//! with and without Basic credentials), in front of `openssl s_server`. Wrong passwords and
//! missing credentials give a one-line error and exit 2; `--proxy env` reads the environment
//! (the proxy, and `no_proxy` for the targets to reach directly), and nothing else does.

mod common;

use std::process::Output;
use std::time::Duration;

use assert_cmd::cargo::cargo_bin_cmd;

fn server() -> common::OpensslServer {
    common::OpensslServer::start(&[
        "-cert",
        common::repo("certs/rsa2048.pem").to_str().unwrap(),
        "-key",
        common::repo("certs/rsa2048.key").to_str().unwrap(),
        "-cert_chain",
        common::repo("certs/intermediate.pem").to_str().unwrap(),
    ])
}

fn root() -> String {
    common::repo("certs/root.pem").display().to_string()
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = cargo_bin_cmd!("tlsight");
    for k in [
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    common::json_stdout(out)
}

fn err(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A handshake through `proxy` completes, is trusted, and says which proxy it used.
fn handshake_through(target: &str, proxy: &str, shown: &str) {
    let out = run(
        &[
            "handshake",
            target,
            "--proxy",
            proxy,
            "--ca",
            &root(),
            "--json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{proxy}: {}", err(&out));
    let j = json(&out);
    assert_eq!(j["proxy"], shown);
    assert!(j["timings_ms"]["proxy"].as_f64().unwrap() > 0.0);
    assert_eq!(j["verification"]["trusted"], true, "{j}");
}

/// `handshake TARGET --proxy env --json` trusting the test root, in the environment `env`.
fn handshake_proxy_env(target: &str, env: &[(&str, &str)]) -> Output {
    run(
        &[
            "handshake",
            target,
            "--proxy",
            "env",
            "--ca",
            &root(),
            "--json",
        ],
        env,
    )
}

/// A one-line error, exit 2, containing `what`, and no password in it.
fn refused(args: &[&str], what: &str) {
    let out = run(args, &[]);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", err(&out));
    let e = err(&out);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("tlsight: "), "{e}");
    assert!(e.contains(what), "{e}");
    assert!(
        !e.contains("s3cret") && !e.contains("wrong"),
        "password leaked: {e}"
    );
}

#[test]
fn socks5_without_credentials() {
    let Some(px) = common::microsocks(None) else {
        return;
    };
    let s = server();
    handshake_through(
        &s.target(),
        &px.url("socks5", None),
        &px.url("socks5", None),
    );
    // socks5h: the name goes to the proxy, which resolves it.
    let target = format!("localhost:{}", s.port);
    let url = px.url("socks5h", None);
    let out = run(
        &[
            "handshake",
            &target,
            "--proxy",
            &url,
            "--ca",
            &root(),
            "--json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_eq!(json(&out)["sni"], "localhost");
    // verify and mitm through the same proxy.
    let out = run(
        &["verify", &s.target(), "--proxy", &url, "--ca", &root()],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    let out = run(
        &[
            "mitm",
            &s.target(),
            "--proxy",
            &url,
            "--ca",
            &root(),
            "--json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_eq!(json(&out)["verdict"], "clean");
}

#[test]
fn socks5_with_credentials_right_wrong_and_missing() {
    let Some(px) = common::microsocks(Some(("alice", "s3cret"))) else {
        return;
    };
    let s = server();
    let good = px.url("socks5", Some("alice:s3cret"));
    handshake_through(&s.target(), &good, &px.url("socks5", Some("alice:***")));
    refused(
        &[
            "handshake",
            &s.target(),
            "--proxy",
            &px.url("socks5", Some("alice:wrong")),
        ],
        "rejected the credentials: username/password authentication failed",
    );
    refused(
        &["verify", &s.target(), "--proxy", &px.url("socks5", None)],
        "it wants credentials",
    );
    // The audit's probes all go through the proxy: same result as a direct audit.
    let direct = run(&["audit", &s.target(), "--json"], &[]);
    let proxied = run(&["audit", &s.target(), "--json", "--proxy", &good], &[]);
    assert_eq!(proxied.status.code(), Some(0), "{}", err(&proxied));
    let (d, p) = (json(&direct), json(&proxied));
    assert_eq!(p["cipher_suite_details"], d["cipher_suite_details"]);
    assert_eq!(p["protocols"], d["protocols"]);
    assert_eq!(p["address"], format!("127.0.0.1:{}", px.port));
}

#[test]
fn http_connect_with_and_without_credentials() {
    let Some(open) = common::tinyproxy(None) else {
        return;
    };
    let s = server();
    handshake_through(
        &s.target(),
        &open.url("http", None),
        &open.url("http", None),
    );
    let Some(px) = common::tinyproxy(Some(("bob", "s3cret"))) else {
        return;
    };
    handshake_through(
        &s.target(),
        &px.url("http", Some("bob:s3cret")),
        &px.url("http", Some("bob:***")),
    );
    refused(
        &[
            "handshake",
            &s.target(),
            "--proxy",
            &px.url("http", Some("bob:wrong")),
        ],
        "rejected the credentials",
    );
    refused(
        &["audit", &s.target(), "--proxy", &px.url("http", None)],
        "407 Proxy Authentication Required",
    );
    let out = run(
        &[
            "mitm",
            &s.target(),
            "--proxy",
            &px.url("http", Some("bob:s3cret")),
            "--compare-direct",
            "--ca",
            &root(),
            "--json",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_eq!(json(&out)["verdict"], "clean");
}

#[test]
fn the_environment_is_read_only_with_proxy_env() {
    let Some(px) = common::microsocks(None) else {
        return;
    };
    let s = server();
    let url = px.url("socks5", None);
    let out = handshake_proxy_env(&s.target(), &[("ALL_PROXY", &url)]);
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_eq!(json(&out)["proxy"], url);
    // Without --proxy env a proxy in the environment is ignored, even a dead one.
    let out = run(
        &["handshake", &s.target(), "--ca", &root(), "--json"],
        &[
            ("https_proxy", "http://127.0.0.1:1"),
            ("ALL_PROXY", "socks5://127.0.0.1:1"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert!(json(&out).get("proxy").is_none());
    refused(
        &["handshake", &s.target(), "--proxy", "env"],
        "--proxy env: none of https_proxy",
    );
    refused(
        &["handshake", &s.target(), "--proxy", "ftp://127.0.0.1:1"],
        "bad proxy 'ftp://127.0.0.1:1'",
    );
}

#[test]
fn no_proxy_sends_the_targets_it_lists_past_the_proxy() {
    // The environment's proxy is dead: a connection that went through it would fail, so a
    // completed handshake proves the target was reached directly.
    let dead = format!("socks5://127.0.0.1:{}", common::free_port());
    let s = server();
    let exact = format!("127.0.0.1:{}", s.port);
    let other_port = format!("127.0.0.1:{}", s.port.wrapping_add(1));
    for (var, list, entry) in [
        ("no_proxy", "127.0.0.1", "127.0.0.1"),
        ("NO_PROXY", "example.com, 127.0.0.0/8", "127.0.0.0/8"),
        ("no_proxy", &format!("localhost,{exact}"), &exact),
        ("no_proxy", "*", "*"),
    ] {
        let out = handshake_proxy_env(&s.target(), &[("ALL_PROXY", &dead), (var, list)]);
        assert_eq!(out.status.code(), Some(0), "{var}={list}: {}", err(&out));
        assert!(json(&out).get("proxy").is_none(), "{var}={list}");
        assert_eq!(
            err(&out).trim_end(),
            format!(
                "tlsight: note: {} matches '{entry}' in {var}: connecting directly, not through {dead}",
                s.target()
            )
        );
    }
    // The audit's probes are all direct too.
    let out = run(
        &["audit", &s.target(), "--proxy", "env", "--json"],
        &[("https_proxy", &dead), ("no_proxy", "127.0.0.1")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert_eq!(json(&out)["address"], s.target());
    // Entries that do not cover the target leave it to the proxy (dead here: a clean error).
    for list in [
        "127.0.0.2",
        "10.0.0.0/8",
        &other_port,
        "localhost",
        ".0.0.1",
    ] {
        let out = run(
            &["handshake", &s.target(), "--proxy", "env"],
            &[("ALL_PROXY", &dead), ("no_proxy", list)],
        );
        assert_eq!(out.status.code(), Some(2), "no_proxy={list}: {}", err(&out));
        assert!(err(&out).contains("connection refused"), "{}", err(&out));
    }
    // A live proxy, a no_proxy that does not list the target: the proxy is used.
    let Some(px) = common::microsocks(None) else {
        return;
    };
    let url = px.url("socks5", None);
    let out = run(
        &["verify", &s.target(), "--proxy", "env", "--ca", &root()],
        &[
            ("ALL_PROXY", &url),
            ("no_proxy", "localhost,.internal.test"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", err(&out));
    assert!(!err(&out).contains("note:"), "{}", err(&out));
}

#[test]
fn a_dead_proxy_is_a_clean_error() {
    let port = common::free_port();
    refused(
        &[
            "handshake",
            "127.0.0.1:443",
            "--proxy",
            &format!("socks5://127.0.0.1:{port}"),
        ],
        "connection refused",
    );
}
