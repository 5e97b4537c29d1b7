//! `tlsight audit HOST[:PORT]`: protocol versions, cipher suites, groups, checks, grade.

use std::process::ExitCode;
use std::time::Duration;

use tlsight::probe::scan::AuditOptions;
use tlsight::probe::{Settings, audit};
use tlsight::report::Palette;

/// Arguments of `tlsight audit`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Server to audit: HOST, HOST:PORT, [IPv6]:PORT (port defaults to 443).
    target: String,
    /// Server name to send (default: the host, none for IP addresses).
    #[arg(long)]
    sni: Option<String>,
    /// Print the report as JSON (schema: docs/audit.md).
    #[arg(long)]
    json: bool,
    /// Name every suite behind a finding (the default counts long lists per version range).
    #[arg(short, long)]
    verbose: bool,
    /// Connections open at once to the server.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=64))]
    max_connections: u16,
    /// Milliseconds between two connection starts, for fragile servers.
    #[arg(long, default_value_t = 0)]
    delay: u64,
    /// Seconds allowed for each connect and for each server reply.
    #[arg(long, default_value_t = 5.0)]
    timeout: f64,
    /// Exit with status 1 unless the server meets this Mozilla profile (for CI).
    #[arg(long, value_parser = ["modern", "intermediate", "old"])]
    policy: Option<String>,
    /// Judge certificate expiry at this time (RFC 3339) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// Also trust the CA certificates in this PEM/DER file when verifying the chain.
    #[arg(long, value_name = "FILE")]
    ca: Option<std::path::PathBuf>,
    #[command(flatten)]
    net: super::net::NetArgs,
    /// Write a pcapng capture of every probe connection, each its own TCP stream,, with the session secrets embedded (Decryption Secrets
    /// Block) so Wireshark and tshark open it decrypted.
    #[arg(long, value_name = "FILE")]
    pcap: Option<std::path::PathBuf>,
    /// Write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// Runs `tlsight audit`.
pub(crate) fn run(args: Args) -> ExitCode {
    // Could not run: one line on stderr and, with --json, the same error for scripts.
    let json = args.json;
    let fail_with = |code: &str, msg: String| {
        eprintln!("tlsight: audit: {msg}");
        if json {
            let v = serde_json::json!({ "error": { "code": code, "message": msg } });
            super::print_out(&format!("{v:#}\n"));
        }
        ExitCode::from(super::exit::ERROR)
    };
    let fail = |msg: String| fail_with("bad_argument", msg);
    let target = match tlsight::handshake::Target::parse(&args.target, 443) {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()),
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0 && args.timeout <= 600.0) {
        return fail(format!(
            "--timeout must be between 0 and 600 seconds, got {}",
            args.timeout
        ));
    }
    let at = match args
        .at
        .as_deref()
        .map(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339))
    {
        None => None,
        Some(Ok(t)) => Some(t),
        Some(Err(e)) => {
            return fail(format!(
                "--at expects RFC 3339 like 2026-01-31T12:00:00Z: {e}"
            ));
        }
    };
    let (net, notes) = match args.net.resolve(&target) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    super::net::announce(&notes);
    let settings = Settings {
        connect_timeout: Duration::from_secs_f64(args.timeout),
        read_timeout: Duration::from_secs_f64(args.timeout),
        max_connections: args.max_connections as usize,
        delay: Duration::from_millis(args.delay),
        tap: args.pcap.as_ref().map(|_| tlsight::capture::Tap::leak()),
    };
    let mut verify = tlsight::x509::VerifyOptions::default();
    if let Some(path) = &args.ca {
        match super::load_ca_file(path) {
            Ok(c) => verify.extra_anchors = c,
            Err(e) => return fail(e),
        }
    }
    let opts = AuditOptions {
        sni: args.sni.clone(),
        settings,
        at,
        verify,
        route: (!net.eq(&Default::default())).then(|| tlsight::net::Route {
            target: target.clone(),
            net,
        }),
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail_with("internal", format!("cannot start the async runtime: {e}")),
    };
    let report = match rt.block_on(audit(&target, opts)) {
        Ok(r) => r,
        // No STARTTLS, or refused: a finding about the server; with --policy it fails it.
        Err(e @ tlsight::probe::ProbeError::Net { finding: true, .. }) => {
            let code = fail_with(e.code(), format!("{target}: {e}"));
            return if args.policy.is_some() {
                ExitCode::from(super::exit::FINDING)
            } else {
                code
            };
        }
        Err(e) => return fail_with(e.code(), e.to_string()),
    };
    if let (Some(path), Some(tap)) = (&args.pcap, settings.tap) {
        let (transcripts, secrets) = tap.take();
        if let Err(e) = tlsight::capture::save_pcapng(path, &transcripts, &secrets) {
            return fail(e.to_string());
        }
    }
    if let Some(path) = &args.html
        && let Err(e) = super::write_html(path, tlsight::report::audit::html::page(&report))
    {
        return fail(e);
    }
    if args.json {
        super::print_out(&tlsight::report::to_json(&report));
    } else {
        super::print_out(&tlsight::report::audit::render(
            &report,
            Palette::detect(),
            args.verbose,
        ));
    }
    match &args.policy {
        Some(p)
            if !report
                .mozilla
                .iter()
                .any(|m| &m.profile == p && m.compliant) =>
        {
            eprintln!("tlsight: audit: server does not meet the Mozilla {p} profile");
            ExitCode::from(super::exit::FINDING)
        }
        _ => ExitCode::from(super::exit::OK),
    }
}
