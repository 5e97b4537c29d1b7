//! `tlsight handshake HOST[:PORT]`: one real handshake, every message decoded.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tlsight::handshake::{self, InspectOptions, Target, Timeouts};
use tlsight::report::handshake::{BuildOptions, HandshakeReport, RenderOptions};
use tlsight::report::{self, Palette};

use super::{exit, load_ca_file, print_out};

/// Arguments of `tlsight handshake`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Server to inspect: HOST, HOST:PORT, [IPv6]:PORT (port 443 by default).
    target: String,
    /// SNI to send (default: the host name; none for IP addresses).
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    sni: Option<String>,
    /// Send no server_name extension.
    #[arg(long)]
    no_sni: bool,
    /// Offer only TLS 1.2.
    #[arg(long, conflicts_with = "tls13")]
    tls12: bool,
    /// Offer only TLS 1.3.
    #[arg(long)]
    tls13: bool,
    /// Key-exchange groups to offer, in order, comma separated (default: X25519MLKEM768,
    /// x25519, secp256r1, secp384r1, SecP256r1MLKEM768, SecP384r1MLKEM1024; the first two get
    /// key shares). Names or code points as `explain --group` takes them.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    groups: Vec<String>,
    /// ALPN protocols to offer, comma separated (e.g. h2,http/1.1).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    alpn: Vec<String>,
    /// Extra trust anchors (PEM file), in addition to Mozilla's roots.
    #[arg(long, value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Seconds allowed for each of DNS, connect and handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Write the session secrets in NSS key-log format (for Wireshark).
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Write the recording (every byte both ways, timestamped) for `tlsight decrypt`.
    #[arg(long, value_name = "FILE")]
    record: Option<PathBuf>,
    /// Show the hex of every message next to its decoding.
    #[arg(long)]
    raw: bool,
    /// Also compute JA4S (FoxIO License 1.1: free, not for monetisation).
    #[arg(long)]
    ja4s: bool,
    /// Print the report as JSON (schema: docs/handshake.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    net: super::net::NetArgs,
}

/// Runs `tlsight handshake`.
pub(crate) fn run(args: Args) -> ExitCode {
    match run_inner(&args) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("tlsight: {msg}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn run_inner(args: &Args) -> Result<u8, String> {
    if !(args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err("--timeout must be between 0 and 3600 seconds".into());
    }
    let target = Target::parse(&args.target, 443).map_err(|e| e.to_string())?;
    // The interception check needs the OS store: load it while the network is busy.
    tlsight::x509::Store::prefetch_os();
    let (net, note) = args.net.resolve(&target)?;
    super::net::announce(note.as_deref());
    let mut opts = InspectOptions::new(target);
    opts.net = net;
    if args.no_sni {
        opts.sni = None;
    } else if let Some(s) = &args.sni {
        opts.sni = Some(s.clone());
    }
    opts.versions = super::version_choice(args.tls12, args.tls13);
    opts.alpn = super::alpn_ids(&args.alpn);
    opts.groups = offered_groups(&args.groups)?;
    for path in &args.ca {
        opts.extra_roots.extend(load_ca_file(path)?);
    }
    opts.timeouts = Timeouts::uniform(Duration::from_secs_f64(args.timeout));

    let ins = match handshake::inspect(&opts) {
        Ok(ins) => ins,
        Err(e) => return super::net::failed_before_tls(&opts.target, &e, args.json),
    };
    if let Some(path) = &args.keylog {
        std::fs::write(path, ins.secrets.to_nss())
            .map_err(|e| format!("cannot write key log {}: {e}", path.display()))?;
    }
    if let Some(path) = &args.record {
        ins.transcript.save(path).map_err(|e| e.to_string())?;
    }
    let analysis = handshake::analyze(&ins);
    let mut report = HandshakeReport::build(
        &ins,
        analysis,
        BuildOptions {
            ja4s: args.ja4s,
            extra_roots: opts.extra_roots.clone(),
            only_extra_roots: opts.only_extra_roots,
        },
    );
    report.assess_interception(&ins, &opts.extra_roots);
    if args.json {
        print_out(&report::to_json(&report));
    } else {
        print_out(&report::handshake::render(
            &report,
            Palette::detect(),
            RenderOptions { raw: args.raw },
        ));
    }
    if let Some(f) = &ins.failure {
        eprintln!("tlsight: {}: {f}", ins.target);
        return Ok(exit::ERROR);
    }
    Ok(if report.verification.trusted {
        exit::OK
    } else {
        exit::FINDING
    })
}

/// Resolves `--groups` against the registry, then keeps only what the handshake provider can
/// offer: naming one it cannot is an error, not a silently shorter list.
fn offered_groups(names: &[String]) -> Result<Vec<rustls::NamedGroup>, String> {
    let available: Vec<rustls::NamedGroup> = handshake::provider()
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
                "--groups: {} cannot be offered by handshake (it can offer {})",
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
