//! The data model of the registry: one struct per registry row and small closed enums for its
//! components. Every enum has a stable short `name()` (the JSON form) and a one-line
//! `describe()` used by the human explanation.

use std::fmt;

use serde::ser::{Serialize, SerializeSeq, Serializer};

/// Declares a closed enum with a JSON/short name and a human description per variant.
macro_rules! component {
    ($(#[$doc:meta])* $ty:ident { $($(#[$vdoc:meta])* $var:ident => $name:literal, $desc:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $ty {
            $($(#[$vdoc])* $var,)+
        }
        impl $ty {
            /// Short stable name (the JSON form).
            pub fn name(self) -> &'static str {
                match self { $(Self::$var => $name,)+ }
            }
            /// One-line explanation for people.
            pub fn describe(self) -> &'static str {
                match self { $(Self::$var => $desc,)+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }
    };
}

component!(
    /// How the premaster / shared secret is established.
    KeyExchange {
        /// No key exchange (TLS_NULL_WITH_NULL_NULL).
        Null => "NULL", "no key exchange: the initial, unprotected connection state";
        /// RSA key transport: the client encrypts the secret to the server's certificate key.
        Rsa => "RSA", "RSA key transport: the client encrypts the secret to the server's certificate key, so whoever later gets that key can decrypt recorded sessions (no forward secrecy)";
        /// Static Diffie-Hellman with DH parameters in the certificate.
        Dh => "DH", "static (or anonymous) finite-field Diffie-Hellman: the server's DH key is fixed, so it is not forward secret when it comes from a certificate";
        /// Ephemeral finite-field Diffie-Hellman.
        Dhe => "DHE", "ephemeral finite-field Diffie-Hellman: a fresh key per connection, forward secret";
        /// Static elliptic-curve Diffie-Hellman.
        Ecdh => "ECDH", "static (or anonymous) elliptic-curve Diffie-Hellman: the server's ECDH key is fixed, so it is not forward secret when it comes from a certificate";
        /// Ephemeral elliptic-curve Diffie-Hellman.
        Ecdhe => "ECDHE", "ephemeral elliptic-curve Diffie-Hellman: a fresh key per connection, forward secret";
        /// Pre-shared key only.
        Psk => "PSK", "pre-shared key: both sides already share a secret; no forward secrecy";
        /// Ephemeral DH mixed with a pre-shared key.
        DhePsk => "DHE_PSK", "ephemeral finite-field Diffie-Hellman mixed with a pre-shared key: forward secret";
        /// RSA key transport mixed with a pre-shared key.
        RsaPsk => "RSA_PSK", "RSA key transport mixed with a pre-shared key: no forward secrecy";
        /// Ephemeral ECDH mixed with a pre-shared key.
        EcdhePsk => "ECDHE_PSK", "ephemeral elliptic-curve Diffie-Hellman mixed with a pre-shared key: forward secret";
        /// Secure Remote Password (RFC 5054).
        Srp => "SRP", "Secure Remote Password (RFC 5054): a password-authenticated exchange with ephemeral values, forward secret";
        /// Kerberos 5 (RFC 2712).
        Krb5 => "KRB5", "Kerberos 5 tickets carry the secret (RFC 2712): no forward secrecy";
        /// Elliptic-curve password exchange (RFC 8492).
        Eccpwd => "ECCPWD", "elliptic-curve password-authenticated key exchange (RFC 8492), ephemeral, forward secret";
        /// GOST VKO key agreement against the server's certificate key (RFC 9189).
        Gost => "GOST", "GOST R 34.10-2012 VKO key agreement with the server's certificate key (RFC 9189): no forward secrecy";
        /// TLS 1.3: negotiated separately (key_share / supported_groups).
        Tls13 => "any", "TLS 1.3: the suite does not fix the key exchange; it is negotiated separately (supported_groups / key_share), always ephemeral (EC)DHE or a PQ KEM unless a PSK is resumed without it";
        /// Not a cipher suite (SCSV, GREASE).
        None => "n/a", "not applicable: a signalling value, not a cipher suite";
    }
);

component!(
    /// How the server (and possibly the client) is authenticated.
    Authentication {
        /// No authentication at all.
        Anon => "anon", "none: anonymous, so an active attacker in the middle can impersonate the server";
        /// RSA signature / certificate.
        Rsa => "RSA", "the server proves its identity with an RSA certificate";
        /// DSA signature.
        Dss => "DSS", "the server proves its identity with a DSA (DSS) certificate";
        /// ECDSA signature.
        Ecdsa => "ECDSA", "the server proves its identity with an ECDSA certificate";
        /// Knowledge of the pre-shared key.
        Psk => "PSK", "both sides prove knowledge of the pre-shared key";
        /// SRP password.
        Srp => "SRP", "both sides prove knowledge of the password (SRP verifier)";
        /// Kerberos.
        Krb5 => "KRB5", "Kerberos 5 tickets";
        /// ECCPWD password.
        Eccpwd => "ECCPWD", "both sides prove knowledge of the password (RFC 8492)";
        /// GOST R 34.10-2012 certificate.
        Gost => "GOST", "the server proves its identity with a GOST R 34.10-2012 certificate";
        /// TLS 1.3: negotiated separately (signature_algorithms).
        Tls13 => "any", "TLS 1.3: authentication is negotiated separately (signature_algorithms, the certificate and CertificateVerify)";
        /// Not a cipher suite.
        None => "n/a", "not applicable";
    }
);

component!(
    /// Bulk encryption algorithm.
    Cipher {
        /// No encryption.
        Null => "NULL", "no encryption: data travels in clear text";
        /// RC4 stream cipher.
        Rc4 => "RC4", "RC4 stream cipher";
        /// RC2 block cipher (64-bit block).
        Rc2 => "RC2", "RC2 block cipher (64-bit block)";
        /// DES (64-bit block, 56-bit key).
        Des => "DES", "DES block cipher (64-bit block, at most 56-bit key)";
        /// Triple DES EDE (64-bit block, 112-bit security).
        TripleDes => "3DES", "Triple-DES EDE block cipher (64-bit block, 168-bit key giving 112-bit security)";
        /// IDEA (64-bit block).
        Idea => "IDEA", "IDEA block cipher (64-bit block)";
        /// SEED (128-bit block, Korea).
        Seed => "SEED", "SEED block cipher (128-bit block, Korean standard)";
        /// AES.
        Aes => "AES", "AES block cipher (128-bit block)";
        /// Camellia.
        Camellia => "CAMELLIA", "Camellia block cipher (128-bit block)";
        /// ARIA.
        Aria => "ARIA", "ARIA block cipher (128-bit block, Korean standard)";
        /// ChaCha20.
        Chacha20 => "CHACHA20", "ChaCha20 stream cipher";
        /// SM4 (China).
        Sm4 => "SM4", "SM4 block cipher (128-bit block, Chinese standard)";
        /// Kuznyechik (GOST R 34.12-2015, 128-bit block).
        Kuznyechik => "KUZNYECHIK", "Kuznyechik block cipher (GOST R 34.12-2015, 128-bit block)";
        /// Magma (GOST R 34.12-2015, 64-bit block).
        Magma => "MAGMA", "Magma block cipher (GOST R 34.12-2015, 64-bit block)";
        /// GOST 28147-89 (64-bit block).
        Gost28147 => "GOST28147", "GOST 28147-89 block cipher (64-bit block)";
        /// AEGIS-256.
        Aegis256 => "AEGIS-256", "AEGIS-256 authenticated cipher (AES round function)";
        /// AEGIS-128L.
        Aegis128L => "AEGIS-128L", "AEGIS-128L authenticated cipher (AES round function)";
        /// Not a cipher suite.
        None => "n/a", "not applicable";
    }
);

component!(
    /// How the cipher is used.
    Mode {
        /// No encryption.
        Null => "NULL", "no encryption";
        /// Stream cipher.
        Stream => "stream", "stream cipher, integrity from a separate MAC";
        /// CBC with MAC-then-encrypt.
        Cbc => "CBC", "CBC mode with MAC-then-encrypt: integrity from a separate HMAC checked after decryption, the construction behind padding-oracle attacks";
        /// GCM (AEAD).
        Gcm => "GCM", "GCM mode: authenticated encryption (AEAD)";
        /// CCM with 16-byte tag (AEAD).
        Ccm => "CCM", "CCM mode: authenticated encryption (AEAD), 128-bit tag";
        /// CCM with 8-byte tag (AEAD).
        Ccm8 => "CCM_8", "CCM mode with a truncated 64-bit tag: authenticated encryption with weaker integrity";
        /// Poly1305 authenticator (AEAD).
        Poly1305 => "POLY1305", "with the Poly1305 authenticator: authenticated encryption (AEAD)";
        /// AEGIS (AEAD by construction).
        Aegis => "AEGIS", "authenticated encryption (AEAD) by construction";
        /// Counter mode + OMAC (GOST).
        Ctr => "CTR", "counter mode with an OMAC (CMAC) tag and TLSTREE re-keying (RFC 9189)";
        /// GOST 28147 counter mode + IMIT (GOST).
        Cnt => "CNT", "GOST 28147-89 counter mode with the IMIT 32-bit MAC and re-keying (RFC 9189)";
        /// MGM with light re-keying (AEAD).
        MgmL => "MGM_L", "Multilinear Galois Mode (AEAD) with light re-keying (RFC 9367)";
        /// MGM with strong re-keying (AEAD).
        MgmS => "MGM_S", "Multilinear Galois Mode (AEAD) with strong re-keying (RFC 9367)";
        /// Not a cipher suite.
        None => "n/a", "not applicable";
    }
);

component!(
    /// Record MAC for non-AEAD suites.
    Mac {
        /// HMAC-MD5.
        Md5 => "HMAC-MD5", "HMAC-MD5 record MAC";
        /// HMAC-SHA1.
        Sha1 => "HMAC-SHA1", "HMAC-SHA1 record MAC";
        /// HMAC-SHA256.
        Sha256 => "HMAC-SHA256", "HMAC-SHA256 record MAC";
        /// HMAC-SHA384.
        Sha384 => "HMAC-SHA384", "HMAC-SHA384 record MAC";
        /// OMAC (CMAC) with the GOST block cipher.
        Omac => "OMAC", "OMAC (CMAC) with the suite's GOST block cipher";
        /// GOST 28147-89 IMIT.
        Imit => "IMIT", "GOST 28147-89 IMIT (32-bit MAC)";
    }
);

component!(
    /// Hash of the PRF (TLS <= 1.2) or HKDF (TLS 1.3).
    Prf {
        /// The version's default: MD5+SHA-1 up to TLS 1.1, SHA-256 in TLS 1.2.
        Legacy => "legacy", "the protocol version's default PRF: MD5+SHA-1 in SSLv3-TLS 1.1, P_SHA256 in TLS 1.2";
        /// SHA-256.
        Sha256 => "SHA256", "SHA-256";
        /// SHA-384.
        Sha384 => "SHA384", "SHA-384";
        /// SHA-512.
        Sha512 => "SHA512", "SHA-512";
        /// Streebog-256 (GOST R 34.11-2012).
        Streebog256 => "STREEBOG256", "Streebog-256 (GOST R 34.11-2012)";
        /// SM3.
        Sm3 => "SM3", "SM3 (Chinese standard)";
        /// Not a cipher suite.
        None => "n/a", "not applicable";
    }
);

component!(
    /// The IANA registry's "Recommended" column (RFC 8447 §5, draft-ietf-tls-rfc8447bis).
    Recommended {
        /// "Y": the IETF has consensus that it is recommended.
        Yes => "Y", "IANA: Recommended (Y)";
        /// "N": not evaluated or not recommended.
        No => "N", "IANA: not marked Recommended (N)";
        /// "D": discouraged.
        Discouraged => "D", "IANA: Discouraged (D)";
        /// Not in the IANA registry (legacy or vendor code point).
        NotListed => "-", "not in the IANA registry";
    }
);

component!(
    /// What a cipher-suite code point is.
    SuiteKind {
        /// A cipher suite assigned by IANA.
        Standard => "suite", "a cipher suite";
        /// A signalling cipher suite value.
        Scsv => "SCSV", "a signalling cipher suite value: never negotiated, it tells the server something";
        /// An RFC 8701 GREASE value.
        Grease => "GREASE", "a GREASE value (RFC 8701): a reserved placeholder clients send so servers learn to ignore unknown values; never negotiated";
        /// A code point real stacks used that IANA does not assign.
        NonIana => "non-IANA", "a code point some stacks used that IANA does not assign";
    }
);

/// Protocol versions a suite may be used with (bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Versions(pub(crate) u8);

impl Versions {
    /// SSL 3.0.
    pub const SSL3: Self = Self(1);
    /// TLS 1.0.
    pub const TLS10: Self = Self(2);
    /// TLS 1.1.
    pub const TLS11: Self = Self(4);
    /// TLS 1.2.
    pub const TLS12: Self = Self(8);
    /// TLS 1.3.
    pub const TLS13: Self = Self(16);
    const ALL: [(Self, &'static str); 5] = [
        (Self::SSL3, "SSLv3"),
        (Self::TLS10, "TLSv1.0"),
        (Self::TLS11, "TLSv1.1"),
        (Self::TLS12, "TLSv1.2"),
        (Self::TLS13, "TLSv1.3"),
    ];

    /// Whether every version in `other` is in `self`.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
    /// Whether no version is set (SCSV, GREASE).
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Names of the versions, oldest first ("SSLv3", "TLSv1.0", ... "TLSv1.3").
    pub fn names(self) -> Vec<&'static str> {
        Self::ALL
            .iter()
            .filter(|(v, _)| self.contains(*v))
            .map(|(_, n)| *n)
            .collect()
    }
    /// The newest version, if any.
    pub fn max(self) -> Option<Self> {
        Self::ALL
            .iter()
            .rev()
            .map(|(v, _)| *v)
            .find(|v| self.contains(*v))
    }
    /// The oldest version, if any.
    pub fn min(self) -> Option<Self> {
        Self::ALL
            .iter()
            .map(|(v, _)| *v)
            .find(|v| self.contains(*v))
    }
}

impl fmt::Display for Versions {
    /// "TLSv1.2", "SSLv3-TLSv1.2", or "-" for none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        match (names.first(), names.last()) {
            (Some(a), Some(b)) if a == b => f.write_str(a),
            (Some(a), Some(b)) => write!(f, "{a}-{b}"),
            _ => f.write_str("-"),
        }
    }
}

impl Serialize for Versions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let names = self.names();
        let mut seq = s.serialize_seq(Some(names.len()))?;
        for n in names {
            seq.serialize_element(n)?;
        }
        seq.end()
    }
}

/// One row of the cipher-suite registry. Components are facts derived from the IANA name by
/// `scripts/gen-suites.py`; the judgement is [`CipherSuite::rating`] / [`CipherSuite::reasons`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherSuite {
    /// Two-byte code point.
    pub code: u16,
    /// IANA name (or, for [`SuiteKind::NonIana`], the name its defining source uses).
    pub iana: &'static str,
    /// OpenSSL name, where OpenSSL has (or had) one.
    pub openssl: Option<&'static str>,
    /// GnuTLS name, where the local `gnutls-cli --list` has one.
    pub gnutls: Option<&'static str>,
    /// Protocol versions the suite may be used with.
    pub versions: Versions,
    /// Key exchange.
    pub kx: KeyExchange,
    /// Authentication.
    pub auth: Authentication,
    /// Bulk cipher.
    pub cipher: Cipher,
    /// Cipher key size in bits (export suites: the effective secret bits).
    pub key_bits: u16,
    /// Cipher mode.
    pub mode: Mode,
    /// Authenticated encryption (no separate MAC).
    pub aead: bool,
    /// Record MAC for non-AEAD suites.
    pub mac: Option<Mac>,
    /// PRF / HKDF hash.
    pub prf: Prf,
    /// Whether recorded traffic stays safe if the server's long-term key leaks later.
    pub forward_secrecy: bool,
    /// Export-grade (deliberately weakened) suite.
    pub export: bool,
    /// No authentication.
    pub anon: bool,
    /// No encryption.
    pub null: bool,
    /// IANA "Recommended" column.
    pub iana_recommended: Recommended,
    /// IANA "DTLS-OK" column.
    pub dtls_ok: Option<bool>,
    /// Defining document (first IANA reference, or the patch list's source).
    pub reference: &'static str,
    /// Suite, SCSV, GREASE or non-IANA code point.
    pub kind: SuiteKind,
}

/// An SSLv2 three-byte CIPHER-SPEC. SSLv2 is prohibited (RFC 6176), so every spec is insecure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sslv2CipherSpec {
    /// Three-byte code (0x010080 ...).
    pub code: u32,
    /// SSLv2 name (SSL_CK_...).
    pub name: &'static str,
    /// OpenSSL name.
    pub openssl: &'static str,
    /// Bulk cipher.
    pub cipher: Cipher,
    /// Effective key bits.
    pub key_bits: u16,
    /// Mode.
    pub mode: Mode,
    /// Export-grade.
    pub export: bool,
    /// Defining document.
    pub reference: &'static str,
}

component!(
    /// The family of a named group.
    GroupKind {
        /// Elliptic-curve Diffie-Hellman.
        Ecdhe => "ECDHE", "elliptic-curve Diffie-Hellman";
        /// Finite-field Diffie-Hellman (RFC 7919 groups).
        Ffdhe => "FFDHE", "finite-field Diffie-Hellman with a fixed, well-known prime (RFC 7919)";
        /// ECDHE combined with a post-quantum KEM.
        HybridPq => "hybrid PQ", "classical ECDHE combined with a post-quantum KEM (ML-KEM, or its pre-standard Kyber draft): secure if either holds";
        /// Pure ML-KEM.
        MlKem => "ML-KEM", "post-quantum key encapsulation (FIPS 203) with no classical component";
        /// Explicitly described curves (RFC 8422, deprecated).
        ExplicitCurve => "explicit curve", "curve parameters sent explicitly instead of a named curve";
        /// GREASE placeholder.
        Grease => "GREASE", "a GREASE value (RFC 8701): never negotiated";
    }
);

/// One row of the TLS Supported Groups registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedGroup {
    /// Two-byte code point.
    pub code: u16,
    /// IANA name (x25519, secp256r1, ffdhe2048, X25519MLKEM768, ...).
    pub name: &'static str,
    /// Family.
    pub kind: GroupKind,
    /// Key / field size in bits (ML-KEM: the parameter set).
    pub key_bits: u16,
    /// Classical security level in bits.
    pub security_bits: u16,
    /// NIST post-quantum security category (FIPS 203), 0 if not post-quantum.
    pub pq_category: u8,
    /// IANA "Recommended" column.
    pub iana_recommended: Recommended,
    /// Marked OBSOLETE by IANA.
    pub obsolete: bool,
    /// Defining document.
    pub reference: &'static str,
}

component!(
    /// Signature algorithm family of a SignatureScheme.
    SigAlgorithm {
        /// RSASSA-PKCS1-v1_5.
        RsaPkcs1 => "RSA-PKCS1", "RSASSA-PKCS1-v1_5";
        /// RSASSA-PSS with an rsaEncryption key.
        RsaPssRsae => "RSA-PSS-RSAE", "RSASSA-PSS with a plain rsaEncryption public key";
        /// RSASSA-PSS with an id-RSASSA-PSS key.
        RsaPssPss => "RSA-PSS-PSS", "RSASSA-PSS with an id-RSASSA-PSS public key";
        /// ECDSA.
        Ecdsa => "ECDSA", "ECDSA";
        /// EdDSA.
        EdDsa => "EdDSA", "EdDSA (RFC 8032)";
        /// DSA.
        Dsa => "DSA", "DSA";
        /// ML-DSA.
        MlDsa => "ML-DSA", "ML-DSA post-quantum signature (FIPS 204)";
        /// SM2.
        Sm2 => "SM2", "SM2 signature (Chinese standard)";
        /// GOST R 34.10-2012.
        Gost => "GOST", "GOST R 34.10-2012 signature";
        /// Identity-based signature.
        IdentityBased => "IBS", "identity-based signature";
        /// GREASE.
        None => "n/a", "not applicable";
    }
);

component!(
    /// Hash used by a SignatureScheme.
    SigHash {
        /// MD5.
        Md5 => "MD5", "MD5";
        /// SHA-1.
        Sha1 => "SHA1", "SHA-1";
        /// SHA-224.
        Sha224 => "SHA224", "SHA-224";
        /// SHA-256.
        Sha256 => "SHA256", "SHA-256";
        /// SHA-384.
        Sha384 => "SHA384", "SHA-384";
        /// SHA-512.
        Sha512 => "SHA512", "SHA-512";
        /// SM3.
        Sm3 => "SM3", "SM3";
        /// Streebog-256.
        Streebog256 => "STREEBOG256", "Streebog-256";
        /// Streebog-512.
        Streebog512 => "STREEBOG512", "Streebog-512";
        /// Hash built into the algorithm (EdDSA, ML-DSA).
        Intrinsic => "intrinsic", "built into the algorithm";
    }
);

component!(
    /// Where a signature scheme row comes from.
    SigKind {
        /// IANA SignatureScheme registry.
        Standard => "scheme", "a signature scheme";
        /// TLS 1.2 (hash, signature) pair the registry only reserves.
        Tls12Legacy => "TLS 1.2 pair", "a TLS 1.2 (hash, signature) pair from RFC 5246";
        /// GREASE.
        Grease => "GREASE", "a GREASE value (RFC 8701): never negotiated";
    }
);

/// One row of the TLS SignatureScheme registry (plus legacy TLS 1.2 pairs and GREASE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureScheme {
    /// Two-byte code point.
    pub code: u16,
    /// Name (rsa_pss_rsae_sha256, ecdsa_secp256r1_sha256, ed25519, ...).
    pub name: &'static str,
    /// Algorithm family.
    pub algorithm: SigAlgorithm,
    /// Hash.
    pub hash: SigHash,
    /// Curve the scheme is bound to, if any.
    pub curve: Option<&'static str>,
    /// IANA "Recommended" column.
    pub iana_recommended: Recommended,
    /// Defining document.
    pub reference: &'static str,
    /// Registry row, TLS 1.2 legacy pair or GREASE.
    pub kind: SigKind,
}
