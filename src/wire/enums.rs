//! Open wire enumerations: newtypes over the code point, so unknown values are kept, never
//! rejected, with `name()` for the registered ones. Cipher suites, groups and signature schemes
//! are named by [`crate::suites`], which owns those registries.

use serde::Serialize;

macro_rules! open_enum {
    ($(#[$m:meta])* $name:ident($int:ty) { $($(#[$vm:meta])* $const:ident = $val:expr => $text:expr,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub $int);

        impl $name {
            $($(#[$vm])* pub const $const: Self = Self($val);)*

            /// The registered name, if this code point has one.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

open_enum! {
    /// TLS record content type (RFC 8446 §5.1).
    ContentType(u8) {
        CHANGE_CIPHER_SPEC = 20 => "ChangeCipherSpec",
        ALERT = 21 => "Alert",
        HANDSHAKE = 22 => "Handshake",
        APPLICATION_DATA = 23 => "ApplicationData",
        HEARTBEAT = 24 => "Heartbeat",
        TLS12_CID = 25 => "tls12_cid",
        ACK = 26 => "ACK",
    }
}

open_enum! {
    /// Handshake message type (IANA TLS HandshakeType registry).
    HandshakeType(u8) {
        HELLO_REQUEST = 0 => "HelloRequest",
        CLIENT_HELLO = 1 => "ClientHello",
        SERVER_HELLO = 2 => "ServerHello",
        HELLO_VERIFY_REQUEST = 3 => "HelloVerifyRequest",
        NEW_SESSION_TICKET = 4 => "NewSessionTicket",
        END_OF_EARLY_DATA = 5 => "EndOfEarlyData",
        HELLO_RETRY_REQUEST = 6 => "HelloRetryRequest",
        ENCRYPTED_EXTENSIONS = 8 => "EncryptedExtensions",
        REQUEST_CONNECTION_ID = 9 => "RequestConnectionId",
        NEW_CONNECTION_ID = 10 => "NewConnectionId",
        CERTIFICATE = 11 => "Certificate",
        SERVER_KEY_EXCHANGE = 12 => "ServerKeyExchange",
        CERTIFICATE_REQUEST = 13 => "CertificateRequest",
        SERVER_HELLO_DONE = 14 => "ServerHelloDone",
        CERTIFICATE_VERIFY = 15 => "CertificateVerify",
        CLIENT_KEY_EXCHANGE = 16 => "ClientKeyExchange",
        CLIENT_CERTIFICATE_REQUEST = 17 => "ClientCertificateRequest",
        FINISHED = 20 => "Finished",
        CERTIFICATE_URL = 21 => "CertificateURL",
        CERTIFICATE_STATUS = 22 => "CertificateStatus",
        SUPPLEMENTAL_DATA = 23 => "SupplementalData",
        KEY_UPDATE = 24 => "KeyUpdate",
        COMPRESSED_CERTIFICATE = 25 => "CompressedCertificate",
        EKT_KEY = 26 => "ekt_key",
        MESSAGE_HASH = 254 => "message_hash",
    }
}

open_enum! {
    /// Protocol version code points, including SSLv2 and DTLS.
    ProtocolVersion(u16) {
        SSLV2 = 0x0002 => "SSLv2",
        SSLV3 = 0x0300 => "SSLv3",
        TLS10 = 0x0301 => "TLSv1.0",
        TLS11 = 0x0302 => "TLSv1.1",
        TLS12 = 0x0303 => "TLSv1.2",
        TLS13 = 0x0304 => "TLSv1.3",
        DTLS10 = 0xFEFF => "DTLSv1.0",
        DTLS12 = 0xFEFD => "DTLSv1.2",
        DTLS13 = 0xFEFC => "DTLSv1.3",
    }
}

impl ProtocolVersion {
    /// Name, or a GREASE / hex label for unregistered values.
    pub fn label(self) -> String {
        match self.name() {
            Some(n) => n.to_string(),
            None if crate::wire::is_grease_u16(self.0) => format!("GREASE (0x{:04X})", self.0),
            None => format!("unknown (0x{:04X})", self.0),
        }
    }
}

open_enum! {
    /// Extension type (IANA TLS ExtensionType Values registry).
    ExtensionType(u16) {
        SERVER_NAME = 0 => "server_name",
        MAX_FRAGMENT_LENGTH = 1 => "max_fragment_length",
        CLIENT_CERTIFICATE_URL = 2 => "client_certificate_url",
        TRUSTED_CA_KEYS = 3 => "trusted_ca_keys",
        TRUNCATED_HMAC = 4 => "truncated_hmac",
        STATUS_REQUEST = 5 => "status_request",
        USER_MAPPING = 6 => "user_mapping",
        CLIENT_AUTHZ = 7 => "client_authz",
        SERVER_AUTHZ = 8 => "server_authz",
        CERT_TYPE = 9 => "cert_type",
        SUPPORTED_GROUPS = 10 => "supported_groups",
        EC_POINT_FORMATS = 11 => "ec_point_formats",
        SRP = 12 => "srp",
        SIGNATURE_ALGORITHMS = 13 => "signature_algorithms",
        USE_SRTP = 14 => "use_srtp",
        HEARTBEAT = 15 => "heartbeat",
        ALPN = 16 => "application_layer_protocol_negotiation",
        STATUS_REQUEST_V2 = 17 => "status_request_v2",
        SIGNED_CERTIFICATE_TIMESTAMP = 18 => "signed_certificate_timestamp",
        CLIENT_CERTIFICATE_TYPE = 19 => "client_certificate_type",
        SERVER_CERTIFICATE_TYPE = 20 => "server_certificate_type",
        PADDING = 21 => "padding",
        ENCRYPT_THEN_MAC = 22 => "encrypt_then_mac",
        EXTENDED_MASTER_SECRET = 23 => "extended_master_secret",
        TOKEN_BINDING = 24 => "token_binding",
        CACHED_INFO = 25 => "cached_info",
        TLS_LTS = 26 => "tls_lts",
        COMPRESS_CERTIFICATE = 27 => "compress_certificate",
        RECORD_SIZE_LIMIT = 28 => "record_size_limit",
        PWD_PROTECT = 29 => "pwd_protect",
        PWD_CLEAR = 30 => "pwd_clear",
        PASSWORD_SALT = 31 => "password_salt",
        TICKET_PINNING = 32 => "ticket_pinning",
        TLS_CERT_WITH_EXTERN_PSK = 33 => "tls_cert_with_extern_psk",
        DELEGATED_CREDENTIAL = 34 => "delegated_credential",
        SESSION_TICKET = 35 => "session_ticket",
        TLMSP = 36 => "TLMSP",
        TLMSP_PROXYING = 37 => "TLMSP_proxying",
        TLMSP_DELEGATE = 38 => "TLMSP_delegate",
        SUPPORTED_EKT_CIPHERS = 39 => "supported_ekt_ciphers",
        PRE_SHARED_KEY = 41 => "pre_shared_key",
        EARLY_DATA = 42 => "early_data",
        SUPPORTED_VERSIONS = 43 => "supported_versions",
        COOKIE = 44 => "cookie",
        PSK_KEY_EXCHANGE_MODES = 45 => "psk_key_exchange_modes",
        CERTIFICATE_AUTHORITIES = 47 => "certificate_authorities",
        OID_FILTERS = 48 => "oid_filters",
        POST_HANDSHAKE_AUTH = 49 => "post_handshake_auth",
        SIGNATURE_ALGORITHMS_CERT = 50 => "signature_algorithms_cert",
        KEY_SHARE = 51 => "key_share",
        TRANSPARENCY_INFO = 52 => "transparency_info",
        CONNECTION_ID = 54 => "connection_id",
        EXTERNAL_ID_HASH = 55 => "external_id_hash",
        EXTERNAL_SESSION_ID = 56 => "external_session_id",
        QUIC_TRANSPORT_PARAMETERS = 57 => "quic_transport_parameters",
        TICKET_REQUEST = 58 => "ticket_request",
        DNSSEC_CHAIN = 59 => "dnssec_chain",
        SEQUENTIAL_NO_NEED = 60 => "sequence_number_encryption_algorithms",
        RRC = 61 => "rrc",
        TLS_FLAGS = 62 => "tls_flags",
        NEXT_PROTOCOL_NEGOTIATION = 13172 => "next_protocol_negotiation",
        ALPS_OLD = 17513 => "application_settings (old)",
        ALPS = 17613 => "application_settings",
        ECH_OUTER_EXTENSIONS = 0xFD00 => "ech_outer_extensions",
        ENCRYPTED_CLIENT_HELLO = 0xFE0D => "encrypted_client_hello",
        RENEGOTIATION_INFO = 0xFF01 => "renegotiation_info",
    }
}

impl ExtensionType {
    /// Name, or a GREASE / hex label for unregistered values.
    pub fn label(self) -> String {
        match self.name() {
            Some(n) => n.to_string(),
            None if crate::wire::is_grease_u16(self.0) => format!("GREASE (0x{:04X})", self.0),
            None => format!("unknown (0x{:04X})", self.0),
        }
    }
}

open_enum! {
    /// Alert level (RFC 8446 §6).
    AlertLevel(u8) {
        WARNING = 1 => "warning",
        FATAL = 2 => "fatal",
    }
}

open_enum! {
    /// Alert description (IANA TLS Alerts registry).
    AlertDescription(u8) {
        CLOSE_NOTIFY = 0 => "close_notify",
        UNEXPECTED_MESSAGE = 10 => "unexpected_message",
        BAD_RECORD_MAC = 20 => "bad_record_mac",
        DECRYPTION_FAILED = 21 => "decryption_failed",
        RECORD_OVERFLOW = 22 => "record_overflow",
        DECOMPRESSION_FAILURE = 30 => "decompression_failure",
        HANDSHAKE_FAILURE = 40 => "handshake_failure",
        NO_CERTIFICATE = 41 => "no_certificate",
        BAD_CERTIFICATE = 42 => "bad_certificate",
        UNSUPPORTED_CERTIFICATE = 43 => "unsupported_certificate",
        CERTIFICATE_REVOKED = 44 => "certificate_revoked",
        CERTIFICATE_EXPIRED = 45 => "certificate_expired",
        CERTIFICATE_UNKNOWN = 46 => "certificate_unknown",
        ILLEGAL_PARAMETER = 47 => "illegal_parameter",
        UNKNOWN_CA = 48 => "unknown_ca",
        ACCESS_DENIED = 49 => "access_denied",
        DECODE_ERROR = 50 => "decode_error",
        DECRYPT_ERROR = 51 => "decrypt_error",
        TOO_MANY_CIDS_REQUESTED = 52 => "too_many_cids_requested",
        EXPORT_RESTRICTION = 60 => "export_restriction",
        PROTOCOL_VERSION = 70 => "protocol_version",
        INSUFFICIENT_SECURITY = 71 => "insufficient_security",
        INTERNAL_ERROR = 80 => "internal_error",
        INAPPROPRIATE_FALLBACK = 86 => "inappropriate_fallback",
        USER_CANCELED = 90 => "user_canceled",
        NO_RENEGOTIATION = 100 => "no_renegotiation",
        MISSING_EXTENSION = 109 => "missing_extension",
        UNSUPPORTED_EXTENSION = 110 => "unsupported_extension",
        CERTIFICATE_UNOBTAINABLE = 111 => "certificate_unobtainable",
        UNRECOGNIZED_NAME = 112 => "unrecognized_name",
        BAD_CERTIFICATE_STATUS_RESPONSE = 113 => "bad_certificate_status_response",
        BAD_CERTIFICATE_HASH_VALUE = 114 => "bad_certificate_hash_value",
        UNKNOWN_PSK_IDENTITY = 115 => "unknown_psk_identity",
        CERTIFICATE_REQUIRED = 116 => "certificate_required",
        GENERAL_ERROR = 117 => "general_error",
        NO_APPLICATION_PROTOCOL = 120 => "no_application_protocol",
        ECH_REQUIRED = 121 => "ech_required",
    }
}
