//! `tlsight mitm --html`: the verdict, each signal with its evidence and why it matters, the
//! chain that was served and each store's view of it, on one self-contained page. A gauge
//! drawn in SVG shows the signals by severity.

use serde::Serialize;

use crate::mitm::{Assessment, Severity};

const TEMPLATE: &str = include_str!("page.html");

#[derive(Debug, Serialize)]
struct Page<'a> {
    a: &'a Assessment,
    tone: &'static str,
    counts: [usize; 3],
    stores: Vec<(String, &'a crate::x509::StoreReport)>,
}

/// Renders the page for one assessment.
pub fn page(a: &Assessment) -> Result<String, crate::report::html::HtmlError> {
    let count = |s: Severity| a.signals.iter().filter(|x| x.severity == s).count();
    let counts = [
        count(Severity::Critical),
        count(Severity::Warning),
        count(Severity::Info),
    ];
    let tone = match a.verdict {
        crate::mitm::Verdict::Clean => "good",
        crate::mitm::Verdict::Suspicious => "warn",
        crate::mitm::Verdict::Intercepted => "bad",
    };
    let stores = a
        .trust
        .iter()
        .map(|(k, v)| (k.name().to_string(), v))
        .collect();
    crate::report::html::render(
        "mitm.html",
        TEMPLATE,
        &format!("tlsight mitm {}", a.target),
        &Page {
            a,
            tone,
            counts,
            stores,
        },
    )
}
