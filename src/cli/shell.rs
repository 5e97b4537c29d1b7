//! `tlsight completions SHELL` and `tlsight man`: what a packaged command-line tool ships, made
//! from the same clap definitions as the parser so they never drift from it.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;

use super::{Cli, exit, print_out};

/// Arguments of `tlsight completions`.
#[derive(Debug, clap::Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

/// Arguments of `tlsight man`.
#[derive(Debug, clap::Args)]
pub(crate) struct ManArgs {
    /// Write every page (tlsight.1 and one per command, tlsight-handshake.1, ...) into DIR
    /// instead of printing tlsight.1.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// Prints the completion script for a shell.
pub(crate) fn run_completions(args: CompletionsArgs) -> ExitCode {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "tlsight", &mut out);
    print_out(&String::from_utf8_lossy(&out));
    ExitCode::from(exit::OK)
}

/// Prints the manual page (roff), or writes all pages into a directory.
pub(crate) fn run_man(args: ManArgs) -> ExitCode {
    let cmd = Cli::command();
    let result = match &args.dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|_| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| format!("cannot write man pages to {}: {e}", dir.display())),
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut out)
                .map(|_| print_out(&String::from_utf8_lossy(&out)))
                .map_err(|e| format!("cannot render the man page: {e}"))
        }
    };
    match result {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("tlsight: {e}");
            ExitCode::from(exit::ERROR)
        }
    }
}
