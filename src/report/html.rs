//! What every HTML page shares: the template environment (minijinja, templates compiled into
//! the binary), the layout with its stylesheet, and the rule that a page makes no request: a
//! Content-Security-Policy of `default-src 'none'` (inline styles only), no scripts, no links
//! out, every picture an inline SVG drawn by the page's own template.

use minijinja::Environment;
use serde::Serialize;

/// Why a page could not be rendered (a template bug: templates are compiled in).
#[derive(Debug, thiserror::Error)]
#[error("cannot render the HTML page: {0}")]
pub struct HtmlError(String);

impl From<minijinja::Error> for HtmlError {
    fn from(e: minijinja::Error) -> Self {
        // The chain of causes says which template line failed.
        let mut msg = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            msg.push_str(&format!(": {s}"));
            src = s.source();
        }
        Self(msg)
    }
}

const LAYOUT: &str = include_str!("layout.html");

/// Renders `template` (a page extending the shared layout) with `ctx`. `title` names the
/// page in the browser tab.
pub fn render<T: Serialize>(
    name: &str,
    template: &'static str,
    title: &str,
    ctx: &T,
) -> Result<String, HtmlError> {
    let mut env = Environment::new();
    env.add_template("layout.html", LAYOUT)?;
    env.add_template(name, template)?;
    env.add_filter("hex4", |v: u64| format!("0x{v:04X}"));
    env.add_filter("ms", |v: f64| format!("{v:.1} ms"));
    let now = time::OffsetDateTime::now_utc();
    let generated = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let tmpl = env.get_template(name)?;
    Ok(tmpl.render(minijinja::context! {
        title => title,
        version => env!("CARGO_PKG_VERSION"),
        generated => generated,
        r => minijinja::Value::from(minijinja::value::Serde(ctx)),
    })?)
}
