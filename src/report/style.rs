//! Terminal styling: colour on a terminal, plain text when piped or when `NO_COLOR` is set.

use std::fmt::Display;
use std::io::IsTerminal;

/// How the human renderers colour their output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    color: bool,
}

impl Palette {
    /// A palette that never emits escape codes.
    pub const PLAIN: Self = Self { color: false };
    /// A palette that always emits escape codes.
    pub const COLOR: Self = Self { color: true };

    /// Colour when stdout is a terminal and `NO_COLOR` is unset (https://no-color.org).
    pub fn detect() -> Self {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Self { color }
    }

    /// Whether escape codes are emitted.
    pub fn is_color(self) -> bool {
        self.color
    }

    fn paint(self, code: &str, text: impl Display) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Headings and emphasis.
    pub fn bold(self, text: impl Display) -> String {
        self.paint("1", text)
    }
    /// Secondary detail (raw hex, offsets).
    pub fn dim(self, text: impl Display) -> String {
        self.paint("2", text)
    }
    /// Good news: trusted, recommended, valid.
    pub fn good(self, text: impl Display) -> String {
        self.paint("32", text)
    }
    /// Caution: weak, warning.
    pub fn warn(self, text: impl Display) -> String {
        self.paint("33", text)
    }
    /// Bad news: insecure, invalid, untrusted.
    pub fn bad(self, text: impl Display) -> String {
        self.paint("31", text)
    }
    /// Names and labels (message types, field names).
    pub fn label(self, text: impl Display) -> String {
        self.paint("36", text)
    }
}
