//! The benchmark's servers (scripts/bench-scan.sh): `N` rustls peers on 127.`NET`.x.y, each
//! serving the committed test PKI, optionally holding every ServerHello back for `DELAY_MS`
//! (to keep connections in flight for memory measurements). Prints one `ADDRESS` per peer on
//! stdout, then serves until stdin closes.
//!
//! Usage: cargo run --release --example scan-farm -- N [NET] [DELAY_MS]

#[path = "../tests/common/farm.rs"]
mod farm;

use std::io::{Read, Write};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> u64 {
        args.get(i)
            .map(|s| {
                s.parse().unwrap_or_else(|_| {
                    eprintln!("scan-farm: '{s}' is not a number");
                    std::process::exit(2)
                })
            })
            .unwrap_or(default)
    };
    let n = num(0, 100) as usize;
    let net = u8::try_from(num(1, 21)).unwrap_or(21);
    let delay = num(2, 0);
    let kind = if delay > 0 {
        farm::Kind::Delayed(delay)
    } else {
        farm::Kind::Tls
    };
    let peers = farm::start(vec![kind; n], net);
    let mut out = std::io::stdout().lock();
    for (addr, _) in &peers {
        let _ = writeln!(out, "{addr}");
    }
    let _ = out.flush();
    drop(out);
    // Serve until the caller closes our stdin.
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
}
