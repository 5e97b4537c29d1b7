//! JA4 (FoxIO-LLC/ja4 technical_details/JA4.md, BSD-3) and JA4S (JA4S.md, FoxIO License 1.1).
//!
//! JA4S is licensed under the FoxIO License 1.1 (free, including internal business use, but not
//! for monetisation; patent pending). Computing it requires a [`FoxIoLicenseAccepted`] token so
//! that no caller gets it by accident; the CLI only creates one behind an explicit flag.

use serde::Serialize;

use super::{ClientHelloFields, ServerHelloFields, not_grease};

/// JA4 with its raw forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ja4 {
    /// `t13d1516h2_8daaf6152771_e5627efa2ab1`: sorted lists, hashed.
    pub ja4: String,
    /// Original order (SNI and ALPN kept), hashed.
    pub ja4_o: String,
    /// Sorted lists, not hashed.
    pub ja4_r: String,
    /// Original order, not hashed.
    pub ja4_ro: String,
}

/// JA4S with its raw form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ja4s {
    /// `t120400_c030_4e8089b08790`.
    pub ja4s: String,
    /// `t120400_c030_0005,0017,ff01,0000`.
    pub ja4s_r: String,
}

/// Proof that the caller accepted the FoxIO License 1.1 under which JA4S is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FoxIoLicenseAccepted(());

impl FoxIoLicenseAccepted {
    /// The caller (ultimately the user, through an explicit flag) accepts the FoxIO License 1.1
    /// (<https://github.com/FoxIO-LLC/ja4/blob/main/License%20FAQ.md>).
    pub fn accept_foxio_license_1_1() -> Self {
        Self(())
    }
}

fn version_code(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xFEFF => "d1",
        0xFEFD => "d2",
        0xFEFC => "d3",
        _ => "00",
    }
}

/// The two ALPN characters: first and last of the value, or of its hex when either end byte is
/// not ASCII alphanumeric; `00` when there is no (non-empty) value.
fn alpn_code(value: Option<&[u8]>) -> String {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return "00".into();
    };
    let (first, last) = (v[0], v[v.len() - 1]);
    if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() {
        format!("{}{}", first as char, last as char)
    } else {
        let f = format!("{first:02x}");
        let l = format!("{last:02x}");
        format!("{}{}", &f[..1], &l[1..])
    }
}

fn count(n: usize) -> String {
    format!("{:02}", n.min(99))
}

fn hex_list(vals: &[u16]) -> String {
    vals.iter()
        .map(|v| format!("{v:04x}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn sha12(s: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, s.as_bytes());
    hex::encode(&d.as_ref()[..6])
}

/// `000000000000` for an empty list, per the spec, rather than the hash of nothing.
fn hash_or_zeros(list_empty: bool, s: &str) -> String {
    if list_empty {
        "000000000000".into()
    } else {
        sha12(s)
    }
}

/// JA4 of a ClientHello, with ja4_o, ja4_r and ja4_ro.
pub fn ja4(ch: &ClientHelloFields) -> Ja4 {
    let ciphers: Vec<u16> = ch
        .cipher_suites
        .iter()
        .copied()
        .filter(not_grease)
        .collect();
    let exts: Vec<u16> = ch.extensions.iter().copied().filter(not_grease).collect();
    let sigs: Vec<u16> = ch
        .signature_algorithms
        .iter()
        .copied()
        .filter(not_grease)
        .collect();
    let version = ch
        .supported_versions
        .iter()
        .copied()
        .filter(not_grease)
        .max()
        .unwrap_or(ch.legacy_version);
    let a = format!(
        "{}{}{}{}{}{}",
        if ch.quic { "q" } else { "t" },
        version_code(version),
        if ch.has_sni { "d" } else { "i" },
        count(ciphers.len()),
        count(exts.len()),
        alpn_code(ch.alpn.first().map(Vec::as_slice)),
    );

    let mut sorted_ciphers = ciphers.clone();
    sorted_ciphers.sort_unstable();
    let mut sorted_exts: Vec<u16> = exts
        .iter()
        .copied()
        .filter(|e| *e != 0x0000 && *e != 0x0010)
        .collect();
    sorted_exts.sort_unstable();

    let with_sigs = |exts: &[u16]| {
        if sigs.is_empty() {
            hex_list(exts)
        } else {
            format!("{}_{}", hex_list(exts), hex_list(&sigs))
        }
    };
    let b_sorted = hex_list(&sorted_ciphers);
    let c_sorted = with_sigs(&sorted_exts);
    let b_orig = hex_list(&ciphers);
    let c_orig = with_sigs(&exts);

    Ja4 {
        ja4: format!(
            "{a}_{}_{}",
            hash_or_zeros(ciphers.is_empty(), &b_sorted),
            hash_or_zeros(sorted_exts.is_empty(), &c_sorted)
        ),
        ja4_o: format!(
            "{a}_{}_{}",
            hash_or_zeros(ciphers.is_empty(), &b_orig),
            hash_or_zeros(exts.is_empty(), &c_orig)
        ),
        ja4_r: format!("{a}_{b_sorted}_{c_sorted}"),
        ja4_ro: format!("{a}_{b_orig}_{c_orig}"),
    }
}

/// JA4S of a ServerHello (FoxIO License 1.1: needs the caller's explicit acceptance).
pub fn ja4s(sh: &ServerHelloFields, _licence: FoxIoLicenseAccepted) -> Ja4s {
    let exts: Vec<u16> = sh.extensions.iter().copied().filter(not_grease).collect();
    let version = sh.selected_version.unwrap_or(sh.legacy_version);
    let a = format!(
        "{}{}{}{}",
        if sh.quic { "q" } else { "t" },
        version_code(version),
        count(exts.len()),
        alpn_code(sh.alpn.as_deref()),
    );
    let list = hex_list(&exts);
    Ja4s {
        ja4s: format!(
            "{a}_{:04x}_{}",
            sh.cipher_suite,
            hash_or_zeros(exts.is_empty(), &list)
        ),
        ja4s_r: format!("{a}_{:04x}_{list}", sh.cipher_suite),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ClientHello of JA4.md's worked example, with GREASE sprinkled in as browsers send it.
    fn spec_hello() -> ClientHelloFields {
        ClientHelloFields {
            legacy_version: 0x0303,
            cipher_suites: vec![
                0x3A3A, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0x8A8A, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005,
                0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xFAFA,
            ],
            supported_groups: vec![0x4A4A, 0x001d, 0x0017, 0x0018],
            ec_point_formats: vec![0],
            signature_algorithms: vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ],
            alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
            supported_versions: vec![0x5A5A, 0x0304, 0x0303],
            has_sni: true,
            quic: false,
        }
    }

    #[test]
    fn ja4_spec_example() {
        let j = ja4(&spec_hello());
        assert_eq!(j.ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
        assert_eq!(j.ja4_o, "t13d1516h2_acb858a92679_18f69afefd3d");
        assert_eq!(
            j.ja4_r,
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_\
             0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_\
             0403,0804,0401,0503,0805,0501,0806,0601"
        );
        assert_eq!(
            j.ja4_ro,
            "t13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_\
             001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_\
             0403,0804,0401,0503,0805,0501,0806,0601"
        );
    }

    #[test]
    fn ja4_without_sigalgs_has_no_underscore_in_c() {
        let mut ch = spec_hello();
        ch.signature_algorithms.clear();
        // JA4.md: "0005,...,ff01 = 6d807ffa2a79"
        assert!(ja4(&ch).ja4.ends_with("_6d807ffa2a79"));
    }

    #[test]
    fn ja4_empty_lists_and_legacy_version() {
        let ch = ClientHelloFields {
            legacy_version: 0x0301,
            ..Default::default()
        };
        assert_eq!(ja4(&ch).ja4, "t10i000000_000000000000_000000000000");
        let q = ClientHelloFields {
            legacy_version: 0x0300,
            quic: true,
            ..Default::default()
        };
        assert!(ja4(&q).ja4.starts_with("qs3i"));
    }

    #[test]
    fn alpn_codes_from_spec() {
        assert_eq!(alpn_code(Some(b"http/1.1")), "h1");
        assert_eq!(alpn_code(Some(b"h")), "hh");
        assert_eq!(alpn_code(Some(&[0xAB])), "ab");
        assert_eq!(alpn_code(Some(&[0xAB, 0xCD])), "ad");
        assert_eq!(alpn_code(Some(&[0x30, 0xAB])), "3b");
        assert_eq!(alpn_code(Some(&[0x30, 0x31, 0xAB, 0xCD])), "3d");
        assert_eq!(alpn_code(Some(&[0x30, 0xAB, 0xCD, 0x31])), "01");
        assert_eq!(alpn_code(Some(b"")), "00");
        assert_eq!(alpn_code(None), "00");
    }

    #[test]
    fn ja4_counts_cap_at_99() {
        let ch = ClientHelloFields {
            legacy_version: 0x0303,
            cipher_suites: (1..=150).collect(),
            ..Default::default()
        };
        assert!(ja4(&ch).ja4.starts_with("t12i9900"));
    }

    #[test]
    fn ja4s_spec_example() {
        let sh = ServerHelloFields {
            legacy_version: 0x0303,
            cipher_suite: 0xc030,
            extensions: vec![0x0005, 0x0017, 0xff01, 0x0000],
            ..Default::default()
        };
        let j = ja4s(&sh, FoxIoLicenseAccepted::accept_foxio_license_1_1());
        assert_eq!(j.ja4s, "t120400_c030_4e8089b08790");
        assert_eq!(j.ja4s_r, "t120400_c030_0005,0017,ff01,0000");

        let tls13 = ServerHelloFields {
            legacy_version: 0x0303,
            cipher_suite: 0x1301,
            extensions: vec![0x002b, 0x0033],
            selected_version: Some(0x0304),
            alpn: Some(b"h2".to_vec()),
            quic: false,
        };
        let j = ja4s(&tls13, FoxIoLicenseAccepted::accept_foxio_license_1_1());
        assert_eq!(j.ja4s_r, "t1302h2_1301_002b,0033");
    }
}

#[cfg(test)]
mod wire_tests {
    use super::*;
    use crate::wire::builder::ClientHelloBuilder;
    use crate::wire::handshake::ClientHello;

    /// The spec hello built on the wire, decoded back and mapped onto the input struct the way
    /// a caller would: the fingerprint must be the spec's.
    #[test]
    fn spec_hello_through_the_wire() {
        let exts = [
            0x001bu16, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023,
            0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015,
        ];
        let mut b = ClientHelloBuilder::new().cipher_suites(&[
            0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
            0x009c, 0x009d, 0x002f, 0x0035,
        ]);
        for e in exts {
            b = match e {
                0x0000 => b.sni("example.com"),
                0x0010 => b.alpn(&[b"h2", b"http/1.1"]),
                0x000d => b.signature_algorithms(&[
                    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
                ]),
                0x002b => b.supported_versions(&[0x0304, 0x0303]),
                other => b.extension(other, &[]),
            };
        }
        let msg = b.handshake_message();
        let ch = ClientHello::decode(&msg[4..]).unwrap();
        let f = ClientHelloFields::from_hello(&ch);
        assert_eq!(ja4(&f).ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    }
}
