// `npm run bench`: throughput and latency per cache tier against the JSON floor, requests per
// image and per admission, cold start and bundle size, peak memory, end to end under load, and what
// hostile registries make an admission cost (bench/adversarial.ts). Prints a table and writes
// docs/BENCHMARKS.md. Loopback only; about three minutes.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startRegistry } from '../test/support/registry/harness.ts';
import { startDynamoDbLocal, TEST_CREDENTIALS, TEST_REGION } from '../test/support/dynamodb.ts';
import { measureAdversarial } from './adversarial.ts';
import { bundleHandler, measureColdStart } from './cold-start.ts';
import { measureEndToEnd } from './e2e.ts';
import { dynamoDbHit, memoryAndFloor, registryMiss } from './in-process.ts';
import { measureMemory } from './memory.ts';
import { dynamoDbRequestCounts, registryRequestCounts } from './requests.ts';
import { printTable, renderMarkdown, type Results } from './report.ts';
import { podReview, uidFor } from './support/fixtures.ts';
import { describeMachine } from './support/machine.ts';
import { freeLoopbackPort } from '../test/support/ports.ts';
import { measureIssue15, printIssue15, writeIssue15 } from './issue15.ts';

const DOC = fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url));
const TABLE = 'archy-bench-platform-cache';

function step(text: string): void {
  process.stderr.write(`bench: ${text}\n`);
}

// The SDK reads these from the environment; DynamoDB Local accepts any credentials.
process.env.AWS_REGION = TEST_REGION;
process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;

const started = Date.now();
const machine = describeMachine();
step('starting the registry (token auth) and pushing images');
const registry = await startRegistry({ auth: 'token' });
const results: Partial<Results> = { machine };
try {
  await registry.pushIndex('bench/multi', '1.0', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], { format: 'oci', attestations: true });
  await registry.pushImage('bench/single', '1.0', { os: 'linux', architecture: 'amd64', format: 'docker' });
  await registry.pushIndex('bench/wide', '2.1', [
    { os: 'linux', architecture: 'amd64' },
    { os: 'linux', architecture: 'arm64', variant: 'v8' },
    { os: 'linux', architecture: 'arm', variant: 'v7' },
  ], { format: 'docker' });
  const pod = [
    { image: `${registry.host}/bench/multi:1.0`, repository: 'bench/multi', kind: 'multi-arch' as const },
    { image: `${registry.host}/bench/single:1.0`, repository: 'bench/single', kind: 'single-arch' as const },
    { image: `${registry.host}/bench/wide:2.1`, repository: 'bench/wide', kind: 'multi-arch' as const },
  ];
  const images = pod.map((entry) => entry.image);

  step('registry requests per image');
  results.registryCounts = await registryRequestCounts(registry, pod);

  step('in-process: memory hit vs the JSON floor');
  const memory = await memoryAndFloor(registry, images);
  results.floor = memory.floor;
  results.memory = memory.memory;
  results.observed = { memory: memory.tiers };

  step('in-process: registry miss');
  const miss = await registryMiss(registry, images, 1000);
  results.registry = miss.summary;
  results.observed.registry = miss.tiers;

  step('starting DynamoDB Local');
  const dynamodb = await startDynamoDbLocal();
  try {
    await dynamodb.createTable(TABLE);
    step('in-process: DynamoDB hit');
    const hit = await dynamoDbHit(registry, dynamodb, TABLE, images, 2000);
    results.dynamodb = hit.summary;
    results.observed.dynamodb = hit.tiers;
    step('DynamoDB requests per admission');
    results.dynamoDbCounts = await dynamoDbRequestCounts(registry, dynamodb, TABLE, images, 200);
  } finally {
    delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    await dynamodb.stop();
  }

  step('bundling the handler as serverless.yml does');
  const bundle = await bundleHandler();
  try {
    results.bundle = { eagerBytes: bundle.eagerBytes, totalBytes: bundle.totalBytes, kubeChunkBytes: bundle.kubeChunkBytes, splitting: bundle.splitting };
    step('cold start: 10 fresh processes per measure');
    const event = (body: string): string => JSON.stringify(functionUrlEvent(body));
    results.coldStart = await measureColdStart(
      bundle,
      { ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}`, ARCHY_PREFERRED_ARCH: 'amd64', ARCHY_KUBE_API_URL: `https://127.0.0.1:${await freeLoopbackPort()}` },
      {
        plain: event(JSON.stringify(podReview(uidFor(1), images))),
        pullSecrets: event(JSON.stringify(podReview(uidFor(2), images, { imagePullSecrets: [{ name: 'regcred' }] }))),
      },
    );
  } finally {
    await bundle.cleanup();
  }

  step('memory: 10,000 admissions over 1,000 distinct images (Node defaults, then --max-semi-space-size=4)');
  results.memoryUse = await measureMemory();
  results.memoryUseSmallYoung = await measureMemory(10_000, 1_000, ['--max-semi-space-size=4']);

  step('end to end: local HTTPS server under autocannon for 10 s');
  results.endToEnd = await measureEndToEnd({ ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}`, ARCHY_PREFERRED_ARCH: 'amd64' }, JSON.stringify(podReview(uidFor(3), images)));
} finally {
  await registry.stop();
}

step('adversarial registries (issue 10): each case in a webhook process of its own');
results.adversarial = await measureAdversarial();

results.elapsedSeconds = (Date.now() - started) / 1000;
const complete = results as Results;
printTable(complete);
await writeFile(DOC, renderMarkdown(complete, await readFile(DOC, 'utf8').catch(() => undefined)));
step(`wrote ${DOC} (${complete.elapsedSeconds.toFixed(0)} s)`);

step('issue 15: a cold instance at the CPU share, first contact with token registries, the local HTTPS server');
const issue15 = await measureIssue15(step);
printIssue15(issue15);
await writeIssue15(issue15);
step(`wrote the issue 15 section of ${DOC} (${issue15.elapsedSeconds.toFixed(0)} s)`);


/** A Lambda Function URL event (payload 2.0) carrying `body`. */
function functionUrlEvent(body: string): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/mutate',
    rawQueryString: 'timeout=10s',
    headers: { 'content-type': 'application/json', 'user-agent': 'kube-apiserver-admission' },
    requestContext: { http: { method: 'POST', path: '/mutate', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'kube-apiserver-admission' }, requestId: 'bench', timeEpoch: Date.now() },
    body,
    isBase64Encoded: false,
  };
}
