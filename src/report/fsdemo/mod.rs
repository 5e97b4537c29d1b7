//! `tlsight fs-demo` and `tlsight decrypt` renderers: [`text`] for the terminal (JSON is serde
//! on [`crate::fsdemo::DemoReport`] and [`crate::fsdemo::DecryptReport`]).

pub mod text;

pub use text::{render_decrypt, render_demo};
