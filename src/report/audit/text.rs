//! `tlsight audit` as text: protocols, suites per version, groups, features and checks,
//! certificate, interception check, findings, grade and Mozilla profiles.

use crate::probe::report::{AuditReport, ProtocolStatus, Severity};
use crate::probe::suite::Rating;
use crate::report::Palette;

fn yes_no(p: Palette, v: Option<bool>, good_when: bool) -> String {
    match v {
        Some(b) if b == good_when => p.good(if b { "yes" } else { "no" }),
        Some(b) => p.bad(if b { "yes" } else { "no" }),
        None => p.dim("n/a"),
    }
}

/// `--verbose`: every suite behind a counted line, one a line, with its versions.
fn list_suites(o: &mut String, p: Palette, suites: &[crate::probe::report::FindingSuite]) {
    use std::fmt::Write;
    let width = suites.iter().map(|s| s.name.len()).max().unwrap_or(0);
    for s in suites {
        let _ = writeln!(
            o,
            "           {:<width$}  {}",
            s.name,
            p.dim(crate::probe::report::version_span(&s.versions))
        );
    }
}

/// The Vulnerabilities section: one aligned line per check (title, verdict coloured by verdict,
/// reason); `--verbose` adds the evidence and the connections each check cost.
pub fn render_vulnerabilities(r: &AuditReport, p: Palette, verbose: bool) -> String {
    use crate::probe::checks::Verdict;
    use std::fmt::Write;
    let mut o = String::new();
    if r.vulnerabilities.is_empty() {
        return o;
    }
    let _ = writeln!(o, "\n{}", p.bold("Vulnerabilities"));
    let width = r
        .vulnerabilities
        .iter()
        .map(|v| v.info.title.chars().count())
        .max()
        .unwrap_or(0);
    for v in &r.vulnerabilities {
        let name = v.outcome.result.as_str();
        let verdict = format!("{name:<14}");
        let verdict = match v.outcome.result {
            Verdict::Vulnerable => p.bad(verdict),
            Verdict::NotVulnerable => p.good(verdict),
            Verdict::NotApplicable => p.dim(verdict),
            Verdict::Inconclusive => p.warn(verdict),
        };
        let pad = width - v.info.title.chars().count();
        let _ = writeln!(
            o,
            "  {}{:pad$} {verdict} {}",
            v.info.title, "", v.outcome.reason
        );
        if verbose {
            if let Some(e) = &v.outcome.evidence {
                let _ = writeln!(o, "  {:width$} {}", "", p.dim(format!("evidence: {e}")));
            }
            if v.info.active {
                let _ = writeln!(
                    o,
                    "  {:width$} {}",
                    "",
                    p.dim(match v.connections {
                        1 => "1 connection".to_string(),
                        n => format!("{n} connections"),
                    })
                );
            }
        }
    }
    o
}

/// Human rendering of the report (`verbose`: every suite behind a counted finding, named).
pub fn render(r: &AuditReport, p: Palette, verbose: bool) -> String {
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
        o.push_str(&crate::report::starttls::render(x, p));
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
            .filter(|e| e.code != crate::x509::Code::KeyPossessionFailed)
        {
            let _ = writeln!(o, "    {}", p.bad(&e.message));
        }
    }

    if let Some(a) = &r.interception {
        let _ = writeln!(o, "\n{}", p.bold("Interception check"));
        o.push_str(&crate::report::mitm::render_summary(a, p));
    }

    o.push_str(&render_vulnerabilities(r, p, verbose));

    if !r.findings.is_empty() {
        let _ = writeln!(o, "\n{}", p.bold("Findings"));
        for fd in &r.findings {
            let sev = match fd.severity {
                Severity::Critical => p.bad("critical"),
                Severity::Warning => p.warn("warning "),
                Severity::Info => p.dim("info    "),
            };
            // The message counts long lists; --verbose names every suite (JSON always does).
            let named_in_message = fd.suites.len() <= crate::probe::report::NAMED_SUITES;
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
        if verbose && m.suites_outside.len() > crate::probe::report::NAMED_SUITES {
            list_suites(&mut o, p, &m.suites_outside);
        }
    }
    let _ = writeln!(
        o,
        "\n{} {} connections ({} for vulnerability checks){}, {:.2} s",
        p.bold("Cost"),
        r.connections,
        r.check_connections,
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
