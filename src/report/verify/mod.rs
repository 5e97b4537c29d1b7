//! `tlsight verify` renderers: [`text`] for the terminal, [`html`] for `--html` (JSON is serde
//! on [`crate::x509::ChainReport`]).

pub mod html;
pub mod text;

pub use text::render;
