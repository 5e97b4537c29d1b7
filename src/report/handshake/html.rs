//! `tlsight handshake --html`: one self-contained page per run — for each connection a
//! sequence diagram (client and server lanes, one arrow per message with its key fields,
//! encrypted messages marked, timings in the margin), then every message's fields, the chain,
//! fingerprints and the trust verdict. The SVG is drawn by the template from coordinates
//! computed here.

use serde::Serialize;

use super::text::describe_body;
use super::{CertificateReport, HandshakeReport};
use crate::capture::Direction;
use crate::handshake::messages::{Message, MessageContent};
use crate::report::names;
use crate::wire::extensions::ExtensionValue;
use crate::wire::handshake::{HandshakeBody, KeyExchangeParams};

const TEMPLATE: &str = include_str!("page.html");

/// Diagram geometry (SVG user units).
const WIDTH: u32 = 1000;
const CLIENT_X: u32 = 210;
const SERVER_X: u32 = 900;
const TOP: u32 = 78;
const ROW: u32 = 58;

/// One arrow of the sequence diagram and its message's fields.
#[derive(Debug, Serialize)]
struct Row {
    /// Position in the connection's messages (1-based, as shown).
    n: usize,
    y: u32,
    x1: u32,
    x2: u32,
    /// "client" or "server": who sent it.
    from: &'static str,
    name: String,
    key: String,
    encrypted: bool,
    /// Protected on the wire and not decrypted.
    opaque: bool,
    alert: bool,
    time: String,
    delta: String,
    bytes: usize,
    fields: Vec<(String, String)>,
}

/// One connection's part of the page.
#[derive(Debug, Serialize)]
struct Session<'a> {
    r: &'a HandshakeReport,
    index: usize,
    width: u32,
    height: u32,
    client_x: u32,
    server_x: u32,
    mid_x: u32,
    lane_bottom: u32,
    rows: Vec<Row>,
    certs: Vec<(String, String)>,
    verdict: (&'static str, &'static str),
}

#[derive(Debug, Serialize)]
struct Page<'a> {
    sessions: Vec<Session<'a>>,
    heading: String,
}

/// Renders one page for one or several handshakes (a capture may hold several).
pub fn page(reports: &[HandshakeReport]) -> Result<String, crate::report::html::HtmlError> {
    let sessions: Vec<Session<'_>> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| session(i, r))
        .collect();
    let heading = match reports {
        [one] => one.target.clone(),
        many => format!("{} connections", many.len()),
    };
    let title = format!("tlsight handshake {heading}");
    crate::report::html::render(
        "handshake.html",
        TEMPLATE,
        &title,
        &Page { sessions, heading },
    )
}

fn session(index: usize, r: &HandshakeReport) -> Session<'_> {
    let mut prev = 0.0;
    let rows: Vec<Row> = r
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let (x1, x2, from) = match m.direction {
                Direction::ClientToServer => (CLIENT_X, SERVER_X, "client"),
                Direction::ServerToClient => (SERVER_X, CLIENT_X, "server"),
            };
            let delta = m.time_ms - prev;
            prev = m.time_ms;
            Row {
                n: i + 1,
                y: TOP + 20 + ROW * u32::try_from(i).unwrap_or(0),
                x1,
                x2,
                from,
                name: m.typ.clone(),
                key: key_line(m, r),
                encrypted: m.encrypted,
                opaque: matches!(m.fields, MessageContent::Opaque { .. }),
                alert: matches!(m.fields, MessageContent::Alert { .. }),
                time: format!("{:.2} ms", m.time_ms),
                delta: if i == 0 || delta < 0.005 {
                    String::new()
                } else {
                    format!("+{delta:.2}")
                },
                bytes: m.length,
                fields: fields(m),
            }
        })
        .collect();
    let n = u32::try_from(rows.len()).unwrap_or(0);
    let lane_bottom = TOP + 10 + ROW * n.max(1);
    let certs = r
        .certificates
        .iter()
        .map(|c| match c {
            CertificateReport::Decoded(s) => (s.subject.clone(), s.issuer.clone()),
            CertificateReport::Malformed { error, der_len } => {
                (format!("malformed ({der_len} bytes)"), error.clone())
            }
        })
        .collect();
    let verdict = if r.error.is_some() {
        ("bad", "handshake failed")
    } else if r.verification.trusted {
        ("good", "trusted")
    } else {
        ("bad", "not trusted")
    };
    Session {
        r,
        index: index + 1,
        width: WIDTH,
        height: lane_bottom + 30,
        client_x: CLIENT_X,
        server_x: SERVER_X,
        mid_x: (CLIENT_X + SERVER_X) / 2,
        lane_bottom,
        rows,
        certs,
        verdict,
    }
}

/// Every decoded field of a message, as the terminal view shows them.
fn fields(m: &Message) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| out.push((k.trim().to_string(), v));
    match &m.fields {
        MessageContent::Handshake(b) => describe_body(b, &mut add),
        MessageContent::Alert {
            level,
            description,
            code,
        } => add("alert", format!("{level} {description} ({code})")),
        MessageContent::ChangeCipherSpec {} => {}
        MessageContent::ApplicationData { length } => add("length", format!("{length} bytes")),
        MessageContent::Opaque { reason } => add("note", reason.clone()),
    }
    if let Some(e) = &m.decode_error {
        add("decode error", e.clone());
    }
    out
}

fn ext<'a>(
    exts: &'a [crate::wire::extensions::Extension],
    f: impl Fn(&'a ExtensionValue) -> Option<String>,
) -> Option<String> {
    exts.iter().find_map(|e| f(&e.value))
}

/// The few fields that say what a message did, for the arrow's label.
fn key_line(m: &Message, r: &HandshakeReport) -> String {
    let mut parts: Vec<String> = Vec::new();
    match &m.fields {
        MessageContent::Handshake(b) => match b {
            HandshakeBody::ClientHello(ch) => {
                if let Some(sni) = ext(&ch.extensions, |v| match v {
                    ExtensionValue::ServerName { names } => names.first().cloned(),
                    _ => None,
                }) {
                    parts.push(format!("SNI {sni}"));
                }
                parts.push(format!("{} suites", ch.cipher_suites.len()));
                if let Some(v) = ext(&ch.extensions, |v| match v {
                    ExtensionValue::SupportedVersions { versions } => Some(
                        versions
                            .iter()
                            .filter(|&&v| v & 0x0f0f != 0x0a0a)
                            .map(|&v| names::version(v))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    _ => None,
                }) {
                    parts.push(v);
                }
                if let Some(g) = ext(&ch.extensions, |v| match v {
                    ExtensionValue::KeyShares { shares } => Some(
                        shares
                            .iter()
                            .filter(|s| s.group & 0x0f0f != 0x0a0a)
                            .map(|s| names::group(s.group))
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                    _ => None,
                }) {
                    parts.push(format!("key share {g}"));
                }
            }
            HandshakeBody::ServerHello(sh) => {
                if sh.hello_retry_request {
                    parts.push("HelloRetryRequest".into());
                }
                parts.push(names::version(sh.selected_version().0));
                parts.push(names::suite(sh.cipher_suite));
                if let Some(g) = ext(&sh.extensions, |v| match v {
                    ExtensionValue::KeyShare { share } => Some(names::group(share.group)),
                    ExtensionValue::KeyShareRequest { group } => Some(names::group(*group)),
                    _ => None,
                }) {
                    parts.push(g);
                }
            }
            HandshakeBody::EncryptedExtensions { extensions } => {
                if extensions.is_empty() {
                    parts.push("no extensions".into());
                } else {
                    parts.push(
                        extensions
                            .iter()
                            .map(|e| e.name.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                    );
                }
            }
            HandshakeBody::Certificate(c) => {
                parts.push(format!(
                    "{} certificate{}",
                    c.entries.len(),
                    if c.entries.len() == 1 { "" } else { "s" }
                ));
                if m.direction == Direction::ServerToClient
                    && let Some(CertificateReport::Decoded(leaf)) = r.certificates.first()
                {
                    parts.push(leaf.subject.clone());
                }
            }
            HandshakeBody::CertificateVerify {
                signature_scheme, ..
            } => parts.push(names::sig_scheme(*signature_scheme)),
            HandshakeBody::ServerKeyExchange(ske) => {
                match &ske.params {
                    KeyExchangeParams::Ecdhe { group, .. } => parts.push(names::group(*group)),
                    KeyExchangeParams::Dhe { prime_bits, .. } => {
                        parts.push(format!("DHE {prime_bits} bits"))
                    }
                }
                if let Some(s) = ske.signature_scheme {
                    parts.push(format!("signed {}", names::sig_scheme(s)));
                }
            }
            HandshakeBody::Finished { verify_data } => {
                let verified = match m.direction {
                    Direction::ClientToServer => r.decryption.client_finished_verified,
                    Direction::ServerToClient => r.decryption.server_finished_verified,
                };
                let hexed = hex::encode(verify_data);
                parts.push(format!("verify_data {}…", &hexed[..hexed.len().min(16)]));
                parts.push(
                    match verified {
                        Some(true) => "verified",
                        Some(false) => "MISMATCH",
                        None => "not checked",
                    }
                    .into(),
                );
            }
            HandshakeBody::NewSessionTicket(t) => {
                parts.push(format!("lifetime {} s", t.lifetime_s));
                parts.push(format!("ticket {} bytes", t.ticket_len));
            }
            _ => {
                let mut f = Vec::new();
                describe_body(b, &mut |k: &str, v: String| f.push(format!("{k} {v}")));
                parts.extend(f.into_iter().take(2));
            }
        },
        MessageContent::Alert {
            level, description, ..
        } => parts.push(format!("{level} {description}")),
        MessageContent::ChangeCipherSpec {} => parts.push("compatibility, no keys change".into()),
        MessageContent::ApplicationData { length } => parts.push(format!("{length} bytes")),
        MessageContent::Opaque { reason } => parts.push(reason.clone()),
    }
    if matches!(m.fields, MessageContent::ChangeCipherSpec {})
        && r.negotiated.version.as_deref() != Some("TLSv1.3")
    {
        parts = vec!["switch to the negotiated keys".into()];
    }
    let line = parts.join(" · ");
    // Keep the label inside the lanes.
    if line.chars().count() > 96 {
        format!("{}…", line.chars().take(95).collect::<String>())
    } else {
        line
    }
}
