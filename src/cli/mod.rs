//! Command-line definitions (clap) and dispatch. Each subcommand lives in its own file with an
//! `Args` struct and a `run(Args) -> ExitCode` function; this is the only layer that prints.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod explain;
mod fsdemo;
mod handshake;
mod verify;

/// Exit codes shared by all subcommands (documented in the README).
pub(crate) mod exit {
    /// Success / trusted / clean.
    pub(crate) const OK: u8 = 0;
    /// The check ran and found a problem (untrusted, intercepted, policy not met).
    #[allow(dead_code)] // used by the commands that judge (verify, audit, mitm) as they land
    pub(crate) const FINDING: u8 = 1;
    /// Could not run: bad arguments, network failure, bad input.
    pub(crate) const ERROR: u8 = 2;
}

/// tlsight: inspect TLS handshakes, explain cipher suites, verify certificate chains.
#[derive(Debug, Parser)]
#[command(name = "tlsight", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Audit a server: versions, every cipher suite, groups, checks, grade, Mozilla profiles.
    Audit(audit::Args),
    /// Perform a real handshake and show every message both ways, decoded and decrypted.
    Handshake(handshake::Args),
    /// Explain cipher suites, named groups and signature schemes, with a security rating.
    Explain(explain::Args),
    /// Verify a certificate chain link by link against Mozilla's roots and the OS store.
    Verify(verify::Args),
    /// Show forward secrecy on real recorded sessions: RSA key transport vs ECDHE.
    FsDemo(fsdemo::DemoArgs),
    /// Decrypt a recorded TLS session with the server's RSA key or an NSS key log.
    Decrypt(fsdemo::DecryptArgs),
}

/// Entry point called by `main.rs`.
pub(crate) fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::ERROR
            } else {
                exit::OK
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Audit(args) => audit::run(args),
        Command::Handshake(args) => handshake::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Verify(args) => verify::run(args),
        Command::FsDemo(args) => fsdemo::run_demo(args),
        Command::Decrypt(args) => fsdemo::run_decrypt(args),
    }
}
