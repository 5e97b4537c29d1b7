//! `tlsight verify` renderers that live in the report layer (the text view is still
//! `x509::render`; it moves here with the rest of the renderers).

pub mod html;
