//! `tlsight verify --html`: the chain as a tree (anchor at the top, leaf at the bottom), each
//! link's signature proof on the edge that joins it to its issuer, then each store's verdict
//! and the findings. The SVG is drawn by the template from the boxes laid out here.

use serde::Serialize;

use crate::x509::{ChainReport, LinkReport};

const TEMPLATE: &str = include_str!("page.html");

const WIDTH: u32 = 1000;
const BOX_X: u32 = 60;
const BOX_W: u32 = 520;
const BOX_H: u32 = 92;
const GAP: u32 = 74;
const TOP: u32 = 20;

/// One certificate of the path, as a box in the tree.
#[derive(Debug, Serialize)]
struct Node<'a> {
    link: &'a LinkReport,
    y: u32,
    /// Common name or the whole subject.
    title: String,
    /// "leaf", "intermediate", "anchor".
    role: &'static str,
    /// Key, validity, source.
    meta: String,
    /// good / warn / bad: how this certificate itself fares.
    tone: &'static str,
    /// The edge below this box (to the certificate it signed): label and tone.
    edge: Option<Edge>,
}

#[derive(Debug, Serialize)]
struct Edge {
    y1: u32,
    y2: u32,
    proof: String,
    detail: String,
    tone: &'static str,
}

#[derive(Debug, Serialize)]
struct Page<'a> {
    c: &'a ChainReport,
    nodes: Vec<Node<'a>>,
    width: u32,
    height: u32,
    box_x: u32,
    box_w: u32,
    box_h: u32,
    edge_x: u32,
    heading: String,
    stores: Vec<(String, &'a crate::x509::StoreReport)>,
}

fn cn(subject: &str) -> String {
    subject
        .split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .map(str::to_string)
        .unwrap_or_else(|| subject.to_string())
}

/// Renders the page for one chain report.
pub fn page(c: &ChainReport) -> Result<String, crate::report::html::HtmlError> {
    let n = c.chain.len();
    // Top of the tree = the end of the path (anchor side); the leaf is at the bottom.
    let mut nodes: Vec<Node<'_>> = Vec::new();
    for (row, link) in c.chain.iter().rev().enumerate() {
        let y = TOP + (BOX_H + GAP) * u32::try_from(row).unwrap_or(0);
        let role = if link.position == 0 {
            "leaf"
        } else if !link.anchor_in.is_empty() || link.position + 1 == n {
            "anchor"
        } else {
            "intermediate"
        };
        let meta = match &link.cert {
            Some(cert) => format!(
                "{} {}{} · valid {} → {} · {}",
                cert.public_key.algorithm,
                cert.public_key
                    .curve
                    .clone()
                    .or(cert.public_key.bits.map(|b| b.to_string()))
                    .unwrap_or_default(),
                if cert.public_key.curve.is_none() && cert.public_key.bits.is_some() {
                    " bits"
                } else {
                    ""
                },
                cert.not_before.get(..10).unwrap_or(&cert.not_before),
                cert.not_after.get(..10).unwrap_or(&cert.not_after),
                if link.source == "sent" {
                    "sent by the server".to_string()
                } else {
                    link.source.replace("store:", "from the store ")
                }
            ),
            None => link
                .parse_error
                .clone()
                .unwrap_or_else(|| format!("no certificate ({})", link.source)),
        };
        let flagged = c.errors.iter().any(|f| f.link == Some(link.position));
        let tone = if flagged {
            "bad"
        } else if c.warnings.iter().any(|f| f.link == Some(link.position)) {
            "warn"
        } else {
            "good"
        };
        // The edge from this box down to the certificate it signed (the one below it).
        let edge = (link.position > 0).then(|| {
            let child = &c.chain[link.position - 1];
            let (proof, tone) = match (&child.signature, child.signature_valid) {
                (Some(s), Some(true)) => (format!("signature verified: {}", s.algorithm), "good"),
                (Some(s), Some(false)) => {
                    (format!("signature does NOT verify: {}", s.algorithm), "bad")
                }
                (Some(s), None) => (format!("signature not checked: {}", s.algorithm), "warn"),
                (None, _) => ("no issuer key to check with".to_string(), "warn"),
            };
            let yes_no = |v: Option<bool>, what: &str| match v {
                Some(true) => format!("{what} ✓"),
                Some(false) => format!("{what} ✗"),
                None => format!("{what} –"),
            };
            Edge {
                y1: y + BOX_H,
                y2: y + BOX_H + GAP,
                proof,
                detail: format!(
                    "{} · {}",
                    yes_no(child.issuer_name_match, "issuer name = subject"),
                    yes_no(child.key_id_match, "AKI = SKI")
                ),
                tone,
            }
        });
        nodes.push(Node {
            link,
            y,
            title: cn(&link.subject),
            role,
            meta,
            tone,
            edge,
        });
    }
    let rows = u32::try_from(n).unwrap_or(0);
    let height = TOP * 2 + rows * BOX_H + rows.saturating_sub(1) * GAP;
    let heading = c
        .connection
        .as_ref()
        .map(|k| k.target.clone())
        .or_else(|| c.host.clone())
        .or_else(|| c.chain.first().map(|l| cn(&l.subject)))
        .unwrap_or_else(|| "certificate chain".into());
    let stores = c
        .stores
        .iter()
        .map(|(k, v)| (k.name().to_string(), v))
        .collect();
    crate::report::html::render(
        "verify.html",
        TEMPLATE,
        &format!("tlsight verify {heading}"),
        &Page {
            c,
            nodes,
            width: WIDTH,
            height: height.max(BOX_H + TOP * 2),
            box_x: BOX_X,
            box_w: BOX_W,
            box_h: BOX_H,
            edge_x: BOX_X + BOX_W / 2,
            heading,
            stores,
        },
    )
}
