//! `tlsight handshake` (being written).

use std::process::ExitCode;

/// Arguments of `tlsight handshake`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tlsight handshake`.
pub(crate) fn run(_args: Args) -> ExitCode {
    eprintln!("tlsight: handshake: not yet available");
    ExitCode::from(super::exit::ERROR)
}
