//! `tlsight serve` (a local TLS server over the committed test PKI) and `tlsight demo` (starts
//! that server in-process and inspects it: the no-internet tour of what tlsight shows; the tour
//! itself is `tlsight::demo`).

use std::net::SocketAddr;
use std::process::ExitCode;

use tlsight::handshake::VersionChoice;
use tlsight::handshake::server::{LocalServer, ServerSettings, TestKey};
use tlsight::report::handshake::RenderOptions;
use tlsight::report::{self, Palette};

use super::{exit, print_out};

/// Leaf key type for the local server.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum KeyArg {
    /// RSA-2048 leaf.
    Rsa,
    /// ECDSA P-256 leaf.
    Ecdsa,
    /// Ed25519 leaf.
    Ed25519,
}

impl From<KeyArg> for TestKey {
    fn from(k: KeyArg) -> Self {
        match k {
            KeyArg::Rsa => TestKey::Rsa2048,
            KeyArg::Ecdsa => TestKey::EcdsaP256,
            KeyArg::Ed25519 => TestKey::Ed25519,
        }
    }
}

/// Arguments of `tlsight serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:8443")]
    listen: SocketAddr,
    /// Leaf certificate to present.
    #[arg(long, value_enum, default_value = "ecdsa")]
    key: KeyArg,
    /// Accept only TLS 1.2.
    #[arg(long, conflicts_with = "tls13")]
    tls12: bool,
    /// Accept only TLS 1.3.
    #[arg(long)]
    tls13: bool,
}

/// Arguments of `tlsight demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Leaf certificate the local server presents.
    #[arg(long, value_enum, default_value = "ecdsa")]
    key: KeyArg,
    /// Show the hex of every message next to its decoding.
    #[arg(long)]
    raw: bool,
    /// Print the reports as a JSON array.
    #[arg(long)]
    json: bool,
}

fn versions(tls12: bool, tls13: bool) -> VersionChoice {
    match (tls12, tls13) {
        (true, _) => VersionChoice::Tls12,
        (_, true) => VersionChoice::Tls13,
        _ => VersionChoice::Any,
    }
}

/// Runs `tlsight serve`.
pub(crate) fn run_serve(args: ServeArgs) -> ExitCode {
    let settings = ServerSettings {
        key: args.key.into(),
        versions: versions(args.tls12, args.tls13),
        ..ServerSettings::default()
    };
    match LocalServer::start(args.listen, &settings) {
        Ok(server) => {
            eprintln!(
                "tlsight: serving the test PKI on {} (trust anchor: certs/root.pem; names: localhost, tlsight.test, 127.0.0.1, ::1); Ctrl-C stops",
                server.addr()
            );
            server.wait();
            ExitCode::from(exit::OK)
        }
        Err(e) => {
            eprintln!("tlsight: serve: {e}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// Runs `tlsight demo`: TLS 1.3 then TLS 1.2 against an in-process server.
pub(crate) fn run_demo(args: DemoArgs) -> ExitCode {
    let reports = match tlsight::demo::tour(args.key.into()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("tlsight: demo: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    if args.json {
        print_out(&report::to_json(&reports));
    } else {
        print_out(&report::handshake::render_all(
            &reports,
            Palette::detect(),
            RenderOptions { raw: args.raw },
        ));
    }
    let ok = reports
        .iter()
        .all(|r| r.error.is_none() && r.verification.trusted);
    ExitCode::from(if ok { exit::OK } else { exit::FINDING })
}
