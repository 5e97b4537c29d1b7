//! FREAK (Beurdouche et al., "A Messy State of the Union", 2015): a server that accepts an
//! RSA_EXPORT suite signs a 512-bit RSA key a man in the middle factors in hours, and clients
//! with the state-machine bug accept it in a normal handshake. The enumeration offers export
//! suites in SSLv3 and TLS 1.0, where they are defined; servers also pick them at later
//! versions, so one hello offering only RSA_EXPORT suites at the highest version accepted asks
//! the question directly.

use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::probe::ProbeError;
use crate::probe::conn::Reply;
use crate::probe::suite::{self, SuiteInfo};

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "freak",
        title: "FREAK (RSA export)",
        cve: &["CVE-2015-0204"],
        source: "https://mitls.org/pages/attacks/SMACK#freak",
        method: "RSA_EXPORT suites from the enumeration (SSLv3, TLS 1.0); else one hello \
                 offering only the RSA_EXPORT suites at the highest TLS <= 1.2 version accepted",
        active: true,
    },
    run: Runner::Active(run),
};

fn rsa_export(i: &SuiteInfo) -> bool {
    i.export() && i.entry.kx == crate::suites::KeyExchange::Rsa
}

fn run<'a>(cx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(async move { Ok(judge(offer_export(cx, rsa_export).await?, "RSA_EXPORT")) })
}

/// What one hello offering only export suites found.
#[derive(Debug)]
pub(super) enum ExportProbe {
    /// The enumeration already found these accepted (no hello sent).
    Enumerated(Vec<crate::probe::report::FindingSuite>),
    /// The server picked `suite` at `version`; `detail` describes its key exchange.
    Picked {
        version: &'static str,
        suite: u16,
        detail: String,
    },
    /// The server refused (alert, close, another suite): the reply described.
    Refused(String),
    /// No usable answer (timeout, reset, not TLS, a suite that was not offered).
    Unknown(String),
    /// No TLS <= 1.2 version accepted: nothing to offer them in.
    NoLegacy,
}

/// Offers only the export suites matching `pred` at the highest TLS <= 1.2 version accepted,
/// unless the enumeration already found some.
pub(super) async fn offer_export(
    cx: &Context<'_>,
    pred: fn(&SuiteInfo) -> bool,
) -> Result<ExportProbe, ProbeError> {
    let found = super::suites_where(cx.report, |_, i| pred(i));
    if !found.is_empty() {
        return Ok(ExportProbe::Enumerated(found));
    }
    let Some((name, version)) = [
        ("TLSv1.2", 0x0303),
        ("TLSv1.1", 0x0302),
        ("TLSv1.0", 0x0301),
        ("SSLv3", 0x0300),
    ]
    .into_iter()
    .find(|(n, _)| super::accepted(cx.report, n)) else {
        return Ok(ExportProbe::NoLegacy);
    };
    let offer: Vec<u16> = suite::all_codes()
        .filter(|c| suite::cipher_suite(*c).is_some_and(|i| pred(&i)))
        .collect();
    let hello = crate::probe::enumerate::legacy_hello(cx.sni, version, &offer);
    Ok(match cx.scheduler.exchange(&hello).await? {
        Reply::Hello(f) if offer.contains(&f.server_hello.cipher_suite) => ExportProbe::Picked {
            version: name,
            suite: f.server_hello.cipher_suite,
            detail: key_detail(&f),
        },
        Reply::Hello(f) => ExportProbe::Unknown(format!(
            "the server chose {}, which was not offered",
            suite::suite_name(f.server_hello.cipher_suite)
        )),
        r @ (Reply::Alert { .. } | Reply::Closed) => ExportProbe::Refused(r.describe()),
        r => ExportProbe::Unknown(r.describe()),
    })
}

/// The size of the temporary key in an export ServerKeyExchange: RSA modulus (RSA_EXPORT) or
/// DH prime (DHE_EXPORT), both a 2-byte length then the number first.
fn key_detail(f: &crate::probe::Flight) -> String {
    let Some(ske) = &f.server_key_exchange else {
        return "no ServerKeyExchange".into();
    };
    let n = ske
        .get(..2)
        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
        .and_then(|len| ske.get(2..2 + len));
    match n {
        Some(n) => {
            let bits = n
                .iter()
                .position(|b| *b != 0)
                .map(|i| (n.len() - i) * 8 - n[i].leading_zeros() as usize)
                .unwrap_or(0);
            format!("ServerKeyExchange with a {bits}-bit temporary key")
        }
        None => "unreadable ServerKeyExchange".into(),
    }
}

/// The verdict shared by FREAK and Logjam's export part.
pub(super) fn judge(probe: ExportProbe, kind: &str) -> Outcome {
    match probe {
        ExportProbe::Enumerated(list) => Outcome::new(
            Verdict::Vulnerable,
            crate::probe::report::suites_message(&format!("{kind} suites accepted"), &list),
        )
        .with_evidence(super::name_suites(&list)),
        ExportProbe::Picked {
            version,
            suite: code,
            detail,
        } => Outcome::new(
            Verdict::Vulnerable,
            format!(
                "offered only {kind} suites in {version}, the server chose {}",
                suite::suite_name(code)
            ),
        )
        .with_evidence(format!(
            "ServerHello {} 0x{code:04X}; {detail}",
            suite::suite_name(code)
        )),
        ExportProbe::Refused(how) => {
            Outcome::new(Verdict::NotVulnerable, format!("{kind} suites refused"))
                .with_evidence(how)
        }
        ExportProbe::Unknown(how) => Outcome::new(
            Verdict::Inconclusive,
            format!("the hello offering only {kind} suites got no usable answer: {how}"),
        ),
        ExportProbe::NoLegacy => Outcome::new(
            Verdict::NotVulnerable,
            format!("no TLS <= 1.2 version accepted, so no {kind} suite"),
        ),
    }
}
