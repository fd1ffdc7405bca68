// The floor for the local HTTPS server (bench/local-throughput.ts): a bare Node HTTPS server that
// reads the body, parses the AdmissionReview and answers `allowed`, nothing else. Run as its own
// process with the local server's certificate: BENCH_TLS_CERT_FILE, BENCH_TLS_KEY_FILE. Prints
// `{"listening":"https://127.0.0.1:<port>"}` once it listens.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';

const server = createServer({ cert: readFileSync(process.env.BENCH_TLS_CERT_FILE ?? ''), key: readFileSync(process.env.BENCH_TLS_KEY_FILE ?? '') }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { apiVersion?: string; request?: { uid?: string } };
    const body = JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request?.uid, allowed: true } });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
