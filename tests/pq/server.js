// A post-quantum TLS server for tests/handshake_pq.rs: Node.js 24 (OpenSSL 3.5, which has
// ML-KEM) serving the committed test PKI on 127.0.0.1 with the key-exchange groups given.
//
//   node server.js GROUPS CERT_CHAIN KEY [MAXVERSION]
//
// GROUPS is OpenSSL's colon-separated list (e.g. X25519MLKEM768:SecP256r1MLKEM768). The port is
// chosen by the kernel and printed as "ACCEPT 127.0.0.1:PORT" once listening, like s_server;
// for each connection the group OpenSSL negotiated is not visible server-side, so the script
// only answers "hello\n" and closes.
'use strict';
const fs = require('fs');
const tls = require('tls');

const [groups, chain, key, maxVersion] = process.argv.slice(2);
if (!groups || !chain || !key) {
  process.stderr.write('usage: node server.js GROUPS CERT_CHAIN KEY [MAXVERSION]\n');
  process.exit(2);
}
const server = tls.createServer({
  cert: fs.readFileSync(chain),
  key: fs.readFileSync(key),
  ecdhCurve: groups,
  minVersion: 'TLSv1.2',
  maxVersion: maxVersion || 'TLSv1.3',
}, (socket) => {
  socket.on('error', () => {});
  socket.end('hello\n');
});
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => {
  const a = server.address();
  process.stdout.write(`ACCEPT ${a.address}:${a.port}\n`);
});
// The test kills us; if it dies first, stdin closes and we go too.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
