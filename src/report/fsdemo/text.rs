//! `tlsight fs-demo` and `tlsight decrypt` as text: the demo step by step (server, sessions,
//! attack, verdict), and each decrypted connection record by record with its plaintext.

use crate::crypto::DecryptedSession;
use crate::crypto::fs::{Plaintext, RecoveryAccount};
use crate::fsdemo::decrypt::session_is_13;
use crate::fsdemo::demo::{SUITE_ECDHE, SUITE_RSA, TLS13_NOTE};
use crate::fsdemo::{DecryptReport, DemoReport};
use crate::report::Palette;
use crate::wire::{AlertDescription, ContentType, HandshakeType};

fn short_hex(h: &str, bytes: usize) -> String {
    if h.len() > bytes * 2 {
        format!("{}… ({} bytes)", &h[..bytes * 2], h.len() / 2)
    } else {
        h.to_string()
    }
}

/// Wraps a hex string into indented lines of 64 digits.
fn hex_block(h: &str, indent: &str, p: Palette) -> String {
    let mut out = String::new();
    for chunk in h.as_bytes().chunks(64) {
        out.push_str(indent);
        out.push_str(&p.dim(String::from_utf8_lossy(chunk)));
        out.push('\n');
    }
    out
}

/// Shows text with control characters escaped, at most `max_lines` lines.
fn text_block(text: &str, indent: &str, max_lines: usize) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.split('\n').collect();
    for line in lines.iter().take(max_lines) {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let clean: String = line
            .chars()
            .map(|c| if c.is_control() && c != '\t' { '·' } else { c })
            .collect();
        out.push_str(indent);
        out.push_str(&clean);
        out.push('\n');
    }
    if lines.len() > max_lines {
        out.push_str(&format!(
            "{indent}… ({} more lines)\n",
            lines.len() - max_lines
        ));
    }
    out
}

/// Renders the demo step by step for a terminal.
pub fn render_demo(r: &DemoReport, p: Palette) -> String {
    let mut o = String::new();
    let step =
        |n: u32, title: &str| format!("\n{} {}\n", p.bold(format!("Step {n}")), p.bold(title));
    o.push_str(&format!(
        "{}\n{}\n",
        p.bold("tlsight fs-demo — forward secrecy, shown on real recorded sessions"),
        p.dim("A passive attacker records two sessions today and steals the server's private key tomorrow.")
    ));

    o.push_str(&step(1, "The server"));
    o.push_str(&format!(
        "  {} on {}: TLS 1.2, one RSA key and certificate, accepting\n  {} and {}\n  Private key used below: {}\n",
        r.server_kind,
        r.server,
        p.label(crate::crypto::suite_name(SUITE_RSA)),
        p.label(crate::crypto::suite_name(SUITE_ECDHE)),
        r.private_key
    ));

    for (i, s) in r.sessions.iter().enumerate() {
        let title = if i == 0 {
            "Session A: RSA key transport"
        } else {
            "Session B: ECDHE"
        };
        o.push_str(&step(
            2 + i as u32,
            &format!("{title} ({})", s.offered_suite),
        ));
        if let Some(e) = &s.error {
            o.push_str(&format!("  {} {e}\n", p.bad("could not record:")));
            continue;
        }
        if let Some(b) = &s.bytes {
            o.push_str(&format!(
                "  tlsight's TLS 1.2 client connected, sent GET /, read the response. Recorded {} bytes client→server, {} bytes server→client{}.\n",
                b.client_to_server,
                b.server_to_client,
                s.recording
                    .as_ref()
                    .map(|f| format!(" → {f}"))
                    .unwrap_or_default()
            ));
        }
        let Some(a) = &s.account else { continue };
        let kx = &a.key_exchange;
        if let Some(cert) = &kx.certificate_key {
            o.push_str(&format!("  Server certificate key: {cert}\n"));
        }
        if let Some(ske) = &kx.server_key_exchange {
            o.push_str(&format!(
                "  {}: the server's ephemeral {} public key ({} bytes)\n",
                p.label("ServerKeyExchange"),
                ske.group_name,
                ske.public_key.len() / 2
            ));
            o.push_str(&hex_block(&ske.public_key, "      ", p));
            if ske.signed_by_certificate_key {
                o.push_str(&format!(
                    "    {} signed with {} by the certificate's RSA key — the long-term key's only job here\n",
                    p.good("✓"),
                    ske.signature_scheme_name
                ));
            } else {
                o.push_str(&format!(
                    "    {} signature ({}) did not verify: {}\n",
                    p.bad("✗"),
                    ske.signature_scheme_name,
                    ske.signature_error.as_deref().unwrap_or("?")
                ));
            }
        }
        if let Some(cke) = &kx.client_key_exchange {
            let what = if cke.contents == "rsa_encrypted_pre_master_secret" {
                format!(
                    "the pre-master secret, RSA-encrypted to the server's public key ({} bytes of ciphertext)",
                    cke.length
                )
            } else {
                format!(
                    "the client's ephemeral public key ({} bytes) — no secret in it",
                    cke.length
                )
            };
            o.push_str(&format!("  {}: {what}\n", p.label("ClientKeyExchange")));
            o.push_str(&hex_block(&cke.hex, "      ", p));
            if cke.contents == "rsa_encrypted_pre_master_secret" {
                o.push_str(&format!(
                    "    {}\n",
                    p.warn("Whoever gets the server's private key — today or in ten years — can decrypt this.")
                ));
            }
        }
    }

    // Step 4/5: the attack.
    for (i, s) in r.sessions.iter().enumerate() {
        let title = if i == 0 {
            "The key leaks: decrypt session A from the recording and the private key"
        } else {
            "Try the same on session B"
        };
        o.push_str(&step(4 + i as u32, title));
        let Some(a) = &s.account else {
            o.push_str(&format!("  {}\n", p.dim("(no recording)")));
            continue;
        };
        if let Some(rec) = &a.recovered {
            render_recovery(&mut o, rec, a.key_exchange.extended_master_secret, p);
        }
        for f in &a.finished {
            o.push_str(&format!(
                "  Finished ({}): expected {} received {} {}\n",
                f.dir.sender(),
                hex::encode(&f.expected),
                hex::encode(&f.received),
                if f.ok { p.good("✓") } else { p.bad("✗") }
            ));
        }
        if a.decrypted {
            o.push_str(&format!(
                "  {} both Finished messages verify: the recovered keys are the session's keys.\n",
                p.good("✓")
            ));
            if let Some(m) = s.matches_server_keylog {
                o.push_str(&format!(
                    "  {} the recovered master secret {} the one OpenSSL logged with -keylogfile\n",
                    if m { p.good("✓") } else { p.bad("✗") },
                    if m { "equals" } else { "differs from" }
                ));
            }
            if let Some(pt) = &a.plaintext {
                render_plaintext(&mut o, pt, p);
            }
        } else {
            o.push_str(&format!(
                "  {} {}\n",
                p.bad("✗ cannot decrypt:"),
                a.reason.as_deref().unwrap_or("unknown reason")
            ));
            if a.key_exchange.server_key_exchange.is_some() {
                o.push_str(
                    "  The pre-master secret was ECDH(client ephemeral private key, server ephemeral public key).\n  Both ephemeral private keys lived in memory for one handshake and were thrown away; the\n  recording holds only the public halves and a signature. No long-term key can recompute it.\n",
                );
            }
            if s.client_keylog_decrypts == Some(true) {
                o.push_str(&format!(
                    "  {} With the client's own key log (CLIENT_RANDOM, as SSLKEYLOGFILE writes it) it decrypts:\n  only the two ends ever knew the secret.\n",
                    p.good("✓")
                ));
            }
        }
    }
    o.push_str(&format!("\n{}\n  {}\n", p.bold("TLS 1.3"), TLS13_NOTE));
    let a_ok = r
        .sessions
        .first()
        .and_then(|s| s.account.as_ref())
        .is_some_and(|a| a.decrypted);
    let b_safe = r
        .sessions
        .get(1)
        .and_then(|s| s.account.as_ref())
        .is_some_and(|a| !a.decrypted);
    o.push_str(&format!(
        "\n{} session A {}; session B {}.\n",
        p.bold("Result:"),
        if a_ok {
            p.bad("was read with the leaked key")
        } else {
            p.good("was not decrypted")
        },
        if b_safe {
            p.good("stayed secret — that is forward secrecy")
        } else {
            p.bad("was not shown secret")
        }
    ));
    if let Some(d) = &r.out_dir {
        o.push_str(&format!(
            "Recordings and key logs in {d} (client.keylog opens the sessions in Wireshark; replay with `tlsight decrypt`).\n"
        ));
    }
    o
}

fn render_recovery(o: &mut String, rec: &RecoveryAccount, ems: bool, p: Palette) {
    o.push_str(&format!(
        "  RSA-decrypt the ClientKeyExchange → pre-master secret (48 bytes: version 0303 ‖ 46 random)\n{}",
        hex_block(&rec.pre_master_secret, "      ", p)
    ));
    if ems {
        o.push_str(&format!(
            "  Extended master secret (RFC 7627) was negotiated, so\n    master = PRF(pms, \"extended master secret\", Hash(ClientHello … ClientKeyExchange))\n    session hash {}\n",
            p.dim(rec.session_hash.as_deref().unwrap_or("?"))
        ));
    } else {
        o.push_str("  master = PRF(pms, \"master secret\", client_random ‖ server_random)\n");
    }
    o.push_str(&format!(
        "  Master secret\n{}  key block = PRF(master, \"key expansion\", server_random ‖ client_random) → AES-GCM keys and salts\n",
        hex_block(&rec.master_secret, "      ", p)
    ));
}

fn render_plaintext(o: &mut String, pt: &Plaintext, p: Palette) {
    o.push_str(&format!(
        "  {} ({} bytes)\n{}",
        p.label("client → server"),
        pt.client.len(),
        text_block(&pt.client, "    │ ", 20)
    ));
    o.push_str(&format!(
        "  {} ({} bytes)\n{}",
        p.label("server → client"),
        pt.server.len(),
        text_block(&pt.server, "    │ ", 20)
    ));
}

/// Renders one decrypted connection for a terminal.
pub fn render_decrypt(r: &DecryptReport, p: Palette) -> String {
    let s = &r.session;
    let mut o = String::new();
    let kv = |k: &str, v: String| format!("{:<12}{v}\n", p.bold(k));
    o.push_str(&kv(
        "Recording",
        format!(
            "{}{}",
            r.recording,
            r.connection
                .as_ref()
                .map(|x| format!(" (connection to {x})"))
                .unwrap_or_default()
        ),
    ));
    o.push_str(&kv(
        "Session",
        format!(
            "{}  {} (0x{:04X}){}",
            s.version.label(),
            p.label(&s.suite_name),
            s.cipher_suite,
            if session_is_13(s) {
                String::new()
            } else if s.extended_master_secret {
                "  extended master secret".to_string()
            } else {
                "  no extended master secret".to_string()
            }
        ),
    ));
    o.push_str(&kv("Client rnd", p.dim(hex::encode(&s.client_random))));
    match (&r.recovered, r.secret_source) {
        (Some(rec), _) => {
            o.push_str(&kv(
                "Secrets",
                "recovered with the server's private key (RSA key transport)".into(),
            ));
            o.push_str(&kv(
                "",
                format!(
                    "pre-master {}",
                    p.dim(short_hex(&rec.pre_master_secret, 16))
                ),
            ));
            o.push_str(&kv(
                "",
                format!("master     {}", p.dim(short_hex(&rec.master_secret, 16))),
            ));
        }
        _ => o.push_str(&kv("Secrets", "from the key log".into())),
    }
    if let Some(kx) = &r.key_exchange
        && let Some(cke) = &kx.client_key_exchange
    {
        o.push_str(&kv(
            "Key exch.",
            format!(
                "{}: ClientKeyExchange carries {} ({} bytes)",
                kx.method,
                if cke.contents == "rsa_encrypted_pre_master_secret" {
                    "the RSA-encrypted pre-master secret"
                } else {
                    "an ephemeral public key"
                },
                cke.length
            ),
        ));
    }
    for n in &s.notes {
        o.push_str(&kv("Note", p.warn(n)));
    }

    o.push_str(&format!("\n{}\n", p.bold("Records")));
    o.push_str(&p.dim(format!(
        "  {:>3}  {:>9}  {:<7} {:<17} {:<9} {:>6}  {}\n",
        "#", "time ms", "from", "type", "", "bytes", "contents"
    )));
    for (i, rec) in s.records.iter().enumerate() {
        let contents = record_contents(s, i);
        let ct = rec
            .content_type
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("type {}", rec.content_type.0));
        o.push_str(&format!(
            "  {:>3}  {:>9.3}  {:<7} {:<17} {:<9} {:>6}  {}\n",
            i + 1,
            rec.t_us as f64 / 1000.0,
            rec.dir.sender(),
            ct,
            if rec.encrypted { "encrypted" } else { "plain" },
            rec.plaintext.len(),
            match &rec.error {
                Some(e) => p.bad(e),
                None => contents,
            }
        ));
    }
    if !s.finished.is_empty() {
        o.push_str(&format!("\n{}\n", p.bold("Finished")));
        for f in &s.finished {
            o.push_str(&format!(
                "  {:<7} {} {}\n",
                f.dir.sender(),
                if f.ok {
                    p.good("✓ verify_data matches the keys")
                } else {
                    p.bad("✗ verify_data does not match")
                },
                p.dim(hex::encode(&f.received))
            ));
        }
    }
    o.push_str(&format!("\n{}\n", p.bold("Application data")));
    render_plaintext(&mut o, &r.plaintext, p);
    o
}

/// Short description of what a record carried.
fn record_contents(s: &DecryptedSession, index: usize) -> String {
    let rec = &s.records[index];
    match rec.content_type {
        ContentType::HANDSHAKE => {
            let names: Vec<String> = s
                .handshake
                .iter()
                .filter(|m| m.record == index)
                .map(|m| handshake_name(m.typ))
                .collect();
            if names.is_empty() {
                "(part of a message)".into()
            } else {
                names.join(", ")
            }
        }
        ContentType::ALERT => match rec.plaintext.as_slice() {
            [level, desc] => format!(
                "{} {}",
                if *level == 2 { "fatal" } else { "warning" },
                AlertDescription(*desc).name().unwrap_or("unknown")
            ),
            _ => "alert".into(),
        },
        ContentType::CHANGE_CIPHER_SPEC => "ChangeCipherSpec".into(),
        ContentType::APPLICATION_DATA => {
            let head: String =
                String::from_utf8_lossy(&rec.plaintext[..rec.plaintext.len().min(40)])
                    .chars()
                    .map(|c| if c.is_control() { '·' } else { c })
                    .collect();
            head
        }
        _ => String::new(),
    }
}

fn handshake_name(t: HandshakeType) -> String {
    t.name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("type {}", t.0))
}
