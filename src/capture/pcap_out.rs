//! Transcripts as a pcapng file Wireshark opens already decrypted: Ethernet/IP/TCP headers
//! (three-way handshake, real sequence and acknowledgement numbers, FIN) synthesised around the
//! recorded bytes with the recording's timestamps, and a Decryption Secrets Block carrying the
//! sessions' NSS key log before the first packet (pcapng §4.7: secrets SHOULD precede the
//! packets they decrypt; `editcap --inject-secrets tls,KEYS` writes the same block).
//!
//! Blocks are serialised by `pcap-parser` and headers (with checksums) by `etherparse`.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use etherparse::PacketBuilder;
use pcap_parser::pcapng::{
    DecryptionSecretsBlock, EnhancedPacketBlock, InterfaceDescriptionBlock, SecretsType,
    SectionHeaderBlock,
};
use pcap_parser::{Linktype, OptionCode, PcapNGOption, ToVec};

use super::{CaptureError, Direction, KeyLogSecrets, Transcript};

/// Largest TCP payload per synthesised segment (an Ethernet MSS), so Wireshark sees ordinary
/// segments and its TCP reassembly is exercised as on a real capture.
const MSS: usize = 1448;
/// Locally administered MAC addresses: the capture has no real link layer to report.
const CLIENT_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SERVER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

/// One synthesised frame: when, in which order, and its bytes.
struct Frame {
    t_us: u64,
    order: usize,
    bytes: Vec<u8>,
}

/// The two ends of one synthesised TCP connection.
struct Ends {
    client: SocketAddr,
    server: SocketAddr,
}

impl Ends {
    /// The recording's own addresses when it has them; otherwise documentation addresses
    /// (RFC 5737 / RFC 3849) with the target's port, so nothing in the file is invented to
    /// look real.
    fn of(t: &Transcript, index: usize) -> Self {
        let server = t.server.unwrap_or_else(|| {
            let port = t
                .target
                .as_deref()
                .and_then(|s| s.rsplit_once(':'))
                .and_then(|(_, p)| p.parse().ok())
                .unwrap_or(443);
            SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2)), port)
        });
        let fallback_port = 49152 + u16::try_from(index % 16000).unwrap_or(0);
        let client = match t.client {
            Some(c) if c.is_ipv4() == server.is_ipv4() => c,
            _ if server.is_ipv4() => {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), fallback_port)
            }
            _ => SocketAddr::new(
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)),
                fallback_port,
            ),
        };
        Self { client, server }
    }
}

/// Builds one TCP segment with its Ethernet and IP headers.
fn segment(
    ends: &Ends,
    dir: Direction,
    seq: u32,
    ack: Option<u32>,
    flags: &[u8],
    payload: &[u8],
) -> Result<Vec<u8>, CaptureError> {
    let (src_mac, dst_mac) = match dir {
        Direction::ClientToServer => (CLIENT_MAC, SERVER_MAC),
        Direction::ServerToClient => (SERVER_MAC, CLIENT_MAC),
    };
    let (from, to) = match dir {
        Direction::ClientToServer => (ends.client, ends.server),
        Direction::ServerToClient => (ends.server, ends.client),
    };
    let eth = PacketBuilder::ethernet2(src_mac, dst_mac);
    let ip = match (from.ip(), to.ip()) {
        (IpAddr::V4(a), IpAddr::V4(b)) => eth.ipv4(a.octets(), b.octets(), 64),
        (IpAddr::V6(a), IpAddr::V6(b)) => eth.ipv6(a.octets(), b.octets(), 64),
        _ => {
            return Err(CaptureError::BadCapture {
                path: String::new(),
                reason: format!("cannot frame {from} -> {to}: mixed IPv4 and IPv6"),
            });
        }
    };
    let mut tcp = ip.tcp(from.port(), to.port(), seq, 65535);
    if flags.contains(&b'S') {
        tcp = tcp.syn();
    }
    if flags.contains(&b'F') {
        tcp = tcp.fin();
    }
    if flags.contains(&b'P') {
        tcp = tcp.psh();
    }
    if let Some(a) = ack {
        tcp = tcp.ack(a);
    }
    let mut out = Vec::with_capacity(64 + payload.len());
    tcp.write(&mut out, payload)
        .map_err(|e| CaptureError::BadCapture {
            path: String::new(),
            reason: format!("cannot build a TCP segment: {e}"),
        })?;
    Ok(out)
}

/// The frames of one connection: handshake, data in MSS-sized segments each acknowledged,
/// FIN both ways.
fn frames_of(t: &Transcript, index: usize, first_order: usize) -> Result<Vec<Frame>, CaptureError> {
    let ends = Ends::of(t, index);
    let e = &ends;
    let (c, s) = (Direction::ClientToServer, Direction::ServerToClient);
    // Fixed, distinct initial sequence numbers: the file is reproducible for a given recording.
    let isn_c =
        0x1000_0000u32.wrapping_add(u32::try_from(index).unwrap_or(0).wrapping_mul(0x0001_0003));
    let isn_s =
        0x8000_0000u32.wrapping_add(u32::try_from(index).unwrap_or(0).wrapping_mul(0x0002_0005));
    let (mut seq_c, mut seq_s) = (isn_c.wrapping_add(1), isn_s.wrapping_add(1));
    let mut out = Vec::new();
    let mut push = |t_us: u64, bytes: Vec<u8>| {
        out.push(Frame {
            t_us,
            order: first_order + out.len(),
            bytes,
        });
    };
    push(0, segment(e, c, isn_c, None, b"S", &[])?);
    push(0, segment(e, s, isn_s, Some(seq_c), b"S", &[])?);
    push(0, segment(e, c, seq_c, Some(seq_s), b"", &[])?);
    let mut last_t = 0;
    for chunk in &t.chunks {
        last_t = last_t.max(chunk.t_us);
        let n = chunk.data.len().div_ceil(MSS);
        for (i, part) in chunk.data.chunks(MSS).enumerate() {
            let psh: &[u8] = if i + 1 == n { b"P" } else { b"" };
            let len = u32::try_from(part.len()).unwrap_or(0);
            match chunk.dir {
                Direction::ClientToServer => {
                    push(chunk.t_us, segment(e, c, seq_c, Some(seq_s), psh, part)?);
                    seq_c = seq_c.wrapping_add(len);
                }
                Direction::ServerToClient => {
                    push(chunk.t_us, segment(e, s, seq_s, Some(seq_c), psh, part)?);
                    seq_s = seq_s.wrapping_add(len);
                }
            }
        }
        // The receiver acknowledges each flight, as a real stack would (delayed ACKs aside).
        match chunk.dir {
            Direction::ClientToServer => {
                push(chunk.t_us, segment(e, s, seq_s, Some(seq_c), b"", &[])?)
            }
            Direction::ServerToClient => {
                push(chunk.t_us, segment(e, c, seq_c, Some(seq_s), b"", &[])?)
            }
        }
    }
    push(last_t, segment(e, c, seq_c, Some(seq_s), b"F", &[])?);
    seq_c = seq_c.wrapping_add(1);
    push(last_t, segment(e, s, seq_s, Some(seq_c), b"F", &[])?);
    seq_s = seq_s.wrapping_add(1);
    push(last_t, segment(e, c, seq_c, Some(seq_s), b"", &[])?);
    let base = t.start_unix_us.unwrap_or(0);
    for f in &mut out {
        f.t_us = f.t_us.saturating_add(base);
    }
    Ok(out)
}

fn gen_err(what: &str, e: impl std::fmt::Debug) -> CaptureError {
    CaptureError::BadCapture {
        path: String::new(),
        reason: format!("cannot serialise the {what}: {e:?}"),
    }
}

/// A pcapng file holding every transcript as its own TCP connection (frames of concurrent
/// connections interleaved by time) and one Decryption Secrets Block with `secrets`.
pub fn to_pcapng(
    transcripts: &[Transcript],
    secrets: &KeyLogSecrets,
) -> Result<Vec<u8>, CaptureError> {
    let mut out = Vec::new();
    let appl = format!("tlsight {}", env!("CARGO_PKG_VERSION"));
    let mut shb = SectionHeaderBlock {
        block_type: 0,
        block_len1: 0,
        bom: 0,
        major_version: 1,
        minor_version: 0,
        section_len: -1,
        options: vec![option(OptionCode::ShbUserAppl, appl.as_bytes())],
        block_len2: 0,
    };
    out.extend(shb.to_vec().map_err(|e| gen_err("section header", e))?);
    let mut idb = InterfaceDescriptionBlock {
        block_type: 0,
        block_len1: 0,
        linktype: Linktype::ETHERNET,
        reserved: 0,
        snaplen: 0,
        options: Vec::new(),
        block_len2: 0,
        // Microseconds, the recording's resolution.
        if_tsresol: 6,
        if_tsoffset: 0,
    };
    out.extend(
        idb.to_vec()
            .map_err(|e| gen_err("interface description", e))?,
    );
    // The secrets before any packet (pcapng §4.7), after the interface: Wireshark's own
    // readers (editcap) refuse a file whose first block after the header is not an interface.
    let nss = secrets.to_nss();
    if !nss.is_empty() {
        let mut dsb = DecryptionSecretsBlock {
            block_type: 0,
            block_len1: 0,
            secrets_type: SecretsType::TlsKeyLog,
            secrets_len: u32::try_from(nss.len()).map_err(|e| gen_err("key log", e))?,
            data: nss.as_bytes(),
            options: Vec::new(),
            block_len2: 0,
        };
        out.extend(dsb.to_vec().map_err(|e| gen_err("decryption secrets", e))?);
    }
    let mut frames = Vec::new();
    for (i, t) in transcripts.iter().enumerate() {
        let first = frames.len();
        frames.extend(frames_of(t, i, first)?);
    }
    frames.sort_by_key(|f| (f.t_us, f.order));
    for f in &frames {
        let len = u32::try_from(f.bytes.len()).map_err(|e| gen_err("packet", e))?;
        let mut epb = EnhancedPacketBlock {
            block_type: 0,
            block_len1: 0,
            if_id: 0,
            ts_high: (f.t_us >> 32) as u32,
            ts_low: f.t_us as u32,
            caplen: len,
            origlen: len,
            data: &f.bytes,
            options: Vec::new(),
            block_len2: 0,
        };
        out.extend(epb.to_vec().map_err(|e| gen_err("packet", e))?);
    }
    Ok(out)
}

fn option(code: OptionCode, value: &[u8]) -> PcapNGOption<'static> {
    PcapNGOption {
        code,
        len: u16::try_from(value.len()).unwrap_or(u16::MAX),
        value: Cow::Owned(value.to_vec()),
    }
}

/// Writes [`to_pcapng`] to `path`.
pub fn save_pcapng(
    path: &std::path::Path,
    transcripts: &[Transcript],
    secrets: &KeyLogSecrets,
) -> Result<(), CaptureError> {
    let name = path.display().to_string();
    let bytes = to_pcapng(transcripts, secrets).map_err(|e| match e {
        CaptureError::BadCapture { reason, .. } => CaptureError::BadCapture {
            path: name.clone(),
            reason,
        },
        other => other,
    })?;
    std::fs::write(path, bytes).map_err(|source| CaptureError::Io { path: name, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::{Chunk, KeyLogEntry};

    #[test]
    fn a_written_capture_reads_back_as_the_same_bytes_and_secrets() {
        let mut t = Transcript::new(Some("[::1]:8443".into())).with_endpoints(
            Some("[::1]:50123".parse().unwrap()),
            Some("[::1]:8443".parse().unwrap()),
        );
        let hello: Vec<u8> = [22, 3, 1, 0x0b, 0xb8, 1]
            .into_iter()
            .chain((0..3000u32).map(|i| i as u8))
            .collect();
        t.chunks = vec![
            Chunk {
                dir: Direction::ClientToServer,
                t_us: 10,
                data: hello.clone(),
            },
            Chunk {
                dir: Direction::ServerToClient,
                t_us: 900,
                data: vec![21, 3, 3, 0, 2, 2, 40],
            },
        ];
        let mut secrets = KeyLogSecrets::default();
        secrets.insert(KeyLogEntry {
            label: "CLIENT_RANDOM".into(),
            client_random: vec![7; 32],
            secret: vec![9; 48],
        });
        let bytes = to_pcapng(std::slice::from_ref(&t), &secrets).unwrap();
        let cap = crate::capture::pcap_in::read_capture(&bytes, "mem").unwrap();
        assert_eq!(cap.streams.len(), 1);
        let back = &cap.streams[0];
        assert_eq!(back.stream(Direction::ClientToServer).0, hello);
        assert_eq!(
            back.stream(Direction::ServerToClient).0,
            vec![21, 3, 3, 0, 2, 2, 40]
        );
        assert_eq!(back.client, t.client);
        assert_eq!(back.server, t.server);
        assert_eq!(back.start_unix_us, t.start_unix_us);
        assert_eq!(back.chunks[1].t_us, 900);
        assert_eq!(cap.secrets, secrets);
        // 3 handshake + 3 segments and 1 ACK + 1 segment and 1 ACK + 3 closing.
        assert_eq!(cap.packets, 12);
    }
}
