//! The `tlsight` command: parse arguments, call the library, render, exit.
#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::main()
}
