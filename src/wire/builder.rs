//! Hand-crafted ClientHello records for probing (DESIGN.md §6.4).
//!
//! rustls cannot offer arbitrary suites, groups or versions, so probes build their hellos here:
//! every field is set explicitly, suites and extensions are emitted in exactly the order given
//! (SCSVs and GREASE included), and nothing is added behind the caller's back except the RFC 7685
//! padding when asked for. Also encodes the SSLv2 CLIENT-HELLO used to detect SSLv2 (DROWN).

use super::codec::{put_u16, put_u24, put_vec8, put_vec16};
use super::enums::{ContentType, ExtensionType, HandshakeType, ProtocolVersion};

/// Largest plaintext fragment per record (RFC 8446 §5.1); bigger hellos span several records.
const MAX_PLAINTEXT: usize = 1 << 14;

/// The TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
pub const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00FF;
/// The TLS_FALLBACK_SCSV (RFC 7507).
pub const FALLBACK_SCSV: u16 = 0x5600;

/// Builds one ClientHello, field by field. Defaults: record version TLS 1.0 (what testssl.sh and
/// browsers send, since some servers reject a first record above 0x0301), legacy_version TLS 1.2,
/// a fresh random, empty session id, no suites, null compression only, no extensions, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloBuilder {
    record_version: u16,
    legacy_version: u16,
    random: [u8; 32],
    session_id: Vec<u8>,
    cipher_suites: Vec<u16>,
    compression: Vec<u8>,
    extensions: Vec<(u16, Vec<u8>)>,
    padding: bool,
}

impl Default for ClientHelloBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientHelloBuilder {
    /// A builder with the defaults above and a random from the system RNG.
    pub fn new() -> Self {
        Self {
            record_version: ProtocolVersion::TLS10.0,
            legacy_version: ProtocolVersion::TLS12.0,
            random: fresh_random(),
            session_id: Vec::new(),
            cipher_suites: Vec::new(),
            compression: vec![0],
            extensions: Vec::new(),
            padding: false,
        }
    }

    /// Sets the record-layer version of the records carrying the hello.
    pub fn record_version(mut self, v: u16) -> Self {
        self.record_version = v;
        self
    }

    /// Sets ClientHello.legacy_version (the only version signal below TLS 1.3).
    pub fn legacy_version(mut self, v: u16) -> Self {
        self.legacy_version = v;
        self
    }

    /// Sets the 32-byte client random (tests use a fixed one).
    pub fn random(mut self, r: [u8; 32]) -> Self {
        self.random = r;
        self
    }

    /// Sets the legacy session id (0..=32 bytes; longer is truncated to 32 on the wire).
    pub fn session_id(mut self, id: &[u8]) -> Self {
        self.session_id = id[..id.len().min(32)].to_vec();
        self
    }

    /// Sets the cipher suites, in the order given (SCSVs and GREASE values are passed through).
    pub fn cipher_suites(mut self, suites: &[u16]) -> Self {
        self.cipher_suites = suites.to_vec();
        self
    }

    /// Sets the compression methods (0 = null, 1 = DEFLATE).
    pub fn compression(mut self, methods: &[u8]) -> Self {
        self.compression = methods.to_vec();
        self
    }

    /// Appends an extension with a raw body (any type, including GREASE or unknown ones).
    pub fn extension(mut self, typ: u16, body: &[u8]) -> Self {
        self.extensions.push((typ, body.to_vec()));
        self
    }

    /// server_name with one host_name entry (RFC 6066 §3).
    pub fn sni(self, host: &str) -> Self {
        let mut entry = vec![0u8]; // name_type host_name
        put_vec16(&mut entry, host.as_bytes());
        let mut body = Vec::new();
        put_vec16(&mut body, &entry);
        self.extension(ExtensionType::SERVER_NAME.0, &body)
    }

    /// supported_groups (RFC 8422 §5.1.1, RFC 8446 §4.2.7).
    pub fn supported_groups(self, groups: &[u16]) -> Self {
        let body = u16_list16(groups);
        self.extension(ExtensionType::SUPPORTED_GROUPS.0, &body)
    }

    /// ec_point_formats (RFC 8422 §5.1.2); 0 = uncompressed.
    pub fn ec_point_formats(self, formats: &[u8]) -> Self {
        let mut body = Vec::new();
        put_vec8(&mut body, formats);
        self.extension(ExtensionType::EC_POINT_FORMATS.0, &body)
    }

    /// signature_algorithms (RFC 8446 §4.2.3).
    pub fn signature_algorithms(self, schemes: &[u16]) -> Self {
        let body = u16_list16(schemes);
        self.extension(ExtensionType::SIGNATURE_ALGORITHMS.0, &body)
    }

    /// supported_versions, client form: u8-length list (RFC 8446 §4.2.1).
    pub fn supported_versions(self, versions: &[u16]) -> Self {
        let mut list = Vec::with_capacity(versions.len() * 2);
        for v in versions {
            put_u16(&mut list, *v);
        }
        let mut body = Vec::new();
        put_vec8(&mut body, &list);
        self.extension(ExtensionType::SUPPORTED_VERSIONS.0, &body)
    }

    /// key_share with the given (group, key_exchange) entries. An empty slice sends an empty
    /// client_shares list, which RFC 8446 §4.2.8 allows and which asks the server for a
    /// HelloRetryRequest naming its group — the key-free TLS 1.3 probe.
    pub fn key_share(self, shares: &[(u16, &[u8])]) -> Self {
        let mut list = Vec::new();
        for (group, key) in shares {
            put_u16(&mut list, *group);
            put_vec16(&mut list, key);
        }
        let mut body = Vec::new();
        put_vec16(&mut body, &list);
        self.extension(ExtensionType::KEY_SHARE.0, &body)
    }

    /// key_share with an empty client_shares list (see [`Self::key_share`]).
    pub fn key_share_empty(self) -> Self {
        self.key_share(&[])
    }

    /// psk_key_exchange_modes (RFC 8446 §4.2.9); 1 = psk_dhe_ke.
    pub fn psk_key_exchange_modes(self, modes: &[u8]) -> Self {
        let mut body = Vec::new();
        put_vec8(&mut body, modes);
        self.extension(ExtensionType::PSK_KEY_EXCHANGE_MODES.0, &body)
    }

    /// application_layer_protocol_negotiation (RFC 7301).
    pub fn alpn(self, protocols: &[&[u8]]) -> Self {
        let mut list = Vec::new();
        for p in protocols {
            put_vec8(&mut list, p);
        }
        let mut body = Vec::new();
        put_vec16(&mut body, &list);
        self.extension(ExtensionType::ALPN.0, &body)
    }

    /// renegotiation_info with an empty renegotiated_connection (RFC 5746 §3.2, initial hello).
    pub fn renegotiation_info(self) -> Self {
        self.extension(ExtensionType::RENEGOTIATION_INFO.0, &[0])
    }

    /// extended_master_secret (RFC 7627), empty body.
    pub fn extended_master_secret(self) -> Self {
        self.extension(ExtensionType::EXTENDED_MASTER_SECRET.0, &[])
    }

    /// session_ticket (RFC 5077) with the given ticket; empty asks for a new one.
    pub fn session_ticket(self, ticket: &[u8]) -> Self {
        self.extension(ExtensionType::SESSION_TICKET.0, ticket)
    }

    /// status_request for OCSP with no responder ids and no request extensions (RFC 6066 §8).
    pub fn status_request(self) -> Self {
        self.extension(ExtensionType::STATUS_REQUEST.0, &[1, 0, 0, 0, 0])
    }

    /// signed_certificate_timestamp (RFC 6962 §3.3.1), empty body.
    pub fn signed_certificate_timestamp(self) -> Self {
        self.extension(ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP.0, &[])
    }

    /// heartbeat (RFC 6520) with the given mode: 1 = peer_allowed_to_send, 2 = not allowed.
    pub fn heartbeat(self, mode: u8) -> Self {
        self.extension(ExtensionType::HEARTBEAT.0, &[mode])
    }

    /// encrypt_then_mac (RFC 7366), empty body.
    pub fn encrypt_then_mac(self) -> Self {
        self.extension(ExtensionType::ENCRYPT_THEN_MAC.0, &[])
    }

    /// Adds an RFC 7685 padding extension at build time when the unpadded handshake message is
    /// 256–511 bytes long, growing it to 512: some F5 BIG-IP versions hang on hellos in that range.
    pub fn pad_to_avoid_f5_bug(mut self, on: bool) -> Self {
        self.padding = on;
        self
    }

    /// Cipher suites as set.
    pub fn suites(&self) -> &[u16] {
        &self.cipher_suites
    }

    /// The 32-byte random as set.
    pub fn client_random(&self) -> [u8; 32] {
        self.random
    }

    /// Extensions (type, body) in wire order, without the build-time padding.
    pub fn extensions(&self) -> &[(u16, Vec<u8>)] {
        &self.extensions
    }

    /// ClientHello body (after the 4-byte handshake header), extensions as given.
    fn body(&self, extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut b = Vec::with_capacity(128 + self.cipher_suites.len() * 2);
        put_u16(&mut b, self.legacy_version);
        b.extend_from_slice(&self.random);
        put_vec8(&mut b, &self.session_id);
        put_vec16(&mut b, &u16_bytes(&self.cipher_suites));
        put_vec8(&mut b, &self.compression);
        // An SSLv3-style hello without extensions omits the block entirely (RFC 5246 §7.4.1.2).
        if !extensions.is_empty() {
            let mut ext = Vec::new();
            for (typ, body) in extensions {
                put_u16(&mut ext, *typ);
                put_vec16(&mut ext, body);
            }
            put_vec16(&mut b, &ext);
        }
        b
    }

    /// The ClientHello handshake message (4-byte header + body), padded if asked.
    pub fn handshake_message(&self) -> Vec<u8> {
        let mut body = self.body(&self.extensions);
        if self.padding {
            let len = body.len() + 4;
            if (0x100..0x200).contains(&len) {
                // Same arithmetic as BoringSSL/OpenSSL: the extension header (4 bytes) counts
                // toward the 512, and the body is at least one byte so the hello reaches 0x200.
                // Adding the extension may also create the extensions block (+2 bytes).
                let block = if self.extensions.is_empty() { 2 } else { 0 };
                let pad = 0x200usize.saturating_sub(len + block + 4).max(1);
                let mut exts = self.extensions.clone();
                exts.push((ExtensionType::PADDING.0, vec![0; pad]));
                body = self.body(&exts);
            }
        }
        let mut msg = Vec::with_capacity(body.len() + 4);
        msg.push(HandshakeType::CLIENT_HELLO.0);
        put_u24(&mut msg, body.len() as u32);
        msg.extend_from_slice(&body);
        msg
    }

    /// The hello wrapped in handshake records, split at 2^14 bytes per record.
    pub fn build(&self) -> Vec<u8> {
        wrap_records(
            ContentType::HANDSHAKE.0,
            self.record_version,
            &self.handshake_message(),
        )
    }
}

/// Wraps `payload` in records of `content_type`, at most 2^14 bytes of payload each.
pub fn wrap_records(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5 * (payload.len() / MAX_PLAINTEXT + 1));
    for chunk in payload.chunks(MAX_PLAINTEXT) {
        out.push(content_type);
        put_u16(&mut out, version);
        put_vec16(&mut out, chunk);
    }
    out
}

fn u16_bytes(vals: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(vals.len() * 2);
    for v in vals {
        put_u16(&mut out, *v);
    }
    out
}

fn u16_list16(vals: &[u16]) -> Vec<u8> {
    let mut body = Vec::with_capacity(vals.len() * 2 + 2);
    put_vec16(&mut body, &u16_bytes(vals));
    body
}

/// 32 random bytes from the system RNG. Probes do not need secrecy from the random, only
/// uniqueness, so if the RNG is unavailable a hash of the time and a counter stands in.
fn fresh_random() -> [u8; 32] {
    use ring::rand::SecureRandom;
    let mut r = [0u8; 32];
    if ring::rand::SystemRandom::new().fill(&mut r).is_ok() {
        return r;
    }
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut seed = t.to_be_bytes().to_vec();
    seed.extend_from_slice(&n.to_be_bytes());
    r.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, &seed).as_ref());
    r
}

/// An SSLv2 CLIENT-HELLO (SSL 2.0 draft, "Client-hello"; the message sslscan and testssl.sh
/// send to detect SSLv2 for DROWN). Cipher specs are 3-byte SSLv2 kinds such as 0x010080.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sslv2ClientHello {
    /// Version field: 0x0002 for SSLv2.
    pub version: u16,
    /// 3-byte cipher kinds, in order (values above 0xFFFFFF are truncated to 24 bits).
    pub cipher_specs: Vec<u32>,
    /// Session id (empty for a new session).
    pub session_id: Vec<u8>,
    /// Challenge, 16..=32 bytes.
    pub challenge: Vec<u8>,
}

/// The seven SSLv2 cipher kinds every SSLv2 server knew (RC4/RC2/IDEA/DES/3DES incl. export).
pub const SSLV2_CIPHER_SPECS: [u32; 7] = [
    0x010080, // SSL_CK_RC4_128_WITH_MD5
    0x020080, // SSL_CK_RC4_128_EXPORT40_WITH_MD5
    0x030080, // SSL_CK_RC2_128_CBC_WITH_MD5
    0x040080, // SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5
    0x050080, // SSL_CK_IDEA_128_CBC_WITH_MD5
    0x060040, // SSL_CK_DES_64_CBC_WITH_MD5
    0x0700C0, // SSL_CK_DES_192_EDE3_CBC_WITH_MD5
];

impl Sslv2ClientHello {
    /// A hello offering all SSLv2 cipher kinds with a fresh 16-byte challenge.
    pub fn new() -> Self {
        Self {
            version: ProtocolVersion::SSLV2.0,
            cipher_specs: SSLV2_CIPHER_SPECS.to_vec(),
            session_id: Vec::new(),
            challenge: fresh_random()[..16].to_vec(),
        }
    }

    /// The record: 2-byte header (high bit set, 15-bit length), then MSG-CLIENT-HELLO.
    pub fn encode(&self) -> Vec<u8> {
        let mut msg = vec![1u8]; // MSG-CLIENT-HELLO
        put_u16(&mut msg, self.version);
        put_u16(&mut msg, (self.cipher_specs.len() * 3) as u16);
        put_u16(&mut msg, self.session_id.len() as u16);
        put_u16(&mut msg, self.challenge.len() as u16);
        for spec in &self.cipher_specs {
            msg.extend_from_slice(&spec.to_be_bytes()[1..]);
        }
        msg.extend_from_slice(&self.session_id);
        msg.extend_from_slice(&self.challenge);
        // A 2-byte header carries at most 0x7FFF bytes; our hellos are a few dozen bytes.
        let len = msg.len().min(0x7FFF) as u16;
        let mut out = Vec::with_capacity(msg.len() + 2);
        put_u16(&mut out, 0x8000 | len);
        out.extend_from_slice(&msg[..len as usize]);
        out
    }
}

impl Default for Sslv2ClientHello {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tls_parser::{
        TlsExtension, TlsMessage, TlsMessageHandshake, parse_tls_extensions, parse_tls_plaintext,
    };

    fn full() -> ClientHelloBuilder {
        ClientHelloBuilder::new()
            .random([7; 32])
            .session_id(&[1, 2, 3])
            .cipher_suites(&[0x0A0A, 0x1301, 0xC02F, 0x009C, 0x00FF, 0x5600])
            .extension(0x2A2A, &[])
            .sni("tlsight.test")
            .supported_groups(&[0x001D, 0x0017, 0x11EC])
            .ec_point_formats(&[0])
            .signature_algorithms(&[0x0403, 0x0804, 0x0401])
            .supported_versions(&[0x0304, 0x0303])
            .key_share(&[(0x001D, &[9; 32])])
            .alpn(&[b"h2", b"http/1.1"])
            .renegotiation_info()
            .extended_master_secret()
            .session_ticket(&[])
            .status_request()
            .signed_certificate_timestamp()
            .heartbeat(1)
            .encrypt_then_mac()
    }

    #[test]
    fn tls_parser_reads_every_field_in_order() {
        let rec = full().build();
        assert_eq!(&rec[..3], &[22, 3, 1]);
        let (rest, plain) = parse_tls_plaintext(&rec).unwrap();
        assert!(rest.is_empty());
        let TlsMessage::Handshake(TlsMessageHandshake::ClientHello(ch)) = &plain.msg[0] else {
            panic!("not a ClientHello: {:?}", plain.msg);
        };
        assert_eq!(ch.version.0, 0x0303);
        assert_eq!(ch.random, &[7; 32]);
        assert_eq!(ch.session_id, Some(&[1u8, 2, 3][..]));
        let suites: Vec<u16> = ch.ciphers.iter().map(|c| c.0).collect();
        assert_eq!(suites, vec![0x0A0A, 0x1301, 0xC02F, 0x009C, 0x00FF, 0x5600]);
        assert_eq!(ch.comp.len(), 1);
        // tls-parser folds every GREASE value into 0xFAFA, so check the raw type bytes first.
        assert_eq!(&ch.ext.unwrap()[..4], &[0x2A, 0x2A, 0, 0]);
        let (_, exts) = parse_tls_extensions(ch.ext.unwrap()).unwrap();
        let types: Vec<u16> = exts
            .iter()
            .map(|e| u16::from(tls_parser::TlsExtensionType::from(e)))
            .collect();
        assert_eq!(
            types,
            vec![
                0xFAFA, 0, 10, 11, 13, 43, 51, 16, 0xFF01, 23, 35, 5, 18, 15, 22
            ]
        );
        assert!(matches!(exts[1], TlsExtension::SNI(ref v) if v[0].1 == b"tlsight.test"));
        assert!(
            matches!(exts[7], TlsExtension::ALPN(ref v) if v == &vec![&b"h2"[..], &b"http/1.1"[..]])
        );
        assert!(matches!(exts[8], TlsExtension::RenegotiationInfo(b) if b.is_empty()));
    }

    #[test]
    fn empty_key_share_is_an_empty_client_shares_list() {
        let h = ClientHelloBuilder::new().key_share_empty();
        assert_eq!(h.extensions(), &[(51u16, vec![0, 0])]);
    }

    #[test]
    fn padding_brings_256_to_511_byte_hellos_to_512() {
        for n in 1..260u16 {
            let suites: Vec<u16> = (0..n).collect();
            let plain = ClientHelloBuilder::new().cipher_suites(&suites).sni("x");
            let unpadded = plain.handshake_message().len();
            let padded = plain.pad_to_avoid_f5_bug(true).handshake_message();
            if (256..512).contains(&unpadded) {
                if unpadded <= 508 {
                    assert_eq!(padded.len(), 512, "unpadded {unpadded}");
                } else {
                    assert!(padded.len() > 512, "unpadded {unpadded}");
                }
                let rec = wrap_records(22, 0x0301, &padded);
                let (_, p) = parse_tls_plaintext(&rec).unwrap();
                assert!(!p.msg.is_empty());
            } else {
                assert_eq!(padded.len(), unpadded, "must not pad {unpadded}");
            }
        }
    }

    #[test]
    fn padding_without_other_extensions_creates_the_block() {
        let suites: Vec<u16> = (0..120).collect();
        let h = ClientHelloBuilder::new()
            .cipher_suites(&suites)
            .pad_to_avoid_f5_bug(true);
        assert_eq!(h.handshake_message().len(), 512);
    }

    #[test]
    fn no_extensions_means_no_extension_block() {
        let h = ClientHelloBuilder::new()
            .legacy_version(0x0300)
            .record_version(0x0300)
            .random([0; 32])
            .cipher_suites(&[0x000A]);
        let m = h.handshake_message();
        // header 4 + version 2 + random 32 + sid 1 + suites 2+2 + compression 1+1
        assert_eq!(m.len(), 45);
        assert_eq!(&h.build()[..3], &[22, 3, 0]);
    }

    #[test]
    fn large_hellos_span_several_records() {
        let big = vec![0u8; 20_000];
        let rec = ClientHelloBuilder::new().extension(0xFFCE, &big).build();
        let (recs, err) = crate::wire::split_records(&rec);
        assert!(err.is_none());
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].fragment.len(), 1 << 14);
    }

    #[test]
    fn sslv2_hello_layout() {
        let h = Sslv2ClientHello {
            challenge: vec![0xAB; 16],
            ..Sslv2ClientHello::new()
        };
        let b = h.encode();
        assert_eq!(b.len(), 2 + 9 + 21 + 16);
        assert_eq!(&b[..2], &[0x80, 46]);
        assert_eq!(&b[2..11], &[1, 0, 2, 0, 21, 0, 0, 0, 16]);
        assert_eq!(&b[11..14], &[1, 0, 0x80]);
        assert_eq!(&b[b.len() - 16..], &[0xAB; 16]);
    }
}
