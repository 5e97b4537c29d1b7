//! Name rules on the server certificate that rustls-webpki's matching leaves out: a wildcard
//! dNSName over a public suffix (CA/B Forum BR 3.2.2.6, judged with the Public Suffix List the
//! `psl` crate compiles in, ICANN and private sections) and the subject commonName as a copy of
//! a subjectAltName entry (BR 7.1.4.3).

use std::net::{IpAddr, Ipv4Addr};

use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::GeneralName;

/// Which section of the Public Suffix List a suffix comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuffixSection {
    /// Registry-controlled (`com`, `co.uk`): no one but the registry controls the namespace.
    Icann,
    /// Operated by a company (`s3.amazonaws.com`, `github.io`): the operator may hold a wildcard.
    Private,
}

/// For a wildcard dNSName `*.rest`: the section whose public suffix `rest` is, or `None` when
/// the name is not a wildcard or `rest` is registrable. Unknown TLDs (`*.internal`) are not
/// listed suffixes and pass, as in Chrome.
pub fn wildcard_over_public_suffix(dns: &str) -> Option<SuffixSection> {
    let rest = dns.strip_prefix("*.")?;
    let rest = rest.strip_suffix('.').unwrap_or(rest).to_ascii_lowercase();
    let suffix = psl::suffix(rest.as_bytes())?;
    if suffix.trim().as_bytes() != rest.as_bytes() {
        return None;
    }
    match suffix.typ()? {
        psl::Type::Icann => Some(SuffixSection::Icann),
        psl::Type::Private => Some(SuffixSection::Private),
    }
}

/// How a subject commonName fails to be a copy of a subjectAltName entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CnProblem {
    /// The same identity as `san`, spelled differently (letter case, IPv4 with leading zeros
    /// or in hex, IPv6 not in RFC 5952 form): name checkers that read the CN and those that
    /// read the SAN may disagree.
    Alias {
        /// The commonName.
        cn: String,
        /// The SAN entry it spells differently (`DNS:…` or `IP:…`).
        san: String,
    },
    /// A non-ASCII (U-label) name, which no dNSName (IA5String, A-labels) can equal.
    NotAscii {
        /// The commonName.
        cn: String,
    },
    /// A name that is not among the SANs at all.
    Absent {
        /// The commonName.
        cn: String,
    },
}

impl CnProblem {
    /// One plain clause for a finding.
    pub fn describe(&self) -> String {
        match self {
            Self::Alias { cn, san } => {
                format!("has the commonName {cn:?}, a different spelling of its SAN {san}")
            }
            Self::NotAscii { cn } => format!(
                "has the non-ASCII commonName {cn:?}, which cannot copy a dNSName (A-labels only)"
            ),
            Self::Absent { cn } => {
                format!("has the commonName {cn:?}, which is not among its SANs")
            }
        }
    }
}

/// Each commonName of `cert` that is not a character-for-character copy of one of its
/// dNSName / iPAddress (RFC 5952 / dotted-decimal text) SANs. Empty when the certificate has
/// no SAN of those kinds: then the CN is the only name and nothing can disagree with it.
pub fn cn_san_problems(cert: &X509Certificate<'_>) -> Vec<CnProblem> {
    let Ok(Some(san)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    let mut dns = Vec::new();
    let mut ips = Vec::new();
    for n in &san.value.general_names {
        match n {
            GeneralName::DNSName(d) => dns.push(*d),
            GeneralName::IPAddress(b) => {
                if let Ok(a) = <[u8; 4]>::try_from(*b) {
                    ips.push(IpAddr::from(a));
                } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                    ips.push(IpAddr::from(a));
                }
            }
            _ => {}
        }
    }
    if dns.is_empty() && ips.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for attr in cert.subject().iter_common_name() {
        let Ok(cn) = attr.as_str() else { continue };
        if dns.contains(&cn) || ips.iter().any(|ip| ip.to_string() == cn) {
            continue;
        }
        let cn_owned = cn.to_string();
        if let Some(d) = dns.iter().find(|d| d.eq_ignore_ascii_case(cn)) {
            out.push(CnProblem::Alias {
                cn: cn_owned,
                san: format!("DNS:{d}"),
            });
        } else if let Some(ip) = lenient_ip(cn).filter(|ip| ips.contains(ip)) {
            out.push(CnProblem::Alias {
                cn: cn_owned,
                san: format!("IP:{ip}"),
            });
        } else if !cn.is_ascii() {
            out.push(CnProblem::NotAscii { cn: cn_owned });
        } else {
            out.push(CnProblem::Absent { cn: cn_owned });
        }
    }
    out
}

/// An IP address as lenient parsers read it: IPv6 in any RFC 4291 text form, IPv4 as
/// inet_aton(3) does (1 to 4 parts, each decimal, 0x-hex or 0-octal).
fn lenient_ip(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        return s.parse().ok().map(IpAddr::V6);
    }
    let parts: Vec<u32> = s
        .split('.')
        .map(|p| {
            if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
                u32::from_str_radix(h, 16).ok()
            } else if p.len() > 1 && p.starts_with('0') {
                u32::from_str_radix(&p[1..], 8).ok()
            } else {
                p.parse().ok()
            }
        })
        .collect::<Option<_>>()?;
    let (last, head) = parts.split_last()?;
    if head.len() > 3 || head.iter().any(|p| *p > 255) {
        return None;
    }
    let tail_bytes = 4 - head.len();
    if tail_bytes < 4 && *last >> (8 * tail_bytes) != 0 {
        return None;
    }
    let mut v: u32 = 0;
    for p in head {
        v = v << 8 | p;
    }
    let v = if tail_bytes == 4 {
        *last
    } else {
        v << (8 * tail_bytes) | last
    };
    Some(IpAddr::V4(Ipv4Addr::from(v)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_over_public_suffixes() {
        use SuffixSection::{Icann, Private};
        for (name, want) in [
            ("*.co.uk", Some(Icann)),
            ("*.COM.", Some(Icann)),
            ("*.example.co.uk", None),
            ("*.example.com", None),
            ("example.co.uk", None),
            ("*.s3.amazonaws.com", Some(Private)),
            ("*.github.io", Some(Private)),
            // Not in the list: an intranet name is registrable as far as the PSL knows.
            ("*.corp.internal", None),
            ("*.localhost", None),
        ] {
            assert_eq!(wildcard_over_public_suffix(name), want, "{name}");
        }
    }

    #[test]
    fn lenient_ipv4_forms() {
        let want = Some(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 1)));
        assert_eq!(lenient_ip("192.168.1.1"), want);
        assert_eq!(lenient_ip("192.168.001.001"), want);
        assert_eq!(lenient_ip("0xC0A80101"), want);
        assert_eq!(lenient_ip("192.168.257"), want);
        assert_eq!(lenient_ip("example.com"), None);
        assert_eq!(lenient_ip("256.1.1.1"), None);
    }
}
