//! The few DER reading primitives that OCSP responses and PKCS#7 bundles need beyond
//! x509-parser. A file of its own, below both `ocsp` and `parse`, so neither imports the other.

/// Minimal DER TLV reader: (tag, content, rest). Rejects indefinite and over-long lengths.
pub(crate) fn tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), String> {
    if b.len() < 2 {
        return Err("truncated DER".into());
    }
    let tag = b[0];
    if tag & 0x1f == 0x1f {
        return Err("multi-byte tags are not used in OCSP".into());
    }
    let first = usize::from(b[1]);
    let (len, hdr) = if first < 0x80 {
        (first, 2)
    } else {
        let n = first & 0x7f;
        if n == 0 || n > 4 || b.len() < 2 + n {
            return Err("bad DER length".into());
        }
        let len = b[2..2 + n]
            .iter()
            .fold(0usize, |a, &x| (a << 8) | usize::from(x));
        (len, 2 + n)
    };
    let end = hdr.checked_add(len).ok_or("DER length overflow")?;
    if b.len() < end {
        return Err(format!("DER value of {len} bytes runs past the end"));
    }
    Ok((tag, &b[hdr..end], &b[end..]))
}

/// One TLV whose tag must be `want`: (content, rest); `what` names it in the error.
pub(crate) fn expect<'a>(
    b: &'a [u8],
    want: u8,
    what: &str,
) -> Result<(&'a [u8], &'a [u8]), String> {
    let (tag, v, rest) = tlv(b)?;
    if tag != want {
        return Err(format!(
            "expected {what} (tag 0x{want:02x}), found tag 0x{tag:02x}"
        ));
    }
    Ok((v, rest))
}
