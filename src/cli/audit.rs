//! `tlsight audit HOST[:PORT]`: protocol versions, cipher suites, groups, checks, grade.

use std::process::ExitCode;
use std::time::Duration;

use tlsight::probe::report::{AuditReport, ProtocolStatus, Severity};
use tlsight::probe::scan::AuditOptions;
use tlsight::probe::suite::Rating;
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
    if let Some(path) = &args.html {
        let written = tlsight::report::audit::html::page(&report)
            .map_err(|e| e.to_string())
            .and_then(|page| {
                std::fs::write(path, page)
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            });
        if let Err(e) = written {
            return fail(e);
        }
    }
    if args.json {
        super::print_out(&tlsight::report::to_json(&report));
    } else {
        super::print_out(&render(&report, Palette::detect(), args.verbose));
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

fn yes_no(p: Palette, v: Option<bool>, good_when: bool) -> String {
    match v {
        Some(b) if b == good_when => p.good(if b { "yes" } else { "no" }),
        Some(b) => p.bad(if b { "yes" } else { "no" }),
        None => p.dim("n/a"),
    }
}

/// Human rendering of the report.
/// `--verbose`: every suite behind a counted line, one a line, with its versions.
fn list_suites(o: &mut String, p: Palette, suites: &[tlsight::probe::report::FindingSuite]) {
    use std::fmt::Write;
    let width = suites.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in suites {
        let _ = writeln!(
            o,
            "           {:<width$}  {}",
            s.name,
            p.dim(tlsight::probe::report::version_span(&s.versions))
        );
    }
}

fn render(r: &AuditReport, p: Palette, verbose: bool) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let sni = r.sni.as_deref().unwrap_or("(none)");
    let _ = writeln!(
        o,
        "{} {} ({}), SNI {sni}",
        p.bold("Audit of"),
        r.target,
        r.address
    );
    if let Some(x) = &r.starttls {
        o.push('\n');
        o.push_str(&tlsight::report::starttls::render(x, p));
        let _ = writeln!(
            o,
            "  {}",
            p.dim(format!(
                "every probe connection repeats this upgrade ({} upgrades)",
                r.starttls_upgrades
            ))
        );
    }

    let _ = writeln!(o, "\n{}", p.bold("Protocols"));
    for d in &r.protocol_details {
        let mark = match (d.accepted, d.version.as_str()) {
            (true, "SSLv2" | "SSLv3") => p.bad("accepted "),
            (true, "TLSv1.0" | "TLSv1.1") => p.warn("accepted "),
            (true, _) => p.good("accepted "),
            (false, _) if d.status == ProtocolStatus::NoAnswer => p.warn("no answer"),
            (false, _) => p.dim("refused  "),
        };
        let _ = writeln!(o, "  {:<8} {mark}  {}", d.version, p.dim(&d.detail));
    }

    for (v, list) in r.cipher_suite_details.iter().rev() {
        let pref = match r.server_preference.get(v) {
            Some(true) => "server order",
            Some(false) => "client order (server has no preference)",
            None => "",
        };
        let _ = writeln!(o, "\n{} {v} {}", p.bold("Cipher suites"), p.dim(pref));
        let width = list.iter().map(|s| s.name.len()).max().unwrap_or(0);
        for s in list {
            let rating = match s.rating {
                Rating::Recommended => p.good("recommended"),
                Rating::Secure => p.good("secure     "),
                Rating::Weak => p.warn("weak       "),
                Rating::Insecure => p.bad("insecure   "),
            };
            let _ = writeln!(
                o,
                "  {} {:<width$}  {rating}  {}  {}",
                p.dim(&s.code),
                s.name,
                s.key_exchange.as_deref().unwrap_or(""),
                p.dim(s.flags.join(", ")),
            );
        }
        for name in r.dropped_suites.get(v).into_iter().flatten() {
            let _ = writeln!(
                o,
                "  {:<6} {name:<width$}  {}",
                "",
                p.warn("connection dropped when offered")
            );
        }
    }

    let _ = writeln!(o, "\n{}", p.bold("Key exchange"));
    let groups: Vec<String> = r
        .groups
        .iter()
        .map(|g| {
            let tag = match (g.tls13, g.tls12) {
                (true, true) => "",
                (true, false) => " (1.3)",
                _ => " (≤1.2)",
            };
            format!("{}{tag}", g.name)
        })
        .collect();
    let _ = writeln!(
        o,
        "  {:<22} {}",
        "groups",
        if groups.is_empty() {
            p.dim("none found")
        } else {
            groups.join(", ")
        }
    );
    if let Some(b) = r.dh_bits {
        let t = if b < 2048 {
            p.warn(format!("{b} bits"))
        } else {
            p.good(format!("{b} bits"))
        };
        let _ = writeln!(o, "  {:<22} {t}", "DH parameters");
    }
    for (label, list) in [
        ("signature schemes 1.2", &r.signature_algorithms),
        ("signature schemes 1.3", &r.signature_algorithms_tls13),
    ] {
        if !list.is_empty() {
            let _ = writeln!(o, "  {:<22} {}", label, list.join(", "));
        }
    }
    if !r.alpn.is_empty() {
        let _ = writeln!(o, "  {:<22} {}", "ALPN", r.alpn.join(", "));
    }

    let f = &r.features;
    let _ = writeln!(o, "\n{}", p.bold("Checks"));
    let rows = [
        (
            "secure renegotiation",
            yes_no(p, f.secure_renegotiation, true),
        ),
        (
            "extended master secret",
            yes_no(p, f.extended_master_secret, true),
        ),
        ("encrypt-then-MAC", yes_no(p, f.encrypt_then_mac, true)),
        ("TLS_FALLBACK_SCSV", yes_no(p, f.fallback_scsv, true)),
        ("downgrade sentinel", yes_no(p, f.downgrade_sentinel, true)),
        ("compression (CRIME)", yes_no(p, f.compression, false)),
        ("heartbeat", yes_no(p, f.heartbeat, false)),
        ("session id issued", yes_no(p, f.session_id_issued, true)),
        ("session tickets", yes_no(p, f.session_ticket, true)),
        ("resumption (id)", yes_no(p, f.resumption_session_id, true)),
        ("resumption (ticket)", yes_no(p, f.resumption_ticket, true)),
        ("OCSP stapling", yes_no(p, f.ocsp_stapling, true)),
        ("SCT extension", yes_no(p, f.sct_extension, true)),
    ];
    for (k, v) in rows {
        let _ = writeln!(o, "  {k:<22} {v}");
    }

    if let Some(c) = &r.certificate {
        let _ = writeln!(o, "\n{}", p.bold("Certificate"));
        let _ = writeln!(o, "  {:<22} {}", "subject", c.subject);
        let _ = writeln!(o, "  {:<22} {}", "issuer", c.issuer);
        let _ = writeln!(o, "  {:<22} {}", "names", c.sans.join(", "));
        let exp = if c.expired {
            p.bad(format!("{} (expired)", c.not_after))
        } else {
            c.not_after.clone()
        };
        let _ = writeln!(o, "  {:<22} {exp}", "not after");
        let _ = writeln!(
            o,
            "  {:<22} {} {} bits, {}",
            "key", c.key_type, c.key_bits, c.signature_algorithm
        );
        let _ = writeln!(o, "  {:<22} {}", "chain sent", c.chain_len);
    }
    if let Some(c) = &r.certificate_without_sni {
        let trust = match &r.certificate_without_sni_verification {
            Some(v) if v.trusted => p.good("trusted"),
            Some(_) => p.bad("not trusted"),
            None => p.dim("not verified"),
        };
        let _ = writeln!(
            o,
            "  {:<22} {} ({} {} bits), {trust}",
            "without SNI", c.subject, c.key_type, c.key_bits
        );
    }
    if let Some(v) = &r.certificate_verification {
        let verdict = if v.trusted {
            p.good("trusted")
        } else {
            p.bad("not trusted")
        };
        let stores: Vec<String> = v
            .stores
            .iter()
            .map(|(k, s)| format!("{}: {}", k.name(), if s.trusted { "yes" } else { "no" }))
            .collect();
        let _ = writeln!(o, "  {:<22} {verdict} ({})", "trust", stores.join(", "));
        if let Some(kp) = &v.key_possession {
            let text = if kp.proven() {
                p.good(&kp.detail)
            } else {
                p.bad(&kp.detail)
            };
            let _ = writeln!(o, "  {:<22} {text}", "key possession");
        }
        // The key-possession error is the line above.
        for e in v
            .errors
            .iter()
            .filter(|e| e.code != tlsight::x509::Code::KeyPossessionFailed)
        {
            let _ = writeln!(o, "    {}", p.bad(&e.message));
        }
    }

    if let Some(a) = &r.interception {
        let _ = writeln!(o, "\n{}", p.bold("Interception check"));
        o.push_str(&tlsight::mitm::render::render_summary(a, p));
    }

    if !r.findings.is_empty() {
        let _ = writeln!(o, "\n{}", p.bold("Findings"));
        for fd in &r.findings {
            let sev = match fd.severity {
                Severity::Critical => p.bad("critical"),
                Severity::Warning => p.warn("warning "),
                Severity::Info => p.dim("info    "),
            };
            // The message counts long lists; --verbose names every suite (JSON always does).
            let named_in_message = fd.suites.len() <= tlsight::probe::report::NAMED_SUITES;
            let hint = if named_in_message || verbose {
                String::new()
            } else {
                p.dim("  (--verbose lists them)")
            };
            let _ = writeln!(o, "  {sev} {}{hint}", fd.message);
            if verbose && !named_in_message {
                list_suites(&mut o, p, &fd.suites);
            }
        }
    }

    let g = &r.grade;
    let letter = match g.grade.as_str() {
        "A+" | "A" | "A-" => p.good(&g.grade),
        "B" | "C" => p.warn(&g.grade),
        _ => p.bad(&g.grade),
    };
    let _ = writeln!(
        o,
        "\n{} {letter}  {}",
        p.bold("Grade"),
        p.dim(format!(
            "score {} (protocol {}, key exchange {}, cipher {})",
            g.score, g.protocol_score, g.key_exchange_score, g.cipher_score
        ))
    );
    for c in &g.caps {
        let _ = writeln!(o, "  capped at {c}");
    }
    let _ = writeln!(o, "\n{}", p.bold("Mozilla profiles"));
    for m in &r.mozilla {
        let v = if m.compliant {
            p.good("compliant")
        } else {
            p.bad("not compliant")
        };
        let _ = writeln!(o, "  {:<13} {v}", m.profile);
        for fl in &m.failures {
            let _ = writeln!(o, "    {}", p.dim(fl));
        }
        if verbose && m.suites_outside.len() > tlsight::probe::report::NAMED_SUITES {
            list_suites(&mut o, p, &m.suites_outside);
        }
    }
    let _ = writeln!(
        o,
        "\n{} {} connections{}, {:.2} s",
        p.bold("Cost"),
        r.connections,
        if r.starttls_upgrades > 0 {
            format!(" ({} with a STARTTLS upgrade)", r.starttls_upgrades)
        } else {
            String::new()
        },
        r.elapsed_ms as f64 / 1000.0
    );
    if r.throttled {
        let _ = writeln!(
            o,
            "  {} {} hellos got no answer or a reset with several connections open; retried \
             them and went on one connection at a time",
            p.warn("throttled"),
            r.retried
        );
    }
    o
}
