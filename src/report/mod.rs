//! Every renderer: `report/<command>/` turns that command's data into text (`text.rs`, written
//! through a [`Palette`]) and, where the command has `--html`, a page (`html.rs` over the shared
//! [`html`] layout). Each result type is `serde::Serialize` (the `--json` form), so all outputs
//! come from the same data; nothing outside this module formats for people.

pub mod audit;
pub mod explain;
pub mod fsdemo;
pub mod handshake;
pub mod html;
pub mod mitm;
pub mod names;
pub mod scan;
pub mod starttls;
pub mod style;
pub mod verify;

pub use style::Palette;

/// Serialises a report as pretty JSON followed by a newline.
pub fn to_json<T: serde::Serialize>(value: &T) -> String {
    // Serialising our own plain data types (no maps with non-string keys) cannot fail.
    match serde_json::to_string_pretty(value) {
        Ok(mut s) => {
            s.push('\n');
            s
        }
        Err(e) => format!("{{\"error\":\"json serialisation failed: {e}\"}}\n"),
    }
}

/// Serialises an embedded interception assessment as its verdict and signals only (the chain
/// and trust are already elsewhere in the embedding report).
pub fn interception_json<S: serde::Serializer>(
    a: &Option<Box<crate::mitm::Assessment>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    match a {
        Some(a) => {
            let mut st = s.serialize_struct("Interception", 2)?;
            st.serialize_field("verdict", &a.verdict)?;
            st.serialize_field("signals", &a.signals)?;
            st.end()
        }
        None => s.serialize_none(),
    }
}
