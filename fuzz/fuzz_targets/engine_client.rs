//! Arbitrary server bytes into tlsight's TLS 1.0-1.2 engine, cut into pieces where the first
//! bytes say: every state must reject or go on, never panic. The first byte also picks a suite
//! to pin in the hello so the fuzzer reaches each key exchange's parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlsight::engine::{Client, Config, supported_suites};

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let suites = supported_suites();
    let mut cfg = Config::default();
    if pick & 1 == 1 {
        cfg.suites = vec![suites[usize::from(pick) % suites.len()]];
    }
    let Ok(mut client) = Client::new(cfg) else { return };
    let _ = client.take_output();
    let cut = usize::from(pick).min(rest.len());
    let (a, b) = rest.split_at(cut);
    if client.receive(a).is_ok() {
        let _ = client.receive(b);
    }
    let _ = client.take_output();
});
