//! Judgement: weaknesses with reasons, an SSL Labs-style grade (SSL Labs "SSL Server Rating
//! Guide" 2009r plus the 2014–2020 caps), and Mozilla server-side TLS profile compliance (v5.7).
//! Deviations from SSL Labs are listed in docs/audit.md.

use super::report::{
    AuditReport, Finding, FindingSuite, Grade, ProfileResult, Severity, VERSION_ORDER,
    suites_message,
};
use super::suite;

fn finding(r: &mut AuditReport, id: &str, severity: Severity, message: impl Into<String>) {
    r.findings.push(Finding {
        id: id.into(),
        severity,
        message: message.into(),
        suites: Vec::new(),
    });
}

/// The suites matching `pred`, each once with the versions where it matched, oldest first.
fn suites_where(
    infos: &[(String, suite::SuiteInfo)],
    pred: &dyn Fn(&str, &suite::SuiteInfo) -> bool,
) -> Vec<FindingSuite> {
    group_suites(
        infos
            .iter()
            .filter(|(v, i)| pred(v, i))
            .map(|(v, i)| (v.clone(), i.code)),
    )
}

/// (version, suite) pairs grouped per suite, in first-seen order, versions oldest first.
pub(crate) fn group_suites(pairs: impl Iterator<Item = (String, u16)>) -> Vec<FindingSuite> {
    let mut out: Vec<FindingSuite> = Vec::new();
    for (v, code) in pairs {
        let code_text = format!("0x{code:04X}");
        match out.iter_mut().find(|s| s.code == code_text) {
            Some(s) if !s.versions.contains(&v) => s.versions.push(v),
            Some(_) => {}
            None => out.push(FindingSuite {
                name: suite::suite_name(code),
                code: code_text,
                versions: vec![v],
            }),
        }
    }
    let rank = |v: &String| {
        VERSION_ORDER
            .iter()
            .position(|w| w == v)
            .unwrap_or(usize::MAX)
    };
    for s in &mut out {
        s.versions.sort_by_key(rank);
    }
    out
}

fn accepted(r: &AuditReport, v: &str) -> bool {
    r.protocols.get(v).copied().unwrap_or(false)
}

fn all_suites(r: &AuditReport) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for (v, list) in &r.cipher_suite_details {
        for s in list {
            if let Ok(code) = u16::from_str_radix(s.code.trim_start_matches("0x"), 16) {
                out.push((v.clone(), code));
            }
        }
    }
    out
}

/// Fills `findings`, `grade` and `mozilla`.
pub fn judge(r: &mut AuditReport) {
    findings(r);
    r.grade = grade(r);
    r.mozilla = ["modern", "intermediate", "old"]
        .iter()
        .map(|p| profile(r, p))
        .collect();
}

fn findings(r: &mut AuditReport) {
    let suites = all_suites(r);
    let infos: Vec<(String, suite::SuiteInfo)> = suites
        .iter()
        .filter_map(|(v, c)| suite::cipher_suite(*c).map(|i| (v.clone(), i)))
        .collect();
    if accepted(r, "SSLv2") {
        finding(
            r,
            "sslv2",
            Severity::Critical,
            "SSLv2 accepted: broken protocol, enables DROWN against every server sharing the key",
        );
    }
    if accepted(r, "SSLv3") {
        finding(
            r,
            "sslv3",
            Severity::Critical,
            "SSLv3 accepted: POODLE breaks its CBC padding; RFC 7568 forbids it",
        );
    }
    if accepted(r, "TLSv1.0") {
        finding(
            r,
            "tls10",
            Severity::Warning,
            "TLS 1.0 accepted: deprecated by RFC 8996",
        );
    }
    if accepted(r, "TLSv1.1") {
        finding(
            r,
            "tls11",
            Severity::Warning,
            "TLS 1.1 accepted: deprecated by RFC 8996",
        );
    }
    if !accepted(r, "TLSv1.2") && !accepted(r, "TLSv1.3") && r.protocols.values().any(|a| *a) {
        finding(
            r,
            "no_modern_tls",
            Severity::Critical,
            "neither TLS 1.2 nor TLS 1.3 accepted",
        );
    }
    if !accepted(r, "TLSv1.3") && r.protocols.values().any(|a| *a) {
        finding(r, "no_tls13", Severity::Info, "TLS 1.3 not accepted");
    }
    let mut flag =
        |id: &str, sev: Severity, what: &str, pred: &dyn Fn(&str, &suite::SuiteInfo) -> bool| {
            let list = suites_where(&infos, pred);
            if !list.is_empty() {
                r.findings.push(Finding::about_suites(id, sev, what, list));
            }
        };
    flag(
        "null_cipher",
        Severity::Critical,
        "NULL encryption accepted",
        &|_, i| i.null(),
    );
    flag(
        "anonymous",
        Severity::Critical,
        "anonymous key exchange accepted (no server authentication)",
        &|_, i| i.anonymous(),
    );
    flag(
        "export",
        Severity::Critical,
        "export-grade suites accepted (FREAK/Logjam)",
        &|_, i| i.export(),
    );
    flag(
        "rc4",
        Severity::Critical,
        "RC4 accepted (RFC 7465 prohibits it)",
        &|_, i| i.rc4(),
    );
    flag(
        "des",
        Severity::Critical,
        "single DES or RC2 accepted (56-bit or weaker)",
        &|_, i| i.des(),
    );
    flag(
        "sweet32",
        Severity::Warning,
        "64-bit block ciphers accepted (Sweet32)",
        &|_, i| i.sweet32(),
    );
    flag(
        "no_forward_secrecy",
        Severity::Warning,
        "suites without forward secrecy accepted",
        &|_, i| !i.forward_secret() && !i.anonymous(),
    );
    flag(
        "beast",
        Severity::Info,
        "CBC suites in TLS 1.0/SSLv3 (BEAST, mitigated client-side by 1/n-1 splitting)",
        &|v, i| (v == "TLSv1.0" || v == "SSLv3") && i.cbc(),
    );
    if !infos.is_empty() && infos.iter().all(|(_, i)| !i.forward_secret()) {
        finding(
            r,
            "no_fs_at_all",
            Severity::Critical,
            "no suite with forward secrecy: recorded traffic can be decrypted with the server key",
        );
    }
    if let Some(bits) = r.dh_bits {
        if bits < 1024 {
            finding(
                r,
                "logjam",
                Severity::Critical,
                format!("DH parameters of {bits} bits (Logjam)"),
            );
        } else if bits < 2048 {
            finding(
                r,
                "weak_dh",
                Severity::Warning,
                format!("DH parameters of {bits} bits (below 2048)"),
            );
        }
    }
    let f = r.features.clone();
    if f.compression == Some(true) {
        finding(
            r,
            "crime",
            Severity::Critical,
            "TLS compression enabled (CRIME)",
        );
    }
    if f.secure_renegotiation == Some(false) {
        finding(
            r,
            "insecure_renegotiation",
            Severity::Warning,
            "no secure renegotiation (RFC 5746) in every TLS answer",
        );
    }
    if f.extended_master_secret == Some(false) {
        finding(
            r,
            "no_ems",
            Severity::Warning,
            "no extended master secret (RFC 7627): triple-handshake attacks",
        );
    }
    // RFC 8446 §4.1.3: a TLS 1.3 server's downgrade sentinel protects the 1.3 → 1.2 fallback
    // as TLS_FALLBACK_SCSV would; it is enough when nothing older than TLS 1.2 is accepted.
    let sentinel_covers = f.downgrade_sentinel == Some(true)
        && ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"]
            .iter()
            .all(|v| !accepted(r, v));
    if f.fallback_scsv == Some(false) && !sentinel_covers {
        finding(
            r,
            "no_fallback_scsv",
            Severity::Warning,
            "TLS_FALLBACK_SCSV not honoured: downgrade protection missing",
        );
    }
    if f.heartbeat == Some(true) {
        finding(
            r,
            "heartbeat",
            Severity::Info,
            "heartbeat extension enabled (Heartbleed itself not tested)",
        );
    }
    if let Some(v) = &r.certificate_verification
        && !v.trusted
    {
        let why: Vec<String> = v.errors.iter().map(|e| e.message.clone()).collect();
        // A valid chain from a server that did not prove it holds the key is not the chain's fault.
        let what = if v.chain_trusted {
            "server not authenticated (its chain is valid)"
        } else {
            "certificate chain not trusted"
        };
        let msg = format!("{what}: {}", why.join("; "));
        finding(r, "cert_untrusted", Severity::Critical, msg);
    }
    if let Some(c) = r.certificate.clone() {
        if c.expired {
            finding(
                r,
                "cert_expired",
                Severity::Critical,
                format!("certificate expired on {}", c.not_after),
            );
        }
        if c.key_type == "RSA" && c.key_bits < 2048 {
            finding(
                r,
                "weak_key",
                Severity::Critical,
                format!("RSA key of {} bits", c.key_bits),
            );
        }
        if c.signature_algorithm.contains("SHA1") || c.signature_algorithm.contains("md5") {
            finding(
                r,
                "weak_cert_signature",
                Severity::Warning,
                format!("leaf signed with {}", c.signature_algorithm),
            );
        }
    }
}

fn version_score(v: &str) -> u32 {
    match v {
        "SSLv2" => 0,
        "SSLv3" => 80,
        "TLSv1.0" => 90,
        "TLSv1.1" => 95,
        _ => 100,
    }
}

fn bits_score(bits: usize) -> u32 {
    match bits {
        0 => 0,
        1..=511 => 20,
        512..=1023 => 40,
        1024..=2047 => 80,
        2048..=4095 => 90,
        _ => 100,
    }
}

fn cipher_bits_score(bits: u16) -> u32 {
    match bits {
        0 => 0,
        1..=127 => 20,
        128..=255 => 80,
        _ => 100,
    }
}

/// RSA-equivalent size of an elliptic-curve group (NIST SP 800-57 table 2).
fn ec_rsa_equiv(strength: u16) -> usize {
    match strength {
        0..=80 => 1024,
        81..=112 => 2048,
        113..=128 => 3072,
        129..=192 => 7680,
        _ => 15360,
    }
}

fn grade(r: &AuditReport) -> Grade {
    let versions: Vec<&String> = r
        .protocols
        .iter()
        .filter(|(_, a)| **a)
        .map(|(v, _)| v)
        .collect();
    if versions.is_empty() {
        return Grade {
            grade: "-".into(),
            caps: vec!["no protocol accepted: nothing to grade".into()],
            ..Default::default()
        };
    }
    let scores: Vec<u32> = versions.iter().map(|v| version_score(v)).collect();
    let protocol_score =
        (scores.iter().max().copied().unwrap_or(0) + scores.iter().min().copied().unwrap_or(0)) / 2;

    let suites = all_suites(r);
    let infos: Vec<suite::SuiteInfo> = suites
        .iter()
        .filter_map(|(_, c)| suite::cipher_suite(*c))
        .collect();
    // Key exchange: the weakest exchange any accepted suite allows.
    let cert_bits = r
        .certificate
        .as_ref()
        .map(|c| {
            if c.key_type == "RSA" {
                c.key_bits
            } else {
                ec_rsa_equiv(128)
            }
        })
        .unwrap_or(2048);
    let mut kx_bits: Vec<usize> = Vec::new();
    for i in &infos {
        if i.anonymous() {
            kx_bits.push(0);
        } else if i.export() {
            kx_bits.push(512);
        } else if i.is_dhe() {
            kx_bits.push(r.dh_bits.unwrap_or(2048));
        } else if i.is_ecdhe() || i.is_tls13() {
            let weakest = r
                .groups
                .iter()
                .map(|g| suite::group_strength(g.code))
                .min()
                .unwrap_or(128);
            kx_bits.push(ec_rsa_equiv(weakest));
        } else {
            kx_bits.push(cert_bits);
        }
    }
    let key_exchange_score = kx_bits.iter().map(|b| bits_score(*b)).min().unwrap_or(0);
    let cbits: Vec<u32> = infos.iter().map(|i| cipher_bits_score(i.bits())).collect();
    let cipher_score =
        (cbits.iter().max().copied().unwrap_or(0) + cbits.iter().min().copied().unwrap_or(0)) / 2;
    let score = (protocol_score * 30 + key_exchange_score * 30 + cipher_score * 40) / 100;
    let mut letter = match score {
        80.. => "A",
        65..=79 => "B",
        50..=64 => "C",
        35..=49 => "D",
        20..=34 => "E",
        _ => "F",
    }
    .to_string();
    let mut caps = Vec::new();
    let rank = |g: &str| {
        ["A+", "A", "A-", "B", "C", "D", "E", "T", "F"]
            .iter()
            .position(|x| *x == g)
            .unwrap_or(7)
    };
    let cap = |to: &str, why: &str, letter: &mut String, caps: &mut Vec<String>| {
        caps.push(format!("{to}: {why}"));
        if rank(to) > rank(letter) {
            *letter = to.to_string();
        }
    };
    let has = |id: &str| r.findings.iter().any(|f| f.id == id);
    for (id, to, why) in [
        ("sslv2", "F", "SSLv2 accepted"),
        ("export", "F", "export suites accepted"),
        ("anonymous", "F", "anonymous suites accepted"),
        ("null_cipher", "F", "NULL suites accepted"),
        ("logjam", "F", "DH parameters below 1024 bits"),
        ("crime", "C", "TLS compression (CRIME)"),
        ("sslv3", "C", "SSLv3 accepted (POODLE)"),
        ("rc4", "C", "RC4 accepted"),
        ("no_modern_tls", "C", "no TLS 1.2 or 1.3"),
        ("insecure_renegotiation", "C", "no secure renegotiation"),
        ("sweet32", "C", "64-bit block ciphers (3DES)"),
        ("des", "F", "single DES accepted"),
        ("tls10", "B", "TLS 1.0 accepted"),
        ("tls11", "B", "TLS 1.1 accepted"),
        ("no_fs_at_all", "B", "no forward secrecy"),
        ("weak_dh", "B", "DH parameters below 2048 bits"),
        ("weak_key", "B", "RSA key below 2048 bits"),
        ("no_fallback_scsv", "A-", "no TLS_FALLBACK_SCSV"),
        ("cert_expired", "T", "certificate expired"),
        ("cert_untrusted", "T", "certificate chain not trusted"),
    ] {
        if has(id) {
            cap(to, why, &mut letter, &mut caps);
        }
    }
    if !infos.is_empty() && !infos.iter().any(|i| i.aead()) {
        cap("A-", "no AEAD suite", &mut letter, &mut caps);
    }
    for v in vulnerable(r) {
        if let Some((to, why)) = vulnerability_cap(v) {
            cap(to, &why, &mut letter, &mut caps);
        }
    }
    Grade {
        grade: letter,
        score,
        protocol_score,
        key_exchange_score,
        cipher_score,
        caps,
    }
}

/// The checks that found their flaw.
fn vulnerable(r: &AuditReport) -> impl Iterator<Item = &super::checks::Vulnerability> {
    r.vulnerabilities
        .iter()
        .filter(|v| v.outcome.result == super::checks::Verdict::Vulnerable)
}

/// SSL Labs' caps for a confirmed vulnerability (Rating Guide 2009r and its 2014-2020 updates):
/// F for Heartbleed, CCS injection, ROBOT, TLS POODLE, DROWN, FREAK, Ticketbleed, insecure
/// renegotiation and DHE_EXPORT; B for Logjam's 1024-bit primes. Exposures (BEAST, Lucky13,
/// BREACH) and what the findings already cap (SSLv3 POODLE, RC4, Sweet32, CRIME, RFC 5746,
/// fallback SCSV) add nothing.
fn vulnerability_cap(v: &super::checks::Vulnerability) -> Option<(&'static str, String)> {
    let to = match v.info.id {
        "heartbleed"
        | "ccs_injection"
        | "robot"
        | "tls_poodle"
        | "drown"
        | "freak"
        | "ticketbleed"
        | "renegotiation_insecure" => "F",
        "logjam" if v.outcome.reason.contains("DHE_EXPORT") => "F",
        "logjam" => "B",
        _ => return None,
    };
    Some((to, format!("vulnerable to {}", v.info.title)))
}

/// Vulnerabilities no Mozilla profile tolerates: every confirmed flaw except the exposures
/// (BEAST, Lucky13, BREACH) and the weak suites the old profile allows on purpose (3DES).
const PROFILE_BREAKERS: &[&str] = &[
    "heartbleed",
    "ccs_injection",
    "robot",
    "tls_poodle",
    "poodle",
    "drown",
    "freak",
    "logjam",
    "ticketbleed",
    "renegotiation_insecure",
    "secure_renegotiation",
    "crime",
];

const MODERN_SUITES: &[u16] = &[0x1301, 0x1302, 0x1303];
const INTERMEDIATE_12: &[u16] = &[
    0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0x009E, 0x009F, 0xCCAA,
];
const OLD_EXTRA: &[u16] = &[
    0xC023, 0xC027, 0xC009, 0xC013, 0xC024, 0xC028, 0xC00A, 0xC014, 0x0067, 0x006B, 0x009C, 0x009D,
    0x003C, 0x003D, 0x002F, 0x0035, 0x000A,
];

/// Compliance with one Mozilla profile (https://ssl-config.mozilla.org/guidelines/5.7.json).
fn profile(r: &AuditReport, name: &str) -> ProfileResult {
    let (versions, suites, min_dh): (&[&str], Vec<u16>, usize) = match name {
        "modern" => (&["TLSv1.3"], MODERN_SUITES.to_vec(), 0),
        "intermediate" => (
            &["TLSv1.2", "TLSv1.3"],
            [MODERN_SUITES, INTERMEDIATE_12].concat(),
            2048,
        ),
        _ => (
            &["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
            [MODERN_SUITES, INTERMEDIATE_12, OLD_EXTRA].concat(),
            1024,
        ),
    };
    let mut failures = Vec::new();
    for (v, a) in &r.protocols {
        if *a && !versions.contains(&v.as_str()) {
            failures.push(format!("{v} must be disabled"));
        }
    }
    // A version that never answered may be enabled: compliance cannot be claimed. (SSLv2 is
    // left out: its hello gets one try and a real SSLv2 server answers it at once.)
    for d in &r.protocol_details {
        if d.status == super::report::ProtocolStatus::NoAnswer
            && d.version != "SSLv2"
            && !versions.contains(&d.version.as_str())
        {
            failures.push(format!(
                "{} got no answer: cannot confirm it is disabled",
                d.version
            ));
        }
    }
    for v in vulnerable(r).filter(|v| PROFILE_BREAKERS.contains(&v.info.id)) {
        failures.push(format!("vulnerable to {}", v.info.title));
    }
    let needed = if name == "modern" {
        "TLSv1.3"
    } else {
        "TLSv1.2"
    };
    if !accepted(r, needed) {
        failures.push(format!("{needed} must be enabled"));
    }
    let mut outside = group_suites(
        all_suites(r)
            .into_iter()
            .filter(|(_, c)| !suites.contains(c)),
    );
    outside.sort_by(|a, b| a.name.cmp(&b.name));
    if !outside.is_empty() {
        failures.push(suites_message("suites outside the profile", &outside));
    }
    let allowed_groups: &[u16] = if name == "modern" {
        &[0x001D, 0x0017, 0x0018, 0x11EC]
    } else {
        &[0x001D, 0x0017, 0x0018, 0x11EC, 0x0100, 0x0101, 0x0102]
    };
    let bad_groups: Vec<String> = r
        .groups
        .iter()
        .filter(|g| !allowed_groups.contains(&g.code))
        .map(|g| g.name.clone())
        .collect();
    if !bad_groups.is_empty() {
        failures.push(format!(
            "groups outside the profile: {}",
            bad_groups.join(", ")
        ));
    }
    if let Some(bits) = r.dh_bits {
        if min_dh > 0 && bits < min_dh {
            failures.push(format!(
                "DH parameters of {bits} bits, profile needs {min_dh}"
            ));
        } else if name == "modern" {
            failures.push("DHE must not be offered".into());
        }
    }
    if let Some(c) = &r.certificate {
        match name {
            "modern" if c.key_type != "EC" => failures.push(format!(
                "certificate key {} {}: profile wants ECDSA P-256",
                c.key_type, c.key_bits
            )),
            _ if c.key_type == "RSA" && c.key_bits < 2048 => failures.push(format!(
                "RSA key of {} bits, profile needs 2048",
                c.key_bits
            )),
            _ => {}
        }
    }
    ProfileResult {
        profile: name.into(),
        compliant: failures.is_empty(),
        failures,
        suites_outside: outside,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::report::SuiteResult;

    fn with(versions: &[&str], suites: &[(&str, u16)]) -> AuditReport {
        let mut r = AuditReport::default();
        for v in ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
            r.protocols.insert(v.into(), versions.contains(&v));
        }
        for (v, c) in suites {
            r.cipher_suite_details
                .entry(v.to_string())
                .or_default()
                .push(SuiteResult {
                    code: format!("0x{c:04X}"),
                    name: suite::suite_name(*c),
                    rating: suite::Rating::Recommended,
                    reasons: vec![],
                    flags: vec![],
                    key_exchange: None,
                });
        }
        r
    }

    #[test]
    fn modern_server_grades_a_and_meets_modern() {
        let mut r = with(&["TLSv1.3"], &[("TLSv1.3", 0x1301), ("TLSv1.3", 0x1302)]);
        r.groups.push(crate::probe::report::GroupResult {
            code: 0x1D,
            name: "x25519".into(),
            tls13: true,
            tls12: false,
        });
        judge(&mut r);
        assert_eq!(r.grade.grade, "A", "{:?}", r.grade);
        assert!(r.mozilla[0].compliant, "{:?}", r.mozilla[0]);
        assert!(!r.mozilla[1].compliant, "intermediate needs TLS 1.2");
    }

    #[test]
    fn legacy_server_is_capped_with_reasons() {
        let mut r = with(
            &["TLSv1.0", "TLSv1.2"],
            &[
                ("TLSv1.0", 0x000A),
                ("TLSv1.2", 0xC02F),
                ("TLSv1.0", 0x0005),
            ],
        );
        judge(&mut r);
        assert_eq!(r.grade.grade, "C", "{:?}", r.grade);
        let ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
        assert!(
            ids.contains(&"rc4") && ids.contains(&"sweet32") && ids.contains(&"tls10"),
            "{ids:?}"
        );
        assert!(
            !r.mozilla[2].compliant,
            "RC4 is outside even the old profile"
        );
        assert!(
            r.mozilla[2]
                .failures
                .iter()
                .any(|f| f.contains("TLS_RSA_WITH_RC4_128_SHA"))
        );
    }

    #[test]
    fn sslv2_is_f() {
        let mut r = with(&["SSLv2", "TLSv1.2"], &[("TLSv1.2", 0xC02F)]);
        judge(&mut r);
        assert_eq!(r.grade.grade, "F");
    }
}
