//! Target lists: one target per line, streamed. A line is `HOST`, `HOST:PORT`, `[V6]:PORT`, an
//! IPv4/IPv6 CIDR range, each optionally followed by whitespace and the SNI to send; `#` starts
//! a comment. Hosts without a port and CIDR ranges take every port of `--ports`. A CIDR range
//! is expanded lazily, so a /8 costs no memory.

use std::io::BufRead;
use std::net::IpAddr;

use crate::handshake::Target;

/// One target to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanTarget {
    /// Host and port.
    pub target: Target,
    /// SNI given on the line (`None`: the host name, or no SNI for an IP address).
    pub sni: Option<String>,
    /// Line number in the input (1-based).
    pub line: u64,
}

impl ScanTarget {
    /// The identity of a target in output files, shards and `--resume`: `HOST:PORT` (`[V6]:PORT`)
    /// followed by a space and the SNI when one was given on the line.
    pub fn key(&self) -> String {
        match &self.sni {
            Some(s) => format!("{} {s}", self.target),
            None => self.target.to_string(),
        }
    }
}

/// What one input line yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A target to scan.
    Target(ScanTarget),
    /// A line that is not a target: reported in the output, never silently dropped.
    Invalid {
        /// Line number (1-based).
        line: u64,
        /// The line as read (trimmed).
        text: String,
        /// What is wrong.
        reason: String,
    },
}

impl Item {
    /// The key of the item: [`ScanTarget::key`], or the line's text for an invalid line.
    pub fn key(&self) -> String {
        match self {
            Item::Target(t) => t.key(),
            Item::Invalid { text, .. } => text.clone(),
        }
    }
}

/// A parsed line before port expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    /// Explicit `host:port`.
    One(Target, Option<String>),
    /// A host without port: one target per port.
    Host(String, Option<String>),
    /// A CIDR range: every address, every port.
    Cidr(Cidr, Option<String>),
}

/// An IPv4 or IPv6 range, as first address and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    first: u128,
    /// Number of addresses minus one (a /0 of IPv6 does not fit a u128 count).
    last_offset: u128,
    v6: bool,
}

impl Cidr {
    /// Parses `ADDR/LEN`; host bits must be zero, as in routing tables.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (addr, len) = s.split_once('/').ok_or("not a CIDR range")?;
        let ip: IpAddr = addr
            .parse()
            .map_err(|_| format!("'{addr}' is not an IP address"))?;
        let len: u32 = len
            .parse()
            .map_err(|_| format!("'{len}' is not a prefix length"))?;
        let (v6, bits, value) = match ip {
            IpAddr::V4(a) => (false, 32, u128::from(u32::from(a))),
            IpAddr::V6(a) => (true, 128, u128::from(a)),
        };
        if len > bits {
            return Err(format!("prefix length {len} is longer than {bits}"));
        }
        let host_bits = bits - len;
        let last_offset = if host_bits == 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        if value & last_offset != 0 {
            return Err(format!(
                "{s} has host bits set (did you mean {}/{len}?)",
                to_ip(value & !last_offset, v6)
            ));
        }
        Ok(Self {
            first: value,
            last_offset,
            v6,
        })
    }

    /// Number of addresses, saturating.
    pub fn len(&self) -> u128 {
        self.last_offset.saturating_add(1)
    }

    /// Always false: a range holds at least one address.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn nth(&self, i: u128) -> IpAddr {
        to_ip(self.first + i, self.v6)
    }
}

fn to_ip(v: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(v.into())
    } else {
        IpAddr::V4(u32::try_from(v).unwrap_or(u32::MAX).into())
    }
}

fn parse_line(text: &str, default_port_given: bool) -> Result<Option<Line>, String> {
    let text = match text.find('#') {
        Some(i) => &text[..i],
        None => text,
    }
    .trim();
    if text.is_empty() {
        return Ok(None);
    }
    let mut words = text.split_whitespace();
    let first = words.next().unwrap_or_default();
    let sni = words.next().map(str::to_string);
    if let Some(extra) = words.next() {
        return Err(format!("unexpected '{extra}' (a line is TARGET [SNI])"));
    }
    if let Some(sni) = sni.as_ref().filter(|s| {
        rustls::pki_types::ServerName::try_from(s.as_str()).is_err() || s.parse::<IpAddr>().is_ok()
    }) {
        return Err(format!("'{sni}' is not a DNS name to send as SNI"));
    }
    if first.contains('/') && !first.starts_with("https://") {
        return Ok(Some(Line::Cidr(Cidr::parse(first)?, sni)));
    }
    let t = Target::parse(first, 0).map_err(|e| match e {
        crate::net::NetError::BadTarget { reason, .. } => reason,
        other => other.to_string(),
    })?;
    let _ = default_port_given;
    if t.port == 0 {
        Ok(Some(Line::Host(t.host, sni)))
    } else {
        Ok(Some(Line::One(t, sni)))
    }
}

/// Streams the targets of a list: lines are read one at a time, CIDR ranges expanded as
/// they are consumed.
pub struct TargetStream<R> {
    reader: R,
    ports: Vec<u16>,
    line_no: u64,
    buf: String,
    // Expansion in progress: (line, host or range, sni, next address index, next port index).
    pending: Option<Pending>,
    done: bool,
}

impl<R> std::fmt::Debug for TargetStream<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TargetStream")
            .field("line", &self.line_no)
            .finish()
    }
}

#[derive(Debug)]
struct Pending {
    line: u64,
    hosts: Hosts,
    sni: Option<String>,
    addr_index: u128,
    port_index: usize,
}

#[derive(Debug)]
enum Hosts {
    Name(String),
    Range(Cidr),
}

impl<R: BufRead> TargetStream<R> {
    /// A stream over `reader`; hosts without a port and ranges take each of `ports`.
    pub fn new(reader: R, ports: Vec<u16>) -> Self {
        Self {
            reader,
            ports: if ports.is_empty() { vec![443] } else { ports },
            line_no: 0,
            buf: String::new(),
            pending: None,
            done: false,
        }
    }

    fn next_from_pending(&mut self) -> Option<Item> {
        let p = self.pending.as_mut()?;
        let count = match &p.hosts {
            Hosts::Name(_) => 1,
            Hosts::Range(c) => c.len(),
        };
        // u128::MAX addresses (an IPv6 /0) ends one short; nobody scans that.
        if p.addr_index >= count {
            self.pending = None;
            return None;
        }
        let host = match &p.hosts {
            Hosts::Name(h) => h.clone(),
            Hosts::Range(c) => c.nth(p.addr_index).to_string(),
        };
        let port = self.ports[p.port_index];
        let item = Item::Target(ScanTarget {
            target: Target { host, port },
            sni: p.sni.clone(),
            line: p.line,
        });
        p.port_index += 1;
        if p.port_index == self.ports.len() {
            p.port_index = 0;
            p.addr_index += 1;
        }
        Some(item)
    }
}

impl<R: BufRead> Iterator for TargetStream<R> {
    type Item = std::io::Result<Item>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.next_from_pending() {
                return Some(Ok(item));
            }
            if self.done {
                return None;
            }
            self.buf.clear();
            match self.reader.read_line(&mut self.buf) {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) => {}
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
            self.line_no += 1;
            let line = self.line_no;
            match parse_line(&self.buf, true) {
                Ok(None) => continue,
                Ok(Some(Line::One(target, sni))) => {
                    return Some(Ok(Item::Target(ScanTarget { target, sni, line })));
                }
                Ok(Some(Line::Host(h, sni))) => {
                    self.pending = Some(Pending {
                        line,
                        hosts: Hosts::Name(h),
                        sni,
                        addr_index: 0,
                        port_index: 0,
                    })
                }
                Ok(Some(Line::Cidr(c, sni))) => {
                    self.pending = Some(Pending {
                        line,
                        hosts: Hosts::Range(c),
                        sni,
                        addr_index: 0,
                        port_index: 0,
                    })
                }
                Err(reason) => {
                    return Some(Ok(Item::Invalid {
                        line,
                        text: self.buf.trim().to_string(),
                        reason,
                    }));
                }
            }
        }
    }
}

/// A stable 64-bit hash of a key (FNV-1a, then the SplitMix64 finaliser so that `% N` uses
/// well-mixed bits). Fixed forever: shards of one list must agree across versions and machines.
pub fn key_hash(key: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in key.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// `--shard K/N`: this process scans the targets whose key hashes to `K` modulo `N` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u64,
    /// Number of shards.
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` (0-based K, as the batch engines number their tasks).
    pub fn parse(s: &str) -> Result<Self, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("--shard expects K/N (e.g. 0/4) or auto, not '{s}'"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("shard index '{k}' is not a number"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count '{n}' is not a number"))?;
        Self::new(index, count)
    }

    /// Checks `index < count`.
    pub fn new(index: u64, count: u64) -> Result<Self, String> {
        if count == 0 {
            return Err("the shard count must be at least 1".into());
        }
        if index >= count {
            return Err(format!(
                "shard index {index} is out of range: shards are numbered 0 to {} (0-based)",
                count - 1
            ));
        }
        Ok(Self { index, count })
    }

    /// The shard index from the environment of a batch engine: Kubernetes Indexed Jobs
    /// (`JOB_COMPLETION_INDEX`), AWS Batch array jobs (`AWS_BATCH_JOB_ARRAY_INDEX`), Slurm job
    /// arrays (`SLURM_ARRAY_TASK_ID`, made 0-based with `SLURM_ARRAY_TASK_MIN`). The count
    /// comes from `--shards` (Kubernetes has no count variable), else from
    /// `AWS_BATCH_JOB_ARRAY_SIZE` / `SLURM_ARRAY_TASK_COUNT`.
    pub fn from_env(
        count: Option<u64>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<(Self, &'static str), String> {
        let num = |name: &str| -> Result<Option<u64>, String> {
            match env(name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .map(Some)
                    .map_err(|_| format!("{name}='{v}' is not a number")),
            }
        };
        let (index, source, env_count) = if let Some(i) = num("JOB_COMPLETION_INDEX")? {
            (i, "JOB_COMPLETION_INDEX", None)
        } else if let Some(i) = num("AWS_BATCH_JOB_ARRAY_INDEX")? {
            (
                i,
                "AWS_BATCH_JOB_ARRAY_INDEX",
                num("AWS_BATCH_JOB_ARRAY_SIZE")?,
            )
        } else if let Some(i) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
            let k = i.checked_sub(min).ok_or_else(|| {
                format!("SLURM_ARRAY_TASK_ID {i} is below SLURM_ARRAY_TASK_MIN {min}")
            })?;
            (
                k / step,
                "SLURM_ARRAY_TASK_ID",
                num("SLURM_ARRAY_TASK_COUNT")?,
            )
        } else {
            return Err(
                "--shard auto: none of JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, \
                 SLURM_ARRAY_TASK_ID is set"
                    .into(),
            );
        };
        let count = count.or(env_count).ok_or_else(|| {
            format!("--shard auto with {source} needs --shards N (the number of shards)")
        })?;
        Ok((Self::new(index, count)?, source))
    }

    /// Whether this shard owns `key`.
    pub fn owns(&self, key: &str) -> bool {
        key_hash(key) % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(text: &str, ports: &[u16]) -> Vec<Item> {
        TargetStream::new(text.as_bytes(), ports.to_vec())
            .map(|r| r.unwrap())
            .collect()
    }

    fn keys(text: &str, ports: &[u16]) -> Vec<String> {
        items(text, ports).iter().map(Item::key).collect()
    }

    #[test]
    fn every_line_form() {
        let text = "# inventory\n\nexample.com\nexample.com:8443 # comment\n[::1]:4433 localhost\n\
                    127.0.0.1:443 www.example.test\n10.0.0.0/30\n::1\n";
        assert_eq!(
            keys(text, &[443, 8443]),
            [
                "example.com:443",
                "example.com:8443",
                "example.com:8443",
                "[::1]:4433 localhost",
                "127.0.0.1:443 www.example.test",
                "10.0.0.0:443",
                "10.0.0.0:8443",
                "10.0.0.1:443",
                "10.0.0.1:8443",
                "10.0.0.2:443",
                "10.0.0.2:8443",
                "10.0.0.3:443",
                "10.0.0.3:8443",
                "[::1]:443",
                "[::1]:8443",
            ]
        );
        let its = items("a.test\n\nb.test:1\n", &[]);
        let lines: Vec<u64> = its
            .iter()
            .map(|i| match i {
                Item::Target(t) => t.line,
                Item::Invalid { line, .. } => *line,
            })
            .collect();
        assert_eq!(lines, [1, 3]);
    }

    #[test]
    fn bad_lines_are_items_not_errors() {
        let its = items(
            "host:99999\n10.0.0.1/24\nhost:1 sni extra\nhost:1 10.0.0.1\nok:1\n",
            &[],
        );
        assert_eq!(its.len(), 5);
        for (i, want) in [
            (0, "port"),
            (1, "host bits"),
            (2, "unexpected"),
            (3, "not a DNS name"),
        ] {
            match &its[i] {
                Item::Invalid { reason, line, .. } => {
                    assert!(reason.contains(want), "{reason}");
                    assert_eq!(*line, i as u64 + 1);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(&its[4], Item::Target(_)));
    }

    #[test]
    fn large_ranges_stream() {
        let mut s = TargetStream::new("10.0.0.0/8\n".as_bytes(), vec![443]);
        let third = s.nth(2).unwrap().unwrap();
        assert_eq!(third.key(), "10.0.0.2:443");
        assert_eq!(Cidr::parse("10.0.0.0/8").unwrap().len(), 1 << 24);
        assert_eq!(Cidr::parse("::/0").unwrap().len(), u128::MAX);
    }

    #[test]
    fn shards_partition_and_are_stable() {
        let keys: Vec<String> = (0..10_000)
            .map(|i| format!("10.0.{}.{}:443", i / 256, i % 256))
            .collect();
        let mut counts = [0usize; 4];
        for k in &keys {
            let owners: Vec<u64> = (0..4)
                .filter(|&i| Shard::new(i, 4).unwrap().owns(k))
                .collect();
            assert_eq!(owners.len(), 1);
            counts[owners[0] as usize] += 1;
        }
        for c in counts {
            assert!((2300..2700).contains(&c), "{counts:?}");
        }
        // Pinned: changing the hash would split old lists differently.
        assert_eq!(key_hash("example.com:443"), 0x9528_35d9_3f83_2ad9);
    }

    #[test]
    fn shard_parsing_and_environment() {
        assert_eq!(Shard::parse("1/4").unwrap(), Shard { index: 1, count: 4 });
        assert!(Shard::parse("4/4").unwrap_err().contains("0-based"));
        assert!(Shard::parse("0/0").is_err());
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let (s, src) = Shard::from_env(Some(8), env(&[("JOB_COMPLETION_INDEX", "3")])).unwrap();
        assert_eq!((s.index, s.count, src), (3, 8, "JOB_COMPLETION_INDEX"));
        assert!(
            Shard::from_env(None, env(&[("JOB_COMPLETION_INDEX", "3")]))
                .unwrap_err()
                .contains("--shards")
        );
        let (s, _) = Shard::from_env(
            None,
            env(&[
                ("AWS_BATCH_JOB_ARRAY_INDEX", "2"),
                ("AWS_BATCH_JOB_ARRAY_SIZE", "5"),
            ]),
        )
        .unwrap();
        assert_eq!((s.index, s.count), (2, 5));
        let (s, _) = Shard::from_env(
            None,
            env(&[
                ("SLURM_ARRAY_TASK_ID", "11"),
                ("SLURM_ARRAY_TASK_MIN", "10"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ]),
        )
        .unwrap();
        assert_eq!((s.index, s.count), (1, 4));
        assert!(Shard::from_env(Some(2), env(&[])).is_err());
    }
}
