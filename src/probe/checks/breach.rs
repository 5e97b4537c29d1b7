//! BREACH (Gluck, Harris, Prado 2013): HTTP-level compression leaks secrets in a response
//! through its compressed length, like CRIME but above TLS, so turning TLS compression off does
//! not help. An exposure: whether a page reflects input next to a secret is the application's
//! business. One real handshake (rustls) and one `GET /` asking for gzip; only for HTTP
//! services (ALPN answered http/1.1 or h2, or an HTTPS port), not through STARTTLS.

use std::io::{Read, Write};
use std::sync::Arc;

use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::probe::ProbeError;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "breach",
        title: "BREACH (HTTP compression)",
        cve: &["CVE-2013-3587"],
        source: "https://breachattack.com/resources/BREACH%20-%20SSL,%20gone%20in%2030%20seconds.pdf",
        method: "for HTTP services only: one TLS handshake and GET / with Accept-Encoding: \
                 gzip,deflate; a Content-Encoding in the answer is the exposure",
        active: true,
    },
    run: Runner::Active(run),
};

/// Ports where HTTPS is the convention when ALPN says nothing.
const HTTPS_PORTS: &[u16] = &[443, 4443, 8443];

/// What the GET found.
enum Answer {
    /// Status line and the Content-Encoding header (None: absent).
    Http {
        status: String,
        encoding: Option<String>,
    },
    /// The handshake or the request failed: why.
    Failed(String),
    /// The answer is not HTTP: its first bytes.
    NotHttp(String),
}

fn run<'a>(cx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(async move {
        let dialer = cx.scheduler.dialer();
        if dialer
            .route
            .as_ref()
            .is_some_and(|r| r.net.starttls.is_some())
        {
            return Ok(Outcome::new(
                Verdict::NotApplicable,
                "a STARTTLS service, not HTTP",
            ));
        }
        let port = cx.scheduler.addr().port();
        let http_alpn = cx.report.alpn.iter().any(|p| p == "http/1.1" || p == "h2");
        if !http_alpn && !HTTPS_PORTS.contains(&port) {
            return Ok(Outcome::new(
                Verdict::NotApplicable,
                format!(
                    "not an HTTP service: no HTTP ALPN answer and port {port} is not an HTTPS port"
                ),
            ));
        }
        if !(super::accepted(cx.report, "TLSv1.2") || super::accepted(cx.report, "TLSv1.3")) {
            return Ok(Outcome::new(
                Verdict::Inconclusive,
                "needs TLS 1.2 or 1.3 to send an HTTP request",
            ));
        }
        let _slot = cx.scheduler.slot().await?;
        cx.scheduler.count_external();
        let settings = cx.scheduler.settings();
        let host = cx
            .sni
            .map(str::to_string)
            .unwrap_or_else(|| cx.scheduler.addr().ip().to_string());
        let sni = cx.sni.map(str::to_string);
        let answer = tokio::task::spawn_blocking(move || get(&dialer, sni, &host, settings))
            .await
            .map_err(|e| ProbeError::Internal(e.to_string()))?;
        Ok(match answer {
            Answer::Http {
                status,
                encoding: Some(enc),
            } => Outcome::new(
                Verdict::Vulnerable,
                format!(
                    "exposure: GET / came back compressed ({enc}); pages that reflect input next \
                     to a secret leak it"
                ),
            )
            .with_evidence(format!("{status}; Content-Encoding: {enc}")),
            Answer::Http {
                status,
                encoding: None,
            } => Outcome::new(
                Verdict::NotVulnerable,
                "GET / asking for gzip,deflate came back uncompressed",
            )
            .with_evidence(status),
            Answer::NotHttp(head) => {
                Outcome::new(Verdict::NotApplicable, "the service does not answer HTTP")
                    .with_evidence(head)
            }
            Answer::Failed(why) => Outcome::new(
                Verdict::Inconclusive,
                format!("could not send the HTTP request: {why}"),
            ),
        })
    })
}

/// One handshake with rustls (chain recorded, not judged: the question is HTTP, not trust),
/// one request, the response head.
fn get(
    dialer: &crate::net::Dialer,
    sni: Option<String>,
    host: &str,
    settings: crate::probe::Settings,
) -> Answer {
    let (target, net) = dialer.plan();
    let mut opts = crate::handshake::InspectOptions::new(target);
    opts.net = net;
    opts.sni = sni.clone();
    opts.alpn = vec![b"http/1.1".to_vec()];
    let config = crate::handshake::provider_for(&opts).and_then(|p| {
        let inner = crate::handshake::webpki_verifier(&opts, p.clone())?;
        let verifier =
            crate::handshake::RecordingVerifier::new(inner, Arc::default(), false).record_only();
        crate::handshake::base_client_config(&opts, p, Arc::new(verifier))
    });
    let config = match config {
        Ok(c) => Arc::new(c),
        Err(e) => return Answer::Failed(e.to_string()),
    };
    let name = sni
        .and_then(|s| rustls::pki_types::ServerName::try_from(s).ok())
        .unwrap_or_else(|| rustls::pki_types::ServerName::IpAddress(dialer.addr.ip().into()));
    let timeout = settings.read_timeout;
    let tcp = match dialer.open(settings.connect_timeout.max(timeout)) {
        Ok(o) => o.stream,
        Err(e) => return Answer::Failed(e.to_string()),
    };
    let _ = tcp.set_read_timeout(Some(timeout));
    let _ = tcp.set_write_timeout(Some(timeout));
    let conn = match rustls::ClientConnection::new(config, name) {
        Ok(c) => c,
        Err(e) => return Answer::Failed(e.to_string()),
    };
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: tlsight\r\nAccept: */*\r\n\
         Accept-Encoding: gzip,deflate\r\nConnection: close\r\n\r\n"
    );
    if let Err(e) = tls.write_all(request.as_bytes()).and_then(|()| tls.flush()) {
        return Answer::Failed(e.to_string());
    }
    let deadline = std::time::Instant::now() + timeout;
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    // The head is enough; 64 KiB bounds a server that never ends it.
    while !contains(&head, b"\r\n\r\n") && head.len() < 64 * 1024 {
        if std::time::Instant::now() > deadline {
            break;
        }
        match tls.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if head.is_empty() => return Answer::Failed(e.to_string()),
            Err(_) => break,
        }
    }
    parse_head(&head)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn parse_head(head: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let status = lines.next().unwrap_or_default().to_string();
    if !status.starts_with("HTTP/") {
        if head.is_empty() {
            return Answer::Failed("no answer to the request".into());
        }
        return Answer::NotHttp(crate::wire::printable_preview(head, 32));
    }
    let encoding = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-encoding"))
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.eq_ignore_ascii_case("identity"));
    Answer::Http { status, encoding }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_heads_are_read_for_content_encoding() {
        let h = b"HTTP/1.1 200 OK\r\nServer: x\r\ncontent-encoding:  gzip \r\n\r\nbody";
        assert!(matches!(parse_head(h), Answer::Http { encoding: Some(e), .. } if e == "gzip"));
        let h = b"HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n\r\n";
        assert!(matches!(parse_head(h), Answer::Http { encoding: None, .. }));
        assert!(matches!(
            parse_head(b"220 smtp ready\r\n"),
            Answer::NotHttp(_)
        ));
        assert!(matches!(parse_head(b""), Answer::Failed(_)));
    }
}
