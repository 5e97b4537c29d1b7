//! `tlsight verify`: prove a certificate chain link by link and validate it per trust store.
//! Exit codes: 0 trusted, 1 not trusted, 2 could not run.

use std::path::PathBuf;
use std::process::ExitCode;

use tlsight::handshake::{self, InspectOptions, Target, fetch};
use tlsight::report::{self, Palette};
use tlsight::x509::{self, StoreSelection, VerifyOptions};

use super::exit;

/// Which trust stores to validate against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum StoreArg {
    /// Mozilla's roots (webpki-roots).
    Mozilla,
    /// The operating system store (honours SSL_CERT_FILE / SSL_CERT_DIR).
    Os,
    /// Only the anchors given with --ca.
    Custom,
    /// Every available store.
    All,
}

/// Which certificate profile rules to apply on top of rustls-webpki (docs/verify.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ProfileArg {
    /// Rules that hold for every chain, public or private.
    Default,
    /// Also the CA/B Forum rules for publicly-trusted server certificates (EKU present, CN
    /// spelled as a SAN, no wildcard over any public suffix, no AKI issuer fields in roots).
    Cabf,
    /// Also RFC 5280 rules Web PKI practice relaxes (critical nameConstraints, SKI/AKI on the
    /// anchor certificate).
    Rfc5280,
}

/// Arguments of `tlsight verify`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 trusted, 1 not trusted, 2 could not run.")]
pub(crate) struct Args {
    /// Server to connect to (HOST[:PORT], default port 443); the chain it sends is verified.
    #[arg(value_name = "HOST[:PORT]", required_unless_present = "chain")]
    target: Option<String>,
    /// Verify certificates from files (PEM or DER; one bundle or several files, any order;
    /// the first certificate is the leaf).
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "target")]
    chain: Vec<PathBuf>,
    /// Host name or IP address the leaf must be valid for (default: the target host).
    #[arg(long, value_name = "NAME")]
    host: Option<String>,
    /// SNI to send when connecting to an address.
    #[arg(long, value_name = "NAME")]
    sni: Option<String>,
    /// Extra trust anchors (PEM/DER); they form the `custom` store.
    #[arg(long = "ca", value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Stores to validate against (repeatable); default: all that are available.
    #[arg(long, value_enum, value_name = "STORE")]
    store: Vec<StoreArg>,
    /// Validate at this time instead of now (RFC 3339, e.g. 2030-01-01T00:00:00Z, or a date).
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// Certificate profile rules to apply on top of path validation.
    #[arg(long, value_enum, value_name = "RULES", default_value = "default")]
    profile: ProfileArg,
    /// Check revocation against these CRLs (PEM or DER).
    #[arg(long, value_name = "FILE")]
    crl: Vec<PathBuf>,
    /// A DER OCSP response to check as if the server had stapled it (chain mode).
    #[arg(long, value_name = "FILE", requires = "chain")]
    ocsp: Option<PathBuf>,
    /// Download what the chain points to over HTTP: a missing issuer from the AIA caIssuers
    /// URL and CRLs from the CRL distribution points.
    #[arg(long)]
    fetch: bool,
    /// Print the report as JSON (schema in docs/verify.md).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    net: super::net::NetArgs,
    /// Write a pcapng capture of the connection (HOST mode), with the session secrets embedded (Decryption Secrets
    /// Block) so Wireshark and tshark open it decrypted.
    #[arg(long, value_name = "FILE", conflicts_with = "chain")]
    pcap: Option<std::path::PathBuf>,
    /// Write the report as one self-contained HTML page.
    #[arg(long, value_name = "FILE")]
    html: Option<std::path::PathBuf>,
}

/// Runs `tlsight verify`.
pub(crate) fn run(args: Args) -> ExitCode {
    match run_inner(args) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("tlsight: verify: {msg}");
            ExitCode::from(exit::ERROR)
        }
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn run_inner(args: Args) -> Result<u8, String> {
    let mut opts = VerifyOptions {
        host: args.host.clone(),
        profile: match args.profile {
            ProfileArg::Default => x509::Profile::Default,
            ProfileArg::Cabf => x509::Profile::Cabf,
            ProfileArg::Rfc5280 => x509::Profile::Rfc5280,
        },
        ..VerifyOptions::default()
    };
    if let Some(at) = &args.at {
        opts.at = Some(parse_time(at)?);
    }
    for path in &args.ca {
        opts.extra_anchors.extend(super::load_ca_file(path)?);
    }
    for path in &args.crl {
        let bytes = read(path)?;
        let origin = path.display().to_string();
        opts.crls
            .extend(x509::crls_from_bytes(&bytes, &origin).map_err(|e| e.to_string())?);
    }
    let all = args.store.is_empty() || args.store.contains(&StoreArg::All);
    opts.stores = StoreSelection {
        mozilla: all || args.store.contains(&StoreArg::Mozilla),
        os: all || args.store.contains(&StoreArg::Os),
    };
    if args.store.contains(&StoreArg::Custom) && opts.extra_anchors.is_empty() {
        return Err("--store custom needs anchors given with --ca FILE".into());
    }
    if !all && !args.store.contains(&StoreArg::Custom) {
        opts.extra_anchors.clear();
    }
    if let Some(h) = &opts.host
        && rustls_pki_types::ServerName::try_from(h.as_str()).is_err()
    {
        return Err(format!(
            "--host {h:?} is not a valid DNS name or IP address"
        ));
    }

    if let Some(path) = &args.ocsp {
        opts.stapled_ocsp = Some(read(path)?);
    }
    let mut connection = None;
    let mut possession = None;
    let chain = if !args.chain.is_empty() {
        let mut certs = Vec::new();
        for path in &args.chain {
            let bytes = read(path)?;
            let origin = path.display().to_string();
            let these = x509::certs_from_bytes(&bytes, &origin).map_err(|e| e.to_string())?;
            x509::require_one_parses(&these, &origin).map_err(|e| e.to_string())?;
            certs.extend(these);
        }
        if certs.len() > x509::parse::MAX_CERTS_PER_INPUT {
            return Err(format!(
                "{} certificates given; at most {} are accepted",
                certs.len(),
                x509::parse::MAX_CERTS_PER_INPUT
            ));
        }
        certs
    } else {
        let target = args.target.as_deref().unwrap_or_default();
        let target = Target::parse(target, 443).map_err(|e| e.to_string())?;
        let (net, notes) = args.net.resolve(&target)?;
        super::net::announce(&notes);
        let mut io = InspectOptions::new(target.clone());
        io.net = net;
        if let Some(sni) = &args.sni {
            io.sni = Some(sni.clone());
        }
        io.extra_roots = opts.extra_anchors.clone();
        let ins = match handshake::inspect(&io) {
            Ok(ins) => ins,
            Err(e) => return super::net::failed_before_tls(&target, &e, args.json),
        };
        if let Some(path) = &args.pcap {
            tlsight::capture::save_pcapng(
                path,
                std::slice::from_ref(&ins.transcript),
                &ins.secrets,
            )
            .map_err(|e| e.to_string())?;
        }
        if opts.host.is_none() {
            opts.host = Some(io.sni.clone().unwrap_or_else(|| target.host.clone()));
        }
        let certs = ins.seen.certificates.clone();
        if certs.is_empty() {
            return Err(format!(
                "{target}: the server sent no certificate{}",
                ins.failure
                    .as_ref()
                    .map(|f| format!(" ({f})"))
                    .unwrap_or_default()
            ));
        }
        opts.stapled_ocsp = Some(ins.seen.ocsp.clone());
        connection = Some(x509::ConnectionInfo {
            target: target.to_string(),
            address: ins.address.to_string(),
            sni: ins.sni.clone(),
            stapled_ocsp_bytes: ins.seen.ocsp.len(),
            handshake_signature_valid: ins.seen.signature_valid,
            handshake_error: ins.failure.as_ref().map(|f| f.to_string()),
        });
        possession = Some(ins.key_possession());
        certs
    };

    let mut report = x509::verify_chain(&chain, &opts);
    if args.fetch {
        report = fetch_and_reverify(report, chain, &mut opts, &fetch::Limits::default());
    }
    report.connection = connection;
    // A live server must also prove it holds the leaf key, or the chain authenticates nothing.
    if let Some(kp) = possession {
        report.apply_key_possession(kp);
    }
    if let Some(path) = &args.html {
        super::write_html(path, report::verify::html::page(&report))?;
    }
    if args.json {
        super::print_out(&report::to_json(&report));
    } else {
        super::print_out(&report::verify::render(&report, Palette::detect()));
    }
    Ok(if report.trusted {
        exit::OK
    } else {
        exit::FINDING
    })
}

/// `--fetch`: complete a chain from AIA caIssuers (a few hops), then add the CRLs the path
/// points to, and verify again. Failures are recorded in `report.fetched`, never fatal.
fn fetch_and_reverify(
    mut report: x509::ChainReport,
    mut chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    opts: &mut VerifyOptions,
    limits: &fetch::Limits,
) -> x509::ChainReport {
    let sent_len = chain.len();
    let mut fetched: Vec<x509::Fetched> = Vec::new();
    let mut origins: Vec<(usize, String)> = Vec::new();
    let mut recovered_from: Vec<String> = Vec::new();
    for _hop in 0..limits.max_aia_hops {
        if !report.has(x509::Code::IncompleteChain) {
            break;
        }
        let Some(url) = report
            .chain
            .last()
            .and_then(|l| l.cert.as_ref())
            .and_then(|c| {
                c.ca_issuers
                    .iter()
                    .find(|u| u.starts_with("http://"))
                    .cloned()
            })
        else {
            break;
        };
        if fetched.iter().any(|f| f.url == url) {
            break;
        }
        let (certs, record) = match fetch::get(&url, limits) {
            Ok(body) => match x509::certs_from_bytes(&body, &url) {
                Ok(certs) => {
                    let n = certs.len();
                    (certs, fetch_record(&url, "ca_issuers", body.len(), n, None))
                }
                Err(e) => (
                    Vec::new(),
                    fetch_record(&url, "ca_issuers", body.len(), 0, Some(e.to_string())),
                ),
            },
            Err(e) => (Vec::new(), fetch_record(&url, "ca_issuers", 0, 0, Some(e))),
        };
        fetched.push(record);
        if certs.is_empty() {
            break;
        }
        for c in certs {
            origins.push((chain.len(), url.clone()));
            chain.push(c);
        }
        recovered_from.push(url);
        report = x509::verify_chain(&chain, opts);
    }
    let crl_urls: Vec<String> = report
        .chain
        .iter()
        .filter_map(|l| l.cert.as_ref())
        .flat_map(|c| c.crl_distribution_points.iter())
        .filter(|u| u.starts_with("http://"))
        .take(limits.max_crls)
        .cloned()
        .collect();
    let mut added_crl = false;
    for url in crl_urls {
        if fetched.iter().any(|f| f.url == url) {
            continue;
        }
        let record = match fetch::get(&url, limits) {
            Ok(body) => match x509::crls_from_bytes(&body, &url) {
                Ok(crls) => {
                    let n = crls.len();
                    opts.crls.extend(crls);
                    added_crl = true;
                    fetch_record(&url, "crl", body.len(), n, None)
                }
                Err(e) => fetch_record(&url, "crl", body.len(), 0, Some(e.to_string())),
            },
            Err(e) => fetch_record(&url, "crl", 0, 0, Some(e)),
        };
        fetched.push(record);
    }
    if added_crl {
        report = x509::verify_chain(&chain, opts);
    }
    for (i, url) in origins {
        if let Some(s) = report.sent.get_mut(i) {
            s.fetched_from = Some(url);
        }
    }
    if !recovered_from.is_empty()
        && !report.has(x509::Code::IncompleteChain)
        && sent_len < chain.len()
    {
        report.warnings.push(x509::Finding::new(
            x509::Code::IncompleteChainRecovered,
            format!(
                "the server did not send the issuer; it was downloaded from {} — the chain is recoverable, but the server is misconfigured",
                recovered_from.join(", ")
            ),
        ));
    }
    report.fetched = fetched;
    report
}

fn fetch_record(
    url: &str,
    purpose: &str,
    bytes: usize,
    items: usize,
    error: Option<String>,
) -> x509::Fetched {
    x509::Fetched {
        url: url.to_string(),
        purpose: purpose.to_string(),
        bytes,
        items,
        error,
    }
}

/// Parses `2030-01-01T00:00:00Z`, `2030-01-01T00:00:00+02:00`, `2030-01-01` or `@UNIX`.
fn parse_time(s: &str) -> Result<i64, String> {
    let bad = || {
        format!(
            "--at {s:?}: expected RFC 3339 time like 2030-01-01T00:00:00Z, a date 2030-01-01, or @UNIX-SECONDS"
        )
    };
    if let Some(n) = s.strip_prefix('@') {
        return n.parse::<i64>().map_err(|_| bad());
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64, String> {
        s.get(r)
            .filter(|t| t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(bad)
    };
    let sep = |i: usize, c: &[u8]| s.as_bytes().get(i).is_some_and(|b| c.contains(b));
    if s.len() < 10 || !sep(4, b"-") || !sep(7, b"-") {
        return Err(bad());
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let month = u8::try_from(mo)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let date = time::Date::from_calendar_date(
        i32::try_from(y).map_err(|_| bad())?,
        month,
        u8::try_from(d).map_err(|_| bad())?,
    )
    .map_err(|_| bad())?;
    let mut secs = 0i64;
    let mut offset = 0i64;
    if s.len() > 10 {
        if !sep(10, b"Tt ") || !sep(13, b":") || !sep(16, b":") || s.len() < 20 {
            return Err(bad());
        }
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if h > 23 || mi > 59 || se > 60 {
            return Err(bad());
        }
        secs = h * 3600 + mi * 60 + se;
        let mut rest = &s[19..];
        if let Some(frac) = rest.strip_prefix('.') {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            rest = &frac[digits..];
        }
        offset = match rest {
            "Z" | "z" => 0,
            _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
                let oh: i64 = rest[1..3].parse().map_err(|_| bad())?;
                let om: i64 = rest[4..6].parse().map_err(|_| bad())?;
                let o = oh * 3600 + om * 60;
                if rest.starts_with('-') { -o } else { o }
            }
            _ => return Err(bad()),
        };
    }
    let midnight = date.midnight().assume_utc().unix_timestamp();
    Ok(midnight + secs - offset)
}

#[cfg(test)]
mod tests {
    use super::parse_time;

    #[test]
    fn times_parse() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_time("2030-01-01"), Ok(1_893_456_000));
        assert_eq!(parse_time("2030-01-01T02:00:00+02:00"), Ok(1_893_456_000));
        assert_eq!(parse_time("@42"), Ok(42));
        assert!(parse_time("2030-13-01").is_err());
        assert!(parse_time("yesterday").is_err());
    }
}
