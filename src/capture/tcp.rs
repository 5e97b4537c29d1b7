//! TCP reassembly for captures: segments of many connections in capture order in, one
//! [`Transcript`] per connection out. Out-of-order segments wait for the gap to fill,
//! retransmissions and overlaps contribute only bytes not yet seen, and a connection whose
//! port pair is reused after a new SYN starts a new transcript. No maintained crate does this
//! (research/scale-and-evidence.md §3.2), so it is kept small and tested here.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use super::{Chunk, Direction, Transcript};

/// One TCP segment as captured.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// Sequence number.
    pub seq: u32,
    /// SYN flag.
    pub syn: bool,
    /// ACK flag.
    pub ack: bool,
    /// FIN flag.
    pub fin: bool,
    /// RST flag.
    pub rst: bool,
    /// Capture time, microseconds since the Unix epoch.
    pub t_us: u64,
    /// Payload.
    pub payload: Vec<u8>,
}

/// One direction of a connection being reassembled.
#[derive(Debug, Default)]
struct Half {
    /// Sequence number of the first payload byte: ISN + 1 once the SYN is seen.
    base: Option<u32>,
    /// Whether `base` comes from a SYN (then it never moves back).
    from_syn: bool,
    /// Payload segments not yet placed: (sequence number, arrival index, time, bytes).
    segs: Vec<(u32, usize, u64, Vec<u8>)>,
}

/// A connection in the capture.
#[derive(Debug)]
struct Flow {
    /// The endpoint that sent the SYN, when it was captured.
    syn_sender: Option<SocketAddr>,
    a: SocketAddr,
    b: SocketAddr,
    halves: [Half; 2],
    first_t_us: u64,
    /// Set once either side sent FIN or RST: a later SYN is a new connection.
    closing: bool,
}

impl Flow {
    fn half(&mut self, src: SocketAddr) -> &mut Half {
        if src == self.a {
            &mut self.halves[0]
        } else {
            &mut self.halves[1]
        }
    }
}

/// A stream reassembled from one direction, with when each piece became readable in order.
#[derive(Debug, Default)]
struct Assembled {
    bytes: Vec<u8>,
    /// (arrival index, time, start offset, end offset) of each piece, in stream order.
    pieces: Vec<(usize, u64, usize, usize)>,
    /// Bytes beyond a hole that never filled (lost packets, capture started or cut mid-way).
    gap: bool,
}

impl Half {
    /// Places segments in sequence order, keeping the first copy of every byte.
    fn assemble(&mut self) -> Assembled {
        let mut out = Assembled::default();
        if self.segs.is_empty() {
            return out;
        }
        // Without a SYN, the stream starts at the earliest sequence number seen (mod 2^32).
        let base = match self.base {
            Some(b) if self.from_syn => b,
            _ => {
                let first = self.segs[0].0;
                let min = self
                    .segs
                    .iter()
                    .map(|s| s.0.wrapping_sub(first) as i32)
                    .min()
                    .unwrap_or(0);
                first.wrapping_add(min as u32)
            }
        };
        self.segs.sort_by_key(|s| s.1);
        // Offsets past 2^31 are segments before the base (keep-alives, stray retransmits).
        let mut pending: BTreeMap<usize, (usize, u64, Vec<u8>)> = BTreeMap::new();
        for (seq, idx, t, data) in std::mem::take(&mut self.segs) {
            let off = seq.wrapping_sub(base);
            if off > i32::MAX as u32 {
                continue;
            }
            let off = off as usize;
            let keep = pending
                .get(&off)
                .is_none_or(|(_, _, d)| d.len() < data.len());
            if keep {
                pending.insert(off, (idx, t, data));
            }
            // Everything contiguous from the end of the stream is now readable, at this
            // segment's arrival: that is when the receiver could have used it.
            while let Some((&o, _)) = pending.iter().next() {
                if o > out.bytes.len() {
                    break;
                }
                let Some((_, (_, _, d))) = pending.pop_first() else {
                    break;
                };
                let end = o + d.len();
                if end > out.bytes.len() {
                    let start = out.bytes.len();
                    out.bytes.extend_from_slice(&d[start - o..]);
                    out.pieces.push((idx, t, start, end));
                }
            }
        }
        out.gap = !pending.is_empty();
        out
    }
}

/// A reassembled connection.
#[derive(Debug)]
pub struct Connection {
    /// Both directions as a transcript (client = SYN sender, or the side whose stream starts
    /// with a ClientHello record).
    pub transcript: Transcript,
    /// Some bytes could not be placed: a hole in the capture.
    pub gap: bool,
}

/// Reassembles every TCP connection among `segments` (in capture order). Connections whose
/// client stream does not start with a TLS handshake record are left out.
pub fn reassemble(segments: &[Segment]) -> Vec<Connection> {
    let mut live: HashMap<(SocketAddr, SocketAddr), usize> = HashMap::new();
    let mut flows: Vec<Flow> = Vec::new();
    for (idx, s) in segments.iter().enumerate() {
        let key = if s.src <= s.dst {
            (s.src, s.dst)
        } else {
            (s.dst, s.src)
        };
        let new_conn = s.syn && !s.ack;
        let slot = match live.get(&key) {
            Some(&i) if !(new_conn && (flows[i].closing || flow_has_data(&flows[i]))) => i,
            _ => {
                flows.push(Flow {
                    syn_sender: None,
                    a: s.src,
                    b: s.dst,
                    halves: [Half::default(), Half::default()],
                    first_t_us: s.t_us,
                    closing: false,
                });
                live.insert(key, flows.len() - 1);
                flows.len() - 1
            }
        };
        let flow = &mut flows[slot];
        if new_conn {
            flow.syn_sender = Some(s.src);
        }
        if s.fin || s.rst {
            flow.closing = true;
        }
        let half = flow.half(s.src);
        if s.syn {
            half.base = Some(s.seq.wrapping_add(1));
            half.from_syn = true;
        }
        if !s.payload.is_empty() {
            // SYN data (TFO) starts one byte after the SYN's own sequence number.
            let seq = if s.syn { s.seq.wrapping_add(1) } else { s.seq };
            half.segs.push((seq, idx, s.t_us, s.payload.clone()));
        }
    }
    flows.into_iter().filter_map(finish).collect()
}

fn flow_has_data(f: &Flow) -> bool {
    f.halves.iter().any(|h| !h.segs.is_empty())
}

/// Whether a stream starts with a TLS handshake record holding a ClientHello.
fn starts_with_client_hello(b: &[u8]) -> bool {
    b.len() >= 6 && b[0] == 22 && b[1] == 3 && b[5] == 1
}

fn finish(mut f: Flow) -> Option<Connection> {
    let a = f.a;
    let mut asm: Vec<Assembled> = f.halves.iter_mut().map(Half::assemble).collect();
    let b_asm = asm.pop()?;
    let a_asm = asm.pop()?;
    // Which half is the client's: the SYN sender, else the one that opens with a ClientHello.
    let a_is_client = match f.syn_sender {
        Some(c) => c == a,
        None => starts_with_client_hello(&a_asm.bytes) || !starts_with_client_hello(&b_asm.bytes),
    };
    let (client, server) = if a_is_client {
        (a_asm, b_asm)
    } else {
        (b_asm, a_asm)
    };
    if !starts_with_client_hello(&client.bytes) {
        return None;
    }
    let mut pieces: Vec<(usize, u64, Direction, &[u8])> = Vec::new();
    for (asm, dir) in [
        (&client, Direction::ClientToServer),
        (&server, Direction::ServerToClient),
    ] {
        for &(idx, t, start, end) in &asm.pieces {
            pieces.push((idx, t, dir, &asm.bytes[start..end]));
        }
    }
    // Capture order is the order the bytes crossed the wire.
    pieces.sort_by_key(|p| p.0);
    let mut chunks: Vec<Chunk> = Vec::new();
    for (_, t, dir, data) in pieces {
        let t_us = t.saturating_sub(f.first_t_us);
        match chunks.last_mut() {
            Some(last) if last.dir == dir => last.data.extend_from_slice(data),
            _ => chunks.push(Chunk {
                dir,
                t_us,
                data: data.to_vec(),
            }),
        }
    }
    let (client_addr, server_addr) = if a_is_client { (a, f.b) } else { (f.b, a) };
    let mut transcript = Transcript::new(Some(server_addr.to_string()))
        .with_endpoints(Some(client_addr), Some(server_addr));
    transcript.start_unix_us = Some(f.first_t_us);
    transcript.chunks = chunks;
    Some(Connection {
        transcript,
        gap: client.gap || server.gap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(src: u16, seq: u32, t: u64, payload: &[u8], syn: bool) -> Segment {
        let a: SocketAddr = format!("127.0.0.1:{src}").parse().unwrap();
        let b: SocketAddr = format!("127.0.0.1:{}", if src == 443 { 50000 } else { 443 })
            .parse()
            .unwrap();
        Segment {
            src: a,
            dst: b,
            seq,
            syn,
            ack: src == 443 && syn,
            fin: false,
            rst: false,
            t_us: t,
            payload: payload.to_vec(),
        }
    }

    const HELLO: &[u8] = &[22, 3, 1, 0, 4, 1, 0, 0, 0];

    #[test]
    fn out_of_order_retransmitted_and_overlapping_segments_give_the_stream_once() {
        let stream: Vec<u8> = HELLO
            .iter()
            .copied()
            .chain(b"abcdefghij".iter().copied())
            .collect();
        let segs = vec![
            seg(50000, 99, 0, &[], true),
            seg(443, 499, 1, &[], true),
            // Last piece first, then the first, a retransmission, an overlap, the middle.
            seg(50000, 100 + 14, 2, &stream[14..], false),
            seg(50000, 100, 3, &stream[..6], false),
            seg(50000, 100, 4, &stream[..6], false),
            seg(50000, 100 + 4, 5, &stream[4..9], false),
            seg(50000, 100 + 9, 6, &stream[9..14], false),
            seg(443, 500, 7, b"reply", false),
        ];
        let c = reassemble(&segs);
        assert_eq!(c.len(), 1);
        let t = &c[0].transcript;
        assert!(!c[0].gap);
        assert_eq!(t.stream(Direction::ClientToServer).0, stream);
        assert_eq!(t.stream(Direction::ServerToClient).0, b"reply");
        assert_eq!(t.client.unwrap().port(), 50000);
        // The client's bytes became readable in order before the reply.
        assert_eq!(t.chunks[0].dir, Direction::ClientToServer);
        assert_eq!(t.chunks.last().unwrap().dir, Direction::ServerToClient);
    }

    #[test]
    fn a_hole_is_reported_and_a_non_tls_connection_is_left_out() {
        let segs = vec![
            seg(50000, 100, 0, HELLO, false),
            seg(50000, 100 + 20, 1, b"after a hole", false),
        ];
        let c = reassemble(&segs);
        assert_eq!(c.len(), 1);
        assert!(c[0].gap);
        assert_eq!(c[0].transcript.stream(Direction::ClientToServer).0, HELLO);
        let http = vec![seg(50000, 1, 0, b"GET / HTTP/1.1\r\n", false)];
        assert!(reassemble(&http).is_empty());
    }

    #[test]
    fn sequence_numbers_wrap() {
        let segs = vec![
            seg(50000, u32::MAX - 2, 0, &HELLO[..3], false),
            seg(50000, (u32::MAX - 2).wrapping_add(3), 1, &HELLO[3..], false),
        ];
        let c = reassemble(&segs);
        assert_eq!(c[0].transcript.stream(Direction::ClientToServer).0, HELLO);
    }
}
