//! `no_proxy` / `NO_PROXY`, read as curl reads it and only with `--proxy env`: the targets to
//! reach directly although the environment names a proxy. A comma (or space) separated list of
//! `*` (every target), host names that match themselves and their subdomains (`example.com`
//! and `.example.com` alike, `*.example.com` too), IP addresses, CIDR blocks (`10.0.0.0/8`,
//! `fd00::/8`), each optionally with `:PORT` (`[v6]:PORT` for IPv6) to bypass only that port.
//! Names are compared as written, never resolved: `localhost` does not cover `127.0.0.1`, and
//! an address target is matched against address entries only.

use std::net::IpAddr;

use super::Target;

/// One entry of the list, as understood.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    /// `*`: everything.
    All,
    /// A name and its subdomains (lower case, without leading or trailing dots).
    Name(String),
    /// An address block (a single address is a /32 or /128).
    Net(IpAddr, u8),
}

/// An entry with its optional port and the text it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    rule: Rule,
    port: Option<u16>,
    text: String,
}

/// A parsed `no_proxy` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<Entry>,
}

impl NoProxy {
    /// Parses a list; entries that are none of the forms above are left out (the variable is
    /// shared with every other program, which may accept forms we do not).
    pub fn parse(list: &str) -> Self {
        let entries = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
            .filter_map(entry)
            .collect();
        Self { entries }
    }

    /// `no_proxy`, else `NO_PROXY` (curl's order), with the variable's name.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Option<(&'static str, Self)> {
        ["no_proxy", "NO_PROXY"]
            .into_iter()
            .find_map(|k| get(k).filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
            .map(|(k, v)| (k, Self::parse(&v)))
    }

    /// The first entry that covers `target`, as written in the list.
    pub fn matching(&self, target: &Target) -> Option<&str> {
        let host = target.host.trim_end_matches('.').to_ascii_lowercase();
        let ip = target.ip();
        self.entries
            .iter()
            .find(|e| {
                e.port.is_none_or(|p| p == target.port)
                    && match &e.rule {
                        Rule::All => true,
                        // As curl: an address is matched against addresses only.
                        Rule::Name(n) => {
                            ip.is_none()
                                && (host == *n
                                    || host
                                        .strip_suffix(n.as_str())
                                        .is_some_and(|rest| rest.ends_with('.')))
                        }
                        Rule::Net(net, len) => ip.is_some_and(|ip| in_block(ip, *net, *len)),
                    }
            })
            .map(|e| e.text.as_str())
    }
}

fn entry(text: &str) -> Option<Entry> {
    let e = |rule, port| {
        Some(Entry {
            rule,
            port,
            text: text.to_string(),
        })
    };
    if text == "*" {
        return e(Rule::All, None);
    }
    // CIDR first: "fd00::/8" must not be split at a colon.
    if let Some((addr, len)) = text.split_once('/') {
        let addr: IpAddr = addr.trim_matches(|c| c == '[' || c == ']').parse().ok()?;
        let len: u8 = len.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        return if len <= max {
            e(Rule::Net(addr, len), None)
        } else {
            None
        };
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return e(Rule::Net(ip, full(ip)), None);
    }
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        (h, port)
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (text, None),
        }
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return e(Rule::Net(ip, full(ip)), port);
    }
    let name = host
        .strip_prefix("*.")
        .unwrap_or(host)
        .trim_start_matches('.')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if name.is_empty() || name.contains(['/', '*', '[']) {
        return None;
    }
    e(Rule::Name(name), port)
}

fn full(ip: IpAddr) -> u8 {
    if ip.is_ipv4() { 32 } else { 128 }
}

fn in_block(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Target {
        Target::parse(s, 443).unwrap()
    }

    #[test]
    fn names_cover_themselves_and_their_subdomains() {
        let np = NoProxy::parse("example.com, .corp.test,*.wild.test");
        for hit in [
            "example.com",
            "www.example.com",
            "EXAMPLE.COM.",
            "corp.test",
            "a.b.corp.test",
            "x.wild.test",
        ] {
            assert!(np.matching(&t(hit)).is_some(), "{hit}");
        }
        for miss in [
            "notexample.com",
            "example.com.evil",
            "corp.testing",
            "127.0.0.1",
        ] {
            assert_eq!(np.matching(&t(miss)), None, "{miss}");
        }
        assert_eq!(np.matching(&t("mail.corp.test:25")), Some(".corp.test"));
    }

    #[test]
    fn addresses_blocks_and_ports() {
        let np = NoProxy::parse("10.0.0.0/8 192.168.1.7,::1,fd00::/8,localhost:8443,[fe80::1]:22");
        assert_eq!(np.matching(&t("10.20.30.40")), Some("10.0.0.0/8"));
        assert_eq!(np.matching(&t("11.0.0.1")), None);
        assert_eq!(np.matching(&t("192.168.1.7:993")), Some("192.168.1.7"));
        assert_eq!(np.matching(&t("192.168.1.8")), None);
        assert_eq!(np.matching(&t("[::1]:25")), Some("::1"));
        assert_eq!(np.matching(&t("[fd12::5]")), Some("fd00::/8"));
        assert_eq!(np.matching(&t("localhost:8443")), Some("localhost:8443"));
        assert_eq!(np.matching(&t("localhost:443")), None);
        assert_eq!(np.matching(&t("[fe80::1]:22")), Some("[fe80::1]:22"));
        assert_eq!(np.matching(&t("[fe80::1]:23")), None);
        // A name never covers an address, nor the reverse: nothing is resolved.
        assert_eq!(NoProxy::parse("localhost").matching(&t("127.0.0.1")), None);
        assert_eq!(NoProxy::parse(".0.0.1").matching(&t("127.0.0.1")), None);
        assert!(
            NoProxy::parse("0.0.0.0/0")
                .matching(&t("8.8.8.8"))
                .is_some()
        );
    }

    #[test]
    fn star_bad_entries_and_the_variables() {
        assert_eq!(NoProxy::parse("*").matching(&t("anything")), Some("*"));
        // Bad entries are left out; the good ones still count.
        let np = NoProxy::parse("10.0.0.0/40,host:port,[::1,,*.*,ok.test");
        assert_eq!(np.entries.len(), 1, "{np:?}");
        assert!(np.matching(&t("ok.test")).is_some());
        let env = crate::net::env_lookup;
        assert_eq!(NoProxy::from_lookup(env(&[])), None);
        let (var, np) =
            NoProxy::from_lookup(env(&[("NO_PROXY", "b.test"), ("no_proxy", "a.test")])).unwrap();
        assert_eq!(var, "no_proxy");
        assert!(np.matching(&t("a.test")).is_some());
        let (var, _) = NoProxy::from_lookup(env(&[("no_proxy", " "), ("NO_PROXY", "b")])).unwrap();
        assert_eq!(var, "NO_PROXY");
    }
}
