//! JA3 and JA3S (salesforce/ja3 README "How it works"): decimal fields joined by `,`, list values
//! by `-`, GREASE removed, MD5 of the string in lower-case hex.

use md5::{Digest, Md5};

use super::{ClientHelloFields, ServerHelloFields, not_grease};

fn dash_list<T: ToString>(vals: impl IntoIterator<Item = T>) -> String {
    vals.into_iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join("-")
}

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

/// The JA3 string `SSLVersion,Ciphers,Extensions,EllipticCurves,ECPointFormats`.
pub fn ja3_string(ch: &ClientHelloFields) -> String {
    format!(
        "{},{},{},{},{}",
        ch.legacy_version,
        dash_list(ch.cipher_suites.iter().filter(|v| not_grease(v))),
        dash_list(ch.extensions.iter().filter(|v| not_grease(v))),
        dash_list(ch.supported_groups.iter().filter(|v| not_grease(v))),
        dash_list(ch.ec_point_formats.iter()),
    )
}

/// JA3: MD5 of [`ja3_string`].
pub fn ja3(ch: &ClientHelloFields) -> String {
    md5_hex(&ja3_string(ch))
}

/// The JA3S string `SSLVersion,Cipher,Extensions`.
pub fn ja3s_string(sh: &ServerHelloFields) -> String {
    format!(
        "{},{},{}",
        sh.legacy_version,
        sh.cipher_suite,
        dash_list(sh.extensions.iter().filter(|v| not_grease(v))),
    )
}

/// JA3S: MD5 of [`ja3s_string`].
pub fn ja3s(sh: &ServerHelloFields) -> String {
    md5_hex(&ja3s_string(sh))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ja3_readme_vectors() {
        let ch = ClientHelloFields {
            legacy_version: 769,
            cipher_suites: vec![
                47, 53, 5, 10, 49161, 49162, 49171, 49172, 50, 56, 19, 4, 0x0A0A,
            ],
            extensions: vec![0x1A1A, 0, 10, 11],
            supported_groups: vec![0x2A2A, 23, 24, 25],
            ec_point_formats: vec![0],
            ..Default::default()
        };
        assert_eq!(
            ja3_string(&ch),
            "769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"
        );
        assert_eq!(ja3(&ch), "ada70206e40642a3e4461f35503241d5");

        let bare = ClientHelloFields {
            legacy_version: 769,
            cipher_suites: vec![4, 5, 10, 9, 100, 98, 3, 6, 19, 18, 99],
            ..Default::default()
        };
        assert_eq!(ja3_string(&bare), "769,4-5-10-9-100-98-3-6-19-18-99,,,");
        assert_eq!(ja3(&bare), "de350869b8c85de67a350c8d186f11e6");
    }

    #[test]
    fn ja3s_string_and_hash() {
        let sh = ServerHelloFields {
            legacy_version: 771,
            cipher_suite: 0xC030,
            extensions: vec![5, 23, 0xFF01, 0],
            ..Default::default()
        };
        assert_eq!(ja3s_string(&sh), "771,49200,5-23-65281-0");
        // Independently computed: python3 hashlib.md5(b"771,49200,5-23-65281-0").
        assert_eq!(ja3s(&sh), "7d8fd34fdb13a7fff30d5a52846b6c4c");
        assert_eq!(ja3s(&sh).len(), 32);
    }
}
