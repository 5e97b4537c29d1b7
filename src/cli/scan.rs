//! `tlsight scan [FILE|-]`: many targets, one JSON line each (schema: docs/scan.md), a summary
//! on stderr, a progress bar on a terminal. Sharding and resuming: docs/scale.md.

use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tlsight::handshake::{InspectOptions, Target};
use tlsight::report::Palette;
use tlsight::scan::{self, Limits, Progress, ScanError, ScanOptions, Shard, TargetStream};

use super::{exit, load_ca_file};

/// Arguments of `tlsight scan`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Target list, one per line: HOST, HOST:PORT, [IPv6]:PORT or a CIDR range, optionally
    /// followed by the SNI to send; `#` starts a comment. `-` or nothing reads stdin.
    file: Option<PathBuf>,
    /// Ports for lines without one and for CIDR ranges, comma separated.
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = "443"
    )]
    ports: Vec<u16>,
    /// Write the JSON lines to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Skip the targets already in --output (after a kill or a preempted node) and append.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Also write the summary as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    summary_json: Option<PathBuf>,
    /// Targets in flight at once (default: sized for the open-file limit, at most 1000).
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
    /// Targets in flight at once on one IP address.
    #[arg(long, value_name = "N", default_value_t = Limits::default().per_ip)]
    per_ip: usize,
    /// New connections per second, all targets together (default: no limit).
    #[arg(long, value_name = "N")]
    rate: Option<f64>,
    /// Seconds for a TCP connect.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().connect_timeout.as_secs_f64())]
    connect_timeout: f64,
    /// Seconds for the whole TLS handshake, however slowly the server sends.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().handshake_timeout.as_secs_f64())]
    handshake_timeout: f64,
    /// Seconds for everything about one target: attempts, backoff, audit (default 30, 300 with --audit).
    #[arg(long, value_name = "SECS")]
    target_timeout: Option<f64>,
    /// Seconds for a DNS lookup.
    #[arg(long, value_name = "SECS", default_value_t = Limits::default().dns_timeout.as_secs_f64())]
    dns_timeout: f64,
    /// Extra attempts after a timeout (other failures are final), with doubling backoff.
    #[arg(long, value_name = "N", default_value_t = Limits::default().retries)]
    retries: u32,
    /// Scan only shard K of N (0-based): a fixed hash partition of the targets. `auto` takes K
    /// from JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX or SLURM_ARRAY_TASK_ID.
    #[arg(long, value_name = "K/N|auto")]
    shard: Option<String>,
    /// Number of shards, for --shard auto.
    #[arg(long, value_name = "N")]
    shards: Option<u64>,
    /// Extra trust anchors (PEM, DER or PKCS#7): the `custom` store.
    #[arg(long, value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Offer only TLS 1.2.
    #[arg(long, conflicts_with = "tls13")]
    tls12: bool,
    /// Offer only TLS 1.3.
    #[arg(long)]
    tls13: bool,
    /// Which TLS implementation speaks: auto (rustls, then tlsight's own TLS 1.0-1.2 engine when
    /// rustls cannot negotiate), rustls, or tlsight.
    #[arg(long, value_name = "ENGINE", default_value = "auto", value_parser = ["auto", "rustls", "tlsight"])]
    engine: String,
    /// ALPN protocols to offer, comma separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    alpn: Vec<String>,
    /// Key-exchange groups to offer, in order, comma separated (default: X25519MLKEM768,
    /// x25519, secp256r1, secp384r1, SecP256r1MLKEM768, SecP384r1MLKEM1024; the first two get
    /// key shares). `--groups x25519` offers what most scanners offer: classical ECDHE only.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    groups: Vec<String>,
    /// Run the full audit (`tlsight audit`) on every reachable target, embedded as `audit`.
    #[arg(long)]
    audit: bool,
    /// Connections at once per audited server (with --audit).
    #[arg(long, value_name = "N", default_value_t = 5)]
    audit_connections: usize,
    /// Proxy and STARTTLS, as for the single-target commands.
    #[command(flatten)]
    net: super::net::NetArgs,
    /// Also compute JA4S (FoxIO License 1.1: free, not for monetisation).
    #[arg(long)]
    ja4s: bool,
    /// Validate every chain even when the same chain and name came before in this run.
    #[arg(long)]
    no_verdict_cache: bool,
    /// No summary on stderr.
    #[arg(long, short = 'q')]
    quiet: bool,
}

/// Runs `tlsight scan`.
pub(crate) fn run(args: Args) -> ExitCode {
    match run_inner(args) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(ScanError::BrokenPipe) => ExitCode::from(exit::OK),
        Err(e) => {
            eprintln!("tlsight: {e}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn secs(name: &str, v: f64) -> Result<Duration, ScanError> {
    if v > 0.0 && v <= 86_400.0 {
        Ok(Duration::from_secs_f64(v))
    } else {
        Err(ScanError::Setup(format!(
            "--{name} must be between 0 and 86400 seconds"
        )))
    }
}

/// The soft open-file limit (Linux /proc; `None` elsewhere).
fn open_file_limit() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = text.lines().find(|l| l.starts_with("Max open files"))?;
    let soft = line.split_whitespace().nth(3)?;
    if soft == "unlimited" {
        return Some(u64::MAX);
    }
    soft.parse().ok()
}

fn run_inner(args: Args) -> Result<(), ScanError> {
    let setup = ScanError::Setup;
    let target_default = if args.audit { 300.0 } else { 30.0 };
    let fds_per_target = if args.audit {
        args.audit_connections.max(1) as u64
    } else {
        1
    };
    // Reserve some descriptors for the output, the list, the runtime.
    let fd_room = open_file_limit().map(|l| l.saturating_sub(64) / fds_per_target);
    let concurrency = match (args.concurrency, fd_room) {
        (Some(0), _) => return Err(setup("--concurrency must be at least 1".into())),
        (Some(n), Some(room)) if n as u64 > room => {
            return Err(setup(format!(
                "--concurrency {n} needs about {} open files but the limit allows {room} targets; \
                 raise it (ulimit -n {}) or lower --concurrency",
                n as u64 * fds_per_target + 64,
                n as u64 * fds_per_target + 64
            )));
        }
        (Some(n), _) => n,
        (None, Some(room)) => room.clamp(1, 1000) as usize,
        (None, None) => 256,
    };
    if args.ports.contains(&0) {
        return Err(setup("--ports: port 0 is not a port".into()));
    }
    if args.rate.is_some_and(|r| !(r > 0.0 && r.is_finite())) {
        return Err(setup("--rate must be a positive number".into()));
    }
    let limits = Limits {
        concurrency,
        per_ip: args.per_ip.max(1),
        rate: args.rate,
        dns_timeout: secs("dns-timeout", args.dns_timeout)?,
        connect_timeout: secs("connect-timeout", args.connect_timeout)?,
        handshake_timeout: secs("handshake-timeout", args.handshake_timeout)?,
        target_timeout: secs(
            "target-timeout",
            args.target_timeout.unwrap_or(target_default),
        )?,
        retries: args.retries,
        backoff: Limits::default().backoff,
    };
    let shard = match args.shard.as_deref() {
        None => {
            if args.shards.is_some() {
                return Err(setup("--shards is only used with --shard auto".into()));
            }
            None
        }
        Some("auto") => {
            let (s, _) = Shard::from_env(args.shards, |k| std::env::var(k).ok()).map_err(setup)?;
            Some(s)
        }
        Some(spec) => Some(Shard::parse(spec).map_err(setup)?),
    };
    let reach = args.net.reach().map_err(setup)?;

    let mut tls = InspectOptions::new(Target {
        host: "scan".into(),
        port: 443,
    });
    tls.versions = super::version_choice(false, false, args.tls12, args.tls13);
    tls.alpn = super::alpn_ids(&args.alpn);
    tls.groups = super::offered_groups(&args.groups).map_err(setup)?;
    tls.engine = super::engine_choice(&args.engine);
    for path in &args.ca {
        tls.extra_roots.extend(load_ca_file(path).map_err(setup)?);
    }

    // Input: a file, or stdin.
    let input: Box<dyn BufRead + Send> = match args.file.as_deref() {
        None => {
            if std::io::stdin().is_terminal() {
                return Err(setup(
                    "no target list: give a FILE, or pipe targets in (one per line)".into(),
                ));
            }
            Box::new(BufReader::new(std::io::stdin()))
        }
        Some(p) if p.as_os_str() == "-" => Box::new(BufReader::new(std::io::stdin())),
        Some(p) => Box::new(BufReader::new(std::fs::File::open(p).map_err(|e| {
            ScanError::Input(format!("cannot read {}: {e}", p.display()))
        })?)),
    };

    let mut skip = Default::default();
    let out: Box<dyn Write + Send> = match &args.output {
        None => Box::new(std::io::stdout()),
        Some(path) => {
            if args.resume {
                let done = scan::resume::load(path)?;
                if !args.quiet && done.truncated_bytes > 0 {
                    eprintln!(
                        "tlsight: {}: removed an incomplete last line ({} bytes); that target is scanned again",
                        path.display(),
                        done.truncated_bytes
                    );
                }
                skip = done.keys;
            }
            let mut o = std::fs::OpenOptions::new();
            o.create(true);
            if args.resume {
                o.append(true);
            } else {
                o.write(true).truncate(true);
            }
            Box::new(
                o.open(path)
                    .map_err(|e| ScanError::Output(format!("{}: {e}", path.display())))?,
            )
        }
    };

    let opts = ScanOptions {
        limits,
        tls,
        audit: args.audit.then(|| tlsight::probe::Settings {
            connect_timeout: limits.connect_timeout,
            read_timeout: limits.handshake_timeout,
            max_connections: args.audit_connections.max(1),
            delay: Duration::ZERO,
            tap: None,
        }),
        shard,
        skip,
        reach,
        verdict_cache: !args.no_verdict_cache,
        ja4s: args.ja4s,
    };
    let progress = Arc::new(Progress::default());
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| ProgressBar::start(progress.clone()));
    let items = TargetStream::new(input, args.ports.clone());
    let result = scan::run(items, opts, out, progress);
    if let Some(b) = bar {
        b.finish();
    }
    let summary = result?;
    if !args.quiet {
        let p = if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
            Palette::COLOR
        } else {
            Palette::PLAIN
        };
        eprint!("{}", tlsight::report::scan::render_summary(&summary, p));
    }
    if let Some(path) = &args.summary_json {
        std::fs::write(path, tlsight::report::to_json(&summary))
            .map_err(|e| ScanError::Output(format!("{}: {e}", path.display())))?;
    }
    Ok(())
}

/// The terminal progress bar: rate, ETA once the whole list is read, in-flight and ok counts.
struct ProgressBar {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl ProgressBar {
    fn start(p: Arc<Progress>) -> Self {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new(0);
            let style = indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} targets  {per_sec}  ETA {eta}  {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
            bar.set_style(style);
            while !stop2.load(Ordering::Relaxed) {
                let read_all = p.input_done.load(Ordering::Relaxed);
                bar.set_length(p.queued.load(Ordering::Relaxed));
                bar.set_position(p.done.load(Ordering::Relaxed));
                bar.set_message(format!(
                    "{} in flight, {} ok{}",
                    p.in_flight.load(Ordering::Relaxed),
                    p.ok.load(Ordering::Relaxed),
                    if read_all { "" } else { " (reading the list)" }
                ));
                bar.tick();
                std::thread::sleep(Duration::from_millis(150));
            }
            bar.finish_and_clear();
        });
        Self { stop, thread }
    }

    fn finish(self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.thread.join();
    }
}
