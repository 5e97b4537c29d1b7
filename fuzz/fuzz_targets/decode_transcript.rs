//! Arbitrary bytes as one server stream and one client stream: record framing, handshake
//! reassembly and every message/extension decoder must return, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsight::capture::{Chunk, Direction, Transcript};
use tlsight::handshake::messages::{decode_messages, records_without_keys};

fuzz_target!(|data: &[u8]| {
    let split = data.first().map(|b| *b as usize).unwrap_or(0).min(data.len());
    let mut t = Transcript::new(None);
    t.chunks.push(Chunk { dir: Direction::ClientToServer, t_us: 0, data: data[..split].to_vec() });
    t.chunks.push(Chunk { dir: Direction::ServerToClient, t_us: 1, data: data[split..].to_vec() });
    for tls13 in [false, true] {
        let _ = decode_messages(&records_without_keys(&t, tls13));
    }
});
