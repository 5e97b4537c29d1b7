//! Vulnerability checks: one check per file, one entry in [`CHECKS`] (sslyze's plugin layout).
//!
//! Every check has a stable id, the CVE or paper it tests for, how it tests, and returns an
//! [`Outcome`]: a [`Verdict`] with its reason and the evidence (the bytes or alert that decided
//! it). The audit's driver runs the list against one [`Context`]; the scheduler alone owns
//! connections, so a check's cost is the scheduler's connection count before and after it.
//!
//! The first rule of every verdict: `vulnerable` only when the server showed the flaw (bytes it
//! should not have sent, a message it should have refused); a timeout, a reset or a peer that
//! answers nothing we understand is `inconclusive`, never `vulnerable`.

use serde::Serialize;

use super::report::{AuditReport, FindingSuite, ProtocolStatus};
use super::suite::SuiteInfo;

mod active;
mod beast;
mod breach;
pub mod ccs_injection;
mod crime;
mod dh_primes;
mod downgrade_sentinel;
mod drown;
pub mod early_data_0rtt;
mod fallback_scsv;
mod freak;
pub mod heartbleed;
mod logjam;
mod lucky13;
mod poodle;
mod rc4;
pub mod renegotiation_client_initiated;
pub mod renegotiation_insecure;
pub mod robot;
mod secure_renegotiation;
mod sweet32;
pub mod ticketbleed;
pub mod tls_poodle;

/// A check's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The server showed the flaw.
    Vulnerable,
    /// The server was tested and did not show it.
    NotVulnerable,
    /// The flaw needs something the server does not offer (e.g. CBC suites, SSLv3, RSA key
    /// transport), so it cannot apply.
    NotApplicable,
    /// The test could not decide (timeouts, resets, unexpected answers): `reason` says why.
    Inconclusive,
}

impl Verdict {
    /// `vulnerable`, `not_vulnerable`, `not_applicable`, `inconclusive` (the JSON names).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Vulnerable => "vulnerable",
            Self::NotVulnerable => "not_vulnerable",
            Self::NotApplicable => "not_applicable",
            Self::Inconclusive => "inconclusive",
        }
    }
}

/// What a check is: fixed, documented in docs/audit.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckInfo {
    /// Stable id (`heartbleed`, `ccs_injection`, `robot`, ...).
    pub id: &'static str,
    /// Human title ("Heartbleed").
    pub title: &'static str,
    /// CVE ids, when the flaw has any.
    pub cve: &'static [&'static str],
    /// Where the flaw is described (RFC, paper, advisory URL).
    pub source: &'static str,
    /// How tlsight tests it, in one sentence.
    pub method: &'static str,
    /// Whether the check sends probes of its own (`false`: judged from what the audit measured).
    pub active: bool,
}

/// What one run of a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The verdict.
    pub result: Verdict,
    /// Why, in one sentence ("the heartbeat answer carried 16,384 bytes for 3 sent").
    pub reason: String,
    /// What decided it: the alert received, a hex excerpt of the answer, the suites involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl Outcome {
    /// A verdict with its reason and no evidence.
    pub fn new(result: Verdict, reason: impl Into<String>) -> Self {
        Self {
            result,
            reason: reason.into(),
            evidence: None,
        }
    }

    /// The same, with the evidence that decided it.
    pub fn with_evidence(mut self, evidence: impl Into<String>) -> Self {
        self.evidence = Some(evidence.into());
        self
    }
}

/// One check's entry in the audit report (`vulnerabilities[]` in `--json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vulnerability {
    /// What the check is.
    #[serde(flatten)]
    pub info: CheckInfo,
    /// What it found.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// TCP connections the check opened (0 for checks judged from the audit's measurements).
    pub connections: usize,
}

/// What a check may look at and use: the audit's measurements so far and the audit's scheduler
/// (its connection budget, route, STARTTLS upgrade and timeouts).
pub struct Context<'a> {
    /// The audit's connection scheduler: every connection a check opens goes through it
    /// (`slot()` + `dialer()` + `count_external()` for a full handshake, or `exchange()`).
    pub scheduler: &'a super::Scheduler,
    /// SNI the audit sends (none for IP literals).
    pub sni: Option<&'a str>,
    /// What the audit measured before the checks ran (versions, suites, features, groups).
    pub report: &'a AuditReport,
}

/// A boxed check future (active checks are async and borrow the context).
pub type CheckFuture<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<Outcome, super::ProbeError>> + Send + 'a>>;

/// How a check runs.
#[derive(Clone, Copy)]
pub enum Runner {
    /// Judged from the audit's measurements alone: no connection.
    Passive(fn(&AuditReport) -> Outcome),
    /// Sends probes of its own through the scheduler.
    Active(for<'a> fn(&'a Context<'a>) -> CheckFuture<'a>),
    /// Runs tlsight's engine on a blocking thread against the highest TLS 1.0-1.2 version the
    /// audit saw and that version's suites; `not_applicable` with the reason `none` when the
    /// audit saw no such suite the engine runs.
    Legacy {
        /// Why the check does not apply when there is nothing to run it on.
        none: &'static str,
        /// The probe: (connection opener, SNI, version, suites) to the outcome.
        work: LegacyWork,
    },
}

/// A [`Runner::Legacy`] probe.
pub type LegacyWork = fn(&active::Opener, Option<&str>, u16, Vec<u16>) -> Outcome;

/// One entry of the list.
#[derive(Clone, Copy)]
pub struct Check {
    /// What it is.
    pub info: CheckInfo,
    /// How it runs.
    pub run: Runner,
}

/// Runs every check of [`CHECKS`] against `cx`, in list order in the result. Passive checks are
/// judged at once; active ones run concurrently (the scheduler keeps the connection budget),
/// each with its own connection count. A check that fails to run (a connect error halfway) is
/// `inconclusive` with the error as its reason: never a reason to drop the whole audit.
pub async fn run_all(cx: &Context<'_>) -> Vec<Vulnerability> {
    run_list(CHECKS, cx).await
}

/// [`run_all`] over any list (tests run single checks).
pub async fn run_list(list: &[Check], cx: &Context<'_>) -> Vec<Vulnerability> {
    let futs: Vec<_> = list
        .iter()
        .map(|c| async move {
            let (res, connections) = match c.run {
                Runner::Passive(judge) => (Ok(judge(cx.report)), 0),
                Runner::Active(start) => super::conn::counting(start(cx)).await,
                Runner::Legacy { none, work } => {
                    super::conn::counting(active::on_legacy(cx, |_| true, none, work)).await
                }
            };
            let outcome = res.unwrap_or_else(|e| {
                Outcome::new(Verdict::Inconclusive, format!("the probe failed: {e}"))
            });
            Vulnerability {
                info: c.info,
                outcome,
                connections,
            }
        })
        .collect();
    join_all(futs).await
}

/// Polls every future until all are done; results in input order (no `futures` crate for
/// this one use; the futures borrow the context, so they cannot be spawned).
async fn join_all<F: Future>(futs: Vec<F>) -> Vec<F::Output> {
    let mut futs: Vec<std::pin::Pin<Box<F>>> = futs.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futs.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, slot) in futs.iter_mut().zip(out.iter_mut()) {
            if slot.is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => *slot = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Every check, in report order. Adding a check: a file in this folder with a `pub const CHECK:
/// Check` and a line here.
pub const CHECKS: &[Check] = &[
    heartbleed::CHECK,
    ccs_injection::CHECK,
    robot::CHECK,
    renegotiation_insecure::CHECK,
    renegotiation_client_initiated::CHECK,
    ticketbleed::CHECK,
    early_data_0rtt::CHECK,
    tls_poodle::CHECK,
    poodle::CHECK,
    beast::CHECK,
    lucky13::CHECK,
    sweet32::CHECK,
    rc4::CHECK,
    freak::CHECK,
    logjam::CHECK,
    drown::CHECK,
    crime::CHECK,
    breach::CHECK,
    secure_renegotiation::CHECK,
    fallback_scsv::CHECK,
    downgrade_sentinel::CHECK,
];

// Helpers the checks share: reading the audit's measurements.

/// The accepted suites as (version name, suite), from the audit's enumeration.
pub fn accepted_suites(r: &AuditReport) -> Vec<(String, SuiteInfo)> {
    let mut out = Vec::new();
    for (v, list) in &r.cipher_suite_details {
        for s in list {
            if let Ok(code) = u16::from_str_radix(s.code.trim_start_matches("0x"), 16)
                && let Some(info) = super::suite::cipher_suite(code)
            {
                out.push((v.clone(), info));
            }
        }
    }
    out
}

/// The accepted suites matching `pred`, each once with the versions that accept it.
pub fn suites_where(r: &AuditReport, pred: impl Fn(&str, &SuiteInfo) -> bool) -> Vec<FindingSuite> {
    super::grade::group_suites(
        accepted_suites(r)
            .into_iter()
            .filter(|(v, i)| pred(v, i))
            .map(|(v, i)| (v, i.code)),
    )
}

/// Every suite named with its versions, for evidence: "A (TLS 1.0-1.2), B (TLS 1.2)".
pub fn name_suites(list: &[FindingSuite]) -> String {
    list.iter()
        .map(|s| format!("{} ({})", s.name, super::report::version_span(&s.versions)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How a version was answered (`None`: not probed).
pub fn status(r: &AuditReport, version: &str) -> Option<ProtocolStatus> {
    r.protocol_details
        .iter()
        .find(|d| d.version == version)
        .map(|d| d.status)
}

/// Whether a version was accepted.
pub fn accepted(r: &AuditReport, version: &str) -> bool {
    status(r, version) == Some(ProtocolStatus::Accepted)
}

/// Of `versions`, those that got no answer: what they accept is unknown.
pub fn unanswered(r: &AuditReport, versions: &[&str]) -> Vec<String> {
    versions
        .iter()
        .filter(|v| status(r, v) == Some(ProtocolStatus::NoAnswer))
        .map(|v| v.to_string())
        .collect()
}

/// The shape of every "this kind of suite is accepted" exposure check: `vulnerable` when a
/// suite of `versions` matches `pred` (reason: `what` and the suites, evidence: all of them);
/// `inconclusive` when none matched but one of `versions` got no answer; else `not_vulnerable`
/// with `clean`.
pub fn judge_suites(
    r: &AuditReport,
    versions: &[&str],
    pred: impl Fn(&SuiteInfo) -> bool,
    what: &str,
    clean: &str,
) -> Outcome {
    let list = suites_where(r, |v, i| versions.contains(&v) && pred(i));
    if !list.is_empty() {
        return Outcome::new(
            Verdict::Vulnerable,
            super::report::suites_message(what, &list),
        )
        .with_evidence(name_suites(&list));
    }
    let silent = unanswered(r, versions);
    if !silent.is_empty() {
        return Outcome::new(
            Verdict::Inconclusive,
            format!(
                "none found, but {} got no answer: what it accepts is unknown",
                super::report::version_span(&silent)
            ),
        );
    }
    Outcome::new(Verdict::NotVulnerable, clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: CheckInfo = CheckInfo {
        id: "test",
        title: "Test",
        cve: &[],
        source: "",
        method: "",
        active: true,
    };

    fn hellos(n: usize) -> for<'a> fn(&'a Context<'a>) -> CheckFuture<'a> {
        fn one<'a>(cx: &'a Context<'a>) -> CheckFuture<'a> {
            Box::pin(async move {
                cx.scheduler.exchange(b"\x16\x03\x01\x00\x00").await?;
                Ok(Outcome::new(Verdict::NotVulnerable, "one"))
            })
        }
        fn three<'a>(cx: &'a Context<'a>) -> CheckFuture<'a> {
            Box::pin(async move {
                for _ in 0..3 {
                    cx.scheduler.exchange(b"\x16\x03\x01\x00\x00").await?;
                }
                cx.scheduler.count_external();
                Ok(Outcome::new(Verdict::Vulnerable, "three"))
            })
        }
        if n == 1 { one } else { three }
    }

    /// Checks running concurrently each count only their own connections, and a check that
    /// cannot connect is inconclusive rather than an error of the audit.
    #[tokio::test]
    async fn concurrent_checks_count_their_own_connections() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        // A peer that reads the hello and closes: answers are `Closed`, never retried (closing
        // with the hello unread would be a reset, which the scheduler retries).
        std::thread::spawn(move || {
            for mut c in l.incoming().flatten() {
                use std::io::Read;
                let _ = c.set_read_timeout(Some(std::time::Duration::from_secs(2)));
                let mut hello = [0u8; 5];
                let _ = c.read_exact(&mut hello);
            }
        });
        let s = crate::probe::Scheduler::new(addr, crate::probe::Settings::default());
        let report = AuditReport::default();
        let cx = Context {
            scheduler: &s,
            sni: None,
            report: &report,
        };
        let list = [
            Check {
                info: INFO,
                run: Runner::Active(hellos(3)),
            },
            Check {
                info: INFO,
                run: Runner::Passive(|_| Outcome::new(Verdict::NotApplicable, "passive")),
            },
            Check {
                info: INFO,
                run: Runner::Active(hellos(1)),
            },
        ];
        let got = run_list(&list, &cx).await;
        let costs: Vec<usize> = got.iter().map(|v| v.connections).collect();
        assert_eq!(costs, [4, 0, 1]);
        assert_eq!(s.connections(), 5);
        assert_eq!(got[1].outcome.result, Verdict::NotApplicable);

        // Nothing listens there any more: the probe fails, the check is inconclusive.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let s = crate::probe::Scheduler::new(dead, crate::probe::Settings::default());
        let cx = Context {
            scheduler: &s,
            sni: None,
            report: &report,
        };
        let got = run_list(&list[2..], &cx).await;
        assert_eq!(got[0].outcome.result, Verdict::Inconclusive);
        assert!(
            got[0].outcome.reason.contains("cannot connect"),
            "{:?}",
            got[0]
        );
    }
}
