// Issue 15, part 1: a cold instance at the CPU the function really gets. The packaged bundle (`sls
// package`, unzipped) runs in a fresh Node process inside a cgroup capped at memory / 1,769 MB of a
// core, with the deployed environment: it imports the handler, reads the webhook token from a
// Secrets Manager fake, answers its first admission from DynamoDB Local (a DynamoDB hit), then a
// few warm admissions. Node alone under the same cap is the reference. At the deployed memory size
// it also answers a first admission with a cluster configured (the Kubernetes fake behind TLS).
// Alone: `node bench/cold-start-cgroup.ts` prints the table and the results as JSON.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Item } from '../lib/aws/dynamodb-types.ts';
import { createDynamoDbClient } from '../lib/aws/dynamodb.ts';
import { DynamoDbCache } from '../lib/cache/dynamodb.ts';
import type { CacheEntry } from '../lib/cache/entry.ts';
import { fromItem } from '../lib/cache/item.ts';
import { createApp } from '../lib/app.ts';
import { Deadline } from '../lib/deadline.ts';
import { startDynamoDbLocal, TEST_CREDENTIALS, TEST_REGION, type DynamoDbLocal } from '../test/support/dynamodb.ts';
import { startKubeFake } from '../test/support/kube-fake.ts';
import { startRegistry, type TestRegistry } from '../test/support/registry/harness.ts';
import { startSecretsManagerFake } from '../test/support/secrets-manager-fake.ts';
import { startHttpsServer, startTlsFront } from '../test/reliability/support/servers.ts';
import { forwardTo } from '../test/support/forward.ts';
import { cpuShareOf, createCpuQuota, type CpuQuota } from './support/cpu-quota.ts';
import { discardingDestination, podReview, uidFor } from './support/fixtures.ts';
import { packageFunction, unpackFunction, type PackagedFunction } from './support/sls-package.ts';
import { median } from './support/stats.ts';
import { printColdStartCgroup } from './report-issue15.ts';
import { costPerMillion, LAMBDA_ARM64_PRICES, type LambdaPrices } from './support/lambda-cost.ts';

const CHILD = fileURLToPath(new URL('./cold-start-cgroup-child.js', import.meta.url));
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:archy-bench-token-AbCdEf';
const TOKEN = 'bench-token-0123456789abcdefghijklmnopqrstuvwxyz';
/** Memory sizes measured, MB; the deployed one is added when it is not among them. */
export const MEMORY_SIZES = [256, 384, 512, 768, 1024, 1769];
/** The goal of issue 15: a cold instance answers its first admission (a DynamoDB hit) within this. */
export const COLD_ANSWER_TARGET_MS = 300;
/** Warm admissions are spaced by one CFS period, as invocations of a function come apart. */
const WARM_GAP_MS = 100;
const WARM_HITS = 5;
/** A miss's network wait assumed for the cost column: two registry round trips of 50 ms. */
export const ASSUMED_MISS_NETWORK_MS = 100;

export interface Timing {
  runs: number;
  /** Medians. Node's own start (process start to the child's first line). */
  nodeStartMs: number;
  importMs: number;
  firstAdmissionMs: number;
  /** import + first admission: what Archy adds to Node's start before the first answer. */
  coldAnswerMs: number;
  /** Process start to the first answer. */
  sinceProcessStartMs: number;
  /** CPU time (all threads): Node's start, the import, the first admission. */
  nodeStartCpuMs: number;
  importCpuMs: number;
  firstAdmissionCpuMs: number;
  /** What the last run's first admission reported (tiers), as a proof of the tier measured. */
  firstTiers?: Record<string, number>;
  firstWarnings?: string[];
}

export interface SizeResult {
  memoryMb: number;
  share: number;
  quota: string;
  hit: Timing;
  nodeAloneMs: number;
  /** Median of warm memory hits spaced one period apart. */
  warmHitMs: number;
  /** Median of warm registry misses over loopback (tokens and challenge known), without network time. */
  warmMissMs: number;
  costPerMillion: { warmHit: number; miss: number };
}

export interface ColdStartCgroupResult {
  measured: boolean;
  unavailable?: string;
  deployedMemoryMb: number;
  zipBytes: number;
  nodeOptions: string;
  prices: LambdaPrices;
  /** Import + first admission must stay under this at the deployed share. */
  targetMs: number;
  /** Network wait added to a warm miss for the cost column. */
  assumedMissNetworkMs: number;
  sizes: SizeResult[];
  /** At the deployed size: the first admission with a cluster configured. */
  cluster?: Timing;
  elapsedSeconds: number;
}

interface ChildReport {
  nodeStartMs: number;
  nodeStartCpuMs: number;
  importMs: number;
  importCpuMs: number;
  cpuMs: number;
  totalMs: number;
  admissions: Array<{ ms: number; cpuMs: number; status: number; patched: boolean; warnings?: string[] }>;
}

/** `registry`: a token-auth registry to push to; one of its own is started when absent. */
export interface ColdStartCgroupOptions {
  registry?: TestRegistry;
  runs?: number;
  sizes?: number[];
  /** Measure only these sizes (the deployed one is not added). */
  onlySizes?: boolean;
  /** Added to the children's NODE_OPTIONS (experiments). */
  nodeOptions?: string;
  /** Measure this `sls package --package` output instead of packaging now (an earlier commit, for a before/after). */
  packageDir?: string;
  /** The token as ARCHY_WEBHOOK_TOKEN rather than read from Secrets Manager (commits that could not read it). */
  tokenInEnvironment?: boolean;
  log?: (text: string) => void;
}

export async function measureColdStartCgroup(options: ColdStartCgroupOptions = {}): Promise<ColdStartCgroupResult> {
  const started = Date.now();
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  log('cold start at the CPU share: sls package');
  const packaged = options.packageDir === undefined ? await packageFunction() : await unpackFunction(options.packageDir);
  const sizes = [...new Set([...(options.sizes ?? MEMORY_SIZES), ...(options.onlySizes ? [] : [packaged.memorySizeMb])])].sort((a, b) => a - b);
  if (options.nodeOptions) packaged.environment.NODE_OPTIONS = `${packaged.environment.NODE_OPTIONS ?? ''} ${options.nodeOptions}`.trim();
  const base: ColdStartCgroupResult = {
    measured: false,
    deployedMemoryMb: packaged.memorySizeMb,
    zipBytes: packaged.zipBytes,
    nodeOptions: packaged.environment.NODE_OPTIONS ?? '',
    prices: LAMBDA_ARM64_PRICES,
    targetMs: COLD_ANSWER_TARGET_MS,
    assumedMissNetworkMs: ASSUMED_MISS_NETWORK_MS,
    sizes: [],
    elapsedSeconds: 0,
  };
  const probe = await createCpuQuota(cpuShareOf(packaged.memorySizeMb), 'archy-bench-probe');
  if ('unavailable' in probe) {
    await packaged.cleanup();
    return { ...base, unavailable: probe.unavailable, elapsedSeconds: (Date.now() - started) / 1000 };
  }
  await probe.remove();

  const ownRegistry = options.registry === undefined ? await startRegistry({ auth: 'token' }) : undefined;
  const registry = (options.registry ?? ownRegistry) as TestRegistry;
  const [dynamodb, secrets, kube] = await Promise.all([startDynamoDbLocal(), startSecretsManagerFake({ [SECRET_ARN]: TOKEN }), startKubeFake()]);
  // Lambda reaches DynamoDB and Secrets Manager over TLS: so does the child, through one TLS front
  // (routing by X-Amz-Target) whose certificate it trusts (NODE_EXTRA_CA_CERTS); the handshake is
  // part of what it measures.
  const front = await startTlsFront(kube.url);
  const aws = await startAwsFront(dynamodb.endpoint, secrets.url);
  const caDir = await mkdtemp(join(tmpdir(), 'archy-bench-ca-'));
  const caFile = join(caDir, 'ca.pem');
  await writeFile(caFile, aws.cert);
  kube.setNodes([{ name: 'ip-10-0-1-1', labels: { 'kubernetes.io/arch': 'amd64' } }, { name: 'ip-10-0-1-2', labels: { 'kubernetes.io/arch': 'arm64' } }]);
  try {
    const pods = await pushPods(registry);
    const seed = await seedEntries(registry, dynamodb, pods.hit);
    const tables = tableMaker(dynamodb, seed);
    const env = (table: string, extra: Record<string, string> = {}): Record<string, string> => ({
      PATH: process.env.PATH ?? '',
      ...packaged.environment,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: 'archy-bench-webhook',
      AWS_LAMBDA_LOG_STREAM_NAME: '2026/11/30/[$LATEST]bench',
      AWS_ENDPOINT_URL_DYNAMODB: aws.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.url,
      NODE_EXTRA_CA_CERTS: caFile,
      ...(options.tokenInEnvironment ? { ARCHY_WEBHOOK_TOKEN: TOKEN } : { ARCHY_WEBHOOK_TOKEN_SECRET_ARN: SECRET_ARN }),
      ARCHY_CACHE_TABLE: table,
      ARCHY_INSECURE_REGISTRIES: [registry.host, registry.tokenHost ?? ''].filter(Boolean).join(','),
      ...extra,
    });
    const event = (body: Record<string, unknown>): Record<string, unknown> => functionUrlEvent(JSON.stringify(body), `/mutate/${TOKEN}`);
    const events = [
      event(podReview(uidFor(1), pods.hit)),
      ...Array.from({ length: WARM_HITS }, (_, i) => event(podReview(uidFor(10 + i), pods.hit))),
      event(podReview(uidFor(20), pods.missFirst)),
      event(podReview(uidFor(21), pods.missWarm)),
    ];

    const results: SizeResult[] = [];
    for (const memoryMb of sizes) {
      const quota = await createCpuQuota(cpuShareOf(memoryMb), 'archy-bench-cold');
      if ('unavailable' in quota) return { ...base, unavailable: quota.unavailable, elapsedSeconds: (Date.now() - started) / 1000 };
      try {
        log(`cold start at ${memoryMb} MB (${quota.description}): ${runs} fresh processes`);
        const alone: number[] = [];
        const reports: ChildReport[] = [];
        let lastStdout = '';
        for (let i = 0; i < runs; i += 1) {
          alone.push((await runChild(quota, [], env('none'))).report.nodeStartMs);
          const child = await runChild(quota, [packaged.entry], { ...env(await tables.next()), BENCH_EVENTS: JSON.stringify(events), BENCH_WARM_GAP_MS: String(WARM_GAP_MS) });
          reports.push(child.report);
          lastStdout = child.stdout;
        }
        const hit = timing(reports, lastStdout);
        const warmHitMs = median(reports.flatMap((r) => r.admissions.slice(1, 1 + WARM_HITS).map((a) => a.ms)));
        const warmMissMs = median(reports.map((r) => r.admissions[2 + WARM_HITS]?.ms ?? Number.NaN));
        results.push({
          memoryMb,
          share: quota.share,
          quota: quota.description,
          hit,
          nodeAloneMs: median(alone),
          warmHitMs,
          warmMissMs,
          costPerMillion: {
            warmHit: costPerMillion(memoryMb, warmHitMs),
            miss: costPerMillion(memoryMb, warmMissMs + ASSUMED_MISS_NETWORK_MS),
          },
        });
        if (memoryMb === packaged.memorySizeMb) {
          log(`cold start at ${memoryMb} MB with a cluster configured: ${runs} fresh processes`);
          const clusterReports: ChildReport[] = [];
          let clusterStdout = '';
          for (let i = 0; i < runs; i += 1) {
            const child = await runChild(quota, [packaged.entry], {
              ...env(await tables.next(), { ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData }),
              BENCH_EVENTS: JSON.stringify(events.slice(0, 1)),
            });
            clusterReports.push(child.report);
            clusterStdout = child.stdout;
          }
          base.cluster = timing(clusterReports, clusterStdout);
        }
      } finally {
        await quota.remove();
      }
    }
    return { ...base, measured: true, sizes: results, elapsedSeconds: (Date.now() - started) / 1000 };
  } finally {
    await Promise.all([front.close(), aws.close(), rm(caDir, { recursive: true, force: true }), kube.close(), secrets.close(), dynamodb.stop(), ownRegistry?.stop(), packaged.cleanup()]);
  }
}

/** One HTTPS endpoint for DynamoDB Local and the Secrets Manager fake, told apart by X-Amz-Target. */
async function startAwsFront(dynamoDbUrl: string, secretsUrl: string): Promise<{ url: string; cert: string; close(): Promise<void> }> {
  const target = (url: string): { host: string; port: string } => ({ host: new URL(url).hostname, port: new URL(url).port });
  const [toDynamoDb, toSecrets] = [forwardTo(target(dynamoDbUrl)), forwardTo(target(secretsUrl))];
  const server = await startHttpsServer((req, res) => (String(req.headers['x-amz-target'] ?? '').startsWith('secretsmanager.') ? toSecrets : toDynamoDb).handle(req, res));
  return {
    url: `https://${server.host}`,
    cert: server.cert,
    close: async () => {
      toDynamoDb.close();
      toSecrets.close();
      await server.close();
    },
  };
}

/** The hit pod (seeded in the table) and two pods of tags never cached: first contact, then warm. */
async function pushPods(registry: TestRegistry): Promise<{ hit: string[]; missFirst: string[]; missWarm: string[] }> {
  const tags = ['1.0', 'miss-a', 'miss-b'];
  for (const tag of tags) {
    await registry.pushIndex('cold/multi', tag, [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], { format: 'oci', attestations: true });
    await registry.pushImage('cold/single', tag, { os: 'linux', architecture: 'amd64', format: 'docker' });
    await registry.pushIndex('cold/wide', tag, [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }], { format: 'docker' });
  }
  const pod = (tag: string): string[] => ['cold/multi', 'cold/single', 'cold/wide'].map((repository) => `${registry.host}/${repository}:${tag}`);
  return { hit: pod('1.0'), missFirst: pod('miss-a'), missWarm: pod('miss-b') };
}

/** What one admission writes to the table for the hit pod: copied into every fresh table. */
async function seedEntries(registry: TestRegistry, dynamodb: DynamoDbLocal, images: string[]): Promise<Array<[string, CacheEntry]>> {
  const table = 'archy-bench-cold-seed';
  await dynamodb.createTable(table);
  const previous = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
  try {
    const app = createApp({
      env: { ARCHY_CACHE_TABLE: table, ARCHY_MEMORY_CACHE_ENTRIES: '0', ARCHY_INSECURE_REGISTRIES: [registry.host, registry.tokenHost ?? ''].join(','), ARCHY_PREFERRED_ARCH: 'amd64' },
      logDestination: discardingDestination(),
    });
    const response = await app.handle({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json' }, body: JSON.stringify(podReview(uidFor(0), images)) });
    if (response.statusCode !== 200 || !response.body.includes('"patch"')) throw new Error(`seeding admission answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  } finally {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    else process.env.AWS_ENDPOINT_URL_DYNAMODB = previous;
  }
  const scan = await dynamodb.client.send(new ScanCommand({ TableName: table }));
  return (scan.Items ?? []).flatMap((item) => {
    const parsed = fromItem(item as Item);
    return parsed ? [[parsed.key, parsed.entry] as [string, CacheEntry]] : [];
  });
}

/** A fresh table per cold process, holding the seeded entries only: misses stay misses. */
function tableMaker(dynamodb: DynamoDbLocal, seed: Array<[string, CacheEntry]>): { next(): Promise<string> } {
  let count = 0;
  const client = createDynamoDbClient({ endpoint: dynamodb.endpoint, region: TEST_REGION, credentials: () => Promise.resolve(TEST_CREDENTIALS) });
  return {
    async next() {
      count += 1;
      const table = `archy-bench-cold-${count}`;
      await dynamodb.createTable(table);
      const deadline = new Deadline(10_000);
      try {
        await new DynamoDbCache({ table, client }).putMany(seed, deadline);
      } finally {
        deadline.dispose();
      }
      return table;
    },
  };
}

async function runChild(quota: CpuQuota, args: string[], env: Record<string, string>): Promise<{ report: ChildReport; stdout: string }> {
  const result = await quota.run(process.execPath, [CHILD, ...args], { env, timeoutMs: 60_000 });
  const line = result.stdout.split('\n').find((text) => text.startsWith('BENCH '));
  if (result.code !== 0 || !line) throw new Error(`cold-start child exited with ${result.code}:\n${result.stdout.slice(-1500)}\n${result.stderr.slice(-1500)}`);
  const report = JSON.parse(line.slice(6)) as ChildReport;
  const first = report.admissions[0];
  if (first !== undefined && (first.status !== 200 || !first.patched)) {
    const problems = result.stdout.split('\n').filter((text) => /"level":"(warn|error|fatal)"/.test(text));
    throw new Error(`a cold first admission answered ${first.status}${first.patched ? '' : ' without a patch'}:\n${problems.join('\n').slice(-3000)}`);
  }
  return { report, stdout: result.stdout };
}

function timing(reports: ChildReport[], lastStdout: string): Timing {
  const firsts = reports.map((r) => r.admissions[0]?.ms ?? Number.NaN);
  const admissionLine = lastStdout.split('\n').find((line) => line.includes('"msg":"admission"'));
  const tiers = admissionLine ? (JSON.parse(admissionLine) as { tiers?: Record<string, number> }).tiers : undefined;
  return {
    runs: reports.length,
    nodeStartMs: median(reports.map((r) => r.nodeStartMs)),
    importMs: median(reports.map((r) => r.importMs)),
    firstAdmissionMs: median(firsts),
    coldAnswerMs: median(reports.map((r) => r.importMs + (r.admissions[0]?.ms ?? Number.NaN))),
    sinceProcessStartMs: median(reports.map((r) => r.nodeStartMs + r.importMs + (r.admissions[0]?.ms ?? Number.NaN))),
    nodeStartCpuMs: median(reports.map((r) => r.nodeStartCpuMs)),
    importCpuMs: median(reports.map((r) => r.importCpuMs)),
    firstAdmissionCpuMs: median(reports.map((r) => r.admissions[0]?.cpuMs ?? Number.NaN)),
    ...(tiers ? { firstTiers: tiers } : {}),
    ...(reports.at(-1)?.admissions[0]?.warnings ? { firstWarnings: reports.at(-1)?.admissions[0]?.warnings } : {}),
  };
}

/** A Lambda Function URL event (payload 2.0) carrying `body`. */
export function functionUrlEvent(body: string, path = '/mutate'): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: 'timeout=10s',
    headers: { 'content-type': 'application/json', 'user-agent': 'kube-apiserver-admission' },
    requestContext: { http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'kube-apiserver-admission' }, requestId: 'bench', timeEpoch: Date.now() },
    body,
    isBase64Encoded: false,
  };
}

export type { PackagedFunction };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureColdStartCgroup({ log: (text) => process.stderr.write(`bench: ${text}\n`) });
  printColdStartCgroup(result);
  console.log(JSON.stringify(result, null, 2));
}
