//! `tlsight explain`: decompose and rate cipher suites, named groups and signature schemes.
//!
//! All facts and judgements come from `tlsight::suites`; this file only parses arguments and
//! renders (human text through `report::Palette`, or `--json` from the same serde model).

use std::process::ExitCode;

use clap::ValueEnum;
use tlsight::report::{self, Palette};
use tlsight::suites::{
    self, CipherSuite, LookupError, NamedGroup, Rating, Reason, Recommended, Resolved,
    SignatureScheme, Sslv2CipherSpec, SuiteKind, Versions,
};

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

/// One explained entry, in input order.
enum Entry {
    Suite(&'static CipherSuite),
    Sslv2(&'static Sslv2CipherSpec),
    Group(&'static NamedGroup),
    Sig(&'static SignatureScheme),
}

impl Entry {
    fn rating(&self) -> Rating {
        match self {
            Self::Suite(s) => s.rating(),
            Self::Sslv2(s) => s.rating(),
            Self::Group(g) => g.rating(),
            Self::Sig(s) => s.rating(),
        }
    }
}

/// Each entry serialises as its registry row (which carries a `type` field), in field order.
impl serde::Serialize for Entry {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Suite(x) => x.serialize(s),
            Self::Sslv2(x) => x.serialize(s),
            Self::Group(x) => x.serialize(s),
            Self::Sig(x) => x.serialize(s),
        }
    }
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
        entries.extend(list(&args, what));
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
        render_table(&entries, palette)
    } else {
        let width = terminal_width();
        entries
            .iter()
            .map(|e| render_entry(e, palette, width))
            .collect::<Vec<_>>()
            .join("\n")
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

fn list(args: &Args, what: ListWhat) -> Vec<Entry> {
    let rating_ok = |r: Rating| args.rating.is_empty() || args.rating.contains(&r);
    match what {
        ListWhat::Suites => suites::all_cipher_suites()
            .iter()
            .filter(|s| !args.tls13 || s.versions.contains(Versions::TLS13))
            .filter(|s| !args.tls12 || s.versions.contains(Versions::TLS12))
            .filter(|s| !args.fs || s.forward_secrecy)
            .filter(|s| !args.aead || s.aead)
            .filter(|s| !args.openssl || s.openssl.is_some())
            .filter(|s| rating_ok(s.rating()))
            .map(Entry::Suite)
            .collect(),
        ListWhat::Groups => suites::all_groups()
            .iter()
            .filter(|g| rating_ok(g.rating()))
            .map(Entry::Group)
            .collect(),
        ListWhat::Sigalgs => suites::all_sig_schemes()
            .iter()
            .filter(|s| rating_ok(s.rating()))
            .map(Entry::Sig)
            .collect(),
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse::<usize>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

fn paint_rating(p: Palette, r: Rating, text: &str) -> String {
    match r {
        Rating::Recommended | Rating::Secure => p.good(text),
        Rating::Weak => p.warn(text),
        Rating::Insecure => p.bad(text),
    }
}

/// Word-wraps `text` to `width`, continuation lines indented by `indent` spaces.
fn wrap(text: &str, indent: usize, width: usize) -> String {
    let avail = width.saturating_sub(indent).max(20);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split_whitespace() {
        if !cur.is_empty() && cur.len() + 1 + word.len() > avail {
            lines.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    lines.push(cur);
    lines.join(&format!("\n{}", " ".repeat(indent)))
}

fn pad(s: &str, w: usize) -> String {
    format!("{s:<w$}")
}

fn render_reasons(out: &mut String, p: Palette, reasons: &[Reason], width: usize) {
    for r in reasons {
        let head = format!("  {} ", pad(r.rating.name(), 11));
        out.push_str(&format!(
            "  {}{}\n",
            paint_rating(p, r.rating, &head),
            wrap(&r.text, 16, width)
        ));
        // Sources stay on one line so "RFC 7465" is never split.
        out.push_str(&format!(
            "{}{}\n",
            " ".repeat(16),
            p.dim(format!("source: {}", r.source))
        ));
    }
}

fn rating_block(out: &mut String, p: Palette, rating: Rating, reasons: &[Reason], width: usize) {
    out.push('\n');
    *out += &format!(
        "  {} {}\n",
        p.label(pad("rating", 14)),
        paint_rating(p, rating, rating.name())
    );
    render_reasons(out, p, reasons, width);
}

fn registry_line(p: Palette, rec: Recommended, reference: &str) -> String {
    field(
        p,
        "registry",
        &format!(
            "{}; {}",
            rec.describe(),
            p.dim(format!("defined in {reference}"))
        ),
    )
}

fn header(p: Palette, name: &str, code: &str, rating: Rating) -> String {
    format!(
        "{}  {}  {}\n",
        p.bold(name),
        p.dim(code),
        paint_rating(p, rating, &rating.name().to_uppercase())
    )
}

fn field(p: Palette, label: &str, value: &str) -> String {
    format!("  {} {}\n", p.label(pad(label, 14)), value)
}

fn render_entry(e: &Entry, p: Palette, width: usize) -> String {
    match e {
        Entry::Suite(s) => render_suite(s, p, width),
        Entry::Sslv2(s) => render_sslv2(s, p, width),
        Entry::Group(g) => render_group(g, p, width),
        Entry::Sig(s) => render_sig(s, p, width),
    }
}

fn render_suite(s: &CipherSuite, p: Palette, width: usize) -> String {
    let reasons = s.reasons();
    let rating = s.rating();
    let mut out = header(p, s.iana, &s.code_hex(), rating);
    if let Some(o) = s.openssl {
        out += &field(p, "OpenSSL", o);
    }
    if let Some(g) = s.gnutls {
        out += &field(p, "GnuTLS", g);
    }
    if matches!(s.kind, SuiteKind::Standard | SuiteKind::NonIana) {
        out += &field(p, "versions", &s.versions.to_string());
    }
    out += &registry_line(p, s.iana_recommended, s.reference);
    out.push('\n');
    let parts = s.parts();
    let vw = parts
        .iter()
        .map(|x| x.value.len())
        .max()
        .unwrap_or(0)
        .min(28);
    for x in &parts {
        let indent = 2 + 15 + vw + 2;
        out += &format!(
            "  {} {}  {}\n",
            p.label(pad(x.part, 14)),
            p.bold(pad(&x.value, vw)),
            wrap(&x.meaning, indent, width)
        );
    }
    for n in s.notes() {
        out += &format!("  {} {}\n", p.dim("•"), wrap(&n, 4, width));
    }
    rating_block(&mut out, p, rating, &reasons, width);
    out
}

fn render_sslv2(s: &Sslv2CipherSpec, p: Palette, width: usize) -> String {
    let rating = s.rating();
    let mut out = header(p, s.name, &s.code_hex(), rating);
    out += &field(p, "OpenSSL", s.openssl);
    out += &field(p, "versions", "SSLv2 only");
    out += &field(
        p,
        "cipher",
        &format!("{} {}-bit ({})", s.cipher, s.key_bits, s.cipher.describe()),
    );
    out += &field(p, "integrity", "MD5-based MAC (SSL 2.0)");
    out += &field(p, "registry", &p.dim(format!("defined in {}", s.reference)));
    rating_block(&mut out, p, rating, &s.reasons(), width);
    out
}

fn render_group(g: &NamedGroup, p: Palette, width: usize) -> String {
    let rating = g.rating();
    let mut out = header(p, g.name, &g.code_hex(), rating);
    out += &field(p, "kind", &format!("{}: {}", g.kind, g.kind.describe()));
    if g.key_bits > 0 {
        out += &field(
            p,
            "strength",
            &format!(
                "{}-bit {}, about {}-bit classical security",
                g.key_bits,
                if g.kind == suites::GroupKind::MlKem {
                    "parameter set"
                } else {
                    "key"
                },
                g.security_bits
            ),
        );
    }
    out += &field(
        p,
        "post-quantum",
        &if g.post_quantum() {
            format!("yes (NIST category {})", g.pq_category)
        } else {
            "no: a future quantum computer could break recorded exchanges".to_string()
        },
    );
    if let Some(h) = tlsight::wire::hybrid::layout(g.code) {
        out += &hybrid_lines(p, h);
    }
    out += &registry_line(p, g.iana_recommended, g.reference);
    for n in g.notes() {
        out += &format!("  {} {}\n", p.dim("•"), wrap(&n, 4, width));
    }
    rating_block(&mut out, p, rating, &g.reasons(), width);
    out
}

/// How a hybrid's shares and secret are laid out on the wire.
fn hybrid_lines(p: Palette, h: &tlsight::wire::hybrid::HybridLayout) -> String {
    use tlsight::wire::hybrid::ShareSender::{Client, Server};
    let share = |sender| {
        let parts = h
            .parts(sender, h.share_len(sender))
            .iter()
            .map(|x| format!("{} ({})", x.label, x.len))
            .collect::<Vec<_>>()
            .join(" ‖ ");
        format!("{parts} = {} bytes", h.share_len(sender))
    };
    let (first, second) = if h.kem_first {
        (h.kem, h.classical)
    } else {
        (h.classical, h.kem)
    };
    let mut out = field(p, "client share", &share(Client));
    out += &field(p, "server share", &share(Server));
    out += &field(
        p,
        "secret",
        &format!("{first} secret ‖ {second} secret, into the TLS 1.3 key schedule"),
    );
    out
}

fn render_sig(s: &SignatureScheme, p: Palette, width: usize) -> String {
    let rating = s.rating();
    let mut out = header(p, s.name, &s.code_hex(), rating);
    let alg = if s.algorithm.describe() == s.algorithm.name() {
        s.algorithm.name().to_string()
    } else {
        format!("{}: {}", s.algorithm, s.algorithm.describe())
    };
    out += &field(p, "algorithm", &alg);
    out += &field(p, "hash", s.hash.describe());
    if let Some(c) = s.curve {
        out += &field(p, "curve", c);
    }
    out += &field(p, "kind", s.kind.describe());
    out += &registry_line(p, s.iana_recommended, s.reference);
    rating_block(&mut out, p, rating, &s.reasons(), width);
    out
}

/// The `--list` table: one aligned row per entry.
fn render_table(entries: &[Entry], p: Palette) -> String {
    let rows: Vec<(Rating, Vec<String>)> = entries
        .iter()
        .map(|e| match e {
            Entry::Suite(s) => (
                s.rating(),
                vec![
                    s.code_hex(),
                    s.iana.to_string(),
                    s.openssl.unwrap_or("-").to_string(),
                    s.versions.to_string(),
                    s.kx.to_string(),
                    s.auth.to_string(),
                    if s.null || s.kind != SuiteKind::Standard && s.kind != SuiteKind::NonIana {
                        s.cipher.to_string()
                    } else {
                        format!("{} {}", suites::explain::cipher_label(s), s.mode)
                    },
                    match (s.aead, s.mac) {
                        (true, _) => "AEAD".to_string(),
                        (false, Some(m)) => m.to_string(),
                        (false, None) => "-".to_string(),
                    },
                    if s.forward_secrecy { "FS" } else { "-" }.to_string(),
                ],
            ),
            Entry::Group(g) => (
                g.rating(),
                vec![
                    g.code_hex(),
                    g.name.to_string(),
                    g.kind.to_string(),
                    format!("{} bit", g.security_bits),
                    if g.post_quantum() { "PQ" } else { "-" }.to_string(),
                ],
            ),
            Entry::Sig(s) => (
                s.rating(),
                vec![
                    s.code_hex(),
                    s.name.to_string(),
                    s.algorithm.to_string(),
                    s.hash.to_string(),
                ],
            ),
            Entry::Sslv2(s) => (s.rating(), vec![s.code_hex(), s.name.to_string()]),
        })
        .collect();
    let cols = rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|i| {
            rows.iter()
                .filter_map(|(_, r)| r.get(i).map(String::len))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for (rating, row) in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let padded = pad(cell, widths[i]);
            line += &match i {
                0 => p.dim(padded),
                1 => p.bold(padded),
                _ => padded,
            };
            line.push_str("  ");
        }
        line += &paint_rating(p, *rating, rating.name());
        out += line.trim_end();
        out.push('\n');
    }
    out += &p.dim(format!("{} entries\n", rows.len()));
    out
}
