//! The decryptor is panic-free on arbitrary and on damaged recordings (proptest), and a damaged
//! encrypted record is reported, never silently decrypted to something else.

use std::path::Path;

use proptest::prelude::*;
use tlsight::capture::{Chunk, Direction, KeyLogSecrets, Transcript};
use tlsight::crypto::{decrypt_session, rsa_kx, session::cleartext_handshake};

fn fixture() -> (Transcript, KeyLogSecrets) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fs");
    (
        Transcript::load(&dir.join("tls12-rsa.json")).unwrap(),
        KeyLogSecrets::load(&dir.join("openssl-tls12.keylog")).unwrap(),
    )
}

fn arb_chunk() -> impl Strategy<Value = Chunk> {
    (
        any::<bool>(),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            // Plausible record headers followed by junk, to get past the framing.
            (
                20u8..=24,
                0u8..=4,
                proptest::collection::vec(any::<u8>(), 0..200)
            )
                .prop_map(|(ct, minor, body)| {
                    let mut v = vec![ct, 3, minor, 0, body.len() as u8];
                    v.extend(body);
                    v
                }),
        ],
    )
        .prop_map(|(client, data)| Chunk {
            dir: if client {
                Direction::ClientToServer
            } else {
                Direction::ServerToClient
            },
            t_us: 0,
            data,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_recordings_never_panic(chunks in proptest::collection::vec(arb_chunk(), 0..8)) {
        let t = Transcript { chunks, ..Transcript::new(None) };
        let _ = decrypt_session(&t, &KeyLogSecrets::default());
        let _ = cleartext_handshake(&t);
    }

    #[test]
    fn damaged_real_recording_never_panics(idx in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<bool>()) {
        let (mut t, keys) = fixture();
        let c = idx.index(t.chunks.len());
        let len = t.chunks[c].data.len();
        let pos = idx.index(len);
        if cut {
            t.chunks[c].data.truncate(pos);
        } else {
            t.chunks[c].data[pos] ^= byte | 1;
        }
        let _ = decrypt_session(&t, &keys);
        let _ = cleartext_handshake(&t);
    }
}

#[test]
fn a_flipped_bit_in_an_encrypted_record_is_an_error_on_that_record() {
    let (t, keys) = fixture();
    let clean = decrypt_session(&t, &keys).unwrap();
    let key = rsa_kx::load_private_key_file(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("certs/rsa2048.key"),
    )
    .unwrap();
    // Flip one bit in the middle of the server's application data record.
    let target = clean
        .records
        .iter()
        .position(|r| r.dir == Direction::ServerToClient && r.encrypted && r.plaintext.len() > 100)
        .unwrap();
    let rec = &clean.records[target];
    let mut t2 = t.clone();
    let mut offset = rec.offset + 5 + 40;
    for c in t2
        .chunks
        .iter_mut()
        .filter(|c| c.dir == Direction::ServerToClient)
    {
        if offset < c.data.len() {
            c.data[offset] ^= 0x01;
            break;
        }
        offset -= c.data.len();
    }
    let damaged = decrypt_session(&t2, &keys).unwrap();
    let r = &damaged.records[target];
    assert!(
        r.error
            .as_deref()
            .unwrap()
            .contains("authentication tag mismatch"),
        "{r:?}"
    );
    assert!(r.plaintext.is_empty());
    // The handshake, and everything else, is unaffected.
    assert!(damaged.finished.iter().all(|f| f.ok));
    assert_eq!(
        damaged.records.iter().filter(|r| r.error.is_some()).count(),
        1
    );
    // And recovery with the key still works on the damaged recording.
    assert!(rsa_kx::recover(&t2, &key).is_ok());
}
