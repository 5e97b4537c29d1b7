//! `tlsight audit` renderers: [`text`] for the terminal, [`html`] for `--html` (JSON is serde
//! on [`crate::probe::report::AuditReport`]).

pub mod html;
pub mod text;

pub use text::render;
