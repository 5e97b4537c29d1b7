//! Hello extensions, decoded per the message that carries them (the same code point means
//! different things in a ClientHello, a ServerHello, a HelloRetryRequest or EncryptedExtensions).
//! Every extension keeps its raw bytes; anything unknown or malformed is kept, never dropped.

use serde::Serialize;

use super::codec::Reader;
use super::enums::ExtensionType;
use super::hybrid::{KeySharePart, ShareSender, share_parts};
use super::{WireError, hex_bytes};

/// Which message an extension block belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtContext {
    /// ClientHello.
    ClientHello,
    /// ServerHello (TLS 1.2 or 1.3).
    ServerHello,
    /// HelloRetryRequest.
    HelloRetryRequest,
    /// TLS 1.3 EncryptedExtensions.
    EncryptedExtensions,
    /// TLS 1.3 CertificateEntry extensions.
    Certificate,
    /// TLS 1.3 CertificateRequest.
    CertificateRequest,
    /// TLS 1.3 NewSessionTicket.
    NewSessionTicket,
}

/// One extension: code point, name, decoded value and raw body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extension {
    /// Extension type code point.
    #[serde(rename = "type")]
    pub typ: u16,
    /// Registered name, "GREASE (0x..)" or "unknown (0x..)".
    pub name: String,
    /// The decoded value.
    pub value: ExtensionValue,
    /// The extension_data bytes as received.
    #[serde(with = "hex_bytes")]
    pub raw: Vec<u8>,
}

/// A key_share entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyShareEntry {
    /// Named group code point.
    pub group: u16,
    /// Length of the key_exchange field in bytes.
    pub key_len: usize,
    /// The key_exchange bytes.
    #[serde(with = "hex_bytes")]
    pub key: Vec<u8>,
    /// A hybrid post-quantum share split into its labelled parts, in wire order (empty for
    /// other groups, or when the length does not match the group's layout).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<KeySharePart>,
}

/// A pre_shared_key identity offered by the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PskIdentity {
    /// Length of the opaque identity (a ticket, usually).
    pub identity_len: usize,
    /// Obfuscated ticket age.
    pub obfuscated_ticket_age: u32,
}

/// Decoded extension values. Field names are the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExtensionValue {
    /// server_name in a ClientHello: host names (type 0).
    ServerName {
        /// Host names in order.
        names: Vec<String>,
    },
    /// An empty extension body: an acknowledgement (server_name in ServerHello) or a flag
    /// (extended_master_secret, encrypt_then_mac, post_handshake_auth, ...).
    Empty,
    /// supported_groups.
    SupportedGroups {
        /// Named groups in preference order.
        groups: Vec<u16>,
    },
    /// ec_point_formats.
    EcPointFormats {
        /// Formats (0 uncompressed, 1 ansiX962_compressed_prime, 2 ..._char2).
        formats: Vec<u8>,
    },
    /// signature_algorithms or signature_algorithms_cert.
    SignatureAlgorithms {
        /// Signature schemes in preference order.
        schemes: Vec<u16>,
    },
    /// application_layer_protocol_negotiation.
    Alpn {
        /// Protocol names (lossy UTF-8).
        protocols: Vec<String>,
    },
    /// supported_versions in a ClientHello.
    SupportedVersions {
        /// Offered versions in preference order.
        versions: Vec<u16>,
    },
    /// supported_versions in a ServerHello / HelloRetryRequest.
    SelectedVersion {
        /// The chosen version.
        version: u16,
    },
    /// key_share in a ClientHello.
    KeyShares {
        /// Offered shares (possibly none, to request a HelloRetryRequest).
        shares: Vec<KeyShareEntry>,
    },
    /// key_share in a ServerHello.
    KeyShare {
        /// The server's share.
        share: KeyShareEntry,
    },
    /// key_share in a HelloRetryRequest: the group the server wants.
    KeyShareRequest {
        /// Selected group.
        group: u16,
    },
    /// psk_key_exchange_modes.
    PskModes {
        /// 0 psk_ke, 1 psk_dhe_ke.
        modes: Vec<u8>,
    },
    /// status_request in a ClientHello.
    StatusRequest {
        /// 1 = OCSP.
        status_type: u8,
        /// Bytes of responder_id_list.
        responder_ids_len: usize,
        /// Bytes of request_extensions.
        request_extensions_len: usize,
    },
    /// status_request in a TLS 1.3 Certificate entry: the stapled OCSP response.
    OcspResponse {
        /// Response length in bytes.
        len: usize,
    },
    /// signed_certificate_timestamp with a SignedCertificateTimestampList (server side).
    SctList {
        /// Number of SCTs.
        count: usize,
    },
    /// renegotiation_info.
    RenegotiationInfo {
        /// renegotiated_connection (empty on an initial handshake).
        #[serde(with = "hex_bytes")]
        renegotiated_connection: Vec<u8>,
    },
    /// session_ticket.
    SessionTicket {
        /// Ticket length (0 = "I support tickets").
        len: usize,
    },
    /// record_size_limit.
    RecordSizeLimit {
        /// Largest plaintext the sender accepts.
        limit: u16,
    },
    /// padding.
    Padding {
        /// Number of padding bytes.
        len: usize,
    },
    /// compress_certificate.
    CompressCertificate {
        /// 1 zlib, 2 brotli, 3 zstd.
        algorithms: Vec<u16>,
    },
    /// early_data (max_early_data_size in NewSessionTicket).
    EarlyData {
        /// Present only in NewSessionTicket.
        max_early_data_size: Option<u32>,
    },
    /// pre_shared_key in a ClientHello.
    PskOffer {
        /// Offered identities.
        identities: Vec<PskIdentity>,
        /// Lengths of the binders.
        binder_lens: Vec<usize>,
    },
    /// pre_shared_key in a ServerHello.
    PskSelected {
        /// Index of the accepted identity.
        identity: u16,
    },
    /// encrypted_client_hello in a ClientHello.
    EchOffer {
        /// 0 outer, 1 inner.
        ech_type: u8,
        /// HPKE KDF id (outer only).
        kdf_id: Option<u16>,
        /// HPKE AEAD id (outer only).
        aead_id: Option<u16>,
        /// ECHConfig id (outer only).
        config_id: Option<u8>,
        /// Length of the HPKE encapsulated key.
        enc_len: Option<usize>,
        /// Length of the encrypted inner ClientHello.
        payload_len: Option<usize>,
    },
    /// encrypted_client_hello in EncryptedExtensions: retry configs.
    EchRetryConfigs {
        /// Length of the ECHConfigList.
        len: usize,
    },
    /// encrypted_client_hello in a HelloRetryRequest: acceptance confirmation.
    EchConfirmation {
        /// The 8 confirmation bytes.
        #[serde(with = "hex_bytes")]
        confirmation: Vec<u8>,
    },
    /// cookie.
    Cookie {
        /// Cookie length.
        len: usize,
    },
    /// max_fragment_length.
    MaxFragmentLength {
        /// 1 = 2^9 .. 4 = 2^12.
        code: u8,
    },
    /// heartbeat.
    Heartbeat {
        /// 1 peer_allowed_to_send, 2 peer_not_allowed_to_send.
        mode: u8,
    },
    /// An extension we do not decode: see `raw`.
    Opaque,
    /// An extension whose body does not parse; `raw` holds it.
    Malformed {
        /// Why it did not parse.
        error: String,
    },
}

/// Decodes an extension block (the bytes inside the u16 length prefix), in wire order.
pub fn decode_extensions(block: &[u8], ctx: ExtContext) -> Result<Vec<Extension>, WireError> {
    let mut r = Reader::new(block, "extensions");
    let mut out = Vec::new();
    while !r.is_empty() {
        let typ = r.u16("extension type")?;
        let body = r.vec16("extension data")?;
        let value = decode_value(typ, body, ctx).unwrap_or_else(|e| ExtensionValue::Malformed {
            error: e.to_string(),
        });
        out.push(Extension {
            typ,
            name: ExtensionType(typ).label(),
            value,
            raw: body.to_vec(),
        });
    }
    Ok(out)
}

fn decode_value(typ: u16, body: &[u8], ctx: ExtContext) -> Result<ExtensionValue, WireError> {
    use ExtContext as C;
    use ExtensionValue as V;
    let mut r = Reader::new(body, "extension");
    let v = match (ExtensionType(typ), ctx) {
        (_, _) if body.is_empty() => match ExtensionType(typ) {
            ExtensionType::SESSION_TICKET => V::SessionTicket { len: 0 },
            ExtensionType::PADDING => V::Padding { len: 0 },
            ExtensionType::EARLY_DATA => V::EarlyData {
                max_early_data_size: None,
            },
            _ => V::Empty,
        },
        (ExtensionType::SERVER_NAME, C::ClientHello) => {
            let list = r.vec16("server_name_list")?;
            let mut lr = Reader::new(list, "server_name_list");
            let mut names = Vec::new();
            while !lr.is_empty() {
                let name_type = lr.u8("name_type")?;
                let name = lr.vec16("host_name")?;
                if name_type == 0 {
                    names.push(String::from_utf8_lossy(name).into_owned());
                } else {
                    names.push(format!("(name type {name_type}) {}", hex::encode(name)));
                }
            }
            V::ServerName { names }
        }
        (ExtensionType::SUPPORTED_GROUPS, _) => V::SupportedGroups {
            groups: Reader::u16_list(r.vec16("named_group_list")?, "supported_groups")?,
        },
        (ExtensionType::EC_POINT_FORMATS, _) => V::EcPointFormats {
            formats: r.vec8("ec_point_format_list")?.to_vec(),
        },
        (ExtensionType::SIGNATURE_ALGORITHMS | ExtensionType::SIGNATURE_ALGORITHMS_CERT, _) => {
            V::SignatureAlgorithms {
                schemes: Reader::u16_list(
                    r.vec16("supported_signature_algorithms")?,
                    "signature_algorithms",
                )?,
            }
        }
        (ExtensionType::ALPN, _) => {
            let list = r.vec16("protocol_name_list")?;
            let mut lr = Reader::new(list, "ALPN list");
            let mut protocols = Vec::new();
            while !lr.is_empty() {
                protocols.push(String::from_utf8_lossy(lr.vec8("protocol name")?).into_owned());
            }
            V::Alpn { protocols }
        }
        (ExtensionType::SUPPORTED_VERSIONS, C::ClientHello) => V::SupportedVersions {
            versions: Reader::u16_list(r.vec8("versions")?, "supported_versions")?,
        },
        (ExtensionType::SUPPORTED_VERSIONS, _) => V::SelectedVersion {
            version: r.u16("selected_version")?,
        },
        (ExtensionType::KEY_SHARE, C::ClientHello) => {
            let list = r.vec16("client_shares")?;
            let mut lr = Reader::new(list, "client_shares");
            let mut shares = Vec::new();
            while !lr.is_empty() {
                shares.push(read_key_share(&mut lr, ShareSender::Client)?);
            }
            V::KeyShares { shares }
        }
        (ExtensionType::KEY_SHARE, C::HelloRetryRequest) => V::KeyShareRequest {
            group: r.u16("selected_group")?,
        },
        (ExtensionType::KEY_SHARE, _) => V::KeyShare {
            share: read_key_share(&mut r, ShareSender::Server)?,
        },
        (ExtensionType::PSK_KEY_EXCHANGE_MODES, _) => V::PskModes {
            modes: r.vec8("ke_modes")?.to_vec(),
        },
        (ExtensionType::STATUS_REQUEST, C::ClientHello) => {
            let status_type = r.u8("status_type")?;
            let ids = r.vec16("responder_id_list")?;
            let exts = r.vec16("request_extensions")?;
            V::StatusRequest {
                status_type,
                responder_ids_len: ids.len(),
                request_extensions_len: exts.len(),
            }
        }
        (ExtensionType::STATUS_REQUEST, _) => {
            let _status_type = r.u8("status_type")?;
            V::OcspResponse {
                len: r.vec24("OCSPResponse")?.len(),
            }
        }
        (ExtensionType::SIGNED_CERTIFICATE_TIMESTAMP, _) => {
            let list = r.vec16("SignedCertificateTimestampList")?;
            let mut lr = Reader::new(list, "SCT list");
            let mut count = 0;
            while !lr.is_empty() {
                lr.vec16("SerializedSCT")?;
                count += 1;
            }
            V::SctList { count }
        }
        (ExtensionType::RENEGOTIATION_INFO, _) => V::RenegotiationInfo {
            renegotiated_connection: r.vec8("renegotiated_connection")?.to_vec(),
        },
        (ExtensionType::SESSION_TICKET, _) => {
            return Ok(V::SessionTicket { len: body.len() });
        }
        (ExtensionType::RECORD_SIZE_LIMIT, _) => V::RecordSizeLimit {
            limit: r.u16("RecordSizeLimit")?,
        },
        (ExtensionType::PADDING, _) => {
            return Ok(V::Padding { len: body.len() });
        }
        (ExtensionType::COMPRESS_CERTIFICATE, _) => V::CompressCertificate {
            algorithms: Reader::u16_list(r.vec8("algorithms")?, "compress_certificate")?,
        },
        (ExtensionType::EARLY_DATA, _) => V::EarlyData {
            max_early_data_size: Some(r.u32("max_early_data_size")?),
        },
        (ExtensionType::PRE_SHARED_KEY, C::ClientHello) => {
            let ids = r.vec16("identities")?;
            let mut ir = Reader::new(ids, "PSK identities");
            let mut identities = Vec::new();
            while !ir.is_empty() {
                let id = ir.vec16("identity")?;
                identities.push(PskIdentity {
                    identity_len: id.len(),
                    obfuscated_ticket_age: ir.u32("obfuscated_ticket_age")?,
                });
            }
            let binders = r.vec16("binders")?;
            let mut br = Reader::new(binders, "PSK binders");
            let mut binder_lens = Vec::new();
            while !br.is_empty() {
                binder_lens.push(br.vec8("binder")?.len());
            }
            V::PskOffer {
                identities,
                binder_lens,
            }
        }
        (ExtensionType::PRE_SHARED_KEY, _) => V::PskSelected {
            identity: r.u16("selected_identity")?,
        },
        (ExtensionType::ENCRYPTED_CLIENT_HELLO, C::ClientHello) => {
            let ech_type = r.u8("ECHClientHelloType")?;
            if ech_type == 0 {
                let kdf_id = r.u16("kdf_id")?;
                let aead_id = r.u16("aead_id")?;
                let config_id = r.u8("config_id")?;
                let enc = r.vec16("enc")?;
                let payload = r.vec16("payload")?;
                V::EchOffer {
                    ech_type,
                    kdf_id: Some(kdf_id),
                    aead_id: Some(aead_id),
                    config_id: Some(config_id),
                    enc_len: Some(enc.len()),
                    payload_len: Some(payload.len()),
                }
            } else {
                V::EchOffer {
                    ech_type,
                    kdf_id: None,
                    aead_id: None,
                    config_id: None,
                    enc_len: None,
                    payload_len: None,
                }
            }
        }
        (ExtensionType::ENCRYPTED_CLIENT_HELLO, C::HelloRetryRequest) => V::EchConfirmation {
            confirmation: r.take(8, "confirmation")?.to_vec(),
        },
        (ExtensionType::ENCRYPTED_CLIENT_HELLO, _) => {
            return Ok(V::EchRetryConfigs { len: body.len() });
        }
        (ExtensionType::COOKIE, _) => V::Cookie {
            len: r.vec16("cookie")?.len(),
        },
        (ExtensionType::MAX_FRAGMENT_LENGTH, _) => V::MaxFragmentLength {
            code: r.u8("max_fragment_length")?,
        },
        (ExtensionType::HEARTBEAT, _) => V::Heartbeat {
            mode: r.u8("HeartbeatMode")?,
        },
        _ => return Ok(V::Opaque),
    };
    r.expect_end()?;
    Ok(v)
}

fn read_key_share(r: &mut Reader<'_>, sender: ShareSender) -> Result<KeyShareEntry, WireError> {
    let group = r.u16("group")?;
    let key = r.vec16("key_exchange")?;
    Ok(KeyShareEntry {
        group,
        key_len: key.len(),
        key: key.to_vec(),
        parts: share_parts(group, sender, key.len()),
    })
}

/// Finds the first extension of a type.
pub fn find(exts: &[Extension], typ: ExtensionType) -> Option<&Extension> {
    exts.iter().find(|e| e.typ == typ.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unknown_and_malformed_extensions() {
        // unknown 0x1234 with 2 bytes, then supported_groups with an odd-length list
        let block = [0x12, 0x34, 0, 2, 0xAB, 0xCD, 0, 10, 0, 3, 0, 1, 0x1d];
        let exts = decode_extensions(&block, ExtContext::ClientHello).unwrap();
        assert_eq!(exts.len(), 2);
        assert_eq!(exts[0].name, "unknown (0x1234)");
        assert_eq!(exts[0].value, ExtensionValue::Opaque);
        assert_eq!(exts[0].raw, vec![0xAB, 0xCD]);
        assert!(matches!(exts[1].value, ExtensionValue::Malformed { .. }));
    }

    #[test]
    fn key_share_depends_on_the_message() {
        let ch = [0, 51, 0, 6, 0, 4, 0, 0x1d, 0, 0];
        let e = decode_extensions(&ch, ExtContext::ClientHello).unwrap();
        assert!(
            matches!(&e[0].value, ExtensionValue::KeyShares { shares } if shares[0].group == 0x1d)
        );
        let hrr = [0, 51, 0, 2, 0, 0x17];
        let e = decode_extensions(&hrr, ExtContext::HelloRetryRequest).unwrap();
        assert_eq!(e[0].value, ExtensionValue::KeyShareRequest { group: 0x17 });
    }

    #[test]
    fn hybrid_server_share_is_split_into_labelled_parts() {
        let mut b = vec![0, 51, 0x04, 0x64, 0x11, 0xEC, 0x04, 0x60];
        b.extend(std::iter::repeat_n(7u8, 1120));
        let e = decode_extensions(&b, ExtContext::ServerHello).unwrap();
        let ExtensionValue::KeyShare { share } = &e[0].value else {
            panic!("{e:?}")
        };
        let parts: Vec<_> = share
            .parts
            .iter()
            .map(|p| (p.label.as_str(), p.offset, p.len))
            .collect();
        assert_eq!(
            parts,
            [
                ("ML-KEM-768 ciphertext", 0, 1088),
                ("X25519 share", 1088, 32)
            ]
        );
    }
}
