//! Handshake message bodies (RFC 8446 §4, RFC 5246 §7.4), decoded field by field.

use serde::Serialize;

use super::codec::Reader;
use super::enums::{HandshakeType, ProtocolVersion};
use super::extensions::{ExtContext, Extension, decode_extensions};
use super::{WireError, hex_bytes};

/// ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest") (RFC 8446 §4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// ClientHello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientHello {
    /// legacy_version.
    pub legacy_version: u16,
    /// The 32-byte random.
    #[serde(with = "hex_bytes")]
    pub random: Vec<u8>,
    /// legacy_session_id.
    #[serde(with = "hex_bytes")]
    pub session_id: Vec<u8>,
    /// Offered cipher suites in order (GREASE and SCSVs included).
    pub cipher_suites: Vec<u16>,
    /// Compression methods.
    pub compression_methods: Vec<u8>,
    /// Extensions in wire order.
    pub extensions: Vec<Extension>,
}

impl ClientHello {
    /// Decodes a ClientHello body.
    pub fn decode(body: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(body, "ClientHello");
        let legacy_version = r.u16("legacy_version")?;
        let random = r.take(32, "random")?.to_vec();
        let session_id = r.vec8("legacy_session_id")?.to_vec();
        let cipher_suites = Reader::u16_list(r.vec16("cipher_suites")?, "cipher_suites")?;
        let compression_methods = r.vec8("legacy_compression_methods")?.to_vec();
        let extensions = if r.is_empty() {
            Vec::new()
        } else {
            decode_extensions(r.vec16("extensions")?, ExtContext::ClientHello)?
        };
        r.expect_end()?;
        Ok(Self {
            legacy_version,
            random,
            session_id,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

/// ServerHello or HelloRetryRequest (same wire format, told apart by the random).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerHello {
    /// legacy_version.
    pub legacy_version: u16,
    /// The 32-byte random.
    #[serde(with = "hex_bytes")]
    pub random: Vec<u8>,
    /// legacy_session_id_echo.
    #[serde(with = "hex_bytes")]
    pub session_id: Vec<u8>,
    /// Selected cipher suite.
    pub cipher_suite: u16,
    /// Selected compression method.
    pub compression_method: u8,
    /// Whether this is a HelloRetryRequest.
    pub hello_retry_request: bool,
    /// The TLS 1.3 downgrade sentinel in the last 8 bytes of the random, if present (RFC 8446
    /// §4.1.3): "DOWNGRD\x01" (TLS 1.2 negotiated) or "DOWNGRD\x00" (TLS 1.1 or below).
    pub downgrade_sentinel: Option<String>,
    /// Extensions in wire order.
    pub extensions: Vec<Extension>,
}

impl ServerHello {
    /// Decodes a ServerHello body.
    pub fn decode(body: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(body, "ServerHello");
        let legacy_version = r.u16("legacy_version")?;
        let random = r.take(32, "random")?.to_vec();
        let session_id = r.vec8("legacy_session_id_echo")?.to_vec();
        let cipher_suite = r.u16("cipher_suite")?;
        let compression_method = r.u8("legacy_compression_method")?;
        let hello_retry_request = random[..] == HRR_RANDOM[..];
        let ctx = if hello_retry_request {
            ExtContext::HelloRetryRequest
        } else {
            ExtContext::ServerHello
        };
        let extensions = if r.is_empty() {
            Vec::new()
        } else {
            decode_extensions(r.vec16("extensions")?, ctx)?
        };
        r.expect_end()?;
        let downgrade_sentinel = match &random[24..] {
            b"DOWNGRD\x01" => Some("TLS 1.2 (DOWNGRD\\x01)".to_string()),
            b"DOWNGRD\x00" => Some("TLS 1.1 or below (DOWNGRD\\x00)".to_string()),
            _ => None,
        };
        Ok(Self {
            legacy_version,
            random,
            session_id,
            cipher_suite,
            compression_method,
            hello_retry_request,
            downgrade_sentinel,
            extensions,
        })
    }

    /// The negotiated version: supported_versions if present, else legacy_version.
    pub fn selected_version(&self) -> ProtocolVersion {
        use super::extensions::ExtensionValue;
        self.extensions
            .iter()
            .find_map(|e| match e.value {
                ExtensionValue::SelectedVersion { version } => Some(ProtocolVersion(version)),
                _ => None,
            })
            .unwrap_or(ProtocolVersion(self.legacy_version))
    }
}

/// One certificate of a Certificate message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateEntry {
    /// DER bytes of the certificate.
    #[serde(with = "hex_bytes")]
    pub der: Vec<u8>,
    /// TLS 1.3 per-entry extensions (OCSP staple, SCTs).
    pub extensions: Vec<Extension>,
}

/// Certificate (TLS 1.2 layout, or TLS 1.3 with request context and per-entry extensions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// TLS 1.3 certificate_request_context (None for TLS 1.2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_context: Option<String>,
    /// Entries, sender's order (leaf first by the RFC, not always in practice).
    pub entries: Vec<CertificateEntry>,
}

impl Certificate {
    /// Decodes a Certificate body; `tls13` selects the layout.
    pub fn decode(body: &[u8], tls13: bool) -> Result<Self, WireError> {
        let mut r = Reader::new(body, "Certificate");
        let request_context = if tls13 {
            Some(hex::encode(r.vec8("certificate_request_context")?))
        } else {
            None
        };
        let list = r.vec24("certificate_list")?;
        r.expect_end()?;
        let mut lr = Reader::new(list, "certificate_list");
        let mut entries = Vec::new();
        while !lr.is_empty() {
            let der = lr.vec24("cert_data")?.to_vec();
            let extensions = if tls13 {
                decode_extensions(lr.vec16("extensions")?, ExtContext::Certificate)?
            } else {
                Vec::new()
            };
            entries.push(CertificateEntry { der, extensions });
        }
        Ok(Self {
            request_context,
            entries,
        })
    }
}

/// Key-exchange parameters in a TLS 1.2 ServerKeyExchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyExchangeParams {
    /// ECDHE with a named curve (curve_type 3).
    Ecdhe {
        /// Named group.
        group: u16,
        /// Length of the public point in bytes.
        public_len: usize,
        /// The public point.
        #[serde(with = "hex_bytes")]
        public: Vec<u8>,
    },
    /// Finite-field DHE.
    Dhe {
        /// Bits in the prime p.
        prime_bits: usize,
        /// The generator g (hex).
        generator: String,
        /// Length of the public value Ys in bytes.
        public_len: usize,
        /// The prime p.
        #[serde(with = "hex_bytes")]
        prime: Vec<u8>,
    },
}

/// ServerKeyExchange (TLS 1.2 and below).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerKeyExchange {
    /// The parameters.
    pub params: KeyExchangeParams,
    /// Signature scheme (TLS 1.2; absent before, where it is implied by the suite).
    pub signature_scheme: Option<u16>,
    /// Signature length in bytes.
    pub signature_len: usize,
    /// Bytes of the parameters as signed.
    #[serde(with = "hex_bytes")]
    pub signed_params: Vec<u8>,
}

impl ServerKeyExchange {
    /// Decodes a ServerKeyExchange body. The layout depends on the suite's key exchange, which
    /// the message does not say; `ecdhe` picks ECDHE (true) or DHE (false). `with_scheme` is true
    /// for TLS 1.2 (a SignatureAndHashAlgorithm precedes the signature).
    pub fn decode(body: &[u8], ecdhe: bool, with_scheme: bool) -> Result<Self, WireError> {
        let mut r = Reader::new(body, "ServerKeyExchange");
        let params = if ecdhe {
            let curve_type = r.u8("curve_type")?;
            if curve_type != 3 {
                return Err(WireError::Invalid {
                    what: "ServerKeyExchange",
                    reason: format!("curve_type {curve_type} (only 3, named_curve, is in use)"),
                });
            }
            let group = r.u16("namedcurve")?;
            let public = r.vec8("public")?.to_vec();
            KeyExchangeParams::Ecdhe {
                group,
                public_len: public.len(),
                public,
            }
        } else {
            let p = r.vec16("dh_p")?;
            let g = r.vec16("dh_g")?;
            let ys = r.vec16("dh_Ys")?;
            let lead = p.iter().position(|&b| b != 0).unwrap_or(p.len());
            let prime = &p[lead..];
            let prime_bits = prime
                .first()
                .map(|b| prime.len() * 8 - b.leading_zeros() as usize)
                .unwrap_or(0);
            KeyExchangeParams::Dhe {
                prime_bits,
                generator: hex::encode(g),
                public_len: ys.len(),
                prime: prime.to_vec(),
            }
        };
        let signed_params = body[..r.offset()].to_vec();
        // Anonymous suites (DH_anon, ECDH_anon) end with the parameters: no signature at all.
        if r.is_empty() {
            return Ok(Self {
                params,
                signature_scheme: None,
                signature_len: 0,
                signed_params,
            });
        }
        let signature_scheme = if with_scheme {
            Some(r.u16("signature algorithm")?)
        } else {
            None
        };
        let sig = r.vec16("signature")?;
        r.expect_end()?;
        Ok(Self {
            params,
            signature_scheme,
            signature_len: sig.len(),
            signed_params,
        })
    }
}

/// What a TLS 1.2 ClientKeyExchange carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKeyExchangeKind {
    /// RSA key transport: the pre-master secret encrypted to the server's key.
    Rsa,
    /// The client's ephemeral ECDH point.
    Ecdhe,
    /// The client's ephemeral DH public value.
    Dhe,
}

/// ClientKeyExchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClientKeyExchange {
    /// RSA-encrypted pre-master secret.
    RsaEncryptedPremaster {
        /// Ciphertext length (= modulus size).
        len: usize,
        /// The ciphertext.
        #[serde(with = "hex_bytes")]
        ciphertext: Vec<u8>,
    },
    /// Ephemeral ECDH public point.
    EcdhPublic {
        /// Point length.
        len: usize,
        /// The point.
        #[serde(with = "hex_bytes")]
        public: Vec<u8>,
    },
    /// Ephemeral DH public value.
    DhPublic {
        /// Length in bytes.
        len: usize,
    },
}

impl ClientKeyExchange {
    /// Decodes a ClientKeyExchange body of the given kind.
    pub fn decode(body: &[u8], kind: ClientKeyExchangeKind) -> Result<Self, WireError> {
        let mut r = Reader::new(body, "ClientKeyExchange");
        let v = match kind {
            ClientKeyExchangeKind::Rsa => {
                let ct = r.vec16("EncryptedPreMasterSecret")?.to_vec();
                Self::RsaEncryptedPremaster {
                    len: ct.len(),
                    ciphertext: ct,
                }
            }
            ClientKeyExchangeKind::Ecdhe => {
                let p = r.vec8("ecdh_Yc")?.to_vec();
                Self::EcdhPublic {
                    len: p.len(),
                    public: p,
                }
            }
            ClientKeyExchangeKind::Dhe => Self::DhPublic {
                len: r.vec16("dh_Yc")?.len(),
            },
        };
        r.expect_end()?;
        Ok(v)
    }
}

/// CertificateRequest (TLS 1.2 or 1.3 layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateRequest {
    /// TLS 1.2 certificate types.
    pub certificate_types: Vec<u8>,
    /// TLS 1.2 signature schemes.
    pub signature_schemes: Vec<u16>,
    /// Number of acceptable CA names (TLS 1.2).
    pub ca_names: usize,
    /// TLS 1.3 request context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_context: Option<String>,
    /// TLS 1.3 extensions.
    pub extensions: Vec<Extension>,
}

impl CertificateRequest {
    /// Decodes a CertificateRequest body.
    pub fn decode(body: &[u8], tls13: bool) -> Result<Self, WireError> {
        let mut r = Reader::new(body, "CertificateRequest");
        let v = if tls13 {
            let ctx = hex::encode(r.vec8("certificate_request_context")?);
            let extensions =
                decode_extensions(r.vec16("extensions")?, ExtContext::CertificateRequest)?;
            Self {
                certificate_types: Vec::new(),
                signature_schemes: Vec::new(),
                ca_names: 0,
                request_context: Some(ctx),
                extensions,
            }
        } else {
            let certificate_types = r.vec8("certificate_types")?.to_vec();
            let signature_schemes = Reader::u16_list(
                r.vec16("supported_signature_algorithms")?,
                "CertificateRequest signature algorithms",
            )?;
            let names = r.vec16("certificate_authorities")?;
            let mut nr = Reader::new(names, "certificate_authorities");
            let mut ca_names = 0;
            while !nr.is_empty() {
                nr.vec16("DistinguishedName")?;
                ca_names += 1;
            }
            Self {
                certificate_types,
                signature_schemes,
                ca_names,
                request_context: None,
                extensions: Vec::new(),
            }
        };
        r.expect_end()?;
        Ok(v)
    }
}

/// NewSessionTicket (TLS 1.2 or 1.3 layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSessionTicket {
    /// Ticket lifetime hint / lifetime in seconds.
    pub lifetime_s: u32,
    /// TLS 1.3 ticket_age_add.
    pub age_add: Option<u32>,
    /// TLS 1.3 ticket_nonce length.
    pub nonce_len: Option<usize>,
    /// Ticket length in bytes.
    pub ticket_len: usize,
    /// TLS 1.3 extensions (early_data).
    pub extensions: Vec<Extension>,
}

impl NewSessionTicket {
    /// Decodes a NewSessionTicket body.
    pub fn decode(body: &[u8], tls13: bool) -> Result<Self, WireError> {
        let mut r = Reader::new(body, "NewSessionTicket");
        let lifetime_s = r.u32("ticket_lifetime")?;
        let v = if tls13 {
            let age_add = r.u32("ticket_age_add")?;
            let nonce = r.vec8("ticket_nonce")?;
            let ticket = r.vec16("ticket")?;
            let extensions =
                decode_extensions(r.vec16("extensions")?, ExtContext::NewSessionTicket)?;
            Self {
                lifetime_s,
                age_add: Some(age_add),
                nonce_len: Some(nonce.len()),
                ticket_len: ticket.len(),
                extensions,
            }
        } else {
            Self {
                lifetime_s,
                age_add: None,
                nonce_len: None,
                ticket_len: r.vec16("ticket")?.len(),
                extensions: Vec::new(),
            }
        };
        r.expect_end()?;
        Ok(v)
    }
}

/// A decoded handshake message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum HandshakeBody {
    /// ClientHello.
    ClientHello(ClientHello),
    /// ServerHello / HelloRetryRequest.
    ServerHello(ServerHello),
    /// EncryptedExtensions.
    EncryptedExtensions {
        /// Extensions in wire order.
        extensions: Vec<Extension>,
    },
    /// Certificate.
    Certificate(Certificate),
    /// CertificateRequest.
    CertificateRequest(CertificateRequest),
    /// ServerKeyExchange.
    ServerKeyExchange(ServerKeyExchange),
    /// CertificateVerify.
    CertificateVerify {
        /// Signature scheme.
        signature_scheme: u16,
        /// Signature length.
        signature_len: usize,
    },
    /// ClientKeyExchange.
    ClientKeyExchange(ClientKeyExchange),
    /// Finished.
    Finished {
        /// verify_data.
        #[serde(with = "hex_bytes")]
        verify_data: Vec<u8>,
    },
    /// NewSessionTicket.
    NewSessionTicket(NewSessionTicket),
    /// CertificateStatus (stapled OCSP, TLS 1.2).
    CertificateStatus {
        /// 1 = OCSP.
        status_type: u8,
        /// OCSP response length.
        response_len: usize,
    },
    /// KeyUpdate.
    KeyUpdate {
        /// Whether the peer must update too.
        update_requested: bool,
    },
    /// A message with an empty body (ServerHelloDone, HelloRequest, EndOfEarlyData).
    Empty {},
    /// A message we do not decode (body kept in the frame's raw bytes).
    Opaque {},
}

/// Context a decoder needs that the message itself does not carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeContext {
    /// TLS 1.3 layouts.
    pub tls13: bool,
    /// ServerKeyExchange / ClientKeyExchange layout.
    pub kx: Option<ClientKeyExchangeKind>,
    /// The negotiated version is TLS 1.0/1.1 (or SSLv3): a ServerKeyExchange signature has no
    /// SignatureAndHashAlgorithm in front.
    pub pre_tls12: bool,
}

/// Decodes a handshake message body of type `typ`.
pub fn decode_body(
    typ: HandshakeType,
    body: &[u8],
    cx: DecodeContext,
) -> Result<HandshakeBody, WireError> {
    let mut r = Reader::new(body, "handshake message");
    let v = match typ {
        HandshakeType::CLIENT_HELLO => HandshakeBody::ClientHello(ClientHello::decode(body)?),
        HandshakeType::SERVER_HELLO => HandshakeBody::ServerHello(ServerHello::decode(body)?),
        HandshakeType::ENCRYPTED_EXTENSIONS => HandshakeBody::EncryptedExtensions {
            extensions: {
                let exts = r.vec16("extensions")?;
                r.expect_end()?;
                decode_extensions(exts, ExtContext::EncryptedExtensions)?
            },
        },
        HandshakeType::CERTIFICATE => {
            HandshakeBody::Certificate(Certificate::decode(body, cx.tls13)?)
        }
        HandshakeType::CERTIFICATE_REQUEST => {
            HandshakeBody::CertificateRequest(CertificateRequest::decode(body, cx.tls13)?)
        }
        HandshakeType::SERVER_KEY_EXCHANGE => {
            let ecdhe = match cx.kx {
                Some(ClientKeyExchangeKind::Dhe) => false,
                Some(ClientKeyExchangeKind::Ecdhe) => true,
                // Without the suite, the first byte decides: 3 is named_curve; a DH prime's
                // length prefix would start with 0x00-0x02 for any realistic size.
                _ => body.first() == Some(&3),
            };
            HandshakeBody::ServerKeyExchange(ServerKeyExchange::decode(body, ecdhe, !cx.pre_tls12)?)
        }
        HandshakeType::CERTIFICATE_VERIFY => {
            let signature_scheme = r.u16("algorithm")?;
            let signature_len = r.vec16("signature")?.len();
            r.expect_end()?;
            HandshakeBody::CertificateVerify {
                signature_scheme,
                signature_len,
            }
        }
        HandshakeType::CLIENT_KEY_EXCHANGE => HandshakeBody::ClientKeyExchange(
            ClientKeyExchange::decode(body, cx.kx.unwrap_or(ClientKeyExchangeKind::Ecdhe))?,
        ),
        HandshakeType::FINISHED => HandshakeBody::Finished {
            verify_data: body.to_vec(),
        },
        HandshakeType::NEW_SESSION_TICKET => {
            HandshakeBody::NewSessionTicket(NewSessionTicket::decode(body, cx.tls13)?)
        }
        HandshakeType::CERTIFICATE_STATUS => {
            let status_type = r.u8("status_type")?;
            let response_len = r.vec24("OCSPResponse")?.len();
            r.expect_end()?;
            HandshakeBody::CertificateStatus {
                status_type,
                response_len,
            }
        }
        HandshakeType::KEY_UPDATE => {
            let v = r.u8("request_update")?;
            r.expect_end()?;
            HandshakeBody::KeyUpdate {
                update_requested: v == 1,
            }
        }
        HandshakeType::SERVER_HELLO_DONE
        | HandshakeType::HELLO_REQUEST
        | HandshakeType::END_OF_EARLY_DATA => {
            r.expect_end()?;
            HandshakeBody::Empty {}
        }
        _ => HandshakeBody::Opaque {},
    };
    Ok(v)
}

/// The display name of a message: HelloRetryRequest is a ServerHello with the special random.
pub fn message_name(typ: HandshakeType, body: &HandshakeBody) -> String {
    match body {
        HandshakeBody::ServerHello(sh) if sh.hello_retry_request => "HelloRetryRequest".into(),
        _ => typ
            .name()
            .map(str::to_string)
            .unwrap_or_else(|| format!("handshake type {}", typ.0)),
    }
}
