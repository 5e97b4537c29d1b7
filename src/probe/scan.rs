//! `tlsight audit`'s driver: enumerate versions and suites ([`super::enumerate`]), measure the
//! rest ([`super::measure`]), run the vulnerability checks ([`super::checks`]), judge
//! ([`super::grade`]). The [`Scheduler`] alone owns connections; independent probes run
//! concurrently and it keeps the budget.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use super::conn::{Scheduler, elapsed_ms};
use super::enumerate::{Hellos, SSL3, TLS10, TLS11, TLS12, TLS13, VersionScan, scan_version};
use super::report::{AuditReport, ProtocolResult};
use super::{ProbeError, Settings, grade, measure, suite};

pub use super::enumerate::{MAX_SUITES_PER_HELLO, version_name};

/// What to audit besides the address.
#[derive(Debug, Clone, Default)]
pub struct AuditOptions {
    /// SNI to send (default: the host name; none for IP literals).
    pub sni: Option<String>,
    /// Budget and timeouts.
    pub settings: Settings,
    /// Judge certificate validity at this time instead of now.
    pub at: Option<time::OffsetDateTime>,
    /// Certificate verification (stores, extra anchors); host and time are filled in here.
    pub verify: crate::x509::VerifyOptions,
    /// Proxy and STARTTLS for every connection (`None`: plain TCP).
    pub route: Option<crate::net::Route>,
}

/// Resolves `host:port` and audits it.
pub async fn audit(
    target: &crate::handshake::Target,
    mut opts: AuditOptions,
) -> Result<AuditReport, ProbeError> {
    let settings = opts.settings;
    // Through a proxy the probes connect to the proxy, which reaches the target.
    let proxy = opts.route.as_ref().and_then(|r| r.net.proxy.clone());
    let dial = proxy.as_ref().map(|p| &p.addr).unwrap_or(target);
    let addr = match dial.ip() {
        Some(ip) => SocketAddr::new(ip, dial.port),
        None => {
            let t = dial.clone();
            let timeout = settings.connect_timeout;
            let addrs = tokio::task::spawn_blocking(move || crate::handshake::resolve(&t, timeout))
                .await
                .map_err(|e| ProbeError::Internal(e.to_string()))?
                .map_err(|e| ProbeError::Target(e.to_string()))?;
            addrs[0]
        }
    };
    if opts.sni.is_none() && target.ip().is_none() {
        opts.sni = Some(target.host.clone());
    }
    if opts.verify.host.is_none() {
        opts.verify.host = Some(opts.sni.clone().unwrap_or_else(|| target.host.clone()));
    }
    audit_addr(addr, target.to_string(), opts).await
}

/// Audits one address.
pub async fn audit_addr(
    addr: SocketAddr,
    target: String,
    opts: AuditOptions,
) -> Result<AuditReport, ProbeError> {
    let AuditOptions {
        sni,
        settings,
        at,
        mut verify,
        route,
    } = opts;
    if verify.host.is_none() {
        verify.host = Some(sni.clone().unwrap_or_else(|| addr.ip().to_string()));
    }
    if verify.at.is_none() {
        verify.at = at.map(|t| t.unix_timestamp());
    }
    let start = Instant::now();
    let s = Arc::new(Scheduler::new(addr, settings).with_route(route));
    // One connection first, so a refused upgrade or a broken proxy ends the audit with one
    // clear error instead of every probe failing alike.
    let starttls = s.preflight().await?;
    let h = Hellos { sni: sni.clone() };

    // Phase 1: every version at once (the scheduler caps concurrency). The SSLv2 hello goes
    // last, alone: peers that take it for the start of a long TLS record wait for the rest,
    // and some stall every other connection meanwhile.
    let (ssl3, t10, t11, t12, t13) = tokio::join!(
        scan_version(&s, &h, SSL3),
        scan_version(&s, &h, TLS10),
        scan_version(&s, &h, TLS11),
        scan_version(&s, &h, TLS12),
        scan_version(&s, &h, TLS13),
    );
    let scans = [ssl3?, t10?, t11?, t12?, t13?];

    let mut report = AuditReport {
        target,
        address: addr.to_string(),
        sni,
        ..Default::default()
    };
    record_versions(&scans, &mut report);
    let chain = measure::details(&s, &h, &scans, settings, &mut report).await?;
    measure::certificates(&s, &scans, chain, settings, at, verify, &mut report).await?;
    measure::record_sslv2(&s, &mut report).await?;
    if let Some((code, message)) = s
        .outcomes()
        .nothing_to_audit(settings.read_timeout.as_secs_f64())
    {
        return Err(ProbeError::NothingToAudit {
            addr,
            code,
            message,
        });
    }

    // The vulnerability checks, on everything measured so far.
    let cx = super::checks::Context {
        scheduler: &s,
        sni: report.sni.as_deref(),
        report: &report,
    };
    let before = s.connections();
    let vulnerabilities = super::checks::run_all(&cx).await;
    report.check_connections = s.connections() - before;
    report.vulnerabilities = vulnerabilities;

    enumeration_findings(&scans, &mut report);
    report.throttled = s.throttled();
    report.retried = s.retried();
    report.connections = s.connections();
    report.starttls = starttls;
    report.starttls_upgrades = s.upgrades();
    report.elapsed_ms = elapsed_ms(start);
    grade::judge(&mut report);
    Ok(report)
}

/// Each version's verdict, how it was answered, and the suites it drops the connection on.
fn record_versions(scans: &[VersionScan], report: &mut AuditReport) {
    for sc in scans {
        let name = version_name(sc.version).to_string();
        report.protocols.insert(name.clone(), sc.accepted);
        let mut detail = sc.detail.clone();
        for n in &sc.notes {
            detail.push_str("; ");
            detail.push_str(n);
        }
        report.protocol_details.push(ProtocolResult {
            version: name,
            accepted: sc.accepted,
            status: sc.status.into(),
            detail,
        });
        if !sc.dropped.is_empty() {
            report.dropped_suites.insert(
                version_name(sc.version).to_string(),
                sc.dropped.iter().map(|c| suite::suite_name(*c)).collect(),
            );
        }
    }
}

/// Findings about the enumeration itself: a server choosing suites it was not offered,
/// versions without an answer, suites that make it drop the connection.
fn enumeration_findings(scans: &[VersionScan], report: &mut AuditReport) {
    for sc in scans {
        if let Some(c) = sc.ignores_offer {
            report.findings.push(super::report::Finding {
                id: "ignores_offer".into(),
                severity: super::report::Severity::Warning,
                message: format!(
                    "{}: the server chose {} although the client did not offer it, so the \
                     client's list does not limit it (suite list may be incomplete)",
                    version_name(sc.version),
                    suite::suite_name(c)
                ),
                suites: Vec::new(),
            });
        }
    }
    for d in &report.protocol_details {
        if d.status == super::report::ProtocolStatus::NoAnswer {
            // The SSLv2 hello is sent once, alone; many peers just wait for more bytes.
            let (severity, how) = if d.version == "SSLv2" {
                (super::report::Severity::Info, "")
            } else {
                (
                    super::report::Severity::Warning,
                    ", even one connection at a time",
                )
            };
            report.findings.push(super::report::Finding {
                id: "no_answer".into(),
                severity,
                message: format!(
                    "{}: {}{how}: whether it is accepted is unknown",
                    d.version, d.detail
                ),
                suites: Vec::new(),
            });
        }
    }
    for (v, names) in &report.dropped_suites {
        report.findings.push(super::report::Finding {
            id: "suite_drops_connection".into(),
            severity: super::report::Severity::Warning,
            message: format!(
                "{v}: the server drops the connection when offered {} (a suite it selects but \
                 cannot serve: clients preferring it cannot connect)",
                names.join(", ")
            ),
            suites: names
                .iter()
                .map(|name| super::report::FindingSuite {
                    name: name.clone(),
                    code: crate::suites::lookup(name)
                        .map(|cs| format!("0x{:04X}", cs.code))
                        .unwrap_or_default(),
                    versions: vec![v.clone()],
                })
                .collect(),
        });
    }
}
