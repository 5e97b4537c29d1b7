//! Logjam (Adrian et al., "Imperfect Forward Secrecy", CCS 2015): DHE_EXPORT suites let a man
//! in the middle downgrade to 512-bit DH, and 1024-bit primes are within reach of a
//! precomputation, all the more when the prime is one many servers share (the number field
//! sieve's expensive part depends on the prime only). Judged from the DHE primes the
//! enumeration saw (compared with the well-known groups of RFC 2409/3526/5114/7919), plus one
//! hello offering only DHE_EXPORT suites when nothing else decided.

use super::dh_primes::KNOWN;
use super::freak::{ExportProbe, offer_export};
use super::{Check, CheckFuture, CheckInfo, Context, Outcome, Runner, Verdict};
use crate::probe::suite::SuiteInfo;

/// The check.
pub const CHECK: Check = Check {
    info: CheckInfo {
        id: "logjam",
        title: "Logjam (weak DH)",
        cve: &["CVE-2015-4000"],
        source: "https://weakdh.org/imperfect-forward-secrecy-ccs15.pdf",
        method: "DHE primes of the enumeration's ServerKeyExchanges (<= 1024 bits is vulnerable; \
                 compared with the RFC 2409/3526/5114/7919 primes by SHA-256); DHE_EXPORT from \
                 the enumeration or one hello offering only DHE_EXPORT suites",
        active: true,
    },
    run: Runner::Active(run),
};

fn dhe_export(i: &SuiteInfo) -> bool {
    i.export() && i.is_dhe()
}

/// The well-known group a prime is, if any.
pub(super) fn known_prime(prime: &[u8]) -> Option<&'static str> {
    let start = prime.iter().position(|b| *b != 0).unwrap_or(prime.len());
    let digest = hex::encode(ring::digest::digest(&ring::digest::SHA256, &prime[start..]));
    KNOWN
        .iter()
        .find(|(_, _, h)| *h == digest)
        .map(|(name, _, _)| *name)
}

fn bits(prime: &[u8]) -> usize {
    prime
        .iter()
        .position(|b| *b != 0)
        .map(|i| (prime.len() - i) * 8 - prime[i].leading_zeros() as usize)
        .unwrap_or(0)
}

fn run<'a>(cx: &'a Context<'a>) -> CheckFuture<'a> {
    Box::pin(async move {
        let primes: Vec<(String, usize, Option<&str>)> = cx
            .report
            .raw
            .dh_primes
            .iter()
            .map(|d| {
                let at = format!(
                    "{} ({})",
                    d.version,
                    crate::probe::suite::suite_name(d.suite)
                );
                (at, bits(&d.prime), known_prime(&d.prime))
            })
            .collect();
        let describe = |(at, b, k): &(String, usize, Option<&str>)| match k {
            Some(name) => format!("{b}-bit prime in {at}, the well-known {name}"),
            None => format!("{b}-bit prime in {at}"),
        };
        let weak: Vec<String> = primes
            .iter()
            .filter(|(_, b, _)| *b <= 1024)
            .map(describe)
            .collect();
        if !weak.is_empty() {
            let common = primes.iter().any(|(_, b, k)| *b <= 1024 && k.is_some());
            let reason = if common {
                "DHE with a 1024-bit or smaller prime that many servers share: one \
                 precomputation breaks them all"
            } else {
                "DHE with a 1024-bit or smaller prime"
            };
            return Ok(Outcome::new(Verdict::Vulnerable, reason).with_evidence(weak.join("; ")));
        }
        let strong = if primes.is_empty() {
            "no DHE key exchange".to_string()
        } else {
            format!(
                "DHE primes: {}",
                primes.iter().map(describe).collect::<Vec<_>>().join("; ")
            )
        };
        Ok(match offer_export(cx, dhe_export).await? {
            p @ (ExportProbe::Enumerated(_) | ExportProbe::Picked { .. }) => {
                super::freak::judge(p, "DHE_EXPORT")
            }
            ExportProbe::Refused(how) => Outcome::new(
                Verdict::NotVulnerable,
                format!("{strong}; DHE_EXPORT refused"),
            )
            .with_evidence(how),
            ExportProbe::NoLegacy => Outcome::new(
                Verdict::NotVulnerable,
                "no TLS <= 1.2 version accepted, so no DHE",
            ),
            ExportProbe::Unknown(how) => Outcome::new(
                Verdict::Inconclusive,
                format!("{strong}; the hello offering only DHE_EXPORT got no usable answer: {how}"),
            ),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_primes_are_recognised_with_or_without_a_leading_zero() {
        // RFC 3526 group 14, as OpenSSL's modp_2048 prints it.
        let p14 = hex::decode(concat!(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B2251",
            "4A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C",
            "42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007C",
            "B8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED52907",
            "7096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC",
            "07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAC",
            "AA68FFFFFFFFFFFFFFFF"
        ))
        .unwrap();
        assert_eq!(known_prime(&p14), Some("RFC 3526 group 14 (2048 bits)"));
        let mut padded = vec![0];
        padded.extend(&p14);
        assert_eq!(known_prime(&padded), Some("RFC 3526 group 14 (2048 bits)"));
        assert_eq!(bits(&padded), 2048);
        let mut other = p14.clone();
        other[100] ^= 1;
        assert_eq!(known_prime(&other), None);
    }
}
