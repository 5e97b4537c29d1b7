//! The end-of-scan summary for people (stderr); `--summary-json` is serde on the same
//! [`Summary`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Palette;
use crate::scan::{Status, Summary};

/// Renders the summary as aligned text.
pub fn render_summary(s: &Summary, p: Palette) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {} targets in {:.1} s ({:.0}/s){}",
        p.bold("tlsight scan:"),
        s.targets,
        s.elapsed_s,
        s.targets_per_second,
        s.shard
            .as_ref()
            .map(|k| format!(", shard {k}"))
            .unwrap_or_default()
    );
    let mut skipped = Vec::new();
    if s.skipped_resume > 0 {
        skipped.push(format!(
            "{} already in the output (--resume)",
            s.skipped_resume
        ));
    }
    if s.other_shards > 0 {
        skipped.push(format!("{} left to other shards", s.other_shards));
    }
    if !skipped.is_empty() {
        let _ = writeln!(o, "  {}", p.dim(format!("skipped: {}", skipped.join(", "))));
    }
    section(
        &mut o,
        p,
        "status",
        &s.status
            .iter()
            .map(|(k, v)| (k.name().to_string(), *v))
            .collect(),
        |k| {
            if k == Status::Ok.name() {
                p.good(k)
            } else {
                p.warn(k)
            }
        },
    );
    section(&mut o, p, "version", &s.versions, |k| match k {
        "TLSv1.0" | "TLSv1.1" | "SSLv3" => p.bad(k),
        _ => k.to_string(),
    });
    section(&mut o, p, "cipher suite", &s.cipher_suites, str::to_string);
    section(&mut o, p, "chain", &s.verdicts, |k| {
        if k == "trusted" { p.good(k) } else { p.bad(k) }
    });
    section(
        &mut o,
        p,
        "anchored by",
        &s.trusted_by_store,
        str::to_string,
    );
    section(&mut o, p, "chain errors", &s.errors, |k| p.bad(k));
    section(&mut o, p, "interception", &s.interception, |k| match k {
        "clean" => p.good(k),
        "suspicious" => p.warn(k),
        _ => p.bad(k),
    });
    if s.expired + s.expiring_30_days > 0 {
        let _ = writeln!(
            o,
            "  {} {} expired, {} within 30 days",
            p.bold(format!("{:<14}", "expiry")),
            p.bad(s.expired),
            p.warn(s.expiring_30_days)
        );
    }
    if !s.slowest.is_empty() {
        let _ = writeln!(o, "  {}", p.bold("slowest"));
        let width = s.slowest.iter().map(|x| x.key.len()).max().unwrap_or(0);
        for x in &s.slowest {
            let _ = writeln!(
                o,
                "    {:>9.1} ms  {:<width$}  {}",
                x.elapsed_ms,
                x.key,
                p.dim(x.status.name())
            );
        }
    }
    let _ = writeln!(
        o,
        "  {}",
        p.dim(format!(
            "{} connection attempts, {} chains validated",
            s.attempts, s.chains_validated
        ))
    );
    o
}

fn section(
    o: &mut String,
    p: Palette,
    title: &str,
    counts: &BTreeMap<String, u64>,
    paint: impl Fn(&str) -> String,
) {
    if counts.is_empty() {
        return;
    }
    let mut v: Vec<(&String, &u64)> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let items: Vec<String> = v
        .iter()
        .map(|(k, n)| format!("{} {}", paint(k), n))
        .collect();
    let _ = writeln!(
        o,
        "  {} {}",
        p.bold(format!("{title:<14}")),
        items.join(", ")
    );
}
