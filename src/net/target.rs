//! `HOST[:PORT]` targets: names, IPv4, and bracketed or bare IPv6.

use std::net::IpAddr;

use super::NetError;

/// A host and port to connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Host name or IP literal (without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl Target {
    /// Parses `host`, `host:port`, `[v6]:port`, `v6` (bare IPv6 takes the default port).
    pub fn parse(s: &str, default_port: u16) -> Result<Self, NetError> {
        let bad = |why: &str| NetError::BadTarget {
            target: s.to_string(),
            reason: why.to_string(),
        };
        let s = s.trim();
        let s = s
            .strip_prefix("https://")
            .unwrap_or(s)
            .trim_end_matches('/');
        if s.is_empty() {
            return Err(bad("empty host"));
        }
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, after) = rest.split_once(']').ok_or_else(|| bad("missing ']'"))?;
            let port = match after.strip_prefix(':') {
                Some(p) => Some(p),
                None if after.is_empty() => None,
                None => return Err(bad("expected ':' after ']'")),
            };
            (h.to_string(), port)
        } else if s.parse::<IpAddr>().is_ok() {
            (s.to_string(), None)
        } else {
            match s.rsplit_once(':') {
                Some((h, p)) => (h.to_string(), Some(p)),
                None => (s.to_string(), None),
            }
        };
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| bad("port must be a number from 1 to 65535"))?,
            None => default_port,
        };
        if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(bad("not a host name or IP address"));
        }
        Ok(Self { host, port })
    }

    /// The host as an IP address, if it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_people_type() {
        let t = |s| Target::parse(s, 443).unwrap();
        assert_eq!(
            t("example.com"),
            Target {
                host: "example.com".into(),
                port: 443
            }
        );
        assert_eq!(t("example.com:8443").port, 8443);
        assert_eq!(t("127.0.0.1:4433").host, "127.0.0.1");
        assert_eq!(
            t("[::1]:4433"),
            Target {
                host: "::1".into(),
                port: 4433
            }
        );
        assert_eq!(t("::1").port, 443);
        assert_eq!(t("https://example.com/").host, "example.com");
        assert_eq!(t("[::1]:4433").to_string(), "[::1]:4433");
    }

    #[test]
    fn rejects_bad_ports_and_hosts() {
        for s in ["", "host:0", "host:99999", "host:abc", "[::1", "a b"] {
            assert!(Target::parse(s, 443).is_err(), "{s}");
        }
    }
}
