//! `tlsight handshake` as text: the connection line and phase timings, every message both ways
//! decoded (with `--raw`, each record's bytes), then the summary: negotiated parameters,
//! certificates, trust, fingerprints, decryption, and the interception check.

use std::fmt::Write as _;

use super::{CertificateReport, HandshakeReport, hex_code};
use crate::capture::Direction;
use crate::handshake::messages::{Message, MessageContent};
use crate::report::{Palette, names};
use crate::wire::extensions::{Extension, ExtensionValue, KeyShareEntry};
use crate::wire::handshake::{ClientKeyExchange, HandshakeBody, KeyExchangeParams};

/// Rendering switches.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Show hex of every message next to its decoding.
    pub raw: bool,
}

/// Renders the report for a terminal.
pub fn render(r: &HandshakeReport, p: Palette, opts: RenderOptions) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {}  {}",
        p.bold("tlsight handshake"),
        p.bold(&r.target),
        p.dim(format!(
            "address {} · SNI {}",
            r.address,
            r.sni.as_deref().unwrap_or("(none)")
        ))
    );
    if let Some(px) = &r.proxy {
        let _ = writeln!(o, "{}", p.dim(format!("through proxy {px}")));
    }
    let t = &r.timings_ms;
    let mut phases = format!("DNS {:.1} ms · TCP connect {:.1} ms", t.dns, t.tcp_connect);
    if t.proxy > 0.0 {
        let _ = write!(phases, " · proxy tunnel {:.1} ms", t.proxy);
    }
    if t.starttls > 0.0 {
        let _ = write!(phases, " · STARTTLS {:.1} ms", t.starttls);
    }
    let _ = write!(phases, " · TLS handshake {:.1} ms", t.tls_handshake);
    let _ = writeln!(o, "{}", p.dim(phases));
    o.push('\n');
    if let Some(x) = &r.starttls {
        o.push_str(&crate::report::starttls::render(x, p));
        o.push('\n');
    }
    let mut last_record = None;
    for m in &r.messages {
        if opts.raw && last_record != Some(m.record) {
            if let Some(rec) = r.records.get(m.record) {
                render_record(&mut o, m.record, rec, p);
            }
            last_record = Some(m.record);
        }
        render_message(&mut o, m, p, opts);
    }
    o.push('\n');
    render_summary(&mut o, r, p);
    if let Some(a) = &r.interception {
        let _ = writeln!(o, "\n{}", p.bold("Interception check"));
        o.push_str(&crate::report::mitm::render_summary(a, p));
    }
    o
}

/// Renders several handshakes one after the other, a rule between two.
pub fn render_all(reports: &[HandshakeReport], p: Palette, opts: RenderOptions) -> String {
    let mut o = String::new();
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            o.push_str(&format!("\n{}\n\n", p.dim("─".repeat(72))));
        }
        o.push_str(&render(r, p, opts));
    }
    o
}

fn render_record(
    o: &mut String,
    index: usize,
    rec: &crate::handshake::messages::RecordSummary,
    p: Palette,
) {
    let what = if rec.encrypted {
        format!(
            "{} record, encrypted {}",
            rec.content_type, rec.inner_content_type
        )
    } else {
        format!("{} record", rec.content_type)
    };
    let _ = writeln!(
        o,
        "  {}",
        p.dim(format!(
            "── record #{index} ({}): {what}, {} bytes",
            rec.direction.sender(),
            rec.length
        ))
    );
    hex_dump(o, &rec.wire, p);
}

fn hex_dump(o: &mut String, bytes: &[u8], p: Palette) {
    for (i, chunk) in bytes.chunks(32).enumerate() {
        let _ = writeln!(
            o,
            "      {}",
            p.dim(format!("{:04x}  {}", i * 32, hex::encode(chunk)))
        );
    }
}

fn arrow(d: Direction) -> &'static str {
    match d {
        Direction::ClientToServer => "client → server",
        Direction::ServerToClient => "server → client",
    }
}

fn render_message(o: &mut String, m: &Message, p: Palette, opts: RenderOptions) {
    let tag = if m.encrypted && !matches!(m.fields, MessageContent::Opaque { .. }) {
        p.good(" [decrypted]")
    } else {
        String::new()
    };
    let _ = writeln!(
        o,
        "{} {}  {}{}  {}",
        p.dim(format!("{:>9.3} ms", m.time_ms)),
        p.dim(arrow(m.direction)),
        p.label(p.bold(&m.typ)),
        tag,
        p.dim(if m.length == 1 {
            "1 byte".to_string()
        } else {
            format!("{} bytes", m.length)
        })
    );
    let mut fields: Vec<(String, String)> = Vec::new();
    let f = &mut fields;
    let mut add = |k: &str, v: String| f.push((k.to_string(), v));
    match &m.fields {
        MessageContent::Handshake(b) => describe_body(b, &mut add),
        MessageContent::Alert {
            level,
            description,
            code,
        } => {
            let text = format!("{level} {description} ({code})");
            add(
                "alert",
                if level == "fatal" {
                    p.bad(text)
                } else {
                    p.warn(text)
                },
            )
        }
        MessageContent::ChangeCipherSpec {} => {}
        MessageContent::ApplicationData { length } => add("length", format!("{length} bytes")),
        MessageContent::Opaque { reason } => add("note", p.warn(reason)),
    }
    if let Some(e) = &m.decode_error {
        fields.push(("decode error".into(), p.bad(e)));
    }
    let width = fields
        .iter()
        .map(|(k, _)| k.len())
        .max()
        .unwrap_or(0)
        .max(14);
    for (k, v) in fields {
        let mut lines = v.lines();
        let first = lines.next().unwrap_or("");
        let _ = writeln!(
            o,
            "      {:<width$}  {}",
            p.dim(&k),
            first,
            width = width + dim_pad(p)
        );
        for l in lines {
            let _ = writeln!(o, "      {:<width$}  {}", "", l, width = width);
        }
    }
    if opts.raw && !m.raw.is_empty() {
        let _ = writeln!(o, "      {}", p.dim("message bytes:"));
        hex_dump(o, &m.raw, p);
    }
}

/// Escape codes add invisible width to the padded key column.
fn dim_pad(p: Palette) -> usize {
    if p.is_color() { 8 } else { 0 }
}

fn list<T>(items: &[T], f: impl Fn(&T) -> String) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.iter().map(f).collect::<Vec<_>>().join(", ")
    }
}

fn short_hex(b: &[u8]) -> String {
    if b.len() <= 16 {
        hex::encode(b)
    } else {
        format!(
            "{}…{} ({} bytes)",
            hex::encode(&b[..8]),
            hex::encode(&b[b.len() - 4..]),
            b.len()
        )
    }
}

pub(super) fn describe_body(b: &HandshakeBody, add: &mut impl FnMut(&str, String)) {
    match b {
        HandshakeBody::ClientHello(ch) => {
            add("legacy_version", names::version(ch.legacy_version));
            add("random", hex::encode(&ch.random));
            add(
                "session_id",
                if ch.session_id.is_empty() {
                    "(empty)".into()
                } else {
                    short_hex(&ch.session_id)
                },
            );
            add(
                &format!("cipher_suites ({})", ch.cipher_suites.len()),
                ch.cipher_suites
                    .iter()
                    .map(|&c| format!("{}  {}", hex_code(c), names::suite(c)))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            add(
                "compression",
                list(&ch.compression_methods, |m| compression(*m)),
            );
            describe_extensions(&ch.extensions, add);
        }
        HandshakeBody::ServerHello(sh) => {
            add("legacy_version", names::version(sh.legacy_version));
            add("random", hex::encode(&sh.random));
            if sh.hello_retry_request {
                add("note", "random = SHA-256(\"HelloRetryRequest\"): the server asks for another ClientHello".into());
            }
            if let Some(d) = &sh.downgrade_sentinel {
                add(
                    "downgrade",
                    format!("sentinel present: server negotiated {d}"),
                );
            }
            add(
                "session_id",
                if sh.session_id.is_empty() {
                    "(empty)".into()
                } else {
                    short_hex(&sh.session_id)
                },
            );
            add(
                "cipher_suite",
                format!(
                    "{}  {}",
                    hex_code(sh.cipher_suite),
                    names::suite(sh.cipher_suite)
                ),
            );
            add("compression", compression(sh.compression_method));
            add("selected version", names::version(sh.selected_version().0));
            describe_extensions(&sh.extensions, add);
        }
        HandshakeBody::EncryptedExtensions { extensions } => describe_extensions(extensions, add),
        HandshakeBody::Certificate(c) => {
            if let Some(ctx) = &c.request_context {
                add(
                    "request_context",
                    if ctx.is_empty() {
                        "(empty)".into()
                    } else {
                        ctx.clone()
                    },
                );
            }
            for (i, e) in c.entries.iter().enumerate() {
                add(&format!("certificate {i}"), cert_line(&e.der));
                for x in &e.extensions {
                    add("  extension", format!("{}: {}", x.name, ext_value(x)));
                }
            }
        }
        HandshakeBody::ServerKeyExchange(ske) => {
            match &ske.params {
                KeyExchangeParams::Ecdhe {
                    group, public_len, ..
                } => {
                    add(
                        "key exchange",
                        format!("ECDHE, named curve {}", names::group(*group)),
                    );
                    add(
                        "public key",
                        format!("{public_len} bytes (server's ephemeral point)"),
                    );
                }
                KeyExchangeParams::Dhe {
                    prime_bits,
                    generator,
                    public_len,
                    ..
                } => {
                    add(
                        "key exchange",
                        format!("DHE, {prime_bits}-bit prime, generator 0x{generator}"),
                    );
                    add(
                        "public key",
                        format!("{public_len} bytes (server's ephemeral value)"),
                    );
                }
            }
            if let Some(s) = ske.signature_scheme {
                add(
                    "signature",
                    format!(
                        "{} ({} bytes) over client_random ‖ server_random ‖ params",
                        names::sig_scheme(s),
                        ske.signature_len
                    ),
                );
            }
        }
        HandshakeBody::CertificateRequest(cr) => {
            if cr.request_context.is_some() {
                describe_extensions(&cr.extensions, add);
            } else {
                add(
                    "certificate_types",
                    list(&cr.certificate_types, |t| t.to_string()),
                );
                add(
                    "signature_algorithms",
                    list(&cr.signature_schemes, |s| names::sig_scheme(*s)),
                );
                add("CA names", cr.ca_names.to_string());
            }
        }
        HandshakeBody::CertificateVerify {
            signature_scheme,
            signature_len,
        } => {
            add(
                "signature",
                format!(
                    "{} ({signature_len} bytes) over the transcript hash",
                    names::sig_scheme(*signature_scheme)
                ),
            );
        }
        HandshakeBody::ClientKeyExchange(cke) => match cke {
            ClientKeyExchange::RsaEncryptedPremaster { len, ciphertext } => {
                add(
                    "key exchange",
                    "RSA key transport: pre-master secret encrypted to the server's RSA key".into(),
                );
                add(
                    "ciphertext",
                    format!("{len} bytes: {}", short_hex(ciphertext)),
                );
            }
            ClientKeyExchange::EcdhPublic { len, public } => {
                add(
                    "key exchange",
                    "ECDHE: the client's ephemeral public point".into(),
                );
                add("public key", format!("{len} bytes: {}", short_hex(public)));
            }
            ClientKeyExchange::DhPublic { len } => {
                add(
                    "key exchange",
                    format!("DHE: the client's ephemeral public value ({len} bytes)"),
                );
            }
        },
        HandshakeBody::Finished { verify_data } => add("verify_data", hex::encode(verify_data)),
        HandshakeBody::NewSessionTicket(t) => {
            add("lifetime", format!("{} s", t.lifetime_s));
            if let Some(a) = t.age_add {
                add("age_add", a.to_string());
            }
            add("ticket", format!("{} bytes", t.ticket_len));
            describe_extensions(&t.extensions, add);
        }
        HandshakeBody::CertificateStatus {
            status_type,
            response_len,
        } => {
            add(
                "status",
                format!("type {status_type} (1 = OCSP), {response_len}-byte response"),
            );
        }
        HandshakeBody::KeyUpdate { update_requested } => {
            add("update_requested", update_requested.to_string())
        }
        HandshakeBody::Empty {} | HandshakeBody::Opaque {} => {}
    }
}

fn compression(m: u8) -> String {
    match m {
        0 => "null".into(),
        1 => "DEFLATE".into(),
        64 => "LZS".into(),
        _ => format!("method {m}"),
    }
}

fn cert_line(der: &[u8]) -> String {
    match crate::x509::CertSummary::from_der(der) {
        Ok(c) => format!("{} ({} bytes)", c.subject, der.len()),
        Err(e) => format!("undecodable certificate ({} bytes): {e}", der.len()),
    }
}

fn describe_extensions(exts: &[Extension], add: &mut impl FnMut(&str, String)) {
    if exts.is_empty() {
        return;
    }
    add(&format!("extensions ({})", exts.len()), String::new());
    for e in exts {
        // The one IANA name too long for the key column.
        let name = match e.typ {
            16 => "ALPN",
            _ => e.name.as_str(),
        };
        add(&format!("  {name}"), ext_value(e));
    }
}

/// "x25519 (32 bytes)", or for a hybrid its parts in wire order:
/// "X25519MLKEM768 (1216 bytes: ML-KEM-768 encapsulation key 1184 + X25519 share 32)".
fn key_share(s: &KeyShareEntry) -> String {
    let parts = s
        .parts
        .iter()
        .map(|p| format!("{} {}", p.label, p.len))
        .collect::<Vec<_>>()
        .join(" + ");
    if parts.is_empty() {
        format!("{} ({} bytes)", names::group(s.group), s.key_len)
    } else {
        format!("{} ({} bytes: {parts})", names::group(s.group), s.key_len)
    }
}

fn ext_value(e: &Extension) -> String {
    use ExtensionValue as V;
    match &e.value {
        V::ServerName { names } => names.join(", "),
        V::Empty => "(empty)".into(),
        V::SupportedGroups { groups } => list(groups, |g| names::group(*g)),
        V::EcPointFormats { formats } => list(formats, |f| match f {
            0 => "uncompressed".into(),
            1 => "ansiX962_compressed_prime".into(),
            2 => "ansiX962_compressed_char2".into(),
            x => format!("format {x}"),
        }),
        V::SignatureAlgorithms { schemes } => list(schemes, |s| names::sig_scheme(*s)),
        V::Alpn { protocols } => protocols.join(", "),
        V::SupportedVersions { versions } => list(versions, |v| names::version(*v)),
        V::SelectedVersion { version } => names::version(*version),
        V::KeyShares { shares } => {
            if shares.is_empty() {
                "(no shares: asks the server to pick a group)".into()
            } else {
                list(shares, key_share)
            }
        }
        V::KeyShare { share } => key_share(share),
        V::KeyShareRequest { group } => format!("send a share for {}", names::group(*group)),
        V::PskModes { modes } => list(modes, |m| match m {
            0 => "psk_ke".into(),
            1 => "psk_dhe_ke".into(),
            x => format!("mode {x}"),
        }),
        V::StatusRequest { status_type, .. } => {
            if *status_type == 1 {
                "OCSP".into()
            } else {
                format!("status type {status_type}")
            }
        }
        V::OcspResponse { len } => format!("stapled OCSP response, {len} bytes"),
        V::SctList { count } => format!("{count} SCT(s)"),
        V::RenegotiationInfo {
            renegotiated_connection,
        } => {
            if renegotiated_connection.is_empty() {
                "initial handshake (empty)".into()
            } else {
                short_hex(renegotiated_connection)
            }
        }
        V::SessionTicket { len } => {
            if *len == 0 {
                "(empty: tickets supported)".into()
            } else {
                format!("{len}-byte ticket")
            }
        }
        V::RecordSizeLimit { limit } => limit.to_string(),
        V::Padding { len } => format!("{len} bytes"),
        V::CompressCertificate { algorithms } => list(algorithms, |a| match a {
            1 => "zlib".into(),
            2 => "brotli".into(),
            3 => "zstd".into(),
            x => format!("algorithm {x}"),
        }),
        V::EarlyData {
            max_early_data_size,
        } => match max_early_data_size {
            Some(n) => format!("max {n} bytes"),
            None => "(empty)".into(),
        },
        V::PskOffer {
            identities,
            binder_lens,
        } => format!(
            "{} identit{}, {} binder(s)",
            identities.len(),
            if identities.len() == 1 { "y" } else { "ies" },
            binder_lens.len()
        ),
        V::PskSelected { identity } => format!("identity {identity} accepted"),
        V::EchOffer {
            ech_type,
            kdf_id,
            aead_id,
            config_id,
            enc_len,
            payload_len,
        } => {
            if *ech_type == 0 {
                format!(
                    "outer: kdf 0x{:04X}, aead 0x{:04X}, config {}, enc {} bytes, payload {} bytes",
                    kdf_id.unwrap_or(0),
                    aead_id.unwrap_or(0),
                    config_id.unwrap_or(0),
                    enc_len.unwrap_or(0),
                    payload_len.unwrap_or(0)
                )
            } else {
                "inner".into()
            }
        }
        V::EchRetryConfigs { len } => format!("retry configs, {len} bytes"),
        V::EchConfirmation { confirmation } => hex::encode(confirmation),
        V::Cookie { len } => format!("{len} bytes"),
        V::MaxFragmentLength { code } => format!("2^{}", 8 + *code as u32),
        V::Heartbeat { mode } => match mode {
            1 => "peer allowed to send".into(),
            2 => "peer not allowed to send".into(),
            x => format!("mode {x}"),
        },
        V::Opaque => format!(
            "raw {}",
            if e.raw.is_empty() {
                "(empty)".into()
            } else {
                hex::encode(&e.raw)
            }
        ),
        V::Malformed { error } => format!("malformed ({error}); raw {}", hex::encode(&e.raw)),
    }
}

fn render_summary(o: &mut String, r: &HandshakeReport, p: Palette) {
    let _ = writeln!(o, "{}", p.bold("Summary"));
    let n = &r.negotiated;
    let mut rows: Vec<(&str, String)> = Vec::new();
    if let Some(e) = &r.error {
        rows.push(("error", p.bad(e)));
    }
    rows.push((
        "engine",
        match (r.engine, &r.engine_fallback) {
            (crate::handshake::EngineName::Tlsight, Some(why)) => {
                format!("tlsight (own TLS 1.0-1.2 engine; {why})")
            }
            (crate::handshake::EngineName::Tlsight, None) => {
                "tlsight (own TLS 1.0-1.2 engine)".into()
            }
            (crate::handshake::EngineName::Rustls, _) => "rustls".into(),
            (crate::handshake::EngineName::Capture, _) => "none (read from a capture file)".into(),
        },
    ));
    rows.push(("version", n.version.clone().unwrap_or_else(|| "-".into())));
    rows.push((
        "cipher suite",
        match (&n.cipher_suite, &n.cipher_suite_code) {
            (Some(s), Some(c)) => format!("{s} ({c})"),
            _ => "-".into(),
        },
    ));
    if let Some(c) = &n.cipher_suite_components {
        let rating = match c.rating.as_str() {
            "recommended" | "secure" => p.good(&c.rating),
            "weak" => p.warn(&c.rating),
            _ => p.bad(&c.rating),
        };
        let mut text = format!(
            "key exchange {} · authentication {}\n{}-{} {}{} · hash {} · {} · rating {rating}",
            c.kx,
            c.auth,
            c.cipher,
            c.key_bits,
            c.mode,
            if c.aead {
                " (AEAD)".to_string()
            } else {
                c.mac
                    .as_ref()
                    .map(|m| format!(" + {m}"))
                    .unwrap_or_default()
            },
            c.hash,
            if c.forward_secrecy {
                "forward secret"
            } else {
                "NO forward secrecy"
            },
        );
        for r in &c.reasons {
            text.push_str(&format!("\n  • {r}"));
        }
        rows.push(("", text));
    }
    rows.push((
        "group",
        match (&n.group, n.group_kind.as_deref()) {
            (Some(g), Some(k)) if k == crate::suites::GroupKind::HybridPq.name() => {
                format!("{g} (hybrid post-quantum: ECDHE + ML-KEM)")
            }
            (Some(g), _) => g.clone(),
            (None, _) => "-".into(),
        },
    ));
    rows.push(("ALPN", n.alpn.clone().unwrap_or_else(|| "(none)".into())));
    rows.push((
        "SNI",
        match &r.sni {
            Some(s) if n.sni_acknowledged => format!("{s} (acknowledged)"),
            Some(s) => format!("{s} (not acknowledged)"),
            None => "(not sent)".into(),
        },
    ));
    rows.push((
        "handshake",
        match (&n.handshake_kind, n.hello_retry_request) {
            (Some(k), _) => k.replace('_', " "),
            (None, true) => "HelloRetryRequest seen".into(),
            (None, false) => "-".into(),
        },
    ));
    if let Some(ems) = n.extended_master_secret {
        rows.push(("ext. master secret", yes_no(ems, p)));
    }
    if let Some(sr) = n.secure_renegotiation {
        rows.push(("secure renegotiation", yes_no(sr, p)));
    }
    if let Some(etm) = n.encrypt_then_mac {
        rows.push(("encrypt-then-MAC", yes_no(etm, p)));
    }
    if let Some(bits) = n.dh_prime_bits {
        rows.push(("DH prime", format!("{bits} bits")));
    }
    if let Some(s) = &n.server_signature_scheme {
        rows.push(("server signature", s.clone()));
    }
    let d = &r.decryption;
    rows.push((
        "decryption",
        match (&d.error, d.client_finished_verified, d.server_finished_verified) {
            (Some(e), _, _) => p.warn(format!("not decrypted: {e}")),
            (None, Some(c), Some(s)) => {
                let text = format!(
                    "encrypted records opened with the session's key-log secrets; Finished verify_data recomputed: client {}, server {}",
                    if c { "matches" } else { "MISMATCH" },
                    if s { "matches" } else { "MISMATCH" }
                );
                if c && s { p.good(text) } else { p.bad(text) }
            }
            (None, _, _) => "encrypted records opened with the session's key-log secrets".into(),
        },
    ));
    let v = &r.verification;
    let kp = &v.key_possession;
    rows.push((
        "key possession",
        match kp.status {
            crate::x509::PossessionStatus::Proven => p.good(&kp.detail),
            crate::x509::PossessionStatus::Failed => p.bad(&kp.detail),
            crate::x509::PossessionStatus::NotShown if r.certificates.is_empty() => {
                "not checked (no certificate reached)".into()
            }
            crate::x509::PossessionStatus::NotShown => p.bad(&kp.detail),
        },
    ));
    let anchored = v
        .anchored_by
        .iter()
        .map(|a| format!("{} anchor \"{}\"", a.store, a.subject))
        .collect::<Vec<_>>()
        .join(" + ");
    rows.push((
        "trust",
        if v.trusted {
            p.good(format!("trusted for {} ({anchored})", v.name))
        } else if v.errors.is_empty() {
            "-".into()
        } else {
            p.bad(format!(
                "NOT trusted for {}: {}{}",
                v.name,
                v.errors.join(", "),
                v.detail
                    .as_ref()
                    .map(|d| format!(" ({d})"))
                    .unwrap_or_default()
            ))
        },
    ));
    if !v.trusted && v.chain_trusted {
        rows.push((
            "",
            p.dim(format!(
                "the chain itself is valid ({anchored}); the server is not proven to be its owner"
            )),
        ));
    }
    for (i, c) in r.certificates.iter().enumerate() {
        let label = if i == 0 { "certificates" } else { "" };
        rows.push((label, cert_summary_line(i, c, p)));
    }
    let f = &r.fingerprints;
    if let (Some(j), Some(s)) = (&f.ja3, &f.ja3_string) {
        rows.push(("JA3", format!("{j}  {}", p.dim(s))));
    }
    if let Some(j) = &f.ja4 {
        rows.push(("JA4", j.clone()));
    }
    if let (Some(j), Some(s)) = (&f.ja3s, &f.ja3s_string) {
        rows.push(("JA3S", format!("{j}  {}", p.dim(s))));
    }
    if let Some(j) = &f.ja4s {
        rows.push(("JA4S", j.clone()));
    }
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in rows {
        for (j, line) in v.lines().enumerate() {
            let key = if j == 0 { k } else { "" };
            let _ = writeln!(o, "  {:<width$}  {}", key, line, width = width);
        }
    }
}

fn cert_summary_line(i: usize, c: &CertificateReport, p: Palette) -> String {
    match c {
        CertificateReport::Decoded(c) => {
            let key = match (&c.public_key.curve, c.public_key.bits) {
                (Some(curve), _) => format!("{} {curve}", c.public_key.algorithm),
                (None, Some(b)) => format!("{} {b}", c.public_key.algorithm),
                (None, None) => c.public_key.algorithm.clone(),
            };
            let day = |t: &str| t.get(..10).unwrap_or(t).to_string();
            let mut out = format!(
                "#{i} {}\n   issuer  {}\n   valid   {} → {} · key {key} · {}",
                p.bold(&c.subject),
                c.issuer,
                day(&c.not_before),
                day(&c.not_after),
                c.signature_algorithm
            );
            if !c.sans.is_empty() {
                out.push_str(&format!("\n   SANs    {}", c.sans.join(", ")));
            }
            out
        }
        CertificateReport::Malformed { error, der_len } => {
            p.bad(format!("#{i} undecodable ({der_len} bytes): {error}"))
        }
    }
}

fn yes_no(b: bool, p: Palette) -> String {
    if b { p.good("yes") } else { p.warn("no") }
}
