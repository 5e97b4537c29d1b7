//! Command-line definitions (clap) and dispatch. Each subcommand lives in its own file with an
//! `Args` struct and a `run(Args) -> ExitCode` function that calls the library and picks the
//! renderer (`tlsight::report`); this is the only layer that prints.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod audit;
mod demo;
mod explain;
mod fsdemo;
mod handshake;
mod mitm;
mod net;
mod scan;
mod shell;
mod verify;

/// Exit codes shared by all subcommands (documented in the README).
pub(crate) mod exit {
    /// Success / trusted / clean.
    pub(crate) const OK: u8 = 0;
    /// The check ran and found a problem (untrusted, intercepted, policy not met).
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
    /// Perform a real handshake and show every message both ways, decoded and decrypted.
    Handshake(handshake::Args),
    /// Explain cipher suites, named groups and signature schemes, with a security rating.
    Explain(explain::Args),
    /// Verify a certificate chain link by link against Mozilla's roots and the OS store.
    Verify(verify::Args),
    /// Audit a server: versions, every cipher suite, groups, checks, grade, Mozilla profiles.
    Audit(audit::Args),
    /// Tell whether the TLS connection to a server is intercepted: verdict, signals, evidence.
    Mitm(mitm::Args),
    /// Scan many targets: one JSON line per target, summary, shards for a cluster.
    Scan(scan::Args),
    /// Show forward secrecy on real recorded sessions: RSA key transport vs ECDHE.
    FsDemo(fsdemo::DemoArgs),
    /// Decrypt a recorded TLS session with the server's RSA key or an NSS key log.
    Decrypt(fsdemo::DecryptArgs),
    /// Start a local server in-process and inspect it: the offline tour of tlsight.
    Demo(demo::DemoArgs),
    /// Serve the committed test PKI over TLS on loopback (a peer to practise on).
    Serve(demo::ServeArgs),
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish.
    Completions(shell::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --dir.
    Man(shell::ManArgs),
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
        Command::Serve(args) => demo::run_serve(args),
        Command::Demo(args) => demo::run_demo(args),
        Command::Mitm(args) => mitm::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Completions(args) => shell::run_completions(args),
        Command::Man(args) => shell::run_man(args),
    }
}

/// Reads the certificates of a `--ca` file: PEM, DER or PKCS#7, one or several.
pub(crate) fn load_ca_file(
    path: &std::path::Path,
) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let origin = path.display().to_string();
    let certs = tlsight::x509::certs_from_bytes(&bytes, &origin).map_err(|e| e.to_string())?;
    tlsight::x509::require_one_parses(&certs, &origin).map_err(|e| e.to_string())?;
    Ok(certs)
}

/// `--tls10 --tls11 --tls12 --tls13` as s_client reads them: none = any version, one = only
/// that version, several = the range from the lowest to the highest.
pub(crate) fn version_choice(
    tls10: bool,
    tls11: bool,
    tls12: bool,
    tls13: bool,
) -> tlsight::handshake::VersionChoice {
    let picked: Vec<u16> = [
        (tls10, 0x0301),
        (tls11, 0x0302),
        (tls12, 0x0303),
        (tls13, 0x0304),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, v)| *v)
    .collect();
    match (picked.first(), picked.last()) {
        (Some(&min), Some(&max)) => tlsight::handshake::VersionChoice::Range { min, max },
        _ => tlsight::handshake::VersionChoice::Any,
    }
}

/// `--cipher LIST`: IANA or OpenSSL names or code points, resolved through the registry.
pub(crate) fn parse_suites(list: &[String]) -> Result<Vec<u16>, String> {
    list.iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| {
            tlsight::suites::lookup(s)
                .map(|c| c.code)
                .map_err(|e| format!("--cipher {s}: {e}"))
        })
        .collect()
}

/// Resolves `--groups` against the registry, then keeps only what the handshake provider can
/// offer (handshake and scan): naming one it cannot is an error, not a silently shorter list.
pub(crate) fn offered_groups(names: &[String]) -> Result<Vec<rustls::NamedGroup>, String> {
    let available: Vec<rustls::NamedGroup> = tlsight::handshake::provider()
        .kx_groups
        .iter()
        .map(|g| g.name())
        .collect();
    let mut out = Vec::new();
    for name in names.iter().filter(|n| !n.trim().is_empty()) {
        let g = tlsight::suites::lookup_group(name).map_err(|e| format!("--groups: {e}"))?;
        let named = rustls::NamedGroup::from(g.code);
        if !available.contains(&named) {
            let list: Vec<String> = available
                .iter()
                .map(|a| tlsight::suites::group_name(u16::from(*a)))
                .collect();
            return Err(format!(
                "--groups: {} cannot be offered (tlsight can offer {})",
                g.name,
                list.join(", ")
            ));
        }
        if !out.contains(&named) {
            out.push(named);
        }
    }
    Ok(out)
}

/// `--engine auto|rustls|tlsight`.
pub(crate) fn engine_choice(s: &str) -> tlsight::handshake::EngineChoice {
    match s {
        "rustls" => tlsight::handshake::EngineChoice::Rustls,
        "tlsight" => tlsight::handshake::EngineChoice::Tlsight,
        _ => tlsight::handshake::EngineChoice::Auto,
    }
}

/// `--alpn` values as protocol ids (empty entries dropped).
pub(crate) fn alpn_ids(alpn: &[String]) -> Vec<Vec<u8>> {
    alpn.iter()
        .filter(|a| !a.is_empty())
        .map(|a| a.as_bytes().to_vec())
        .collect()
}

/// Writes an `--html` page (every command's page goes through here, so the errors read alike).
pub(crate) fn write_html(
    path: &std::path::Path,
    page: Result<String, tlsight::report::html::HtmlError>,
) -> Result<(), String> {
    let page = page.map_err(|e| e.to_string())?;
    std::fs::write(path, page).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes to stdout: every command's output goes through here, so a closed pipe (`| head`) is
/// handled once. Rust ignores SIGPIPE, so the write fails with `BrokenPipe`; like ripgrep
/// (crates/core/main.rs), that ends the program quietly with status 0, the reader having taken
/// what it wanted. Restoring the default SIGPIPE action instead would need `unsafe` (forbidden
/// here) and kill the process with status 141 mid-write, before files like `--record` are
/// complete. `println!` would panic ("failed printing to stdout").
pub(crate) fn print_out(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("tlsight: cannot write output: {e}");
        std::process::exit(exit::ERROR as i32);
    }
}
