//! The `tlsight` command: parse arguments, call the library, render, exit.
#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

// A scan allocates and frees many small buffers per handshake from several worker threads;
// glibc's malloc was about a tenth of the scan's CPU, mimalloc's thread-local free lists cost
// less (scripts/bench-scan.sh measures it).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    cli::main()
}
