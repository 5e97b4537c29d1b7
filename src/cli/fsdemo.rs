//! `tlsight fs-demo` and `tlsight decrypt` (being written).

use std::process::ExitCode;

/// Arguments of `tlsight fs-demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {}

/// Arguments of `tlsight decrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct DecryptArgs {}

/// Runs `tlsight fs-demo`.
pub(crate) fn run_demo(_args: DemoArgs) -> ExitCode {
    eprintln!("tlsight: fs-demo: not yet available");
    ExitCode::from(super::exit::ERROR)
}

/// Runs `tlsight decrypt`.
pub(crate) fn run_decrypt(_args: DecryptArgs) -> ExitCode {
    eprintln!("tlsight: decrypt: not yet available");
    ExitCode::from(super::exit::ERROR)
}
