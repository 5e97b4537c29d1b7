//! Does the audited server hold its certificate's key? The probes stop at the server's first
//! flight and prove nothing, so the audit's certificate verdict asks once more: a complete
//! handshake the way `tlsight handshake` makes it (rustls for TLS 1.3 CertificateVerify or
//! TLS 1.2 ECDHE; tlsight's own engine for what rustls refuses: TLS 1.0/1.1, DHE, RSA key
//! transport — the ServerKeyExchange signature, MD5+SHA-1 included, or the server Finished), else
//! our own TLS 1.2 (EC)DHE hello whose ServerKeyExchange signature we verify with the leaf's key
//! (for signed suites neither engine speaks).

use super::conn::{Reply, Scheduler};
use super::{ProbeError, Settings};
use crate::wire::builder::ClientHelloBuilder;
use crate::wire::handshake::ServerKeyExchange;
use crate::x509::{KeyPossession, PossessionStatus, ProofKind};

const TLS12: u16 = 0x0303;

/// What the scan learnt that decides how possession can be proven.
#[derive(Debug, Clone, Default)]
pub(crate) struct Offer {
    /// TLS 1.2 suites the server accepts.
    pub(crate) tls12_suites: Vec<u16>,
    /// SNI the audit sends.
    pub(crate) sni: Option<String>,
}

/// Proves (or fails to prove) that the server holds the key of `leaf`.
pub(crate) async fn prove(
    s: &Scheduler,
    settings: Settings,
    offer: &Offer,
    leaf: &[u8],
) -> Result<KeyPossession, ProbeError> {
    let mut why_not: Vec<String> = Vec::new();
    // Called only when the audit got a chain, so some version was accepted: rustls, or the
    // engine when rustls cannot negotiate (`EngineChoice::Auto`, one more connection).
    {
        let _slot = s.slot().await?;
        s.count_external();
        let opts = super::enumerate::rustls_probe(s, offer.sni.clone(), settings);
        let ins = tokio::task::spawn_blocking(move || crate::handshake::inspect(&opts))
            .await
            .map_err(|e| ProbeError::Internal(e.to_string()))?;
        match ins {
            Ok(ins) => {
                if ins.fallback.is_some() {
                    // rustls refused, then tlsight's engine connected again.
                    s.count_external();
                }
                let got = ins.seen.certificates.first().map(|c| c.as_ref());
                let kp = ins.key_possession();
                if got == Some(leaf) && kp.status != PossessionStatus::NotShown {
                    return Ok(kp);
                }
                why_not.push(match (got, &ins.failure) {
                    (Some(g), _) if g != leaf => {
                        "a rustls handshake got another certificate".into()
                    }
                    (_, Some(f)) => format!("rustls handshake: {f}"),
                    _ => kp.detail,
                });
            }
            Err(e) => why_not.push(format!("rustls handshake: {e}")),
        }
    }
    let signed_kx: Vec<u16> = offer
        .tls12_suites
        .iter()
        .copied()
        .filter(|&c| {
            super::suite::cipher_suite(c)
                .is_some_and(|i| (i.is_ecdhe() || i.is_dhe()) && !i.anonymous() && !i.psk())
        })
        .collect();
    if !signed_kx.is_empty() {
        match server_key_exchange(s, offer, &signed_kx, leaf).await? {
            Ok(kp) => return Ok(kp),
            Err(e) => why_not.push(e),
        }
    }
    Ok(KeyPossession::from_signature(
        None,
        None,
        Some(&why_not.join("; ")),
    ))
}

/// One TLS 1.2 hello offering the accepted signed (EC)DHE suites; verifies the
/// ServerKeyExchange signature over both randoms and the parameters with the leaf's key.
async fn server_key_exchange(
    s: &Scheduler,
    offer: &Offer,
    suites: &[u16],
    leaf: &[u8],
) -> Result<Result<KeyPossession, String>, ProbeError> {
    let mut b = ClientHelloBuilder::new()
        .legacy_version(TLS12)
        .cipher_suites(suites);
    if let Some(sni) = &offer.sni {
        b = b.sni(sni);
    }
    let b = b
        .supported_groups(&[0x001D, 0x0017, 0x0018, 0x0019, 0x001E, 0x0100, 0x0101])
        .ec_point_formats(&[0])
        .signature_algorithms(&[
            0x0403, 0x0503, 0x0603, 0x0807, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
        ]);
    let client_random = b.client_random();
    let Reply::Hello(f) = s.exchange(&b.build()).await? else {
        return Ok(Err("a TLS 1.2 (EC)DHE hello got no ServerHello".to_string()));
    };
    let sent_leaf = f
        .certificate
        .as_ref()
        .and_then(|c| c.entries.first())
        .map(|e| e.der.as_slice());
    if sent_leaf != Some(leaf) {
        return Ok(Err(
            "a TLS 1.2 (EC)DHE hello got another certificate or none".to_string(),
        ));
    }
    let Some(body) = f.server_key_exchange.as_ref() else {
        return Ok(Err("no ServerKeyExchange came".to_string()));
    };
    let ecdhe =
        super::suite::cipher_suite(f.server_hello.cipher_suite).is_some_and(|i| i.is_ecdhe());
    let ske = match ServerKeyExchange::decode(body, ecdhe, true) {
        Ok(k) => k,
        Err(e) => return Ok(Err(format!("ServerKeyExchange does not decode: {e}"))),
    };
    let Some(scheme) = ske.signature_scheme else {
        return Ok(Err("ServerKeyExchange without a signature".to_string()));
    };
    let sig = &body[body.len().saturating_sub(ske.signature_len)..];
    let signed = [
        client_random.as_slice(),
        f.server_hello.random.as_slice(),
        ske.signed_params.as_slice(),
    ]
    .concat();
    let ok = match crate::crypto::kx::verify_signature(leaf, scheme, &signed, sig) {
        Ok(()) => true,
        // An algorithm ring cannot check proves nothing either way.
        Err(e) if e.contains("not supported") || e.contains("does not parse") => {
            return Ok(Err(format!("ServerKeyExchange signature: {e}")));
        }
        Err(_) => false,
    };
    Ok(Ok(KeyPossession::from_signature(
        Some(ok),
        Some(ProofKind::ServerKeyExchange),
        None,
    )))
}
