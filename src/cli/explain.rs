//! `tlsight explain`: decompose and rate cipher suites, named groups and signature schemes.
//!
//! All facts and judgements come from `tlsight::suites`; this file only parses arguments, looks
//! the entries up and picks the renderer (`report::explain` for text, or `--json` from the same
//! serde model).

use std::process::ExitCode;

use clap::ValueEnum;
use tlsight::report::{self, Palette};
use tlsight::suites::{self, Entry, ListFilter, LookupError, Rating, Registry, Resolved};

use super::exit;

/// Which registry `--list` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ListWhat {
    /// Cipher suites (the default).
    Suites,
    /// Named groups (supported_groups).
    Groups,
    /// Signature schemes (signature_algorithms).
    Sigalgs,
}

/// Arguments of `tlsight explain`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  tlsight explain ECDHE-RSA-AES128-GCM-SHA256\n  \
    tlsight explain 0xC02F '{0x13,0x01}' TLS_RSA_WITH_RC4_128_SHA\n  \
    tlsight explain --group x25519 --sigalg rsa_pss_rsae_sha256\n  \
    tlsight explain --list --tls13\n  tlsight explain --list --rating weak --json"
)]
pub(crate) struct Args {
    /// Cipher suites: IANA names (with or without TLS_/SSL_), OpenSSL or GnuTLS names, or code
    /// points (0xC02F, C02F, 0xC0,0x2F, {0xC0,0x2F}); SSLv2 specs as 0x010080.
    #[arg(value_name = "SUITE")]
    suites: Vec<String>,
    /// Explain a named group (x25519, secp256r1, ffdhe2048, X25519MLKEM768, 29, 0x001D).
    #[arg(long = "group", value_name = "GROUP")]
    groups: Vec<String>,
    /// Explain a signature scheme (rsa_pss_rsae_sha256, ed25519, 0x0804).
    #[arg(long = "sigalg", value_name = "SCHEME")]
    sigalgs: Vec<String>,
    /// List a whole registry (suites by default; or groups, sigalgs), filtered by the options below.
    #[arg(long, value_name = "WHAT", num_args = 0..=1, default_missing_value = "suites")]
    list: Option<ListWhat>,
    /// With --list: only suites usable with TLS 1.3.
    #[arg(long, requires = "list")]
    tls13: bool,
    /// With --list: only suites usable with TLS 1.2.
    #[arg(long, requires = "list")]
    tls12: bool,
    /// With --list: only forward-secret suites.
    #[arg(long, requires = "list")]
    fs: bool,
    /// With --list: only AEAD suites.
    #[arg(long, requires = "list")]
    aead: bool,
    /// With --list: only suites OpenSSL has a name for.
    #[arg(long, requires = "list")]
    openssl: bool,
    /// With --list: only entries with this rating (repeatable: --rating weak --rating insecure).
    #[arg(long, value_name = "RATING", requires = "list")]
    rating: Vec<Rating>,
    /// Exit with status 1 if any explained entry is rated this or worse (e.g. --fail-on weak).
    #[arg(long, value_name = "RATING")]
    fail_on: Option<Rating>,
    /// Print JSON (an array of entries) instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `tlsight explain`.
pub(crate) fn run(args: Args) -> ExitCode {
    let palette = if args.json {
        Palette::PLAIN
    } else {
        Palette::detect()
    };
    if args.list.is_none()
        && args.suites.is_empty()
        && args.groups.is_empty()
        && args.sigalgs.is_empty()
    {
        eprintln!(
            "tlsight: explain: nothing to explain: give a SUITE, --group, --sigalg or --list (see --help)"
        );
        return ExitCode::from(exit::ERROR);
    }

    // The suite filters mean nothing for groups or signature schemes: say so rather than list
    // the whole registry as if it had been filtered.
    if matches!(args.list, Some(ListWhat::Groups | ListWhat::Sigalgs)) {
        let used: Vec<&str> = [
            (args.tls13, "--tls13"),
            (args.tls12, "--tls12"),
            (args.fs, "--fs"),
            (args.aead, "--aead"),
            (args.openssl, "--openssl"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
        if !used.is_empty() {
            eprintln!(
                "tlsight: explain: {} filter cipher suites only, not --list {}",
                used.join(", "),
                if matches!(args.list, Some(ListWhat::Groups)) {
                    "groups"
                } else {
                    "sigalgs"
                }
            );
            return ExitCode::from(exit::ERROR);
        }
    }

    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for s in &args.suites {
        match suites::lookup_any(s) {
            Ok(Resolved::Suite(x)) => entries.push(Entry::Suite(x)),
            Ok(Resolved::Sslv2(x)) => entries.push(Entry::Sslv2(x)),
            Err(e) => errors.push(e),
        }
    }
    for g in &args.groups {
        match suites::lookup_group(g) {
            Ok(x) => entries.push(Entry::Group(x)),
            Err(e) => errors.push(e),
        }
    }
    for g in &args.sigalgs {
        match suites::lookup_sig_scheme(g) {
            Ok(x) => entries.push(Entry::Sig(x)),
            Err(e) => errors.push(e),
        }
    }
    if let Some(what) = args.list {
        let registry = match what {
            ListWhat::Suites => Registry::Suites,
            ListWhat::Groups => Registry::Groups,
            ListWhat::Sigalgs => Registry::Sigalgs,
        };
        let filter = ListFilter {
            tls13: args.tls13,
            tls12: args.tls12,
            fs: args.fs,
            aead: args.aead,
            openssl: args.openssl,
            ratings: args.rating.clone(),
        };
        entries.extend(suites::list(registry, &filter));
    }

    // Nothing could be explained: an error, not an empty report.
    if entries.is_empty() && !errors.is_empty() {
        for e in &errors {
            eprintln!("tlsight: explain: {}", describe_error(e));
        }
        if args.json {
            let v = serde_json::json!({ "error": {
                "code": "unknown_name",
                "message": errors.iter().map(describe_error).collect::<Vec<_>>().join("; "),
            }});
            super::print_out(&format!("{v:#}\n"));
        }
        return ExitCode::from(exit::ERROR);
    }

    let out = if args.json {
        report::to_json(&entries)
    } else if args.list.is_some()
        && args.suites.is_empty()
        && args.groups.is_empty()
        && args.sigalgs.is_empty()
    {
        report::explain::render_table(&entries, palette)
    } else {
        report::explain::render(&entries, palette, terminal_width())
    };
    // Input errors first: a closed pipe (`| head`) ends the program inside print_out.
    for e in &errors {
        eprintln!("tlsight: explain: {}", describe_error(e));
    }
    super::print_out(&out);
    if !errors.is_empty() {
        return ExitCode::from(exit::ERROR);
    }
    if let Some(limit) = args.fail_on
        && entries.iter().any(|e| e.rating() >= limit)
    {
        return ExitCode::from(exit::FINDING);
    }
    ExitCode::from(exit::OK)
}

fn describe_error(e: &LookupError) -> String {
    e.to_string()
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}
