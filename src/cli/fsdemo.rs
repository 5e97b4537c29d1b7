//! `tlsight fs-demo`: forward secrecy shown on real recorded sessions (RSA key transport falls to
//! a leaked server key, ECDHE does not), and `tlsight decrypt`: the same machinery on any
//! recording, with the server's RSA key or an NSS key log. The work is `tlsight::fsdemo`, the
//! text `report::fsdemo`; this file parses, calls and picks the renderer. JSON schema:
//! docs/fs-demo.md.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tlsight::fsdemo::{self, DecryptOptions, DemoOptions};
use tlsight::report::{self, Palette};

use super::{exit, print_out};

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

/// Runs `tlsight fs-demo`.
pub(crate) fn run_demo(args: DemoArgs) -> ExitCode {
    let opts = DemoOptions {
        server: args.server,
        key: args.key,
        sni: args.sni,
        out: args.out,
        timeout: Duration::from_secs_f64(args.timeout.clamp(0.1, 600.0)),
    };
    let report = match fsdemo::run(&opts) {
        Ok(r) => r,
        Err(e) => return fail("fs-demo", e),
    };
    if args.json {
        print_out(&report::to_json(&report));
    } else {
        print_out(&report::fsdemo::render_demo(&report, Palette::detect()));
    }
    ExitCode::from(if report.sessions_attacked() == 0 {
        exit::ERROR
    } else {
        exit::OK
    })
}

/// Runs `tlsight decrypt`: a JSON recording, or every TLS connection of a pcap/pcapng capture.
pub(crate) fn run_decrypt(args: DecryptArgs) -> ExitCode {
    let opts = DecryptOptions {
        recording: args.recording,
        key: args.key,
        keylog: args.keylog,
    };
    let reports = match fsdemo::decrypt(&opts) {
        Ok(r) => r,
        Err(e) => return fail("decrypt", e),
    };
    if args.json {
        match reports.as_slice() {
            [one] => print_out(&report::to_json(one)),
            many => print_out(&report::to_json(&many)),
        }
    } else {
        let text: Vec<String> = reports
            .iter()
            .map(|r| report::fsdemo::render_decrypt(r, Palette::detect()))
            .collect();
        print_out(&text.join("\n"));
    }
    ExitCode::from(if reports.iter().all(|r| r.session.fully_verified()) {
        exit::OK
    } else {
        exit::FINDING
    })
}
