//! `tlsight audit --html`: the grade, the protocol × cipher-suite matrix (each accepted suite
//! coloured by its rating, numbered by the server's preference), the checks, the findings and
//! the Mozilla profiles, on one self-contained page. The matrix is drawn as SVG.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::probe::AuditReport;

const TEMPLATE: &str = include_str!("page.html");

const NAME_W: u32 = 430;
const COL_W: u32 = 92;
const ROW_H: u32 = 26;
const HEAD_H: u32 = 44;

/// A suite's code, rating name and reasons.
type SuiteFacts = (String, String, Vec<String>);

#[derive(Debug, Serialize)]
struct Cell {
    x: u32,
    /// Empty when the version does not accept the suite.
    rating: String,
    /// 1-based position in the server's order, when it enforces one.
    rank: Option<usize>,
    kx: String,
}

#[derive(Debug, Serialize)]
struct SuiteRow {
    y: u32,
    name: String,
    code: String,
    rating: String,
    reasons: Vec<String>,
    cells: Vec<Cell>,
}

#[derive(Debug, Serialize)]
struct Column {
    x: u32,
    version: String,
    accepted: bool,
}

#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    value: &'static str,
    tone: &'static str,
}

#[derive(Debug, Serialize)]
struct Page<'a> {
    a: &'a AuditReport,
    columns: Vec<Column>,
    rows: Vec<SuiteRow>,
    width: u32,
    height: u32,
    name_w: u32,
    col_w: u32,
    row_h: u32,
    head_h: u32,
    grade_tone: &'static str,
    checks: Vec<Check>,
}

fn check(name: &'static str, v: Option<bool>, good_when: bool) -> Check {
    let (value, tone) = match v {
        Some(b) if b == good_when => (if b { "yes" } else { "no" }, "good"),
        Some(b) => (if b { "yes" } else { "no" }, "bad"),
        None => ("n/a", ""),
    };
    Check { name, value, tone }
}

/// Renders the page for one audit.
pub fn page(a: &AuditReport) -> Result<String, crate::report::html::HtmlError> {
    // Columns: every version probed, oldest first, as the audit lists them.
    let columns: Vec<Column> = a
        .protocol_details
        .iter()
        .enumerate()
        .map(|(i, d)| Column {
            x: NAME_W + COL_W * u32::try_from(i).unwrap_or(0),
            version: d.version.clone(),
            accepted: d.accepted,
        })
        .collect();
    // Rows: every suite accepted by any version, strongest rating first, then by name.
    let mut suites: BTreeMap<String, SuiteFacts> = BTreeMap::new();
    for list in a.cipher_suite_details.values() {
        for s in list {
            suites.entry(s.name.clone()).or_insert((
                s.code.clone(),
                s.rating.name().to_string(),
                s.reasons.clone(),
            ));
        }
    }
    let order = |r: &str| match r {
        "recommended" => 0,
        "secure" => 1,
        "weak" => 2,
        _ => 3,
    };
    let mut names: Vec<(String, SuiteFacts)> = suites.into_iter().collect();
    names.sort_by(|x, y| order(&x.1.1).cmp(&order(&y.1.1)).then(x.0.cmp(&y.0)));
    let rows: Vec<SuiteRow> = names
        .into_iter()
        .enumerate()
        .map(|(i, (name, (code, rating, reasons)))| {
            let cells = columns
                .iter()
                .map(|c| {
                    let found = a
                        .cipher_suite_details
                        .get(&c.version)
                        .and_then(|l| l.iter().find(|s| s.name == name));
                    let enforced = a
                        .server_preference
                        .get(&c.version)
                        .copied()
                        .unwrap_or(false);
                    let rank = a
                        .cipher_suites
                        .get(&c.version)
                        .and_then(|l| l.iter().position(|n| *n == name))
                        .filter(|_| enforced && found.is_some())
                        .map(|p| p + 1);
                    Cell {
                        x: c.x,
                        rating: found
                            .map(|s| s.rating.name().to_string())
                            .unwrap_or_default(),
                        rank,
                        kx: found
                            .and_then(|s| s.key_exchange.clone())
                            .unwrap_or_default(),
                    }
                })
                .collect();
            SuiteRow {
                y: HEAD_H + ROW_H * u32::try_from(i).unwrap_or(0),
                name,
                code,
                rating,
                reasons,
                cells,
            }
        })
        .collect();
    let n_rows = u32::try_from(rows.len()).unwrap_or(0);
    let n_cols = u32::try_from(columns.len()).unwrap_or(0);
    let grade_tone = match a.grade.grade.chars().next() {
        Some('A') => "good",
        Some('B') => "warn",
        _ => "bad",
    };
    let f = &a.features;
    let checks = vec![
        check("secure renegotiation", f.secure_renegotiation, true),
        check("extended master secret", f.extended_master_secret, true),
        check("encrypt-then-MAC", f.encrypt_then_mac, true),
        check("TLS_FALLBACK_SCSV", f.fallback_scsv, true),
        check("downgrade sentinel", f.downgrade_sentinel, true),
        check("compression (CRIME)", f.compression, false),
        check("heartbeat", f.heartbeat, false),
        check("session id issued", f.session_id_issued, true),
        check("session tickets", f.session_ticket, true),
        check("resumption (id)", f.resumption_session_id, true),
        check("resumption (ticket)", f.resumption_ticket, true),
        check("OCSP stapling", f.ocsp_stapling, true),
        check("SCT extension", f.sct_extension, true),
    ];
    crate::report::html::render(
        "audit.html",
        TEMPLATE,
        &format!("tlsight audit {}", a.target),
        &Page {
            a,
            width: NAME_W + COL_W * n_cols + 10,
            height: HEAD_H + ROW_H * n_rows.max(1) + 12,
            columns,
            rows,
            name_w: NAME_W,
            col_w: COL_W,
            row_h: ROW_H,
            head_h: HEAD_H,
            grade_tone,
            checks,
        },
    )
}
