//! `tlsight mitm HOST[:PORT]`: is this TLS connection intercepted? Verdict, signals, evidence.
//! Exit codes: 0 clean, 1 suspicious or intercepted, 2 could not run.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tlsight::handshake::{InspectOptions, Target, Timeouts};
use tlsight::mitm::{self, AssessOptions, Catalogue, Pin, RunOptions, Verdict};
use tlsight::report::{self, Palette};

use super::{exit, load_ca_file, print_out};

/// Arguments of `tlsight mitm`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 clean, 1 suspicious or intercepted, 2 could not run.")]
pub(crate) struct Args {
    /// Server to check: HOST, HOST:PORT, [IPv6]:PORT (port 443 by default).
    target: String,
    /// SNI to send and name to check (default: the host name; none for IP addresses).
    #[arg(long, value_name = "NAME")]
    sni: Option<String>,
    /// SPKI pin in HPKP form, sha256/BASE64 (repeatable; one must match a key of the chain).
    #[arg(long = "pin", value_name = "sha256/BASE64")]
    pins: Vec<String>,
    /// Compare with the host's entry in this baseline file (JSON; see docs/mitm.md).
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record the host in the baseline (--baseline FILE, or the default store) on first use.
    #[arg(long)]
    remember: bool,
    /// With --proxy: also connect directly and compare the two paths.
    #[arg(long, requires = "proxy")]
    compare_direct: bool,
    /// Anchors you expect (a private CA, PEM): they form the `custom` store.
    #[arg(long = "ca", value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Use this interception catalogue instead of the built-in one (JSON, same format).
    #[arg(long, value_name = "FILE")]
    catalogue: Option<PathBuf>,
    /// Validate certificates at this time (Unix seconds, @SECONDS) instead of now.
    #[arg(long, value_name = "@SECONDS")]
    at: Option<String>,
    /// Seconds allowed for each of DNS, connect, proxy CONNECT and handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Print the assessment as JSON (schema: docs/mitm.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    net: super::net::NetArgs,
    /// Write a pcapng capture of every connection made (direct and through the proxy), with the session secrets embedded (Decryption Secrets
    /// Block) so Wireshark and tshark open it decrypted.
    #[arg(long, value_name = "FILE")]
    pcap: Option<std::path::PathBuf>,
    /// Write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// Runs `tlsight mitm`.
pub(crate) fn run(args: Args) -> ExitCode {
    match run_inner(args) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("tlsight: mitm: {msg}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn run_inner(args: Args) -> Result<u8, String> {
    if !(args.timeout > 0.0 && args.timeout <= 3600.0) {
        return Err("--timeout must be between 0 and 3600 seconds".into());
    }
    let target = Target::parse(&args.target, 443).map_err(|e| e.to_string())?;
    let (mut net, notes) = args.net.resolve(&target)?;
    super::net::announce(&notes);
    // The proxy is mitm's own path setting (compared with the direct one), not a default.
    let proxy = net.proxy.take();
    let mut inspect = InspectOptions::new(target);
    inspect.net = net;
    if let Some(s) = &args.sni {
        inspect.sni = Some(s.clone());
    }
    inspect.timeouts = Timeouts::uniform(Duration::from_secs_f64(args.timeout));
    let mut assess = AssessOptions::new().map_err(|e| e.to_string())?;
    for p in &args.pins {
        assess.pins.push(Pin::parse(p).map_err(|e| e.to_string())?);
    }
    for path in &args.ca {
        assess.extra_anchors.extend(load_ca_file(path)?);
    }
    if let Some(path) = &args.catalogue {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        assess.catalogue =
            Catalogue::from_json(&text, &path.display().to_string()).map_err(|e| e.to_string())?;
    }
    if let Some(at) = &args.at {
        let n = at.strip_prefix('@').unwrap_or(at);
        assess.at = Some(
            n.parse::<i64>()
                .map_err(|_| format!("--at {at:?}: expected Unix seconds such as @1893456000"))?,
        );
    }
    let tap = args.pcap.as_ref().map(|_| tlsight::capture::Tap::leak());
    inspect.tap = tap;
    let opts = RunOptions {
        inspect,
        proxy,
        compare_direct: args.compare_direct,
        baseline_file: args.baseline.clone(),
        remember: args.remember,
        assess,
    };
    let a = match mitm::run(&opts) {
        Ok(a) => a,
        Err(mitm::MitmError::Handshake(e)) => {
            return super::net::failed_before_tls(&opts.inspect.target, &e, args.json);
        }
        Err(e) => return Err(e.to_string()),
    };
    if let (Some(path), Some(tap)) = (&args.pcap, tap) {
        let (transcripts, secrets) = tap.take();
        tlsight::capture::save_pcapng(path, &transcripts, &secrets).map_err(|e| e.to_string())?;
    }
    if let Some(path) = &args.html {
        super::write_html(path, report::mitm::html::page(&a))?;
    }
    if args.json {
        print_out(&report::to_json(&a));
    } else {
        let p = Palette::detect();
        if let Some(x) = &a.starttls {
            print_out(&report::starttls::render(x, p));
        }
        print_out(&report::mitm::render(&a, p));
    }
    Ok(match a.verdict {
        Verdict::Clean => exit::OK,
        Verdict::Suspicious | Verdict::Intercepted => exit::FINDING,
    })
}
