// Issue 15, part 2: first contact with a token registry. The CNCF registry with our token service,
// each behind a proxy that holds every request for one round trip (RTT), admitted by in-process
// apps (lib/app.ts) sharing a DynamoDB Local table, a 3-image pod whose longest image is
// single-arch (manifest + config blob), with new tags each time so every admission is a miss:
//   first contact   a cold instance, nothing known: 401 probe, token, manifest, blob = 4 RTT
//   known challenge another cold instance, the challenge in the table:  token, manifest, blob = 3 RTT
//   after           the same instance again, tokens kept:                       manifest, blob = 2 RTT
// Printed: admission time ÷ (round trips on the longest chain × RTT), and the requests counted at
// the registry and the token service. Alone: `node bench/token-first-contact.ts`.
import { fileURLToPath } from 'node:url';
import { createDynamoDbClient } from '../lib/aws/dynamodb.ts';
import { createApp, type App } from '../lib/app.ts';
import { startDynamoDbLocal, TEST_CREDENTIALS, TEST_REGION, type DynamoDbLocal } from '../test/support/dynamodb.ts';
import { startRegistry, type RecordedRequest, type TestRegistry } from '../test/support/registry/harness.ts';
import { startDelayingProxy } from './support/delaying-proxy.ts';
import { discardingDestination, mutateRequest, podReview, uidFor } from './support/fixtures.ts';
import { median } from './support/stats.ts';

export const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 100);
export const RATIO_TARGET = 1.2;
const REPOSITORIES = [
  { name: 'first/multi', kind: 'multi' },
  { name: 'first/single', kind: 'single' },
  { name: 'first/wide', kind: 'multi' },
] as const;

export type Scenario = 'first contact' | 'known challenge' | 'after';
const CHAIN: Record<Scenario, number> = { 'first contact': 4, 'known challenge': 3, after: 2 };

export interface ScenarioResult {
  scenario: Scenario;
  /** Round trips on the longest chain (the single-arch image). */
  roundTrips: number;
  /** Medians over the runs. */
  admissionMs: number;
  ratio: number;
  /** Per admission, at the servers (the last run). */
  probes: number;
  tokenRequests: number;
  scopesPerTokenRequest: number[];
  registryRequests: number;
}

export interface FirstContactResult {
  rttMs: number;
  runs: number;
  target: number;
  scenarios: ScenarioResult[];
  elapsedSeconds: number;
}

export async function measureFirstContact(options: { registry?: TestRegistry; dynamodb?: DynamoDbLocal; runs?: number; log?: (text: string) => void } = {}): Promise<FirstContactResult> {
  const started = Date.now();
  const runs = options.runs ?? 5;
  const ownRegistry = options.registry === undefined ? await startRegistry({ auth: 'token' }) : undefined;
  const registry = (options.registry ?? ownRegistry) as TestRegistry;
  const ownDynamoDb = options.dynamodb === undefined ? await startDynamoDbLocal() : undefined;
  const dynamodb = (options.dynamodb ?? ownDynamoDb) as DynamoDbLocal;
  const tokenProxy = await startDelayingProxy(registry.tokenHost ?? '', RTT_MS);
  const registryProxy = await startDelayingProxy(registry.host, RTT_MS, (headers) => {
    const challenge = headers['www-authenticate'];
    return typeof challenge === 'string' ? { ...headers, 'www-authenticate': challenge.replace(registry.tokenHost ?? '', tokenProxy.host) } : headers;
  });
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_REGION: TEST_REGION, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint });
  try {
    options.log?.(`first contact: pushing ${runs * 3} tags of ${REPOSITORIES.length} repositories`);
    const tags: string[] = [];
    for (let run = 0; run < runs; run += 1) for (const step of [0, 1, 2]) tags.push(`fc-${run}-${step}`);
    await pushTags(registry, tags);
    options.log?.('first contact: warming DynamoDB Local up (a JVM: its first few hundred calls are several times slower than DynamoDB)');
    await warmUp(dynamodb);
    const pod = (tag: string): string[] => REPOSITORIES.map((repository) => `${registryProxy.host}/${repository.name}:${tag}`);

    const samples = new Map<Scenario, number[]>(Object.keys(CHAIN).map((scenario) => [scenario as Scenario, []]));
    const counted = new Map<Scenario, RecordedRequest[]>();
    for (let run = 0; run < runs; run += 1) {
      const table = `archy-bench-first-contact-${run}`;
      await dynamodb.createTable(table);
      const env = { ARCHY_CACHE_TABLE: table, ARCHY_INSECURE_REGISTRIES: `${registryProxy.host},${tokenProxy.host}`, ARCHY_PREFERRED_ARCH: 'amd64', ARCHY_TIME_BUDGET_MS: '5000' };
      const first = createApp({ env, logDestination: discardingDestination() });
      const second = createApp({ env, logDestination: discardingDestination() });
      const plan: Array<[Scenario, App]> = [['first contact', first], ['known challenge', second], ['after', second]];
      for (const [step, [scenario, app]] of plan.entries()) {
        // The first instance's challenge write goes on after its answer: let it land, as it would
        // long before another instance starts.
        if (scenario === 'known challenge') await new Promise((resolve) => setTimeout(resolve, 200));
        registry.clearRequests();
        const t0 = performance.now();
        const response = await app.handle(mutateRequest(JSON.stringify(podReview(uidFor(run * 10 + step), pod(`fc-${run}-${step}`)))));
        const ms = performance.now() - t0;
        if (response.statusCode !== 200 || !response.body.includes('"patch"') || response.body.includes('warnings')) {
          throw new Error(`first-contact admission (${scenario}) answered ${response.statusCode}: ${response.body.slice(0, 400)}`);
        }
        samples.get(scenario)?.push(ms);
        counted.set(scenario, [...registry.requests]);
      }
    }
    const scenarios = [...samples].map(([scenario, values]): ScenarioResult => {
      const requests = counted.get(scenario) ?? [];
      const tokens = requests.filter((r) => r.server === 'token');
      const admissionMs = median(values);
      return {
        scenario,
        roundTrips: CHAIN[scenario],
        admissionMs,
        ratio: admissionMs / (CHAIN[scenario] * RTT_MS),
        probes: requests.filter((r) => r.server === 'registry' && r.authorization === 'none').length,
        tokenRequests: tokens.length,
        scopesPerTokenRequest: tokens.map((r) => new URL(r.path, 'http://token.invalid').searchParams.getAll('scope').length),
        registryRequests: requests.filter((r) => r.server === 'registry').length,
      };
    });
    return { rttMs: RTT_MS, runs, target: RATIO_TARGET, scenarios, elapsedSeconds: (Date.now() - started) / 1000 };
  } finally {
    for (const name of ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_DYNAMODB']) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await Promise.all([registryProxy.close(), tokenProxy.close(), ownRegistry?.stop(), ownDynamoDb?.stop()]);
  }
}

async function warmUp(dynamodb: DynamoDbLocal): Promise<void> {
  const table = 'archy-bench-first-contact-warm-up';
  await dynamodb.createTable(table);
  const client = createDynamoDbClient({ endpoint: dynamodb.endpoint, region: TEST_REGION, credentials: () => Promise.resolve(TEST_CREDENTIALS) });
  for (let i = 0; i < 300; i += 1) {
    const keys = [0, 1, 2, 3, 4, 5].map((k) => ({ pk: { S: `tag#warm-up/${i}:${k}` } }));
    await client.batchWriteItem({ RequestItems: { [table]: keys.map((key) => ({ PutRequest: { Item: { ...key, f: { N: '1' }, expiresAt: { N: '2' }, p: { L: [{ S: 'linux/amd64' }] } } } })) } });
    await client.batchGetItem({ RequestItems: { [table]: { Keys: keys.slice(0, 3) } } });
  }
}

async function pushTags(registry: TestRegistry, tags: string[]): Promise<void> {
  for (const tag of tags) {
    for (const repository of REPOSITORIES) {
      if (repository.kind === 'single') await registry.pushImage(repository.name, tag, { os: 'linux', architecture: 'amd64', format: 'docker' });
      else await registry.pushIndex(repository.name, tag, [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], { format: 'oci' });
    }
  }
}

export function firstContactLines(r: FirstContactResult): string[] {
  return r.scenarios.map((s) => {
    const met = s.ratio <= r.target;
    return `Token registry, ${s.scenario} (RTT ${r.rttMs} ms): ${Math.round(s.admissionMs)} ms ÷ (${s.roundTrips} × ${r.rttMs} ms) = ${s.ratio.toFixed(2)}×; ${s.probes} probe(s), ${s.tokenRequests} token request(s)${s.tokenRequests ? ` (${s.scopesPerTokenRequest.join(', ')} scope${s.scopesPerTokenRequest.every((n) => n === 1) ? '' : 's'})` : ''}, ${s.registryRequests} registry requests  target ≤ ${r.target}×  ${met ? 'met' : 'MISSED'}`;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureFirstContact({ log: (text) => process.stderr.write(`bench: ${text}\n`) });
  for (const line of firstContactLines(result)) console.log(line);
  console.log(JSON.stringify(result, null, 2));
}
