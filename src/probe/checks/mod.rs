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
    pub report: &'a super::AuditReport,
}

/// A boxed check future (active checks are async and borrow the context).
pub type CheckFuture<'a> =
    std::pin::Pin<Box<dyn Future<Output = Result<Outcome, super::ProbeError>> + Send + 'a>>;

/// How a check runs.
#[derive(Clone, Copy)]
pub enum Runner {
    /// Judged from the audit's measurements alone: no connection.
    Passive(fn(&super::AuditReport) -> Outcome),
    /// Sends probes of its own through the scheduler.
    Active(for<'a> fn(&'a Context<'a>) -> CheckFuture<'a>),
}

/// One entry of the list.
#[derive(Clone, Copy)]
pub struct Check {
    /// What it is.
    pub info: CheckInfo,
    /// How it runs.
    pub run: Runner,
}

/// Every check, in report order. Adding a check: a file in this folder with a `pub const CHECK:
/// Check` and a line here.
pub const CHECKS: &[Check] = &[];
