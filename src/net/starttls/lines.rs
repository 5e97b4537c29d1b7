//! Replies of the line protocols, read by [`Session::read_lines`]: SMTP's and FTP's coded
//! replies (RFC 5321 §4.2, RFC 959 §4.2), and the steps their upgrades share: the 220
//! greeting and the upgrade command's answer.

use super::{Fail, Session, preview, text};

/// A reply with a three-digit code, possibly multi-line (`250-…` lines then `250 …`; in FTP
/// the inner lines may be anything).
pub(super) struct Reply {
    pub(super) code: u16,
    pub(super) raw: Vec<u8>,
    /// Lines without the code prefix.
    pub(super) lines: Vec<String>,
}

impl Reply {
    pub(super) fn first_line(&self) -> String {
        preview(self.raw.split(|&b| b == b'\n').next().unwrap_or_default())
    }

    fn parse(raw: Vec<u8>) -> Result<Self, Fail> {
        let code = std::str::from_utf8(&raw[..3.min(raw.len())])
            .ok()
            .and_then(|c| c.parse::<u16>().ok());
        let Some(code) = code else {
            return Err(Fail::Protocol(format!(
                "expected a reply with a 3-digit code, got \"{}\"",
                preview(&raw)
            )));
        };
        let lines = text(&raw)
            .lines()
            .map(|l| l.get(4..).unwrap_or_default().to_string())
            .collect();
        Ok(Reply { code, raw, lines })
    }
}

/// A coded reply ends at the line that starts with the first line's code followed by
/// anything but '-'. A first line too short to hold a code ends it at once (then rejected).
fn last_line(first: &[u8], line: &[u8]) -> bool {
    first.len() < 4 || (line.len() >= 4 && line[..3] == first[..3] && line[3] != b'-')
}

/// Reads a coded reply, recorded under `role`.
pub(super) fn read_coded(s: &mut Session<'_>, role: &'static str) -> Result<Reply, Fail> {
    Reply::parse(s.read_reply(role, last_line)?)
}

/// The 220 greeting (SMTP, FTP); anything else (SMTP's 554 "no service here") is a refusal.
pub(super) fn greeting(s: &mut Session<'_>) -> Result<Reply, Fail> {
    let g = read_coded(s, "banner")?;
    if g.code != 220 {
        return Err(Fail::Refused(format!(
            "greeting is not 220: \"{}\"",
            g.first_line()
        )));
    }
    Ok(g)
}

/// Sends the upgrade `command` and reads its answer: `go` is the go-ahead, any other reply is
/// turned into the failure by `refused`.
pub(super) fn upgrade(
    s: &mut Session<'_>,
    command: &str,
    go: u16,
    refused: impl FnOnce(&Reply) -> Fail,
) -> Result<(), Fail> {
    s.send_line("command", command)?;
    let raw = s.read_lines(last_line)?;
    let answer = Reply::parse(raw.clone());
    s.answer_step(raw, answer.as_ref().is_ok_and(|a| a.code == go));
    let answer = answer?;
    if answer.code == go {
        Ok(())
    } else {
        Err(refused(&answer))
    }
}
