//! `tlsight explain` (being written).

use std::process::ExitCode;

/// Arguments of `tlsight explain`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// Runs `tlsight explain`.
pub(crate) fn run(_args: Args) -> ExitCode {
    eprintln!("tlsight: explain: not yet available");
    ExitCode::from(super::exit::ERROR)
}
