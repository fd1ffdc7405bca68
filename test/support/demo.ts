// `npm run demo`: the sample registry, DynamoDB Local with the cache table, and the webhook over
// HTTPS, wired together in one command; prints what to try, and stops all of it on Ctrl-C.
// Ports: ARCHY_SAMPLE_REGISTRY_PORT (5055), ARCHY_DYNAMODB_PORT (8000), ARCHY_PORT (8443); 0 picks
// a free one. The webhook listens on ARCHY_HOST (127.0.0.1).
import { relative } from 'node:path';
import { ConfigError, loadConfig } from '../../lib/config.ts';
import { Lifecycle, runUntilSignal } from '../../lib/local/lifecycle.ts';
import { StartupError } from '../../lib/local/listen-error.ts';
import { reviewOneLiner, webhookConfigurationYaml } from '../../lib/local/try-it.ts';
import { startLocalWebhook, tlsDir, type LocalWebhook } from '../../lib/local/webhook.ts';
import type { DynamoDbLocal } from './dynamodb.ts';
import { CACHE_TABLE, cacheTableEnv, DYNAMODB_PORT, DYNAMODB_PORT_VARIABLE, startCacheTable } from './local-dynamodb.ts';
import { SAMPLE_REGISTRY } from './make-events.ts';
import { portFromEnv } from './ports.ts';
import { REPO_ROOT } from './processes.ts';
import { SAMPLE_IMAGES, SAMPLE_PORT, SAMPLE_PORT_VARIABLE, sampleRegistryName, startSampleRegistry } from './sample-registry.ts';

const EVENT = 'events/multi-arch.json';
const say = (text: string): void => void process.stdout.write(`${text}\n`);
const lifecycle = new Lifecycle();

async function startup(): Promise<void> {
  const registryPort = portFromEnv(SAMPLE_PORT_VARIABLE, SAMPLE_PORT);
  const dynamoPort = portFromEnv(DYNAMODB_PORT_VARIABLE, DYNAMODB_PORT);

  say('archy demo: starting the sample registry, DynamoDB Local and the webhook…');
  const registry = await startSampleRegistry(registryPort);
  lifecycle.started('the sample registry', () => registry.stop());
  if (lifecycle.stopRequested) return;
  const dynamo = await startCacheTable(dynamoPort);
  lifecycle.started('DynamoDB Local', () => dynamo.stop());
  if (lifecycle.stopRequested) return;

  // The webhook reads its configuration from the environment, as the Lambda function does.
  const registryName = sampleRegistryName(registry);
  const insecure = [process.env.ARCHY_INSECURE_REGISTRIES, registryName].filter(Boolean).join(',');
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  Object.assign(process.env, cacheTableEnv(dynamo), { ARCHY_INSECURE_REGISTRIES: insecure });
  const config = loadConfig();
  const { handler } = await import('../../functions/webhook.ts');
  const webhook = await startLocalWebhook(config, handler, tlsDir());
  lifecycle.started('the webhook', () => webhook.close());
  if (lifecycle.stopRequested) return;

  say(describe(registryName, dynamo, webhook, config.webhookToken !== undefined));
  say('ready: Ctrl-C stops the sample registry, DynamoDB Local and the webhook');
}

function describe(registryName: string, dynamo: DynamoDbLocal, webhook: LocalWebhook, token: boolean): string {
  const shown = (file: string): string => (file.startsWith(REPO_ROOT) ? relative(REPO_ROOT, file) : file);
  const validity = webhook.validTo ? `, valid until ${webhook.validTo.toISOString().slice(0, 10)}` : '';
  const tryIt = reviewOneLiner({
    eventFile: `${REPO_ROOT}${EVENT}`,
    registryRename: { from: SAMPLE_REGISTRY, to: registryName },
    caFile: webhook.certFile,
    url: `${webhook.origin}/mutate`,
    tokenPath: token,
  });
  const cluster = webhook.reachableFromCluster
    ? `A kind or dev cluster reaches it as ${webhook.clusterUrl}:`
    : `A kind or dev cluster cannot reach ${webhook.listening} (this machine only): start with ARCHY_HOST=0.0.0.0
(every interface) or the docker bridge address, then apply (the certificate stays the same):`;
  return `
  sample registry  ${registryName} (127.0.0.1 only): ${SAMPLE_IMAGES.join(', ')}
  DynamoDB Local   ${dynamo.endpoint}, table ${CACHE_TABLE} (in memory; the jar cannot bind one address: it listens on every interface)
  webhook          ${webhook.url} (listens on ${webhook.listening}), certificate ${shown(webhook.certFile)} (${webhook.certificate}${validity})
                   with ARCHY_INSECURE_REGISTRIES=${registryName}, ARCHY_CACHE_TABLE=${CACHE_TABLE}, AWS_ENDPOINT_URL_DYNAMODB=${dynamo.endpoint}, dummy AWS credentials

Post the review in ${EVENT} (a pod with ${registryName}/samples/multi:1.0) and decode the patch it gets back:

  ${tryIt}

Resolve an image as the webhook does (in the project folder):

  ARCHY_INSECURE_REGISTRIES=${registryName} npx archy resolve ${registryName}/samples/multi-wide:2.1

${cluster}

kubectl apply -f - <<'EOF'
${webhookConfigurationYaml({ url: webhook.clusterUrl, caBundle: webhook.caBundle }).trimEnd()}
EOF
`;
}

await runUntilSignal(lifecycle, startup, {
  reportFailure: (error) => {
    if (error instanceof StartupError) console.error(`archy demo: ${error.message}`);
    else if (error instanceof ConfigError) console.error(`archy demo: ${error.message}`);
    else console.error('archy demo: could not start:', error);
  },
  log: (line) => say(`archy demo: ${line}`),
  exit: (code) => process.exit(code),
});
