//! Runs [`crate::engine::Client`] over a socket: the same recording, key log, chain verdict and
//! [`Inspection`] as the rustls path, so decoding, decryption, fingerprints and trust come out
//! the same whichever engine spoke.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use super::{
    EngineName, HandshakeError, InspectOptions, Inspection, Negotiated, SeenChain, Spoken,
    io_reason, ms,
};
use crate::capture::{KeyLogEntry, KeyLogSecrets, Recorder, Transcript};
use crate::engine::{Client, Config, EngineError};

/// The engine's configuration for these options, or why the engine cannot serve them.
pub fn engine_config(opts: &InspectOptions) -> Result<Config, HandshakeError> {
    let (min, max) = opts.versions.engine_range().ok_or_else(|| {
        HandshakeError::Config(
            "tlsight's engine speaks TLS 1.0-1.2; TLS 1.3 is rustls' (drop --tls13 or use \
             --engine rustls)"
                .into(),
        )
    })?;
    Ok(Config {
        min_version: min,
        max_version: max,
        suites: opts.cipher_suites.clone(),
        groups: opts.groups.iter().map(|g| u16::from(*g)).collect(),
        server_name: opts.sni.clone(),
        alpn: opts.alpn.clone(),
        extended_master_secret: true,
        encrypt_then_mac: true,
        ..Config::default()
    })
}

/// One handshake with tlsight's engine on a connected socket.
pub fn inspect_stream(
    opts: &InspectOptions,
    tcp: TcpStream,
    address: SocketAddr,
    dns_ms: f64,
    tcp_ms: f64,
) -> Result<Inspection, HandshakeError> {
    let cfg = engine_config(opts)?;
    let mut client = Client::new(cfg).map_err(|e| HandshakeError::Config(e.to_string()))?;
    let _ = tcp.set_nodelay(true);
    tcp.set_write_timeout(Some(opts.timeouts.handshake))
        .map_err(|e| HandshakeError::Io(e.to_string()))?;
    let log = Arc::new(Mutex::new(Transcript::new(Some(opts.target.to_string()))));
    let start = Instant::now();
    let mut sock = Recorder::new(tcp, start, log.clone());
    let deadline = start + opts.timeouts.handshake;
    let failure = drive(&mut client, &mut sock, deadline, &log).err();
    let tls_ms = ms(start.elapsed());
    if failure.is_none() {
        client.close_notify();
    }
    // Our alert (or close_notify) goes out; the server may be gone already, which is fine.
    let _ = sock.write_all(&client.take_output());

    let out = client.outcome().clone();
    let mut seen = SeenChain {
        certificates: out
            .certificates
            .iter()
            .map(|c| CertificateDer::from(c.clone()))
            .collect(),
        ocsp: out.ocsp.clone(),
        error: None,
        signature_valid: out.ske_signature.as_ref().map(|(_, ok)| *ok),
        proof: out
            .ske_signature
            .as_ref()
            .map(|_| crate::x509::ProofKind::ServerKeyExchange),
    };
    let mut failure = failure;
    if !seen.certificates.is_empty() {
        seen.error = chain_verdict(opts, &seen);
        if opts.enforce_trust
            && failure.is_none()
            && let Some(e) = &seen.error
        {
            failure = Some(HandshakeError::Tls(format!(
                "invalid peer certificate: {e}"
            )));
        }
    }
    let mut secrets = KeyLogSecrets::default();
    if let Some(m) = &out.master_secret {
        secrets.insert(KeyLogEntry {
            label: "CLIENT_RANDOM".into(),
            client_random: out.client_random.clone(),
            secret: m.clone(),
        });
    }
    let transcript = log.lock().unwrap_or_else(|p| p.into_inner()).clone();
    let failure_text = failure.as_ref().map(|f| f.to_string());
    let negotiated = Negotiated {
        version: out.version,
        cipher_suite: out.cipher_suite,
        group: out.group,
        alpn: out.alpn.clone(),
        handshake_kind: out.version.map(|_| "full"),
    };
    Ok(Inspection {
        possession: Some(possession(&out, failure_text.as_deref())),
        dh_prime_bits: out.dh_prime_bits,
        ..Inspection::live(
            opts,
            address,
            EngineName::Tlsight,
            (dns_ms, tcp_ms, tls_ms),
            Spoken {
                transcript,
                secrets,
                negotiated,
                seen,
                failure,
            },
        )
    })
}

/// The engine's proof in the shared model ([`crate::x509::KeyPossession`]): the
/// ServerKeyExchange signature for (EC)DHE, the server's Finished for RSA key transport, nothing
/// for anonymous suites.
fn possession(out: &crate::engine::Outcome, failure: Option<&str>) -> crate::x509::KeyPossession {
    use crate::engine::PossessionProof;
    use crate::x509::{KeyPossession, PossessionStatus, ProofKind};
    match &out.key_possession {
        Some(k) if k.proof == PossessionProof::Finished => {
            let mut kp = KeyPossession::from_finished(k.ok);
            if let Some(d) = &k.detail {
                kp.detail = format!("{}: {d}", kp.detail);
            }
            kp
        }
        Some(k) if k.proof == PossessionProof::Signature => {
            KeyPossession::from_signature(Some(k.ok), Some(ProofKind::ServerKeyExchange), failure)
        }
        Some(_) => KeyPossession {
            status: PossessionStatus::NotShown,
            proof: None,
            detail: "anonymous suite: the server sent no certificate, so there is no key to prove"
                .into(),
        },
        None => {
            let proof = match out
                .cipher_suite
                .and_then(|c| crate::crypto::SuiteParams::lookup(c).ok())
            {
                Some(s) if s.kx == crate::crypto::KeyExchange::Rsa => Some(ProofKind::Finished),
                Some(_) => Some(ProofKind::ServerKeyExchange),
                None => None,
            };
            KeyPossession::from_signature(None, proof, failure)
        }
    }
}

/// webpki's verdict on the chain, exactly as the rustls path gets it.
fn chain_verdict(opts: &InspectOptions, seen: &SeenChain) -> Option<rustls::Error> {
    let verifier = match super::webpki_verifier(opts, super::provider()) {
        Ok(v) => v,
        Err(e) => return Some(rustls::Error::General(e.to_string())),
    };
    let name_text = opts
        .verify_name
        .clone()
        .or_else(|| opts.sni.clone())
        .unwrap_or_else(|| opts.target.host.clone());
    let name = match ServerName::try_from(name_text) {
        Ok(n) => n,
        Err(e) => return Some(rustls::Error::General(e.to_string())),
    };
    let (leaf, rest) = seen.certificates.split_first()?;
    use rustls::client::danger::ServerCertVerifier;
    verifier
        .verify_server_cert(leaf, rest, &name, &seen.ocsp, UnixTime::now())
        .err()
}

fn engine_failure(e: EngineError) -> HandshakeError {
    match e {
        EngineError::Alert { name, context, .. } => {
            HandshakeError::Alert(format!("{name} (tlsight engine, {context})"))
        }
        EngineError::KeyPossession(d) => HandshakeError::KeyPossession(d),
        other => HandshakeError::Tls(format!("tlsight engine: {other}")),
    }
}

/// Drives the handshake to completion over a recorded socket (also used by the fs-demo client).
pub(crate) fn drive(
    client: &mut Client,
    sock: &mut Recorder<TcpStream>,
    deadline: Instant,
    log: &Arc<Mutex<Transcript>>,
) -> Result<(), HandshakeError> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let out = client.take_output();
        if !out.is_empty() {
            sock.write_all(&out)
                .and_then(|()| sock.flush())
                .map_err(|e| HandshakeError::Io(io_reason(&e)))?;
        }
        if client.is_done() {
            return Ok(());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HandshakeError::Timeout {
                secs: deadline_secs(sock),
            });
        }
        let _ = sock.get_ref().set_read_timeout(Some(left));
        match sock.read(&mut buf) {
            Ok(0) => return Err(super::classify_eof(&super::server_stream(log))),
            Ok(n) => {
                if let Err(e) = client.receive(&buf[..n]) {
                    // Flush our alert so the server sees why.
                    let _ = sock.write_all(&client.take_output());
                    if let EngineError::Protocol(_) = e
                        && let Some(nt) = super::classify_not_tls(&super::server_stream(log))
                    {
                        return Err(nt);
                    }
                    return Err(engine_failure(e));
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(HandshakeError::Timeout {
                    secs: deadline_secs(sock),
                });
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if e.kind() == ErrorKind::ConnectionReset => {
                return Err(super::classify_eof(&super::server_stream(log)));
            }
            Err(e) => return Err(HandshakeError::Io(io_reason(&e))),
        }
    }
}

fn deadline_secs(sock: &Recorder<TcpStream>) -> f64 {
    sock.get_ref()
        .read_timeout()
        .ok()
        .flatten()
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
