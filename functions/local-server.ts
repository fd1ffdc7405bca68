// `npm run local`: the webhook over HTTPS on ARCHY_PORT (default 8443) for a kind or dev cluster.
// Uses ARCHY_TLS_CERT_FILE/ARCHY_TLS_KEY_FILE, or a self-signed certificate made at start.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../lib/config.ts';
import { selfSignedCertificate } from '../lib/local/certificate.ts';
import { startLocalServer } from '../lib/local/server.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const { handler } = await import('./webhook.ts');
const tls = config.tlsCertFile && config.tlsKeyFile
  ? { cert: readFileSync(config.tlsCertFile, 'utf8'), key: readFileSync(config.tlsKeyFile, 'utf8') }
  : await selfSignedCertificate(['localhost', hostname(), 'host.docker.internal'], ['127.0.0.1', '::1']);
const server = await startLocalServer({ handler, port: config.port, ...tls });
const certFile = join(mkdtempSync(join(tmpdir(), 'archy-')), 'tls.crt');
writeFileSync(certFile, tls.cert);
console.log(JSON.stringify({
  msg: 'archy local server listening',
  url: `${server.url}/mutate${config.webhookToken ? '/<ARCHY_WEBHOOK_TOKEN>' : ''}`,
  certificate: certFile,
  caBundle: Buffer.from(tls.cert).toString('base64'),
}));
const stop = (): void => void server.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
