// Generates testdata/pq/mlkem768-kat.json, the known answers for src/handshake/pq.rs, from an
// implementation independent of ours: OpenSSL 3.5's ML-KEM-768 through Node.js 24.
//
//   node scripts/gen-mlkem-kat.js > testdata/pq/mlkem768-kat.json
//
// The key pair comes from a fixed 64-byte seed (d ‖ z = 00 01 .. 3f, the seed of the examples
// in draft-ietf-lamps-kyber-certificates), imported as a seed-only PKCS#8 key. OpenSSL then
// encapsulates to the public key with its own randomness: our decapsulation must find the same
// shared secret, and our key generation the same encapsulation key.
'use strict';
const crypto = require('crypto');

const seed = Buffer.from([...Array(64).keys()]);
// PrivateKeyInfo { 0, id-alg-ml-kem-768 (2.16.840.1.101.3.4.4.2), OCTET STRING { [0] seed } }
const pkcs8 = Buffer.concat([
  Buffer.from('3054020100300b0609608648016503040402044280' + '40', 'hex'),
  seed,
]);
const priv = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
const pub = crypto.createPublicKey(priv);
// SubjectPublicKeyInfo ends with the raw 1184-byte encapsulation key (BIT STRING, no unused bits).
const spki = pub.export({ format: 'der', type: 'spki' });
const ek = spki.subarray(spki.length - 1184);
const { sharedKey, ciphertext } = crypto.encapsulate(pub);
// Check the answer with OpenSSL itself before writing it down.
const again = crypto.decapsulate(priv, ciphertext);
if (!again.equals(sharedKey)) throw new Error('OpenSSL disagrees with itself');
process.stdout.write(JSON.stringify({
  source: `OpenSSL ${process.versions.openssl} via Node.js ${process.version} (scripts/gen-mlkem-kat.js)`,
  seed: seed.toString('hex'),
  encapsulation_key: ek.toString('hex'),
  ciphertext: ciphertext.toString('hex'),
  shared_secret: sharedKey.toString('hex'),
}, null, 1) + '\n');
