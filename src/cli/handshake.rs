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
    #[arg(required_unless_present = "from", conflicts_with = "from")]
    target: Option<String>,
    /// Read the handshake(s) from a capture (pcap or pcapng) instead of connecting: every TLS
    /// connection in it is judged as a live one would be.
    #[arg(long, value_name = "FILE")]
    from: Option<PathBuf>,
    /// With --from: the server's RSA private key, to decrypt TLS 1.2 RSA key-transport sessions.
    #[arg(long, value_name = "KEY.pem", requires = "from")]
    key: Option<PathBuf>,
    /// SNI to send (default: the host name; none for IP addresses).
    #[arg(long, value_name = "NAME", conflicts_with = "no_sni")]
    sni: Option<String>,
    /// Send no server_name extension.
    #[arg(long)]
    no_sni: bool,
    /// Offer TLS 1.0 (with other --tlsNN flags: the range they span; alone: only TLS 1.0).
    #[arg(long)]
    tls10: bool,
    /// Offer TLS 1.1.
    #[arg(long)]
    tls11: bool,
    /// Offer TLS 1.2.
    #[arg(long)]
    tls12: bool,
    /// Offer TLS 1.3 (rustls only).
    #[arg(long)]
    tls13: bool,
    /// Cipher suites to offer, comma separated: IANA or OpenSSL names or code points
    /// (TLS_RSA_WITH_AES_128_CBC_SHA, AES128-SHA, 0x002F).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    cipher: Vec<String>,
    /// Key-exchange groups to offer, in order, comma separated (default: X25519MLKEM768,
    /// x25519, secp256r1, secp384r1, SecP256r1MLKEM768, SecP384r1MLKEM1024; the first two get
    /// key shares). Names or code points as `explain --group` takes them.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    groups: Vec<String>,
    /// Which TLS implementation speaks: rustls, tlsight (own TLS 1.0-1.2 engine), or auto
    /// (rustls, then tlsight's engine when rustls cannot negotiate).
    #[arg(long, value_name = "ENGINE", default_value = "auto", value_parser = ["auto", "rustls", "tlsight"])]
    engine: String,
    /// ALPN protocols to offer, comma separated (e.g. h2,http/1.1).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    alpn: Vec<String>,
    /// Extra trust anchors (PEM file), in addition to Mozilla's roots.
    #[arg(long, value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Seconds allowed for each of DNS, connect and handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    timeout: f64,
    /// Write the session secrets in NSS key-log format (for Wireshark); with --from, read the
    /// secrets from this key log instead (added to any the capture embeds).
    #[arg(long, value_name = "FILE")]
    keylog: Option<PathBuf>,
    /// Write a pcapng capture of the connection with its secrets embedded (a Decryption Secrets
    /// Block): Wireshark and tshark open it decrypted, no key file needed.
    #[arg(long, value_name = "FILE", conflicts_with = "from")]
    pcap: Option<PathBuf>,
    /// Write the report as one self-contained HTML page (sequence diagram of the handshake).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
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
    if let Some(from) = &args.from {
        return run_from(args, from);
    }
    let target = Target::parse(args.target.as_deref().unwrap_or_default(), 443)
        .map_err(|e| e.to_string())?;
    // The interception check needs the OS store: load it while the network is busy.
    tlsight::x509::Store::prefetch_os();
    let (net, notes) = args.net.resolve(&target)?;
    super::net::announce(&notes);
    let mut opts = InspectOptions::new(target);
    opts.net = net;
    if args.no_sni {
        opts.sni = None;
    } else if let Some(s) = &args.sni {
        opts.sni = Some(s.clone());
    }
    opts.versions = super::version_choice(args.tls10, args.tls11, args.tls12, args.tls13);
    opts.cipher_suites = super::parse_suites(&args.cipher)?;
    opts.engine = super::engine_choice(&args.engine);
    opts.alpn = super::alpn_ids(&args.alpn);
    opts.groups = super::offered_groups(&args.groups)?;
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
    if let Some(path) = &args.pcap {
        tlsight::capture::save_pcapng(path, std::slice::from_ref(&ins.transcript), &ins.secrets)
            .map_err(|e| e.to_string())?;
    }
    let report = build_report(args, &ins, &opts.extra_roots);
    if let Some(path) = &args.html {
        super::write_html(
            path,
            report::handshake::html::page(std::slice::from_ref(&report)),
        )?;
    }
    print_reports(args, std::slice::from_ref(&report));
    Ok(exit_code(&ins, &report))
}

/// The report of one inspection, live or captured: the same code for both.
fn build_report(
    args: &Args,
    ins: &handshake::Inspection,
    extra_roots: &[rustls_pki_types::CertificateDer<'static>],
) -> HandshakeReport {
    let analysis = handshake::analyze(ins);
    let mut report = HandshakeReport::build(
        ins,
        analysis,
        BuildOptions {
            ja4s: args.ja4s,
            extra_roots: extra_roots.to_vec(),
            // The CLI has no --ca-only: Mozilla's roots always count.
            only_extra_roots: false,
        },
    );
    report.assess_interception(ins, extra_roots);
    report
}

/// JSON: one object for one connection (as for a live host), an array for several.
fn print_reports(args: &Args, reports: &[HandshakeReport]) {
    if args.json {
        match reports {
            [one] => print_out(&report::to_json(one)),
            many => print_out(&report::to_json(&many)),
        }
    } else {
        let text: Vec<String> = reports
            .iter()
            .map(|r| {
                report::handshake::render(r, Palette::detect(), RenderOptions { raw: args.raw })
            })
            .collect();
        print_out(&text.join("\n"));
    }
}

fn exit_code(ins: &handshake::Inspection, report: &HandshakeReport) -> u8 {
    if let Some(f) = &ins.failure {
        eprintln!("tlsight: {}: {f}", ins.target);
        return exit::ERROR;
    }
    if report.verification.trusted {
        exit::OK
    } else {
        exit::FINDING
    }
}

/// `handshake --from FILE`: every TLS connection of a capture through the live report code.
fn run_from(args: &Args, from: &std::path::Path) -> Result<u8, String> {
    let cap = tlsight::capture::load_capture(from).map_err(|e| e.to_string())?;
    let mut secrets = cap.secrets.clone();
    if let Some(path) = &args.keylog {
        let more = tlsight::capture::KeyLogSecrets::load(path).map_err(|e| e.to_string())?;
        for e in more.entries() {
            secrets.insert(e);
        }
    }
    if let Some(path) = &args.key {
        let key =
            tlsight::crypto::rsa_kx::load_private_key_file(path).map_err(|e| e.to_string())?;
        // Only RSA key-transport sessions yield to the key; the others keep their key log.
        for t in &cap.streams {
            if let Ok(r) = tlsight::crypto::rsa_kx::recover(t, &key) {
                for e in r.secrets.entries() {
                    secrets.insert(e);
                }
            }
        }
    }
    let mut replay = handshake::replay::ReplayOptions::default();
    for path in &args.ca {
        replay.extra_roots.extend(load_ca_file(path)?);
    }
    let mut reports = Vec::new();
    let mut code = exit::OK;
    for (i, t) in cap.streams.iter().enumerate() {
        let ins = handshake::replay::inspect_transcript(t, &secrets, &replay);
        let report = build_report(args, &ins, &replay.extra_roots);
        if cap.gaps.contains(&i) {
            eprintln!(
                "tlsight: {}: connection {} to {} has bytes missing from the capture",
                from.display(),
                i + 1,
                ins.address
            );
        }
        code = code.max(exit_code(&ins, &report));
        reports.push(report);
    }
    if let Some(path) = &args.html {
        super::write_html(path, report::handshake::html::page(&reports))?;
    }
    print_reports(args, &reports);
    Ok(code)
}
