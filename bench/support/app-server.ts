// A reference for the local HTTPS server (bench/local-throughput.ts): the same bare Node HTTPS
// server as the floor, answering with the admission itself (lib/app.ts `handle`, its log line to
// stdout) and nothing of the Lambda path: no Function URL event, no handler wrapper, no metrics.
// What it loses against the floor is the admission's own cost. Same environment as the local server.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../lib/app.ts';

const app = createApp();
const server = createServer({ cert: readFileSync(process.env.ARCHY_TLS_CERT_FILE ?? ''), key: readFileSync(process.env.ARCHY_TLS_KEY_FILE ?? '') }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    void app.handle({ method: request.method ?? 'POST', path: request.url ?? '/', headers: { 'content-type': request.headers['content-type'] }, body }, 'bench').then((answer) => {
      response.writeHead(answer.statusCode, answer.headers);
      response.end(answer.body);
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: `https://127.0.0.1:${(server.address() as AddressInfo).port}` }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
