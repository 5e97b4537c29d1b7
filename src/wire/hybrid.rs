//! The wire layout of hybrid post-quantum key shares: which part is the KEM's and which the
//! classical curve's, in which order, how long. One table for the decoder (labelled parts), the
//! key exchange itself ([`crate::handshake::pq`]) and `explain`.
//!
//! Sources: draft-ietf-tls-ecdhe-mlkem §"Construction" (X25519MLKEM768 puts ML-KEM first in the
//! shares and the secret; SecP256r1MLKEM768 and SecP384r1MLKEM1024 put the curve first);
//! draft-tls-westerbaan-xyber768d00 and draft-kwiatkowski-tls-ecdhe-kyber (the obsolete Kyber
//! code points 0x6399 / 0x639A: curve first).

use serde::Serialize;

/// How one hybrid group's key shares and shared secret are put together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HybridLayout {
    /// The hybrid's code point.
    #[serde(skip)]
    pub group: u16,
    /// The classical part: "X25519", "secp256r1", "secp384r1".
    pub classical: &'static str,
    /// Its code point on its own (x25519 0x001D, secp256r1 0x0017, secp384r1 0x0018).
    #[serde(skip)]
    pub classical_group: u16,
    /// Its share length, the same both ways (32, or an uncompressed point: 65, 97).
    pub classical_len: usize,
    /// The KEM: "ML-KEM-768", "ML-KEM-1024", "Kyber768".
    pub kem: &'static str,
    /// The client's KEM part: the encapsulation key.
    pub kem_client_len: usize,
    /// The server's KEM part: the ciphertext.
    pub kem_server_len: usize,
    /// The KEM part comes first in both shares and in the shared secret.
    pub kem_first: bool,
}

/// Who sent a key share: the KEM part is a key from the client, a ciphertext from the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareSender {
    /// ClientHello.
    Client,
    /// ServerHello.
    Server,
}

/// One labelled part of a hybrid key share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeySharePart {
    /// "ML-KEM-768 encapsulation key", "ML-KEM-768 ciphertext", "X25519 share", ...
    pub label: String,
    /// Offset in the key_exchange bytes.
    pub offset: usize,
    /// Length in bytes.
    pub len: usize,
}

/// X25519MLKEM768 (0x11EC).
pub const X25519MLKEM768: HybridLayout = HybridLayout {
    group: 0x11EC,
    classical: "X25519",
    classical_group: 0x001D,
    classical_len: 32,
    kem: "ML-KEM-768",
    kem_client_len: 1184,
    kem_server_len: 1088,
    kem_first: true,
};

/// SecP256r1MLKEM768 (0x11EB).
pub const SECP256R1MLKEM768: HybridLayout = HybridLayout {
    group: 0x11EB,
    classical: "secp256r1",
    classical_group: 0x0017,
    classical_len: 65,
    kem: "ML-KEM-768",
    kem_client_len: 1184,
    kem_server_len: 1088,
    kem_first: false,
};

/// SecP384r1MLKEM1024 (0x11ED).
pub const SECP384R1MLKEM1024: HybridLayout = HybridLayout {
    group: 0x11ED,
    classical: "secp384r1",
    classical_group: 0x0018,
    classical_len: 97,
    kem: "ML-KEM-1024",
    kem_client_len: 1568,
    kem_server_len: 1568,
    kem_first: false,
};

const LAYOUTS: [HybridLayout; 5] = [
    SECP256R1MLKEM768,
    X25519MLKEM768,
    SECP384R1MLKEM1024,
    HybridLayout {
        group: 0x6399,
        classical: "X25519",
        classical_group: 0x001D,
        classical_len: 32,
        kem: "Kyber768",
        kem_client_len: 1184,
        kem_server_len: 1088,
        kem_first: false,
    },
    HybridLayout {
        group: 0x639A,
        classical: "secp256r1",
        classical_group: 0x0017,
        classical_len: 65,
        kem: "Kyber768",
        kem_client_len: 1184,
        kem_server_len: 1088,
        kem_first: false,
    },
];

/// The layout of a hybrid group code point, if it is a known hybrid.
pub fn layout(group: u16) -> Option<&'static HybridLayout> {
    LAYOUTS.iter().find(|l| l.group == group)
}

impl HybridLayout {
    /// The KEM part's length from `sender`.
    pub fn kem_len(&self, sender: ShareSender) -> usize {
        match sender {
            ShareSender::Client => self.kem_client_len,
            ShareSender::Server => self.kem_server_len,
        }
    }

    /// The whole share's length from `sender`.
    pub fn share_len(&self, sender: ShareSender) -> usize {
        self.kem_len(sender) + self.classical_len
    }

    /// What the KEM part is called from `sender`.
    pub fn kem_label(&self, sender: ShareSender) -> String {
        let what = match (sender, self.kem.starts_with("Kyber")) {
            (ShareSender::Client, false) => "encapsulation key",
            (ShareSender::Client, true) => "public key",
            (ShareSender::Server, _) => "ciphertext",
        };
        format!("{} {what}", self.kem)
    }

    /// What the classical part is called.
    pub fn classical_label(&self) -> String {
        if self.classical_len == 32 {
            format!("{} share", self.classical)
        } else {
            format!("{} point", self.classical)
        }
    }

    /// Splits a share into (KEM part, classical part); `None` unless it has exactly the length
    /// the layout gives from `sender`.
    pub fn split<'a>(&self, share: &'a [u8], sender: ShareSender) -> Option<(&'a [u8], &'a [u8])> {
        if share.len() != self.share_len(sender) {
            return None;
        }
        Some(if self.kem_first {
            share.split_at(self.kem_len(sender))
        } else {
            let (c, k) = share.split_at(self.classical_len);
            (k, c)
        })
    }

    /// Joins a KEM part and a classical part in the layout's order (shares and secrets alike).
    pub fn join(&self, kem: &[u8], classical: &[u8]) -> Vec<u8> {
        // One allocation of the final size: no reallocation leaves copies of secrets behind.
        let mut v = Vec::with_capacity(kem.len() + classical.len());
        if self.kem_first {
            v.extend_from_slice(kem);
            v.extend_from_slice(classical);
        } else {
            v.extend_from_slice(classical);
            v.extend_from_slice(kem);
        }
        v
    }

    /// The labelled parts of a `len`-byte share from `sender`, in wire order; empty when the
    /// length does not match the layout.
    pub fn parts(&self, sender: ShareSender, len: usize) -> Vec<KeySharePart> {
        if len != self.share_len(sender) {
            return Vec::new();
        }
        let kem = |offset| KeySharePart {
            label: self.kem_label(sender),
            offset,
            len: self.kem_len(sender),
        };
        let classical = |offset| KeySharePart {
            label: self.classical_label(),
            offset,
            len: self.classical_len,
        };
        if self.kem_first {
            vec![kem(0), classical(self.kem_len(sender))]
        } else {
            vec![classical(0), kem(self.classical_len)]
        }
    }
}

/// The labelled parts of a key share of `group`; empty unless it is a known hybrid with the
/// layout's exact length.
pub fn share_parts(group: u16, sender: ShareSender, len: usize) -> Vec<KeySharePart> {
    layout(group).map_or_else(Vec::new, |l| l.parts(sender, len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(p: &[KeySharePart]) -> Vec<(&str, usize, usize)> {
        p.iter()
            .map(|x| (x.label.as_str(), x.offset, x.len))
            .collect()
    }

    #[test]
    fn the_halves_land_where_the_draft_puts_them() {
        let x = X25519MLKEM768;
        assert_eq!(x.join(b"PQ", b"EC"), b"PQEC");
        assert_eq!(
            labels(&x.parts(ShareSender::Client, 1216)),
            [
                ("ML-KEM-768 encapsulation key", 0, 1184),
                ("X25519 share", 1184, 32)
            ]
        );
        assert_eq!(
            labels(&x.parts(ShareSender::Server, 1120)),
            [
                ("ML-KEM-768 ciphertext", 0, 1088),
                ("X25519 share", 1088, 32)
            ]
        );
        let share: Vec<u8> = (0..1120).map(|i| (i % 251) as u8).collect();
        let (kem, ec) = x.split(&share, ShareSender::Server).unwrap();
        assert_eq!((kem, ec), (&share[..1088], &share[1088..]));

        let p = SECP256R1MLKEM768;
        assert_eq!(p.join(b"PQ", b"EC"), b"ECPQ");
        assert_eq!(
            labels(&p.parts(ShareSender::Client, 1249)),
            [
                ("secp256r1 point", 0, 65),
                ("ML-KEM-768 encapsulation key", 65, 1184)
            ]
        );
        let share: Vec<u8> = (0..1153).map(|i| (i % 251) as u8).collect();
        let (kem, ec) = p.split(&share, ShareSender::Server).unwrap();
        assert_eq!((kem, ec), (&share[65..], &share[..65]));
    }

    #[test]
    fn wrong_lengths_and_plain_groups_have_no_parts() {
        assert!(share_parts(0x11EC, ShareSender::Server, 1216).is_empty());
        assert!(share_parts(0x11EB, ShareSender::Server, 1249).is_empty());
        assert!(share_parts(0x001D, ShareSender::Client, 32).is_empty());
        assert_eq!(X25519MLKEM768.split(&[0; 1119], ShareSender::Server), None);
        assert_eq!(
            labels(&share_parts(0x6399, ShareSender::Client, 1216)),
            [("X25519 share", 0, 32), ("Kyber768 public key", 32, 1184)]
        );
    }
}
