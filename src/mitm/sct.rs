//! Signed Certificate Timestamps (RFC 6962 §3.3) from the three places a server can deliver
//! them: embedded in the certificate, in the TLS `signed_certificate_timestamp` extension, and
//! inside a stapled OCSP response.

use base64::Engine as _;
use serde::Serialize;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{ParsedExtension, SignedCertificateTimestamp};
use x509_parser::prelude::FromDer;

/// Where an SCT came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SctSource {
    /// X.509v3 extension 1.3.6.1.4.1.11129.2.4.2 of the leaf.
    Embedded,
    /// TLS extension 18 (ServerHello in TLS 1.2, the leaf's Certificate entry in TLS 1.3).
    TlsExtension,
    /// OCSP single-response extension 1.3.6.1.4.1.11129.2.4.5 in the stapled response.
    Ocsp,
}

/// One decoded SCT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sct {
    /// Where it was found.
    pub source: SctSource,
    /// SCT version (0 = v1).
    pub version: u8,
    /// The log's key id (SHA-256 of its public key), base64 as in CT log lists.
    pub log_id: String,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// The timestamp, RFC 3339.
    pub time: String,
}

fn from_parsed(s: &SignedCertificateTimestamp<'_>, source: SctSource) -> Sct {
    sct(source, s.version.0, s.id.key_id, s.timestamp)
}

fn sct(source: SctSource, version: u8, log_id: &[u8], timestamp_ms: u64) -> Sct {
    Sct {
        source,
        version,
        log_id: base64::engine::general_purpose::STANDARD.encode(log_id),
        timestamp_ms,
        time: crate::x509::parse::rfc3339(i64::try_from(timestamp_ms / 1000).unwrap_or(i64::MAX)),
    }
}

/// SCTs embedded in a certificate (empty when none or when it does not parse).
pub fn embedded(der: &[u8]) -> Vec<Sct> {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return Vec::new();
    };
    cert.tbs_certificate
        .extensions()
        .iter()
        .filter_map(|e| match e.parsed_extension() {
            ParsedExtension::SCT(list) => Some(list),
            _ => None,
        })
        .flat_map(|list| list.iter().map(|s| from_parsed(s, SctSource::Embedded)))
        .collect()
}

/// A TLS-encoded SignedCertificateTimestampList (the body of TLS extension 18).
pub fn from_tls_list(body: &[u8], source: SctSource) -> Result<Vec<Sct>, String> {
    let (list, rest) = take16(body).ok_or("SCT list: truncated length")?;
    if !rest.is_empty() {
        return Err(format!("SCT list: {} bytes after the list", rest.len()));
    }
    let mut out = Vec::new();
    let mut r = list;
    while !r.is_empty() {
        let (one, rest) = take16(r).ok_or("SCT list: truncated entry")?;
        r = rest;
        // version(1) log_id(32) timestamp(8) extensions<0..2^16-1> signature...
        if one.len() < 1 + 32 + 8 {
            return Err(format!("SCT of {} bytes is too short", one.len()));
        }
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&one[33..41]);
        out.push(sct(source, one[0], &one[1..33], u64::from_be_bytes(ts)));
    }
    Ok(out)
}

fn take16(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = usize::from(u16::from_be_bytes([*b.first()?, *b.get(1)?]));
    let body = b.get(2..2 + len)?;
    Some((body, &b[2 + len..]))
}

/// DER of OID 1.3.6.1.4.1.11129.2.4.5 (SCT list in an OCSP SingleResponse extension).
const OCSP_SCT_OID: &[u8] = &[
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x05,
];

/// SCTs in a stapled OCSP response. x509-parser has no OCSP parser, so instead of walking the
/// whole BasicOCSPResponse we find the extension's OID (12 fixed bytes) and decode the
/// Extension fields after it: `[critical BOOLEAN] extnValue OCTET STRING`.
pub fn from_ocsp(der: &[u8]) -> Vec<Sct> {
    use x509_parser::der_parser::ber::BerObjectContent;
    use x509_parser::der_parser::der::parse_der;
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = der[from..]
        .windows(OCSP_SCT_OID.len())
        .position(|w| w == OCSP_SCT_OID)
    {
        let start = from + pos + OCSP_SCT_OID.len();
        from = start;
        let mut rest = &der[start..];
        let mut value = None;
        for _ in 0..2 {
            let Ok((r, obj)) = parse_der(rest) else { break };
            rest = r;
            match obj.content {
                BerObjectContent::Boolean(_) => continue,
                BerObjectContent::OctetString(v) => {
                    value = Some(v);
                    break;
                }
                _ => break,
            }
        }
        if let Some(v) = value
            && let Ok((_, list)) =
                x509_parser::extensions::parse_ct_signed_certificate_timestamp_list(v)
        {
            out.extend(list.iter().map(|s| from_parsed(s, SctSource::Ocsp)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls_sct(ts: u64, log: u8) -> Vec<u8> {
        let mut s = vec![0u8];
        s.extend([log; 32]);
        s.extend(ts.to_be_bytes());
        s.extend([0, 0]); // no extensions
        s.extend([4, 3, 0, 2, 0xaa, 0xbb]); // ecdsa/sha256 signature
        s
    }

    fn list(scts: &[Vec<u8>]) -> Vec<u8> {
        let mut inner = Vec::new();
        for s in scts {
            inner.extend(u16::try_from(s.len()).unwrap().to_be_bytes());
            inner.extend(s);
        }
        let mut out = u16::try_from(inner.len()).unwrap().to_be_bytes().to_vec();
        out.extend(inner);
        out
    }

    #[test]
    fn decodes_a_tls_sct_list() {
        let body = list(&[tls_sct(1_700_000_000_123, 1), tls_sct(1_600_000_000_000, 2)]);
        let v = from_tls_list(&body, SctSource::TlsExtension).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].timestamp_ms, 1_700_000_000_123);
        assert_eq!(v[0].time, "2023-11-14T22:13:20Z");
        assert_eq!(
            v[1].log_id,
            base64::engine::general_purpose::STANDARD.encode([2u8; 32])
        );
        assert!(from_tls_list(&body[..body.len() - 1], SctSource::TlsExtension).is_err());
        assert!(from_tls_list(&[0, 3, 0, 1, 0], SctSource::TlsExtension).is_err());
    }

    #[test]
    fn finds_scts_in_an_ocsp_extension() {
        // Extension ::= SEQUENCE { OID, extnValue OCTET STRING { OCTET STRING { TLS list } } }
        let tls = list(&[tls_sct(1_500_000_000_000, 7)]);
        let mut inner = vec![0x04, u8::try_from(tls.len()).unwrap()];
        inner.extend(&tls);
        let mut ext = OCSP_SCT_OID.to_vec();
        ext.extend([0x01, 0x01, 0x00]); // critical FALSE, explicitly encoded
        ext.push(0x04);
        ext.push(u8::try_from(inner.len()).unwrap());
        ext.extend(&inner);
        let mut der = vec![0x30, u8::try_from(ext.len()).unwrap()];
        der.extend(ext);
        let v = from_ocsp(&der);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].source, SctSource::Ocsp);
        assert_eq!(v[0].timestamp_ms, 1_500_000_000_000);
        assert!(from_ocsp(&[0x30, 0x00]).is_empty());
        assert!(from_ocsp(&der[..der.len() - 3]).is_empty());
    }

    proptest::proptest! {
        // Hostile bytes from the network: decoding may fail, never panic.
        #[test]
        fn decoders_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = from_tls_list(&bytes, SctSource::TlsExtension);
            let mut ocsp = OCSP_SCT_OID.to_vec();
            ocsp.extend(&bytes);
            let _ = from_ocsp(&ocsp);
            let _ = from_ocsp(&bytes);
            let _ = embedded(&bytes);
        }
    }

    #[test]
    fn test_pki_leaf_has_no_embedded_scts() {
        let der = crate::handshake::server::TestKey::EcdsaP256.leaf().unwrap();
        assert!(embedded(&der).is_empty());
        assert!(embedded(b"junk").is_empty());
    }
}
