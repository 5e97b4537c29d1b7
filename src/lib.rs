//! tlsight: a TLS handshake inspector and certificate chain verifier.
//!
//! Data flows one way: bytes -> [`wire`] (decoded, raw kept) -> [`capture`] / [`crypto`]
//! (decrypted) -> analysis ([`suites`], [`x509`], [`probe`], [`mitm`]) -> [`report`] model ->
//! renderers. Lower layers never import upper ones; nothing in this library prints; only
//! [`handshake`] and [`probe`] open sockets.
#![forbid(unsafe_code)]
#![warn(rust_2018_idioms, unused_qualifications, trivial_casts)]

pub mod capture;
pub mod crypto;
pub mod demo;
pub mod engine;
pub mod fingerprint;
pub mod fsdemo;
pub mod handshake;
pub mod mitm;
pub mod net;
pub mod probe;
pub mod report;
pub mod scan;
pub mod suites;
pub mod wire;
pub mod x509;
