//! `tlsight explain` renderers: [`text`] for the terminal (JSON is serde on
//! [`crate::suites::Entry`]).

pub mod text;

pub use text::{render, render_entry, render_table};
