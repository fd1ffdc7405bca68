// `npm run local`: the webhook over HTTPS on ARCHY_HOST:ARCHY_PORT (default 127.0.0.1:8443) for a
// kind or dev cluster. Uses ARCHY_TLS_CERT_FILE/ARCHY_TLS_KEY_FILE, or the self-signed certificate
// kept in ARCHY_TLS_DIR (`.archy/`), made there once and reused until it nears expiry.
import { ConfigError, loadConfig } from '../lib/config.ts';
import { StartupError } from '../lib/local/listen-error.ts';
import { startLocalWebhook, tlsDir } from '../lib/local/webhook.ts';

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const { handler } = await import('./webhook.ts');
let webhook;
try {
  webhook = await startLocalWebhook(config, handler, tlsDir());
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  console.error(`archy: ${error.message}`);
  process.exit(1);
}
console.log(JSON.stringify({
  msg: 'archy local server listening',
  listening: webhook.listening,
  url: webhook.url,
  clusterUrl: webhook.clusterUrl,
  ...(webhook.reachableFromCluster ? {} : { note: 'listening on loopback only: a cluster reaches it once ARCHY_HOST=0.0.0.0 (or the docker bridge address)' }),
  certificate: webhook.certFile,
  certificateState: webhook.certificate,
  ...(webhook.validTo ? { certificateValidTo: webhook.validTo.toISOString() } : {}),
  caBundle: webhook.caBundle,
}));
const stop = (): void => void webhook.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
