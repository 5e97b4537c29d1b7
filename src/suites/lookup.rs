//! Turning what people paste into registry entries: IANA names (with or without `TLS_` / `SSL_`),
//! OpenSSL and GnuTLS names, rustls `TLS13_` names, and code points as `0xC02F`, `C02F`,
//! `0xC0,0x2F`, `{0xC0,0x2F}`, `C0 2F` or `c0:2f`; SSLv2 specs as `0x010080` / `01,00,80`.

use super::registry::{NAME_INDEX, SSLV2_CIPHER_SPECS};
use super::types::{CipherSuite, Sslv2CipherSpec};
use super::{NamedGroup, SignatureScheme, cipher_suite, group, is_grease, sig_scheme};

/// Why an input does not name a registry entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    /// Nothing was given.
    #[error(
        "empty input: expected a cipher suite name (ECDHE-RSA-AES128-GCM-SHA256) or code point (0xC02F)"
    )]
    Empty,
    /// A well-formed code point that no registry assigns.
    #[error("0x{code:04X} is not an assigned {what} code point")]
    Unassigned {
        /// The code point.
        code: u32,
        /// "cipher suite", "group", "signature scheme" or "SSLv2 cipher spec".
        what: &'static str,
    },
    /// Looks like a code point but is not one.
    #[error(
        "`{input}` is not a valid code point: expected 0xC02F, C02F, 0xC0,0x2F or {{0xC0,0x2F}}"
    )]
    BadCode {
        /// What was given.
        input: String,
    },
    /// A name that matches nothing.
    #[error("unknown {what} `{input}`{}", closest_suffix(.closest))]
    UnknownName {
        /// What was given.
        input: String,
        /// "cipher suite", "group" or "signature scheme".
        what: &'static str,
        /// The most similar known names, best first (may be empty).
        closest: Vec<&'static str>,
    },
    /// A three-byte SSLv2 spec given where a TLS suite was expected.
    #[error("0x{code:06X} is an SSLv2 cipher spec, not a TLS cipher suite")]
    Sslv2Spec {
        /// The three-byte code.
        code: u32,
    },
}

fn closest_suffix(closest: &[&str]) -> String {
    if closest.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", closest.join(", "))
    }
}

/// What a cipher input resolved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolved {
    /// A TLS / SSLv3 cipher suite (including SCSVs and GREASE).
    Suite(&'static CipherSuite),
    /// An SSLv2 three-byte cipher spec.
    Sslv2(&'static Sslv2CipherSpec),
}

/// A parsed code point: two bytes (TLS) or three (SSLv2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    Two(u16),
    Three(u32),
}

fn hex_byte(tok: &str) -> Option<u8> {
    let t = tok
        .strip_prefix("0x")
        .or_else(|| tok.strip_prefix("0X"))
        .unwrap_or(tok);
    if t.is_empty() || t.len() > 2 {
        return None;
    }
    u8::from_str_radix(t, 16).ok()
}

/// Parses the code-point forms. `Ok(None)` means "not a code point, try names";
/// `Err` means it clearly tried to be a code point and failed.
fn parse_code(input: &str) -> Result<Option<Code>, LookupError> {
    let s = input
        .trim()
        .trim_start_matches('{')
        .trim_end_matches('}')
        .trim();
    let bad = || LookupError::BadCode {
        input: input.trim().to_string(),
    };
    let parts: Vec<&str> = s
        .split(|c: char| c == ',' || c == ':' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > 1 {
        let bytes: Option<Vec<u8>> = parts.iter().map(|p| hex_byte(p)).collect();
        return match bytes.as_deref() {
            Some([a, b]) => Ok(Some(Code::Two(u16::from_be_bytes([*a, *b])))),
            Some([a, b, c]) => Ok(Some(Code::Three(u32::from_be_bytes([0, *a, *b, *c])))),
            _ if parts
                .iter()
                .all(|p| p.starts_with("0x") || p.starts_with("0X")) =>
            {
                Err(bad())
            }
            _ => Ok(None),
        };
    }
    let (digits, prefixed) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(d) => (d, true),
        None => (s, false),
    };
    let is_hex = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_hexdigit());
    match (is_hex, digits.len()) {
        (true, 1..=4) if prefixed || digits.len() == 4 => u16::from_str_radix(digits, 16)
            .map(|c| Some(Code::Two(c)))
            .map_err(|_| bad()),
        (true, 6) => u32::from_str_radix(digits, 16)
            .map(|c| Some(Code::Three(c)))
            .map_err(|_| bad()),
        _ if prefixed => Err(bad()),
        _ => Ok(None),
    }
}

fn index_lookup(upper: &str) -> Option<u16> {
    NAME_INDEX
        .binary_search_by(|(n, _)| (*n).cmp(upper))
        .ok()
        .map(|i| NAME_INDEX[i].1)
}

/// Name spellings people use for the same suite, most literal first.
fn name_candidates(upper: &str) -> Vec<String> {
    let mut out = vec![upper.to_string()];
    if let Some(rest) = upper.strip_prefix("SSL_") {
        out.push(format!("TLS_{rest}"));
    }
    if let Some(rest) = upper.strip_prefix("TLS13_") {
        out.push(format!("TLS_{rest}")); // rustls' Debug names
    }
    if !upper.starts_with("TLS_") && !upper.starts_with("SSL_") {
        out.push(format!("TLS_{upper}"));
    }
    out
}

fn resolve_code(code: Code) -> Result<Resolved, LookupError> {
    match code {
        Code::Two(c) => cipher_suite(c)
            .map(Resolved::Suite)
            .ok_or(LookupError::Unassigned {
                code: u32::from(c),
                what: "cipher suite",
            }),
        // SSLv2 CLIENT-HELLOs carry SSLv3/TLS suites as 0x00XXXX.
        Code::Three(c) if c <= 0xFFFF => resolve_code(Code::Two(c as u16)),
        Code::Three(c) => {
            sslv2_cipher_spec(c)
                .map(Resolved::Sslv2)
                .ok_or(LookupError::Unassigned {
                    code: c,
                    what: "SSLv2 cipher spec",
                })
        }
    }
}

/// Looks up a cipher suite or SSLv2 spec from any supported input form.
pub fn lookup_any(input: &str) -> Result<Resolved, LookupError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(LookupError::Empty);
    }
    if let Some(code) = parse_code(trimmed)? {
        return resolve_code(code);
    }
    let upper = trimmed.to_ascii_uppercase();
    for cand in name_candidates(&upper) {
        if let Some(code) = index_lookup(&cand) {
            return resolve_code(Code::Two(code));
        }
    }
    if let Some(spec) = SSLV2_CIPHER_SPECS
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(trimmed))
    {
        return Ok(Resolved::Sslv2(spec));
    }
    Err(LookupError::UnknownName {
        input: trimmed.to_string(),
        what: "cipher suite",
        closest: closest(&upper, NAME_INDEX.iter().map(|(n, c)| (*n, *c)), |c| {
            cipher_display_name(c)
        }),
    })
}

/// The display name for a matched index key: the IANA name, or the OpenSSL / GnuTLS spelling
/// when that is what was close.
fn cipher_display_name(code: u16) -> Option<&'static str> {
    cipher_suite(code).map(|s| s.iana)
}

/// Looks up a TLS cipher suite. SSLv2 specs are refused with [`LookupError::Sslv2Spec`].
pub fn lookup(input: &str) -> Result<&'static CipherSuite, LookupError> {
    match lookup_any(input)? {
        Resolved::Suite(s) => Ok(s),
        Resolved::Sslv2(s) => Err(LookupError::Sslv2Spec { code: s.code }),
    }
}

/// The SSLv2 cipher spec with this three-byte code.
pub fn sslv2_cipher_spec(code: u32) -> Option<&'static Sslv2CipherSpec> {
    SSLV2_CIPHER_SPECS
        .binary_search_by_key(&code, |s| s.code)
        .ok()
        .map(|i| &SSLV2_CIPHER_SPECS[i])
}

/// Common aliases for groups (OpenSSL / NIST spellings) -> IANA name.
const GROUP_ALIASES: [(&str, &str); 8] = [
    ("P-256", "secp256r1"),
    ("PRIME256V1", "secp256r1"),
    ("P-384", "secp384r1"),
    ("P-521", "secp521r1"),
    ("X25519KYBER768", "X25519Kyber768Draft00"),
    ("X25519_MLKEM768", "X25519MLKEM768"),
    ("SECP256R1MLKEM768", "SecP256r1MLKEM768"),
    ("X448", "x448"),
];

/// Parses a decimal or hex u16 ("29", "0x001d", "0x00,0x1D").
fn parse_u16(input: &str) -> Option<u16> {
    if let Ok(Some(Code::Two(c))) = parse_code(input)
        && (input.contains("0x") || input.contains("0X") || input.contains(','))
    {
        return Some(c);
    }
    input.parse::<u16>().ok()
}

/// Looks up a named group by IANA name (case-insensitive), common alias, or code (`29`, `0x001D`).
pub fn lookup_group(input: &str) -> Result<&'static NamedGroup, LookupError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(LookupError::Empty);
    }
    if let Some(code) = parse_u16(t) {
        return group(code).ok_or(LookupError::Unassigned {
            code: u32::from(code),
            what: "group",
        });
    }
    let upper = t.to_ascii_uppercase();
    let name = GROUP_ALIASES
        .iter()
        .find(|(a, _)| *a == upper)
        .map_or(t, |(_, n)| *n);
    if let Some(g) = super::registry::GROUPS
        .iter()
        .find(|g| g.name.eq_ignore_ascii_case(name))
    {
        return Ok(g);
    }
    Err(LookupError::UnknownName {
        input: t.to_string(),
        what: "group",
        closest: closest(
            &upper,
            super::registry::GROUPS
                .iter()
                .filter(|g| !is_grease(g.code))
                .map(|g| (g.name, g.code)),
            |c| group(c).map(|g| g.name),
        ),
    })
}

/// Looks up a signature scheme by name (case-insensitive) or code (`0x0804`, `08,04`).
pub fn lookup_sig_scheme(input: &str) -> Result<&'static SignatureScheme, LookupError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(LookupError::Empty);
    }
    if let Some(Code::Two(code)) = parse_code(t)? {
        return sig_scheme(code).ok_or(LookupError::Unassigned {
            code: u32::from(code),
            what: "signature scheme",
        });
    }
    if let Some(s) = super::registry::SIG_SCHEMES
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(t))
    {
        return Ok(s);
    }
    Err(LookupError::UnknownName {
        input: t.to_string(),
        what: "signature scheme",
        closest: closest(
            &t.to_ascii_uppercase(),
            super::registry::SIG_SCHEMES
                .iter()
                .filter(|s| !is_grease(s.code))
                .map(|s| (s.name, s.code)),
            |c| sig_scheme(c).map(|s| s.name),
        ),
    })
}

/// Normalises for similarity: upper case, `-` and `_` equal, no `TLS_`/`SSL_` prefix.
fn normalise(s: &str) -> String {
    let u = s.to_ascii_uppercase().replace('-', "_");
    u.strip_prefix("TLS_")
        .or_else(|| u.strip_prefix("SSL_"))
        .map(str::to_string)
        .unwrap_or(u)
}

/// Up to three known names closest to `input` (normalised Levenshtein similarity >= 0.6),
/// deduplicated by code and reported under their canonical name.
fn closest(
    input: &str,
    names: impl Iterator<Item = (&'static str, u16)>,
    canonical: impl Fn(u16) -> Option<&'static str>,
) -> Vec<&'static str> {
    let needle = normalise(input);
    let names: Vec<(&'static str, u16)> = names.collect();
    let mut scored: Vec<(f64, &'static str, u16)> = names
        .iter()
        .map(|&(n, c)| (strsim::normalized_levenshtein(&needle, &normalise(n)), n, c))
        .filter(|(score, _, _)| *score >= 0.6)
        .collect();
    if scored.is_empty() && needle.len() >= 3 {
        // A fragment ("3DES", "CHACHA") is not close to any full name: offer names containing it.
        scored = names
            .iter()
            .filter(|(n, _)| normalise(n).contains(&needle))
            // Shortest canonical name first: the most general suite with that fragment.
            .map(|&(n, c)| (1.0 / canonical(c).unwrap_or(n).len() as f64, n, c))
            .collect();
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut out: Vec<&'static str> = Vec::new();
    let mut codes = Vec::new();
    for (_, name, code) in scored {
        if codes.contains(&code) {
            continue;
        }
        codes.push(code);
        out.push(canonical(code).unwrap_or(name));
        if out.len() == 3 {
            break;
        }
    }
    out
}
