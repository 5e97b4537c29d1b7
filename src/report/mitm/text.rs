//! Human rendering of an [`Assessment`]: verdict first, then each signal with its evidence, then
//! the facts (chain, per-store trust, CT, server hello, pins, baseline, path comparison).

use std::fmt::Write as _;

use crate::mitm::{Assessment, Severity, Verdict};
use crate::report::Palette;

fn sev(s: Severity, p: Palette) -> String {
    match s {
        Severity::Critical => p.bad("critical"),
        Severity::Warning => p.warn("warning "),
        Severity::Info => p.dim("info    "),
    }
}

fn verdict(v: Verdict, p: Palette) -> String {
    match v {
        Verdict::Clean => p.good("CLEAN"),
        Verdict::Suspicious => p.warn("SUSPICIOUS"),
        Verdict::Intercepted => p.bad("INTERCEPTED"),
    }
}

/// Renders the assessment for a terminal.
pub fn render(a: &Assessment, p: Palette) -> String {
    let mut o = String::new();
    let via = a
        .via_proxy
        .as_ref()
        .map(|v| format!(" via {v}"))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "{} {} ({}{via}, name {})",
        p.bold("tlsight mitm"),
        a.target,
        a.address,
        a.name
    );
    let _ = writeln!(o);
    o.push_str(&render_summary(a, p));
    render_facts(a, p, &mut o);
    o
}

/// The verdict and the signals with their evidence only: the section other commands
/// (`handshake`, `audit`) embed.
pub fn render_summary(a: &Assessment, p: Palette) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "  {} {}   {}",
        p.label("verdict"),
        verdict(a.verdict, p),
        p.dim(match a.signals.len() {
            0 => "no signals".to_string(),
            1 => "1 signal".to_string(),
            n => format!("{n} signals"),
        })
    );
    for s in &a.signals {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "  {} {}  {}",
            sev(s.severity, p),
            p.bold(s.id),
            s.summary
        );
        for e in &s.evidence {
            if !e.is_empty() {
                let _ = writeln!(o, "             - {e}");
            }
        }
        let _ = writeln!(o, "             {}", p.dim(format!("why: {}", s.why)));
    }
    o
}

fn render_facts(a: &Assessment, p: Palette, o: &mut String) {
    let _ = writeln!(o);
    let _ = writeln!(o, "  {}", p.label("chain (as sent)"));
    for c in &a.chain {
        let _ = writeln!(o, "    #{} {}", c.position, c.subject);
        let _ = writeln!(
            o,
            "       {} {}",
            p.dim("issuer"),
            if c.issuer.is_empty() { "-" } else { &c.issuer }
        );
        let _ = writeln!(o, "       {} sha256/{}", p.dim("spki  "), c.spki_sha256);
    }

    let _ = writeln!(o);
    let _ = writeln!(o, "  {}", p.label("trust per store"));
    for (k, s) in &a.trust {
        let state = if s.trusted {
            p.good(format!("{:<12}", "anchored"))
        } else {
            p.warn(format!("{:<12}", "not anchored"))
        };
        let detail = match (&s.anchor, &s.error) {
            (Some(an), _) => format!("at \"{}\"", an.subject),
            (None, Some(e)) => e.clone(),
            _ => String::new(),
        };
        let _ = writeln!(o, "    {:<8} {state}  {detail}", k.name());
    }
    if let Some(origin) = &a.os_anchor_origin {
        let _ = writeln!(o, "    {:<8} {}", "origin", origin.detail);
    }
    if let Some(h) = a.host_valid {
        let _ = writeln!(
            o,
            "    {:<8} {}",
            "name",
            if h {
                p.good(format!("covers {}", a.name))
            } else {
                p.bad(format!("does not cover {}", a.name))
            }
        );
    }

    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "  {} {} embedded, {} TLS extension, {} OCSP{}",
        p.label("certificate transparency"),
        a.ct.embedded,
        a.ct.tls_extension,
        a.ct.ocsp,
        if a.ct.expected {
            ""
        } else {
            " (not expected: no public anchor)"
        }
    );
    for s in &a.ct.scts {
        let _ = writeln!(
            o,
            "    {:<13} log {}  {}",
            format!("{:?}", s.source).to_lowercase(),
            s.log_id,
            s.time
        );
    }

    let _ = writeln!(o);
    let _ = writeln!(o, "  {}", p.label("server hello"));
    let dash = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    let _ = writeln!(o, "    version  {}", dash(&a.server.version));
    let _ = writeln!(o, "    suite    {}", dash(&a.server.cipher_suite));
    let _ = writeln!(o, "    ja3s     {}", dash(&a.server.ja3s));
    let _ = writeln!(
        o,
        "    key      {}",
        match a.server.key_possession.status {
            crate::x509::PossessionStatus::Proven => p.good(&a.server.key_possession.detail),
            crate::x509::PossessionStatus::Failed => p.bad(&a.server.key_possession.detail),
            crate::x509::PossessionStatus::NotShown => p.dim(&a.server.key_possession.detail),
        }
    );

    if !a.pins.is_empty() {
        let _ = writeln!(o);
        let _ = writeln!(o, "  {}", p.label("pins"));
        for pin in &a.pins {
            let _ = writeln!(
                o,
                "    {}  {}",
                if pin.matched {
                    p.good("match")
                } else {
                    p.warn("no match")
                },
                pin.pin
            );
            if let Some(by) = &pin.matched_by {
                let _ = writeln!(o, "           {}", p.dim(by));
            }
        }
    }
    if let Some(b) = &a.baseline {
        let _ = writeln!(o);
        let status = match b.status {
            crate::mitm::BaselineStatus::NoEntry => p.dim("no entry for this host"),
            crate::mitm::BaselineStatus::Match => p.good("matches"),
            crate::mitm::BaselineStatus::Changed => p.warn("changed"),
        };
        let _ = writeln!(
            o,
            "  {} {} {}{}",
            p.label("baseline"),
            b.file.clone().unwrap_or_default(),
            status,
            b.action
                .as_ref()
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        );
        for d in &b.differences {
            let _ = writeln!(o, "    {}: {} -> {}", d.field, d.was, d.now);
        }
    }
    if let Some(pc) = &a.path_comparison {
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "  {} direct {} vs proxy: {}",
            p.label("path comparison"),
            pc.direct_address,
            if pc.differences.is_empty() {
                p.good("identical")
            } else {
                p.warn(format!("{} differences", pc.differences.len()))
            }
        );
        for d in &pc.differences {
            let _ = writeln!(o, "    {}: direct {} / proxy {}", d.field, d.was, d.now);
        }
    }
    if let Some(e) = &a.handshake_error {
        let _ = writeln!(o);
        let _ = writeln!(o, "  {} {}", p.label("handshake"), p.bad(e));
    }
}
