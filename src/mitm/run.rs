//! `tlsight mitm` end to end: the connections (direct, through the proxy, or both), the baseline
//! file, the assessment.

use std::path::PathBuf;

use super::baseline::{self, BaselineFile, BaselineStatus};
use super::{AssessOptions, Assessment, MitmError, Observation, assess_observation};
use crate::handshake::InspectOptions;
use crate::net::{Proxy as ProxyAddr, ProxyError};

pub(crate) fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Everything `tlsight mitm` does, resolved from the command line.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The connection (target, SNI, timeouts).
    pub inspect: InspectOptions,
    /// Go through this proxy (HTTP CONNECT or SOCKS5).
    pub proxy: Option<ProxyAddr>,
    /// Also connect directly and compare (needs `proxy`).
    pub compare_direct: bool,
    /// Baseline file; `None` with `remember` uses [`baseline::default_path`].
    pub baseline_file: Option<PathBuf>,
    /// Record the host in the baseline (trust on first use).
    pub remember: bool,
    /// Pins, anchors, catalogue, layout.
    pub assess: AssessOptions,
}

/// Connects (directly or through the proxy, and directly too with `compare_direct`), compares
/// with the baseline, assesses, and with `remember` records the host.
pub fn run(opts: &RunOptions) -> Result<Assessment, MitmError> {
    let mut via = opts.inspect.clone();
    via.net.proxy = opts.proxy.clone();
    let ins = crate::handshake::inspect(&via)?;
    let obs = Observation::from_inspection(&ins, opts.proxy.as_ref().map(|p| p.to_string()));
    let mut aopts = opts.assess.clone();
    if opts.compare_direct {
        if opts.proxy.is_none() {
            return Err(ProxyError::BadProxy {
                proxy: String::new(),
                reason: "--compare-direct needs --proxy".into(),
            }
            .into());
        }
        let mut direct = opts.inspect.clone();
        direct.net.proxy = None;
        let direct = crate::handshake::inspect(&direct)?;
        aopts.direct = Some(Observation::from_inspection(&direct, None));
    }
    let baseline_path = match (&opts.baseline_file, opts.remember) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => Some(baseline::default_path().ok_or_else(|| MitmError::Baseline {
            path: "(default)".into(),
            detail: "neither XDG_STATE_HOME nor HOME is set; give --baseline FILE".into(),
        })?),
        (None, false) => None,
    };
    let key = obs.target.clone();
    let mut file = None;
    if let Some(path) = &baseline_path {
        let f = BaselineFile::load(path, opts.remember)?;
        aopts.baseline = Some((key.clone(), f.hosts.get(&key).cloned()));
        file = Some(f);
    }
    let mut a = assess_observation(&obs, &aopts)?;
    a.starttls = ins.starttls.clone();
    if let (Some(path), Some(mut f), Some(b)) = (&baseline_path, file, a.baseline.as_mut()) {
        b.file = Some(path.display().to_string());
        if opts.remember {
            let now = opts.assess.at.unwrap_or_else(now_unix);
            match b.status {
                BaselineStatus::NoEntry => {
                    if let Some(e) = obs.baseline_entry(now) {
                        f.hosts.insert(key.clone(), e);
                        b.action = Some("recorded".into());
                    }
                }
                BaselineStatus::Match => {
                    if let Some(e) = f.hosts.get_mut(&key) {
                        e.last_seen_unix = now;
                        b.action = Some("updated".into());
                    }
                }
                // A changed host keeps its old entry: accepting a change is the user's call.
                BaselineStatus::Changed => b.action = Some("kept".into()),
            }
            f.version = 1;
            f.save(path)?;
        }
    }
    Ok(a)
}
