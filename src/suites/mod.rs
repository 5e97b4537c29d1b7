//! Cipher-suite, named-group and signature-scheme registries (being written on the `suites`
//! branch; these three functions are its public naming API).

/// Cipher suite name by code point.
pub fn suite_name(code: u16) -> String {
    format!("0x{code:04X}")
}

/// Named group name by code point.
pub fn group_name(code: u16) -> String {
    format!("0x{code:04X}")
}

/// Signature scheme name by code point.
pub fn sig_scheme_name(code: u16) -> String {
    format!("0x{code:04X}")
}
