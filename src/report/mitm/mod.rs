//! `tlsight mitm` renderers: [`text`] for the terminal (and [`text::render_summary`], the
//! section other commands embed), [`html`] for `--html` (JSON is serde on
//! [`crate::mitm::Assessment`]).

pub mod html;
pub mod text;

pub use text::{render, render_summary};
