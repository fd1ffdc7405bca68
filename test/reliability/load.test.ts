// Load: 10,000 mixed admissions through the local HTTPS server (the real Lambda handler stack) at
// concurrency 64, against the real registry. Every answer is checked: status, envelope, uid, and
// the patch applied (validated) to the pod that was sent.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { Writable } from 'node:stream';
import { createApp } from '../../lib/app.ts';
import { createLambdaHandler } from '../../lib/http/lambda.ts';
import { selfSignedCertificate } from '../../lib/local/certificate.ts';
import { startLocalServer } from '../../lib/local/server.ts';
import { applyAnswer, type ReviewAnswer } from '../support/admission.ts';
import { startRegistry, type TestRegistry } from '../support/registry/harness.ts';
import { isolateFromKubeconfig, podWith } from './support/review.ts';

const TOTAL = 10_000;
const CONCURRENCY = 64;
const TOKEN = 'reliability-load-token-0123456789';

isolateFromKubeconfig();

type Pod = Record<string, unknown>;
interface Scenario {
  name: string;
  pod: (host: string) => Pod;
  version?: 'v1' | 'v1beta1';
  /** The `archy.io/architectures` annotation after the patch; undefined: no patch expected. */
  architectures?: string;
}

const ARCH_TERM = { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] };
const SCENARIOS: Scenario[] = [
  { name: 'multi-arch', pod: (h) => podWith([`${h}/load/multi:1`]), architectures: 'amd64,arm64' },
  { name: 'multi + arm64-only', pod: (h) => podWith([`${h}/load/multi:1`, `${h}/load/arm:1`]), architectures: 'arm64' },
  { name: 'v1beta1', pod: (h) => podWith([`${h}/load/amd:1`]), version: 'v1beta1', architectures: 'amd64' },
  { name: 'missing image', pod: (h) => podWith([`${h}/load/missing:1`]), architectures: 'amd64' },
  { name: 'excluded namespace', pod: (h) => podWith([`${h}/load/multi:1`], { namespace: 'kube-system' }) },
  { name: 'already pinned', pod: (h) => podWith([`${h}/load/multi:1`], { nodeSelector: { 'kubernetes.io/arch': 'arm64' } }) },
  {
    name: 'existing affinity terms',
    pod: (h) =>
      podWith([`${h}/load/multi:1`], {
        nodeSelector: { 'disk/type': 'ssd' },
        tolerations: [{ key: 'dedicated', operator: 'Exists' }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] },
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
              ],
            },
          },
        },
      }),
    architectures: 'amd64,arm64',
  },
  { name: 'invalid reference', pod: () => podWith(['UPPER/Case::bad']), architectures: 'amd64' },
];

let registry: TestRegistry;
let server: Awaited<ReturnType<typeof startLocalServer>>;
let ca: string;
let warnLines = 0;

before(async () => {
  registry = await startRegistry();
  await registry.pushIndex('load/multi', '1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]);
  await registry.pushImage('load/arm', '1', { os: 'linux', architecture: 'arm64' });
  await registry.pushImage('load/amd', '1', { os: 'linux', architecture: 'amd64' });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      warnLines += chunk.toString().split('\n').filter(Boolean).length;
      callback();
    },
  });
  const app = createApp({
    env: { ARCHY_INSECURE_REGISTRIES: registry.host, ARCHY_WEBHOOK_TOKEN: TOKEN, ARCHY_LOG_LEVEL: 'warn', ARCHY_TIME_BUDGET_MS: '2000' },
    logDestination: sink,
  });
  const tls = await selfSignedCertificate(['localhost'], ['127.0.0.1']);
  ca = tls.cert;
  server = await startLocalServer({ handler: createLambdaHandler(app), port: 0, host: '127.0.0.1', ...tls });
});

after(async () => {
  await server?.close();
  await registry?.stop();
});

function post(agent: https.Agent, port: number, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: `/mutate/${TOKEN}`, method: 'POST', agent, ca, servername: 'localhost', headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Returns a description of what is wrong with the answer, or undefined when it is right. */
function check(scenario: Scenario, uid: string, pod: Pod, status: number, text: string): string | undefined {
  if (status !== 200) return `status ${status}: ${text.slice(0, 200)}`;
  let answer: ReviewAnswer;
  try {
    answer = JSON.parse(text) as ReviewAnswer;
  } catch {
    return `not JSON: ${text.slice(0, 200)}`;
  }
  const version = scenario.version ?? 'v1';
  if (answer.apiVersion !== `admission.k8s.io/${version}` || answer.kind !== 'AdmissionReview') return `envelope ${answer.apiVersion} ${answer.kind}`;
  if (answer.response?.uid !== uid) return `uid ${answer.response?.uid} for ${uid}`;
  if (answer.response.allowed !== true) return 'not allowed';
  if (scenario.architectures === undefined) return answer.response.patch === undefined ? undefined : 'unexpected patch';
  if (answer.response.patchType !== 'JSONPatch') return `patchType ${answer.response.patchType}`;
  let patched: { metadata: { annotations?: Record<string, string> }; spec: { nodeSelector?: Record<string, string>; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: Array<{ matchExpressions?: unknown[] }> } } } } };
  try {
    patched = applyAnswer(pod, answer) as typeof patched;
  } catch (error) {
    return `patch does not apply: ${(error as Error).message}`;
  }
  if (patched.metadata.annotations?.['archy.io/architectures'] !== scenario.architectures) return `architectures ${patched.metadata.annotations?.['archy.io/architectures']}`;
  if (!scenario.architectures.includes(',')) return patched.spec.nodeSelector?.['kubernetes.io/arch'] === scenario.architectures ? undefined : 'nodeSelector missing';
  const terms = patched.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  if (terms.length === 0) return 'no required terms';
  for (const term of terms) {
    if (!(term.matchExpressions ?? []).some((e) => JSON.stringify(e) === JSON.stringify(ARCH_TERM))) return `term without the arch constraint: ${JSON.stringify(term)}`;
  }
  return undefined;
}

test(`${TOTAL} mixed admissions at concurrency ${CONCURRENCY}: no errors, no malformed answers, every patch valid`, { timeout: 60_000 }, async () => {
  const port = Number(new URL(server.url).port);
  const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const problems: string[] = [];
  const perScenario = new Map<string, number>();
  let next = 0;
  const started = performance.now();

  const worker = async (): Promise<void> => {
    while (next < TOTAL) {
      const index = next++;
      const scenario = SCENARIOS[index % SCENARIOS.length] as Scenario;
      const uid = `load-${index}`;
      const pod = scenario.pod(registry.host);
      const namespace = (pod.metadata as { namespace: string }).namespace;
      const body = JSON.stringify({
        apiVersion: `admission.k8s.io/${scenario.version ?? 'v1'}`,
        kind: 'AdmissionReview',
        request: { uid, operation: 'CREATE', namespace, kind: { group: '', version: 'v1', kind: 'Pod' }, object: pod },
      });
      try {
        const response = await post(agent, port, body);
        const problem = check(scenario, uid, pod, response.status, response.body);
        if (problem) problems.push(`${scenario.name} #${index}: ${problem}`);
      } catch (error) {
        problems.push(`${scenario.name} #${index}: request failed: ${(error as Error).message}`);
      }
      perScenario.set(scenario.name, (perScenario.get(scenario.name) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();

  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} bad answers`);
  assert.equal([...perScenario.values()].reduce((a, b) => a + b, 0), TOTAL);
  assert.equal(warnLines, 0, 'no warning or error was logged');
  // Registry traffic stays bounded: the memory cache answers after the first lookups.
  assert.ok(registry.requests.length < 50, `${registry.requests.length} registry requests`);
  console.log(`# load: ${TOTAL} admissions in ${seconds.toFixed(2)} s (${Math.round(TOTAL / seconds)} req/s), ${registry.requests.length} registry requests`);
});
