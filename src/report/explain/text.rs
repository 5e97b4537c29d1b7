//! `tlsight explain` as text: each entry decomposed part by part with its rating and the reasons
//! behind it, or the `--list` table (one aligned row per entry). `--json` is serde on
//! [`Entry`].

use crate::report::Palette;
use crate::suites::{
    self, CipherSuite, Entry, NamedGroup, Rating, Reason, Recommended, SignatureScheme,
    Sslv2CipherSpec, SuiteKind,
};

/// Renders each entry in full, blank line between them, wrapped to `width` columns.
pub fn render(entries: &[Entry], p: Palette, width: usize) -> String {
    entries
        .iter()
        .map(|e| render_entry(e, p, width))
        .collect::<Vec<_>>()
        .join("\n")
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

/// Renders one entry in full, wrapped to `width` columns.
pub fn render_entry(e: &Entry, p: Palette, width: usize) -> String {
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
    if let Some(h) = crate::wire::hybrid::layout(g.code) {
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
fn hybrid_lines(p: Palette, h: &crate::wire::hybrid::HybridLayout) -> String {
    use crate::wire::hybrid::ShareSender::{Client, Server};
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
pub fn render_table(entries: &[Entry], p: Palette) -> String {
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
