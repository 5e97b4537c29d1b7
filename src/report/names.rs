//! Names for code points, in one place so every renderer agrees. Cipher suites, groups and
//! signature schemes come from the [`crate::suites`] registries.

/// Cipher suite label: IANA name, or GREASE / unassigned with the code.
pub fn suite(code: u16) -> String {
    crate::suites::suite_name(code)
}

/// Named group label.
pub fn group(code: u16) -> String {
    crate::suites::group_name(code)
}

/// Signature scheme label.
pub fn sig_scheme(code: u16) -> String {
    crate::suites::sig_scheme_name(code)
}

/// Protocol version label.
pub fn version(code: u16) -> String {
    crate::wire::ProtocolVersion(code).label()
}
