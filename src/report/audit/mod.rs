//! `tlsight audit` renderers that live in the report layer (the text view is still in
//! `cli/audit.rs`; it moves here with the rest of the renderers).

pub mod html;
