//! Reading captures: pcap (micro- or nanosecond, either byte order) and pcapng (every section,
//! interface time resolutions and offsets, Decryption Secrets Blocks) through `pcap-parser`;
//! link layers Ethernet, Linux cooked (v1, v2), BSD loopback and raw IP through `etherparse`;
//! then TCP reassembly ([`super::tcp`]) into one [`Transcript`] per TLS connection.

use std::net::{IpAddr, SocketAddr};

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use pcap_parser::pcapng::Block;
use pcap_parser::{LegacyPcapSlice, Linktype, PcapBlockOwned, PcapNGSlice};

use super::tcp::{Segment, reassemble};
use super::{CaptureError, KeyLogSecrets, Transcript};

/// The TLS connections of a capture and the secrets it carries.
#[derive(Debug, Default)]
pub struct Capture {
    /// One transcript per TLS connection, in the order the connections started.
    pub streams: Vec<Transcript>,
    /// Index of every stream with a hole that reassembly could not fill.
    pub gaps: Vec<usize>,
    /// Key-log secrets from the capture's Decryption Secrets Blocks (pcapng).
    pub secrets: KeyLogSecrets,
    /// Packets read.
    pub packets: usize,
}

/// Whether `bytes` start like a pcap or pcapng file (as opposed to a JSON recording).
pub fn is_capture(bytes: &[u8]) -> bool {
    matches!(
        bytes.get(..4),
        Some([0x0a, 0x0d, 0x0d, 0x0a])
            | Some([0xd4, 0xc3, 0xb2, 0xa1])
            | Some([0xa1, 0xb2, 0xc3, 0xd4])
            | Some([0x4d, 0x3c, 0xb2, 0xa1])
            | Some([0xa1, 0xb2, 0x3c, 0x4d])
    )
}

/// Reads a capture file.
pub fn load_capture(path: &std::path::Path) -> Result<Capture, CaptureError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| CaptureError::Io {
        path: name.clone(),
        source,
    })?;
    read_capture(&bytes, &name)
}

/// Per-interface decoding facts of a pcapng section.
#[derive(Debug, Clone, Copy)]
struct Iface {
    link: Linktype,
    /// Timestamp units per second.
    units: u64,
    /// Seconds added to every timestamp.
    offset: i64,
}

/// Parses a capture held in memory; `path` names it in errors.
pub fn read_capture(bytes: &[u8], path: &str) -> Result<Capture, CaptureError> {
    let bad = |reason: String| CaptureError::BadCapture {
        path: path.to_string(),
        reason,
    };
    let mut cap = Capture::default();
    let mut segments = Vec::new();
    if bytes.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
        let slice = PcapNGSlice::from_slice(bytes).map_err(|e| {
            bad(format!(
                "not a readable pcapng file: {}",
                nom_reason(&e, bytes.len())
            ))
        })?;
        let mut ifaces: Vec<Iface> = Vec::new();
        for block in slice {
            let block =
                block.map_err(|e| bad(format!("pcapng block {}", nom_reason(&e, bytes.len()))))?;
            let PcapBlockOwned::NG(block) = block else {
                continue;
            };
            match block {
                Block::SectionHeader(_) => ifaces.clear(),
                Block::InterfaceDescription(idb) => ifaces.push(Iface {
                    link: idb.linktype,
                    units: idb.ts_resolution().unwrap_or(1_000_000),
                    offset: idb.ts_offset(),
                }),
                Block::DecryptionSecrets(dsb)
                    if dsb.secrets_type == pcap_parser::pcapng::SecretsType::TlsKeyLog =>
                {
                    let len = usize::try_from(dsb.secrets_len).unwrap_or(usize::MAX);
                    let data = dsb.data.get(..len).ok_or_else(|| {
                        bad("decryption secrets block shorter than its declared length".into())
                    })?;
                    let text = String::from_utf8_lossy(data);
                    let s =
                        KeyLogSecrets::parse(&text, &format!("{path} (decryption secrets block)"))?;
                    for e in s.entries() {
                        cap.secrets.insert(e);
                    }
                }
                Block::EnhancedPacket(epb) => {
                    let iface = usize::try_from(epb.if_id)
                        .ok()
                        .and_then(|i| ifaces.get(i).copied())
                        .ok_or_else(|| {
                            bad(format!("packet on undeclared interface {}", epb.if_id))
                        })?;
                    let ts = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                    let t_us = (u128::from(ts) * 1_000_000 / u128::from(iface.units.max(1)))
                        as i128
                        + i128::from(iface.offset) * 1_000_000;
                    let len = usize::try_from(epb.caplen)
                        .unwrap_or(usize::MAX)
                        .min(epb.data.len());
                    cap.packets += 1;
                    if let Some(s) = decode(
                        iface.link,
                        &epb.data[..len],
                        u64::try_from(t_us).unwrap_or(0),
                    )? {
                        segments.push(s);
                    }
                }
                Block::SimplePacket(spb) => {
                    let link = ifaces
                        .first()
                        .map(|i| i.link)
                        .ok_or_else(|| bad("packet before any interface".into()))?;
                    cap.packets += 1;
                    if let Some(s) = decode(link, spb.data, 0)? {
                        segments.push(s);
                    }
                }
                _ => {}
            }
        }
    } else if is_capture(bytes) {
        let slice = LegacyPcapSlice::from_slice(bytes).map_err(|e| {
            bad(format!(
                "not a readable pcap file: {}",
                nom_reason(&e, bytes.len())
            ))
        })?;
        let link = slice.header.network;
        let nanos = slice.header.is_nanosecond_precision();
        for block in slice {
            let block =
                block.map_err(|e| bad(format!("pcap record {}", nom_reason(&e, bytes.len()))))?;
            let PcapBlockOwned::Legacy(b) = block else {
                continue;
            };
            let frac = if nanos {
                u64::from(b.ts_usec) / 1000
            } else {
                u64::from(b.ts_usec)
            };
            let t_us = u64::from(b.ts_sec) * 1_000_000 + frac;
            let len = usize::try_from(b.caplen)
                .unwrap_or(usize::MAX)
                .min(b.data.len());
            cap.packets += 1;
            if let Some(s) = decode(link, &b.data[..len], t_us)? {
                segments.push(s);
            }
        }
    } else {
        return Err(bad(
            "not a pcap or pcapng file (unknown magic number)".into()
        ));
    }
    for (i, c) in reassemble(&segments).into_iter().enumerate() {
        if c.gap {
            cap.gaps.push(i);
        }
        cap.streams.push(c.transcript);
    }
    if cap.streams.is_empty() {
        return Err(bad(format!(
            "no TLS connection in {} packets (no TCP stream starting with a ClientHello)",
            cap.packets
        )));
    }
    Ok(cap)
}

/// A parse error as "at byte N: reason" ("truncated at byte N" when data ran out).
fn nom_reason<E: std::fmt::Debug>(
    e: &pcap_parser::nom::Err<pcap_parser::PcapError<E>>,
    total: usize,
) -> String {
    match e {
        pcap_parser::nom::Err::Incomplete(_) => {
            format!("truncated (file of {total} bytes ends inside a block)")
        }
        pcap_parser::nom::Err::Error(p) | pcap_parser::nom::Err::Failure(p) => match p {
            pcap_parser::PcapError::Incomplete(_) => {
                format!("truncated (file of {total} bytes ends inside a block)")
            }
            other => format!("malformed: {other:?}"),
        },
    }
}

/// The TCP segment in one frame, if it holds one; other traffic (ARP, UDP, ...) is skipped.
fn decode(link: Linktype, frame: &[u8], t_us: u64) -> Result<Option<Segment>, CaptureError> {
    let sliced = match link {
        Linktype::ETHERNET => SlicedPacket::from_ethernet(frame),
        Linktype::LINUX_SLL => SlicedPacket::from_linux_sll(frame),
        Linktype::RAW | Linktype::IPV4 | Linktype::IPV6 => SlicedPacket::from_ip(frame),
        // BSD loopback: a 4-byte address family, then IP.
        Linktype::NULL | Linktype::LOOP => match frame.get(4..) {
            Some(ip) => SlicedPacket::from_ip(ip),
            None => return Ok(None),
        },
        // Linux cooked v2: a 20-byte header, then the network layer.
        Linktype::LINUX_SLL2 => match frame.get(20..) {
            Some(ip) => SlicedPacket::from_ip(ip),
            None => return Ok(None),
        },
        other => {
            return Err(CaptureError::BadCapture {
                path: String::new(),
                reason: format!(
                    "link type {} is not supported (Ethernet, Linux cooked, loopback or raw IP)",
                    other.0
                ),
            });
        }
    };
    // A frame we cannot slice (truncated snaplen, odd protocol) is not TCP we can use.
    let Ok(p) = sliced else {
        return Ok(None);
    };
    let (src, dst): (IpAddr, IpAddr) = match &p.net {
        Some(NetSlice::Ipv4(v4)) => (
            v4.header().source_addr().into(),
            v4.header().destination_addr().into(),
        ),
        Some(NetSlice::Ipv6(v6)) => (
            v6.header().source_addr().into(),
            v6.header().destination_addr().into(),
        ),
        _ => return Ok(None),
    };
    let Some(TransportSlice::Tcp(tcp)) = &p.transport else {
        return Ok(None);
    };
    Ok(Some(Segment {
        src: SocketAddr::new(src, tcp.source_port()),
        dst: SocketAddr::new(dst, tcp.destination_port()),
        seq: tcp.sequence_number(),
        syn: tcp.syn(),
        ack: tcp.ack(),
        fin: tcp.fin(),
        rst: tcp.rst(),
        t_us,
        payload: tcp.payload().to_vec(),
    }))
}
