//! `tlsight verify` (being written).

use std::process::ExitCode;

/// Arguments of `tlsight verify`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tlsight verify`.
pub(crate) fn run(_args: Args) -> ExitCode {
    eprintln!("tlsight: verify: not yet available");
    ExitCode::from(super::exit::ERROR)
}
