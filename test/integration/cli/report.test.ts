// `archy report` over a cluster: the Kubernetes API fake serving workload lists and pull secrets,
// and the real CNCF registry on loopback (one open, one behind htpasswd) answering for the images.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportDocument, WorkloadReport } from '../../../lib/cli/report/document.ts';
import { runArchy } from '../../support/archy-cli.ts';
import { basicAuth } from '../../support/kube-fake.ts';
import { startWorkloadApi, type FakeObject, type WorkloadApiFake } from '../../support/kube-workload-lists.ts';
import { writeKubeconfig } from '../../support/kubeconfig.ts';
import { freeLoopbackPort } from '../../support/ports.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';
import { assertReportSchema } from './report-schema.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

let open: TestRegistry;
let locked: TestRegistry;
let api: WorkloadApiFake;
let dir: string;
let env: Record<string, string>;
let image: (name: string) => string;
let report: ReportDocument;

function container(name: string, ref: string, cpu?: string, memory?: string): Record<string, unknown> {
  return { name, image: ref, ...(cpu || memory ? { resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } } : {}) };
}

function deployment(namespace: string, name: string, replicas: number, spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): FakeObject {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, ...metadata }, spec: { replicas, template: { spec } } };
}

before(async () => {
  [open, locked, api] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic', users: { puller: 'pull-pw' } }), startWorkloadApi()]);
  image = (name) => `${open.host}/${name}`;
  await Promise.all([
    open.pushIndex('shop/web', '1', [AMD64, ARM64]),
    open.pushImage('shop/legacy', '2', AMD64),
    open.pushIndex('ops/agent', '3', [AMD64, ARM64, { os: 'linux', architecture: 'arm', variant: 'v7' }]),
    open.pushImage('data/init', '1', AMD64),
    locked.pushIndex('team/private', '1', [AMD64, ARM64]),
    locked.pushIndex('team/other', '1', [AMD64, ARM64]),
  ]);
  api.kube.setPullSecret('private', 'regcred', { [`http://${locked.host}`]: { auth: basicAuth('puller', 'pull-pw') } });
  api.kube.setServiceAccount('private', 'deployer', ['regcred']);
  const privateImage = `${locked.host}/team/private:1`;
  const objects: FakeObject[] = [
    deployment('shop', 'web', 3, { containers: [container('web', image('shop/web:1'), '250m', '256Mi')] }),
    deployment('shop', 'checkout', 2, { containers: [container('app', image('shop/web:1'), '500m', '512Mi'), container('old', image('shop/legacy:2'), '250m')] }),
    deployment('ops', 'idle', 0, { containers: [container('web', image('shop/web:1'), '1')] }),
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'data' }, spec: { template: { spec: {
      initContainers: [container('prepare', image('data/init:1'), '2', '64Mi')],
      containers: [container('db', image('shop/web:1'), '1', '2Gi')],
    } } } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'ops' }, spec: { template: { spec: { containers: [container('agent', image('ops/agent:3'), '100m', '128Mi')] } } }, status: { desiredNumberScheduled: 4 } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report', namespace: 'ops' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [container('r', image('ops/missing:1'), '500m')] } } } } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'ops' }, spec: { containers: [container('d', 'Ops/Debug:latest')] } },
    // Controlled by the Deployment web and the CronJob report: counted through them, not again.
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-6d4b', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'x', controller: true }] }, spec: { replicas: 3, template: { spec: { containers: [container('web', image('shop/web:1'), '250m')] } } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-6d4b-abcde', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-6d4b', uid: 'y', controller: true }] }, spec: { containers: [container('web', image('shop/web:1'), '250m')] } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'report-2891', namespace: 'ops', ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'report', uid: 'z', controller: true }] }, spec: { template: { spec: { containers: [container('r', image('ops/missing:1'))] } } } },
    // Private images: the workload's own pull secret, its service account's, and neither.
    deployment('private', 'with-secret', 1, { imagePullSecrets: [{ name: 'regcred' }], containers: [container('app', privateImage, '1')] }),
    deployment('private', 'with-account', 1, { serviceAccountName: 'deployer', containers: [container('app', `${locked.host}/team/other:1`, '1')] }),
    deployment('private', 'anonymous', 1, { containers: [container('app', `${locked.host}/team/other:1`, '1')] }),
    // The same image as with-secret: looked up once, with the credentials most likely to work.
    deployment('private', 'same-image', 1, { containers: [container('app', privateImage, '500m')] }),
  ];
  for (const object of objects) api.addObject(object);
  dir = await mkdtemp(join(tmpdir(), 'archy-report-'));
  const kubeconfig = await writeKubeconfig(dir, { test: api.url, unreachable: `http://127.0.0.1:${await freeLoopbackPort()}` });
  env = { KUBECONFIG: kubeconfig, HOME: dir, ARCHY_INSECURE_REGISTRIES: `${open.host},${locked.host}` };

  open.clearRequests();
  const run = await runArchy(['report', '-o', 'json'], { env });
  assert.equal(run.code, 0, run.stderr);
  report = JSON.parse(run.stdout) as ReportDocument;
});
after(async () => {
  await Promise.all([open?.stop(), locked?.stop(), api?.close()]);
  await rm(dir, { recursive: true, force: true });
});

function workload(kind: string, namespace: string, name: string): WorkloadReport {
  const found = report.workloads.find((w) => w.kind === kind && w.namespace === namespace && w.name === name);
  assert.ok(found, `${kind} ${namespace}/${name} in the report`);
  return found;
}

describe('archy report -o json over a cluster', () => {
  test('the document has the documented shape', () => {
    assertReportSchema(report);
    assert.deepEqual(report.input, { kind: 'cluster', context: 'test', server: api.url, namespaces: 'all' });
  });

  test('every workload once, read from its template; what a counted workload controls is not counted again', () => {
    assert.deepEqual(report.workloads.map((w) => `${w.kind} ${w.namespace}/${w.name}`), [
      'StatefulSet data/db',
      'CronJob ops/report', 'DaemonSet ops/agent', 'Deployment ops/idle', 'Pod ops/debug',
      'Deployment private/anonymous', 'Deployment private/same-image', 'Deployment private/with-account', 'Deployment private/with-secret',
      'Deployment shop/checkout', 'Deployment shop/web',
    ]);
  });

  test('an arm64-ready workload: architectures, replicas, requests × replicas', () => {
    assert.deepEqual(workload('Deployment', 'shop', 'web'), {
      kind: 'Deployment', namespace: 'shop', name: 'web', source: 'cluster', replicas: 3, cpu: 0.75, memory: 3 * 256 * 2 ** 20,
      cpuPerReplica: 0.25, memoryPerReplica: 256 * 2 ** 20, images: [image('shop/web:1')], architectures: ['amd64', 'arm64'],
      arm64: true, blockingImages: [], unresolvedImages: [],
    });
    const agent = workload('DaemonSet', 'ops', 'agent');
    assert.deepEqual([agent.replicas, agent.cpu, agent.architectures, agent.arm64], [4, 0.4, ['amd64', 'arm', 'arm64'], true]);
  });

  test('a multi-container workload with one amd64-only image is blocked by that image alone', () => {
    const checkout = workload('Deployment', 'shop', 'checkout');
    assert.deepEqual([checkout.arm64, checkout.architectures, checkout.blockingImages, checkout.cpu], [false, ['amd64'], [image('shop/legacy:2')], 1.5]);
  });

  test('an init container counts: its image can block, and the larger of init and containers is requested', () => {
    const db = workload('StatefulSet', 'data', 'db');
    assert.deepEqual([db.arm64, db.blockingImages, db.cpuPerReplica, db.memoryPerReplica], [false, [image('data/init:1')], 2, 2 * 2 ** 30]);
  });

  test('unresolvable images make a workload unknown, with the reason in images[]', () => {
    const cron = workload('CronJob', 'ops', 'report');
    assert.deepEqual([cron.arm64, cron.unresolvedImages, cron.architectures], [null, [image('ops/missing:1')], []]);
    assert.match(report.images.find((entry) => entry.image === image('ops/missing:1'))?.error ?? '', /404/);
    assert.match(report.images.find((entry) => entry.image === 'Ops/Debug:latest')?.error ?? '', /must be lowercase/);
    assert.equal(workload('Pod', 'ops', 'debug').arm64, null);
  });

  test('a scaled-to-zero workload still counts, with no vCPU', () => {
    const idle = workload('Deployment', 'ops', 'idle');
    assert.deepEqual([idle.replicas, idle.cpu, idle.arm64], [0, 0, true]);
  });

  test('private images: the workload\'s pull secret and its service account\'s are read through the API', () => {
    assert.equal(workload('Deployment', 'private', 'with-secret').arm64, true);
    assert.equal(workload('Deployment', 'private', 'with-account').arm64, true);
    const paths = api.kube.requests.map((request) => request.path);
    assert.ok(paths.includes('/api/v1/namespaces/private/secrets/regcred'), paths.join(' '));
    assert.ok(paths.includes('/api/v1/namespaces/private/serviceaccounts/deployer'), paths.join(' '));
    assert.equal(paths.filter((path) => path === '/api/v1/namespaces/private/secrets/regcred').length, 1, 'read once for the run');
    assert.ok(locked.requests.some((request) => request.identity === 'puller' && request.status === 200));
  });

  test('an image is one lookup whoever uses it: a workload without credentials learns what one with them found', () => {
    assert.equal(workload('Deployment', 'private', 'same-image').arm64, true);
    // team/other is looked up with with-account's service account: anonymous, refused, then its secret.
    assert.equal(workload('Deployment', 'private', 'anonymous').arm64, true);
    const otherGets = locked.requests.filter((request) => request.path === '/v2/team/other/manifests/1');
    assert.deepEqual(otherGets.map((request) => [request.authorization, request.status]), [['none', 401], ['basic', 200]]);
  });

  test('the summary adds up', () => {
    const s = report.summary;
    assert.deepEqual([s.workloads, s.arm64Ready, s.blocked, s.unknown], [11, 7, 2, 2]);
    // Ready: web 0.75 + agent 0.4 + idle 0 + four private ones 3.5 = 4.65; blocked: db 2 + checkout 1.5; unknown: report 0.5.
    assert.deepEqual([s.cpu, s.readyCpu, s.blockedCpu, s.unknownCpu], [8.65, 4.65, 3.5, 0.5]);
    assert.equal(s.readyShare, 0.6364);
    assert.equal(s.readyCpuShare, 0.5376);
    assert.deepEqual([s.images, s.resolvedImages, s.unresolvedImages, s.imagesWithoutArm64], [8, 6, 2, 2]);
    assert.deepEqual([s.imagesFromRegistry, s.imagesFromCache], [6, 0]);
    assert.equal(s.estimate.monthlySaving, Math.round(4.65 * 0.048 * 730 * 0.2 * 100) / 100);
    assert.deepEqual(report.blockingImages.map((b) => [b.image, b.cpu, b.unlocksCpu]), [[image('data/init:1'), 2, 2], [image('shop/legacy:2'), 1.5, 1.5]]);
  });

  test('each distinct image costs the registry one lookup, however many workloads use it', () => {
    const manifestGets = open.requests.filter((request) => request.method === 'GET' && request.path.includes('/manifests/'));
    assert.equal(manifestGets.filter((request) => request.path === '/v2/shop/web/manifests/1').length, 1);
    assert.equal(manifestGets.length, 5, manifestGets.map((request) => request.path).join(' '));
  });
});

describe('archy report, other outputs and inputs', () => {
  test('the table: one row per workload, then the summary', async () => {
    const run = await runArchy(['report', '-n', 'shop'], { env });
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split('\n');
    assert.match(lines[0] ?? '', /^WORKLOAD\s+REPLICAS\s+CPU\s+MEMORY\s+ARCHITECTURES\s+ARM64\s+IMAGES LACKING ARM64$/);
    assert.match(run.stdout, new RegExp(`^Deployment shop/checkout\\s+2\\s+1\\.5\\s+1Gi\\s+amd64\\s+no\\s+${image('shop/legacy:2').replace(/[.]/g, '\\.')}$`, 'm'));
    assert.match(run.stdout, /^Workloads: 2, 1 ready for arm64 \(50%\), 1 blocked, 0 unknown$/m);
    assert.ok(api.listRequests.slice(-7).every((request) => request.path.includes('/namespaces/shop/')));
  });

  test('--output html --out FILE writes one page', async () => {
    const run = await runArchy(['report', '-o', 'html', '--out', join(dir, 'report.html')], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /wrote .*report\.html/);
    const page = run.files.get(join(dir, 'report.html')) ?? '';
    assert.match(page, /id="ready-share" data-value="0.6364">63.6%</);
    assert.match(page, /id="ready-cpu" data-value="4.65">4.65</);
  });

  test('no cluster access is bad input: exit 2 and a message saying what to do', async () => {
    const unreachable = await runArchy(['report', '--context', 'unreachable'], { env });
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /^archy report: no cluster access: cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+ \(context unreachable\)/);
    const none = await runArchy(['report'], { env: { HOME: dir, KUBECONFIG: join(dir, 'none') } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no cluster access: no kubeconfig/);
    const context = await runArchy(['report', '--context', 'prod'], { env });
    assert.match(context.stderr, /no context "prod" in the kubeconfig \(it has test, unreachable\)/);
  });

  test('invalid ARCHY_* configuration is bad input, as for the webhook', async () => {
    const run = await runArchy(['report'], { env: { ...env, ARCHY_INSECURE_REGISTRIES: 'not a host' } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /ARCHY_INSECURE_REGISTRIES: expected comma-separated host\[:port\] entries/);
  });

  test('a list the caller may not read: exit 2 naming it and the permissions needed', async () => {
    const forbidden = await startWorkloadApi();
    forbidden.forbidList('daemonsets');
    try {
      const kubeconfig = await writeKubeconfig(await mkdtemp(join(dir, 'forbidden-')), { locked: forbidden.url });
      const run = await runArchy(['report'], { env: { ...env, KUBECONFIG: kubeconfig } });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /no cluster access: cannot list daemonsets in all namespaces: Forbidden \(HTTP 403\) at .*; the report needs list on deployments, statefulsets, daemonsets, replicasets, jobs, cronjobs, pods/);
    } finally {
      await forbidden.close();
    }
  });
});
