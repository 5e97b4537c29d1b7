// Generates testdata/pq/mlkem-kat.json, the known answers for src/handshake/pq.rs, from an
// implementation independent of ours: OpenSSL 3.5's ML-KEM through Node.js 24.
//
//   node scripts/gen-mlkem-kat.js > testdata/pq/mlkem-kat.json
//
// Each key pair comes from a fixed 64-byte seed (d ‖ z = 00 01 .. 3f, the seed of the examples
// in draft-ietf-lamps-kyber-certificates), imported as a seed-only PKCS#8 key. OpenSSL then
// encapsulates to the public key with its own randomness: our decapsulation must find the same
// shared secret, and our key generation the same encapsulation key.
'use strict';
const crypto = require('crypto');

const seed = Buffer.from([...Array(64).keys()]);
const sets = [
  // name, last OID arc under 2.16.840.1.101.3.4.4 (id-alg-ml-kem-*), encapsulation key length
  ['ML-KEM-768', 0x02, 1184],
  ['ML-KEM-1024', 0x03, 1568],
];
const out = {
  source: `OpenSSL ${process.versions.openssl} via Node.js ${process.version} (scripts/gen-mlkem-kat.js)`,
  seed: seed.toString('hex'),
};
for (const [name, arc, ekLen] of sets) {
  // PrivateKeyInfo { 0, AlgorithmIdentifier { id-alg-ml-kem-* }, OCTET STRING { [0] seed } }
  const pkcs8 = Buffer.concat([
    Buffer.from('3054020100300b06096086480165030404', 'hex'),
    Buffer.from([arc]),
    Buffer.from('04428040', 'hex'),
    seed,
  ]);
  const priv = crypto.createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const pub = crypto.createPublicKey(priv);
  if (pub.asymmetricKeyType !== name.toLowerCase()) throw new Error(`not ${name}`);
  // SubjectPublicKeyInfo ends with the raw encapsulation key (BIT STRING, no unused bits).
  const spki = pub.export({ format: 'der', type: 'spki' });
  const ek = spki.subarray(spki.length - ekLen);
  const { sharedKey, ciphertext } = crypto.encapsulate(pub);
  // Check the answer with OpenSSL itself before writing it down.
  if (!crypto.decapsulate(priv, ciphertext).equals(sharedKey)) {
    throw new Error('OpenSSL disagrees with itself');
  }
  out[name] = {
    encapsulation_key: ek.toString('hex'),
    ciphertext: ciphertext.toString('hex'),
    shared_secret: sharedKey.toString('hex'),
  };
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
