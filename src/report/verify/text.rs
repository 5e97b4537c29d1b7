//! Human rendering of a [`ChainReport`]: verdict, the path link by link with the signature
//! proof, per-store validation, then findings. Same data as `--json`.

use std::fmt::Write as _;

use crate::report::Palette;

use crate::x509::{ChainReport, LinkReport, SigStatus};

const LABEL_WIDTH: usize = 12;

fn row(out: &mut String, p: Palette, label: &str, value: impl AsRef<str>) {
    let _ = writeln!(
        out,
        "      {} {}",
        p.label(format!("{label:<LABEL_WIDTH$}")),
        value.as_ref()
    );
}

/// Renders the report for a terminal (or plain text with [`Palette::PLAIN`]).
pub fn render(r: &ChainReport, p: Palette) -> String {
    let mut out = String::new();
    let verdict = if r.trusted {
        p.good(p.bold("TRUSTED"))
    } else {
        p.bad(p.bold("NOT TRUSTED"))
    };
    let host = match (&r.host, r.host_valid) {
        (Some(h), Some(true)) => format!("for {} {}", p.bold(h), p.good("(name matches)")),
        (Some(h), Some(false)) => format!("for {} {}", p.bold(h), p.bad("(name does not match)")),
        // The leaf did not parse: the name is unknown, not wrong.
        (Some(h), None) => format!("for {} {}", p.bold(h), p.warn("(name not checked)")),
        (None, _) => p.dim("(no host name checked)"),
    };
    // The headline names the first error: the one that explains the others.
    let why = match r.errors.first() {
        Some(f) if !r.trusted => format!(": {} — {}", p.bad(f.code.as_str()), f.message),
        _ => String::new(),
    };
    let _ = writeln!(out, "{verdict} {host}{why}");
    if r.chain_trusted && !r.trusted {
        // The chain is fine; the server is not its owner. Say both.
        let _ =
            writeln!(
            out,
            "{}",
            p.bad("the chain itself is valid, but the server did not prove it holds the leaf's key")
        );
    }
    let _ = writeln!(out, "{}", p.dim(format!("validated at {}", r.validated_at)));
    if let Some(c) = &r.connection {
        let _ = writeln!(
            out,
            "{}",
            p.dim(format!(
                "chain as sent by {} ({}), SNI {}",
                c.target,
                c.address,
                c.sni.as_deref().unwrap_or("none")
            ))
        );
        let possession = match &r.key_possession {
            Some(kp) if kp.proven() => p.good(&kp.detail),
            Some(kp) => p.bad(&kp.detail),
            None => match c.handshake_signature_valid {
                Some(true) => p.good("server proved possession of the leaf key"),
                Some(false) => p.bad("server signature with the leaf key did NOT verify"),
                None => p.warn("server key possession not shown (handshake incomplete)"),
            },
        };
        let ocsp = if c.stapled_ocsp_bytes > 0 {
            format!("stapled OCSP response: {} bytes", c.stapled_ocsp_bytes)
        } else {
            "no stapled OCSP response".to_string()
        };
        let _ = writeln!(out, "{possession}; {}", p.dim(ocsp));
        if let Some(e) = &c.handshake_error {
            let _ = writeln!(out, "{}", p.warn(format!("handshake: {e}")));
        }
    }
    let _ = writeln!(out);

    let _ = writeln!(out, "{}", p.bold("Path (leaf → anchor)"));
    for link in &r.chain {
        render_link(&mut out, p, r, link);
    }

    let _ = writeln!(out);
    let _ = writeln!(out, "{}", p.bold("Trust stores"));
    if r.stores.is_empty() {
        let _ = writeln!(out, "  {}", p.dim("no store selected"));
    }
    for (kind, s) in &r.stores {
        let name = format!("{:<8}", kind.name());
        if s.trusted {
            let a = s.anchor.as_ref();
            let _ = writeln!(
                out,
                "  {} {} anchored in {}{}",
                p.label(name),
                p.good("✔ trusted"),
                a.map(|a| a.subject.as_str()).unwrap_or("?"),
                if a.is_some_and(|a| a.sent) {
                    p.dim(" (sent by the server)")
                } else {
                    String::new()
                }
            );
            if let Some(a) = a {
                let _ = writeln!(
                    out,
                    "           {}",
                    p.dim(format!("anchor pin sha256/{}", a.spki_sha256))
                );
            }
        } else {
            let _ = writeln!(
                out,
                "  {} {} {}",
                p.label(name),
                p.bad(format!(
                    "✘ {}",
                    s.code.map(|c| c.as_str()).unwrap_or_default()
                )),
                p.dim(s.error.as_deref().unwrap_or(""))
            );
        }
        let _ = writeln!(
            out,
            "           {}",
            p.dim(format!("{} anchors from {}", s.anchors, s.source))
        );
    }

    if let Some(o) = &r.ocsp {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("Stapled OCSP response"));
        let _ = writeln!(
            out,
            "  {} {}  {}",
            p.label(format!("{:<10}", "status")),
            o.response_status,
            p.dim(format!("{} bytes", o.bytes))
        );
        if let Some(who) = &o.responder {
            let _ = writeln!(out, "  {} {who}", p.label(format!("{:<10}", "responder")));
        }
        if let Some(at) = &o.produced_at {
            let _ = writeln!(out, "  {} {at}", p.label(format!("{:<10}", "produced")));
        }
        let sig = match o.signature_valid {
            Some(true) => p.good(format!(
                "✔ {}",
                o.signature_detail.as_deref().unwrap_or("valid")
            )),
            Some(false) => p.bad(format!(
                "✘ {}",
                o.signature_detail.as_deref().unwrap_or("invalid")
            )),
            None => p.warn("not checked (issuer unknown)"),
        };
        let _ = writeln!(out, "  {} {sig}", p.label(format!("{:<10}", "signature")));
        for resp in &o.responses {
            let status = match resp.status.as_str() {
                "good" => p.good("good"),
                "revoked" => p.bad(format!(
                    "REVOKED {}",
                    resp.revocation_time.as_deref().unwrap_or("")
                )),
                other => p.warn(other),
            };
            let _ = writeln!(
                out,
                "  {} serial {}: {status}  {}",
                p.label(format!("{:<10}", "cert")),
                resp.serial,
                p.dim(format!(
                    "{} → {}",
                    resp.this_update,
                    resp.next_update.as_deref().unwrap_or("(no nextUpdate)")
                ))
            );
        }
    }

    if r.sent.iter().any(|s| s.path_position != Some(s.index)) {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("As sent"));
        for s in &r.sent {
            let used = match s.path_position {
                Some(pos) => format!("path [{pos}]"),
                None => p.warn("not used"),
            };
            let _ = writeln!(out, "  #{:<2} {:<10} {}", s.index, used, s.subject);
        }
    }

    if !r.errors.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("Errors"));
        for f in &r.errors {
            let _ = writeln!(
                out,
                "  {} {}",
                p.bad(format!("✘ {:<30}", f.code.as_str())),
                f.message
            );
        }
    }
    if !r.warnings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("Warnings"));
        for f in &r.warnings {
            let _ = writeln!(
                out,
                "  {} {}",
                p.warn(format!("! {:<30}", f.code.as_str())),
                f.message
            );
        }
    }
    out
}

fn render_link(out: &mut String, p: Palette, r: &ChainReport, link: &LinkReport) {
    let origin = match link.sent_index {
        Some(i) => format!("sent #{i}"),
        None => link.source.clone(),
    };
    let anchor = if link.anchor_in.is_empty() {
        String::new()
    } else {
        format!(
            "  anchor in {}",
            link.anchor_in
                .iter()
                .map(|k| k.name())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let _ = writeln!(
        out,
        "  {} {}  {}{}",
        p.bold(format!("[{}]", link.position)),
        p.bold(&link.subject),
        p.dim(origin),
        p.good(anchor)
    );
    if let Some(e) = &link.parse_error {
        row(out, p, "malformed", p.bad(e));
        return;
    }
    let Some(c) = &link.cert else {
        row(out, p, "key pin", format!("sha256/{}", link.spki_sha256));
        row(
            out,
            p,
            "certificate",
            p.dim("not in the store (anchor known by name and key only)"),
        );
        render_signature(out, p, r, link);
        return;
    };
    row(out, p, "issuer", &c.issuer);
    row(out, p, "serial", &c.serial);
    let at = r.validated_at_unix;
    let validity = format!("{} → {}", c.not_before, c.not_after);
    let validity = if at > c.not_after_unix {
        p.bad(format!("{validity}  expired"))
    } else if at < c.not_before_unix {
        p.bad(format!("{validity}  not yet valid"))
    } else {
        format!(
            "{validity}  {}",
            p.dim(format!("{} days left", (c.not_after_unix - at) / 86_400))
        )
    };
    row(out, p, "valid", validity);
    let key = match (&c.public_key.curve, c.public_key.bits) {
        (Some(curve), _) => format!("{} {curve}", c.public_key.algorithm),
        (None, Some(b)) => format!("{} {b} bits", c.public_key.algorithm),
        (None, None) => c.public_key.algorithm.clone(),
    };
    row(
        out,
        p,
        "public key",
        format!("{key}  {}", p.dim(format!("pin sha256/{}", c.spki_sha256))),
    );
    row(out, p, "signed with", &c.signature_algorithm);
    row(out, p, "tbs sha256", p.dim(&c.tbs_sha256));
    if !c.sans.is_empty() {
        row(out, p, "names", c.sans.join(", "));
    }
    let mut ca = if c.is_ca {
        "CA".to_string()
    } else {
        "end entity".to_string()
    };
    if let Some(pl) = c.path_len {
        let _ = write!(ca, ", pathlen {pl}");
    }
    if c.name_constraints {
        ca.push_str(", name constraints");
    }
    row(out, p, "basic", ca);
    if !c.key_usage.is_empty() {
        row(out, p, "key usage", c.key_usage.join(", "));
    }
    if !c.extended_key_usage.is_empty() {
        row(out, p, "ext usage", c.extended_key_usage.join(", "));
    }
    if link.position == 0 {
        row(
            out,
            p,
            "SCTs",
            format!(
                "{}{}",
                c.sct_count,
                if c.must_staple { ", must-staple" } else { "" }
            ),
        );
    }
    for u in &c.ca_issuers {
        row(out, p, "AIA issuer", u);
    }
    for u in &c.ocsp {
        row(out, p, "AIA OCSP", u);
    }
    for u in &c.crl_distribution_points {
        row(out, p, "CRL", u);
    }
    render_signature(out, p, r, link);
}

fn render_signature(out: &mut String, p: Palette, r: &ChainReport, link: &LinkReport) {
    let next = link.position + 1;
    let by = if r.chain.get(next).is_some() {
        format!("with the key of [{next}]")
    } else {
        "with its own key".to_string()
    };
    match &link.signature {
        None => row(
            out,
            p,
            "signature",
            p.warn("not checked: issuer not available"),
        ),
        Some(s) => {
            let text = match s.status {
                SigStatus::Valid => p.good(format!("✔ valid  {} {by}", s.algorithm)),
                SigStatus::Invalid => p.bad(format!(
                    "✘ INVALID  {} {by}: {}",
                    s.algorithm,
                    s.detail.as_deref().unwrap_or("")
                )),
                SigStatus::Unsupported => p.warn(format!(
                    "? unsupported  {}: {}",
                    s.algorithm,
                    s.detail.as_deref().unwrap_or("")
                )),
            };
            row(out, p, "signature", text);
        }
    }
    let mut chaining = Vec::new();
    if let Some(m) = link.issuer_name_match {
        chaining.push(if m {
            p.good(format!("issuer = [{next}] subject"))
        } else {
            p.bad(format!("issuer ≠ [{next}] subject"))
        });
    }
    if let Some(m) = link.key_id_match {
        chaining.push(if m {
            p.good(format!("AKI = [{next}] SKI"))
        } else {
            p.bad(format!("AKI ≠ [{next}] SKI"))
        });
    }
    if !chaining.is_empty() {
        row(out, p, "chaining", chaining.join(", "));
    }
}
