//! The STARTTLS exchange as text: each step with its time, direction and role, the server's
//! lines as sent. Shared by `handshake`, `audit` and the error path of every command.

use std::fmt::Write as _;

use super::Palette;
use crate::net::starttls::{Exchange, Side};

/// Longest text shown per step (a capability list can be long; JSON keeps it whole).
const MAX_LINES: usize = 24;

/// Renders the exchange as an indented block with a heading.
pub fn render(x: &Exchange, p: Palette) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "{} {}{}",
        p.bold("STARTTLS"),
        x.protocol.name(),
        p.dim(if x.from_port {
            " (chosen from the well-known port; --starttls none to turn off)"
        } else {
            ""
        })
    );
    for s in &x.steps {
        let arrow = match s.from {
            Side::Client => "C→S",
            Side::Server => "S→C",
        };
        let head = format!(
            "{:>9.1} ms  {arrow}  {:<12}",
            s.t_us as f64 / 1000.0,
            s.role
        );
        let lines: Vec<&str> = s.text.lines().collect();
        for (i, line) in lines.iter().take(MAX_LINES).enumerate() {
            let lead = if i == 0 {
                p.dim(&head)
            } else {
                " ".repeat(head.chars().count())
            };
            let body = match (s.from, s.role) {
                (Side::Server, "refusal") => p.bad(line),
                (Side::Server, "go-ahead") => p.good(line),
                (Side::Client, _) => p.label(line),
                _ => (*line).to_string(),
            };
            let _ = writeln!(o, "  {lead}  {body}");
        }
        if lines.len() > MAX_LINES {
            let _ = writeln!(
                o,
                "  {}  {}",
                " ".repeat(head.chars().count()),
                p.dim(format!(
                    "… {} more lines (--json has them all)",
                    lines.len() - MAX_LINES
                ))
            );
        }
    }
    let _ = writeln!(
        o,
        "  {}",
        p.dim(format!(
            "{} in {:.1} ms",
            if x.upgraded {
                "upgraded to TLS"
            } else {
                "not upgraded"
            },
            x.elapsed_us as f64 / 1000.0
        ))
    );
    o
}
