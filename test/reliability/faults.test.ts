// The fault matrix: every way a dependency can fail still answers `allowed: true`, inside the time
// budget, with a warning (or, for the cache, a log line) that names the cause. Admissions go
// through createApp().handle(), the code Lambda runs. Every server here is on 127.0.0.1.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { createApp, type App } from '../../lib/app.ts';
import { NodeTransport, type ResolveHost } from '../../lib/registry/transport.ts';
import { applyAnswer, type ReviewAnswer } from '../support/admission.ts';
import { startKubeFake, type KubeFake } from '../support/kube-fake.ts';
import { admit, isolateFromKubeconfig, LogCapture, podWith, type Admitted } from './support/review.ts';
import {
  answerIndex,
  closedPort,
  startHttpServer,
  startHttpsServer,
  startSilentListener,
  startTlsFront,
  type LoopbackServer,
} from './support/servers.ts';

const BUDGET_MS = 400;
// Room for the work around the budget (parsing, the answer); a hang or a wait for the budget is far
// larger. Measured with reference timers started with the admission (test/support/timing.ts), not
// the wall clock: a stalled machine delays them as much as the budget's own timer.
const MARGIN_MS = 300;
const RETRY_BUDGET_MS = 1000;
const LIMITS_MS = [BUDGET_MS + MARGIN_MS, (BUDGET_MS * 3) / 4, RETRY_BUDGET_MS + MARGIN_MS];

isolateFromKubeconfig();

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(start: () => Promise<LoopbackServer>): Promise<LoopbackServer> {
  const started = await start();
  cleanups.push(() => started.close());
  return started;
}

function appFor(env: Record<string, string>, options: { transport?: NodeTransport; logs?: LogCapture } = {}): App {
  return createApp({
    env: { ARCHY_TIME_BUDGET_MS: String(BUDGET_MS), ARCHY_LOG_LEVEL: 'info', ...env },
    logDestination: options.logs ?? new LogCapture(),
    registryTransport: options.transport,
  });
}

function warnings(answer: ReviewAnswer): string[] {
  return answer.response.warnings ?? [];
}

/** The shared assertions: answered, allowed, inside the budget, and a warning matching `cause`. */
function assertFailedOpen(result: Admitted, cause: RegExp, budgetMs = BUDGET_MS): void {
  assert.equal(result.status, 200);
  assert.equal(result.answer.response.allowed, true);
  assert.ok(result.within(budgetMs + MARGIN_MS), `answered after ${Math.round(result.elapsedMs)} ms (budget ${budgetMs} ms)`);
  assert.ok(warnings(result.answer).some((w) => cause.test(w)), `no warning matches ${cause}: ${JSON.stringify(warnings(result.answer))}`);
}

/** With the only image unchecked, the pod goes to the default architecture, and says so. */
function assertDefaultPlacement(result: Admitted, pod: Record<string, unknown>): void {
  const patched = applyAnswer(pod, result.answer) as { spec: { nodeSelector?: Record<string, string> } };
  assert.equal(patched.spec.nodeSelector?.['kubernetes.io/arch'], 'amd64');
  assert.ok(warnings(result.answer).some((w) => /no image of this pod could be checked.*default architecture amd64/.test(w)));
}

function assertPlacedOnIndex(result: Admitted, pod: Record<string, unknown>): void {
  const patched = applyAnswer(pod, result.answer) as { metadata: { annotations?: Record<string, string> } };
  assert.equal(patched.metadata.annotations?.['archy.io/architectures'], 'amd64,arm64');
}

async function registryAdmission(host: string, env: Record<string, string> = {}): Promise<{ result: Admitted; pod: Record<string, unknown> }> {
  const pod = podWith([`${host}/team/app:1`]);
  const app = appFor({ ARCHY_INSECURE_REGISTRIES: host, ...env });
  return { result: await admit(app, pod, { limitsMs: LIMITS_MS }), pod };
}

describe('registry faults', () => {
  test('registry down (connection refused): default placement, warning names the refusal', async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const { result, pod } = await registryAdmission(host);
    assertFailedOpen(result, new RegExp(`image ${host}/team/app:1 .*could not reach ${host} \\(ECONNREFUSED\\)`));
    assertDefaultPlacement(result, pod);
  });

  test('registry accepts the connection and never answers: answered at the budget', async () => {
    const silent = await server(startSilentListener);
    const { result, pod } = await registryAdmission(silent.host);
    assertFailedOpen(result, /did not answer within the time budget|timed out after 400 ms/);
    assert.ok(result.elapsedMs >= BUDGET_MS - 20, 'waited for the budget, not less');
    assert.ok(silent.connections >= 1, 'the registry was really contacted');
    assertDefaultPlacement(result, pod);
  });

  test('registry slower than the budget: answered at the budget', async () => {
    const slow = await server(() => startHttpServer((_req, res) => setTimeout(() => answerIndex(res), 2000).unref()));
    const { result } = await registryAdmission(slow.host);
    assertFailedOpen(result, /did not answer within the time budget|timed out after 400 ms/);
  });

  test('429 with a Retry-After past the budget: not waited for, warning names the rate limit', async () => {
    const limited = await server(() =>
      startHttpServer((_req, res) => {
        res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'pull rate limit reached' }] }));
      }),
    );
    const { result } = await registryAdmission(limited.host);
    assertFailedOpen(result, /answered 429: too many requests/);
    assert.equal(limited.hits, 1, 'a wait past the budget is not taken');
    assert.ok(result.within((BUDGET_MS * 3) / 4), `gave up at once, not after ${Math.round(result.elapsedMs)} ms`);
  });

  test('429 with Retry-After: 0 is retried and the pod is placed', async () => {
    const limited = await server(() =>
      startHttpServer((_req, res, attempt) => {
        if (attempt > 1) return answerIndex(res);
        res.writeHead(429, { 'retry-after': '0' });
        res.end();
      }),
    );
    const { result, pod } = await registryAdmission(limited.host);
    assert.equal(result.answer.response.allowed, true);
    assert.equal(limited.hits, 2);
    assertPlacedOnIndex(result, pod);
    assert.deepEqual(warnings(result.answer), []);
  });

  test('5xx then success: retried, and the mutation happens', async () => {
    const flaky = await server(() =>
      startHttpServer((_req, res, attempt) => {
        if (attempt > 2) return answerIndex(res);
        res.writeHead(503);
        res.end();
      }),
    );
    // Two backoffs of up to 100 and 200 ms (full jitter) fit a 1 s budget whatever the dice say.
    const { result, pod } = await registryAdmission(flaky.host, { ARCHY_TIME_BUDGET_MS: String(RETRY_BUDGET_MS) });
    assert.equal(result.answer.response.allowed, true);
    assert.equal(flaky.hits, 3);
    assert.ok(result.within(RETRY_BUDGET_MS + MARGIN_MS));
    assertPlacedOnIndex(result, pod);
    assert.deepEqual(warnings(result.answer), []);
  });

  test('5xx forever: retried inside the budget, then the registry\'s own message in the warning', async () => {
    const broken = await server(() =>
      startHttpServer((_req, res) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: 'storage backend down' }] }));
      }),
    );
    const { result, pod } = await registryAdmission(broken.host);
    assertFailedOpen(result, /answered 500: unknown error/);
    assert.ok(broken.hits >= 2, `retried (${broken.hits} requests)`);
    assertDefaultPlacement(result, pod);
  });

  test('garbage manifest: a typed failure in the warning, not a crash', async () => {
    const garbage = await server(() =>
      startHttpServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
        res.end('{"manifests": [ {"platform": "this is not json');
      }),
    );
    const { result, pod } = await registryAdmission(garbage.host);
    assertFailedOpen(result, new RegExp(`registry ${garbage.host}: .*JSON`, 'i'));
    assertDefaultPlacement(result, pod);
  });

  test('manifest over the size cap: the client stops reading and drops the connection', async () => {
    const total = 256 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const streamed = { bytes: 0, closedEarly: false };
    let connectionClosed = (): void => undefined;
    const closed = new Promise<void>((resolve) => {
      connectionClosed = resolve;
    });
    const huge = await server(() =>
      startHttpServer((_req, res: ServerResponse) => {
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
        res.write('{"schemaVersion":2,"manifests":[],"pad":"');
        res.on('close', () => {
          if (streamed.bytes < total) streamed.closedEarly = true;
          connectionClosed();
        });
        const pump = (): void => {
          while (streamed.bytes < total && !res.destroyed) {
            streamed.bytes += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        pump();
      }),
    );
    const { result, pod } = await registryAdmission(huge.host);
    assertFailedOpen(result, /larger than the 4194304-byte limit/);
    await closed;
    assert.ok(streamed.closedEarly, 'the client closed the connection before the body ended');
    // 4 MiB read, plus what the loopback socket buffers held: far from the 256 MiB offered.
    assert.ok(streamed.bytes < 32 * 1024 * 1024, `the server wrote ${streamed.bytes} bytes`);
    assertDefaultPlacement(result, pod);
  });

  test('TLS error: a private HTTPS registry with an untrusted certificate', async () => {
    const tls = await server(() => startHttpsServer((_req, res) => answerIndex(res)));
    const pod = podWith([`${tls.host}/team/app:1`]);
    // Allowed on loopback over HTTPS (private), not plain HTTP (insecure): the guard lets it through and TLS fails.
    const app = appFor({ ARCHY_PRIVATE_REGISTRIES: tls.host });
    const result = await admit(app, pod, { limitsMs: LIMITS_MS });
    assertFailedOpen(result, new RegExp(`TLS with ${tls.host} failed \\((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE)\\)`));
    assert.ok(tls.connections >= 1, 'the address guard let the connection through');
    assert.equal(tls.hits, 0, 'no request was sent over the untrusted connection');
    assertDefaultPlacement(result, pod);
  });

  test('DNS failure (injected lookup, no real query): warning names ENOTFOUND', async () => {
    const asked: string[] = [];
    const lookup: ResolveHost = async (hostname) => {
      asked.push(hostname);
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
    };
    const transport = new NodeTransport({ insecureRegistries: [], privateRegistries: [], lookup });
    cleanups.push(async () => transport.close());
    const pod = podWith(['registry.archy-test.invalid/team/app:1']);
    const result = await admit(appFor({}, { transport }), pod, { limitsMs: LIMITS_MS });
    assertFailedOpen(result, /could not reach registry\.archy-test\.invalid \(ENOTFOUND\)/);
    assert.ok(asked.length >= 1 && asked.every((name) => name === 'registry.archy-test.invalid'));
    assertDefaultPlacement(result, pod);
  });
});

describe('cache and Kubernetes faults', () => {
  let registry: LoopbackServer;
  before(async () => {
    registry = await server(() => startHttpServer((_req, res) => answerIndex(res)));
    // The Kubernetes client is imported on first use; a cold import is not what these cases measure.
    await import('@kubernetes/client-node');
  });

  test('DynamoDB down: the registry still answers, the pod is placed, the log names the cache', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${await closedPort()}`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const logs = new LogCapture();
      const pod = podWith([`${registry.host}/team/app:1`]);
      const app = appFor({ ARCHY_INSECURE_REGISTRIES: registry.host, ARCHY_CACHE_TABLE: 'archy-reliability' }, { logs });
      const result = await admit(app, pod, { limitsMs: LIMITS_MS });
      assert.equal(result.answer.response.allowed, true);
      assert.ok(result.within(BUDGET_MS + MARGIN_MS), `answered after ${Math.round(result.elapsedMs)} ms`);
      assertPlacedOnIndex(result, pod);
      const cacheWarning = logs.entries().find((entry) => entry.level === 'warn' && /DynamoDB cache unavailable/.test(String(entry.msg)));
      assert.ok(cacheWarning, `no cache warning in:\n${logs.text}`);
      assert.equal(cacheWarning.kind, 'network');
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  test('Kubernetes API down: pull secrets unreadable, warned, the pod is placed anonymously', async () => {
    const pod = podWith([`${registry.host}/team/app:1`], { imagePullSecrets: ['regcred'] });
    const app = appFor({ ARCHY_INSECURE_REGISTRIES: registry.host, ARCHY_KUBE_API_URL: `https://127.0.0.1:${await closedPort()}` });
    const result = await admit(app, pod, { limitsMs: LIMITS_MS });
    assertFailedOpen(result, /pull secret default\/regcred could not be used \(.*\); resolving anonymously/);
    assertPlacedOnIndex(result, pod);
  });

  test('Kubernetes API answers 403: the warning says Archy may not read the secret', async () => {
    const kube: KubeFake = await startKubeFake();
    cleanups.push(() => kube.close());
    const front = await startTlsFront(kube.url);
    cleanups.push(() => front.close());
    kube.forbid('default', 'regcred');
    kube.failNodes(403);
    const pod = podWith([`${registry.host}/team/app:1`], { imagePullSecrets: ['regcred'] });
    const app = appFor({ ARCHY_INSECURE_REGISTRIES: registry.host, ARCHY_KUBE_API_URL: front.url, ARCHY_KUBE_CA_DATA: front.caData });
    const result = await admit(app, pod, { limitsMs: LIMITS_MS });
    assertFailedOpen(result, /pull secret default\/regcred is not readable by Archy \(forbidden\); resolving anonymously/);
    assert.ok(kube.requests.some((r) => r.path === '/api/v1/namespaces/default/secrets/regcred'), 'the secret was asked for');
    assertPlacedOnIndex(result, pod);
  });
});
