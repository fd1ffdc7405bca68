// `archy check` and `archy report -f` on manifests, against the real registry on loopback: helm
// template output piped in, directories, kubectl JSON; exit statuses 0, 1 and 2.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runArchy, spawnArchy } from '../../support/archy-cli.ts';
import { startRegistry, type TestRegistry } from '../../support/registry/harness.ts';
import { assertReportSchema } from './report-schema.ts';

const AMD64 = { os: 'linux', architecture: 'amd64' };
const ARM64 = { os: 'linux', architecture: 'arm64' };

let registry: TestRegistry;
let dir: string;
let env: Record<string, string>;
let helmOutput: string;
let image: (name: string) => string;

function deploymentYaml(name: string, images: string[], kind = 'Deployment'): string {
  const containers = images.map((ref, index) => `        - name: c${index}\n          image: ${ref}\n          resources: {requests: {cpu: 100m}}`).join('\n');
  if (kind === 'CronJob') {
    return `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: ${name}\nspec:\n  schedule: "@hourly"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n${containers.replace(/^ {8}/gm, '            ')}\n`;
  }
  return `apiVersion: apps/v1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n  template:\n    spec:\n      containers:\n${containers}\n`;
}

before(async () => {
  registry = await startRegistry();
  image = (name) => `${registry.host}/${name}`;
  await Promise.all([
    registry.pushIndex('shop/web', '1', [AMD64, ARM64]),
    registry.pushImage('shop/legacy', '2', AMD64),
    registry.pushImage('shop/armonly', '1', ARM64),
  ]);
  env = { ARCHY_INSECURE_REGISTRIES: registry.host };
  helmOutput = [
    '---\n# Source: shop/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{port: 80}]\n',
    `---\n# Source: shop/templates/web.yaml\n${deploymentYaml('web', [image('shop/web:1')])}`,
    `---\n# Source: shop/templates/mixed.yaml\n${deploymentYaml('mixed', [image('shop/legacy:2'), image('shop/armonly:1')])}`,
    `---\n# Source: shop/templates/cron.yaml\n${deploymentYaml('legacy-job', [image('shop/legacy:2')], 'CronJob')}`,
  ].join('');
  dir = await mkdtemp(join(tmpdir(), 'archy-check-'));
});
after(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('archy check', () => {
  test('helm template . | archy check -f - --arch amd64,arm64: exit 1, one line for the workload whose images disagree', async () => {
    const run = await spawnArchy(['check', '-f', '-', '--arch', 'amd64,arm64'], { env, stdin: helmOutput });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stdout, `Deployment default/mixed (stdin): images share no architecture: ${image('shop/legacy:2')} has amd64; ${image('shop/armonly:1')} has arm64\n`);
    assert.match(run.stderr, /archy check: 3 workloads against amd64, arm64: 2 pass, 1 fail, 0 unchecked/);
  });

  test('--arch arm64: everything must run on arm64', async () => {
    const run = await runArchy(['check', '-f', '-', '--arch', 'arm64'], { env, stdin: helmOutput });
    assert.equal(run.code, 1);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      `Deployment default/mixed (stdin): images share no architecture: ${image('shop/legacy:2')} has amd64; ${image('shop/armonly:1')} has arm64`,
      `CronJob default/legacy-job (stdin): runs on none of arm64: ${image('shop/legacy:2')} has amd64`,
    ]);
  });

  test('every workload fine: exit 0 and nothing on stdout', async () => {
    const file = join(dir, 'web.yaml');
    await writeFile(file, deploymentYaml('web', [image('shop/web:1')]));
    const run = await spawnArchy(['check', '-f', file, '--arch', 'arm64'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
  });

  test('--output json for machines', async () => {
    const run = await runArchy(['check', '-f', '-', '--arch', 'amd64,arm64', '-o', 'json'], { env, stdin: helmOutput });
    assert.equal(run.code, 1);
    const document = JSON.parse(run.stdout) as { ok: boolean; arch: string[]; summary: Record<string, number>; workloads: Array<{ name: string; ok: boolean | null; architectures: string[]; problem?: string }> };
    assert.equal(document.ok, false);
    assert.deepEqual(document.arch, ['amd64', 'arm64']);
    assert.deepEqual(document.summary, { workloads: 3, passed: 2, failed: 1, unchecked: 0 });
    assert.deepEqual(document.workloads.map((w) => [w.name, w.ok, w.architectures]), [['web', true, ['amd64', 'arm64']], ['mixed', false, []], ['legacy-job', true, ['amd64']]]);
  });

  test('an image that cannot be resolved is a warning, or a failure with --strict', async () => {
    const manifest = deploymentYaml('ghost', [image('shop/web:1'), image('shop/ghost:9')]);
    const lenient = await runArchy(['check', '-f', '-'], { env, stdin: manifest });
    assert.equal(lenient.code, 0);
    assert.match(lenient.stderr, new RegExp(`warning: Deployment default/ghost \\(stdin\\): could not check ${image('shop/ghost:9').replace(/[.]/g, '\\.')} \\(.*404`));
    const strict = await runArchy(['check', '-f', '-', '--strict'], { env, stdin: manifest });
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /could not check/);
  });

  test('bad input: exit 2 with a message', async () => {
    const notObjects = await spawnArchy(['check', '-f', '-'], { env, stdin: 'replicaCount: 2\n' });
    assert.equal(notObjects.code, 2);
    assert.equal(notObjects.stderr, 'archy check: stdin is not a Kubernetes object (a mapping without apiVersion and kind)\n');
    const missing = await runArchy(['check', '-f', join(dir, 'nope.yaml')], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.yaml: no such file or directory/);
    const usage = await runArchy(['check', '--arch', 'aarch64', '-f', '-'], { env });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /use "arm64"/);
  });
});

describe('archy report -f', () => {
  test('a directory and a kubectl get -o json file, as JSON', async () => {
    const manifests = join(dir, 'gitops');
    await mkdir(join(manifests, 'apps'), { recursive: true });
    await writeFile(join(manifests, 'apps', 'web.yaml'), deploymentYaml('web', [image('shop/web:1')]));
    await writeFile(join(manifests, 'kustomization.yaml'), 'resources: [apps/web.yaml]\n');
    const kubectl = { apiVersion: 'v1', kind: 'List', items: [JSON.parse(JSON.stringify({
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'data' },
      spec: { replicas: 2, template: { spec: { containers: [{ name: 'db', image: image('shop/legacy:2'), resources: { limits: { cpu: '1500m', memory: '2Gi' } } }] } } },
    }))] };
    await writeFile(join(dir, 'kubectl.json'), JSON.stringify(kubectl, null, 2));
    const run = await runArchy(['report', '-f', manifests, '-f', join(dir, 'kubectl.json'), '-o', 'json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as { workloads: Array<{ name: string; source: string; arm64: boolean; cpu: number; memory: number }>; input: unknown };
    assertReportSchema(report);
    assert.deepEqual(report.input, { kind: 'manifests', paths: [manifests, join(dir, 'kubectl.json')] });
    assert.deepEqual(report.workloads.map((w) => [w.name, w.source, w.arm64, w.cpu, w.memory]), [
      ['db', join(dir, 'kubectl.json'), false, 3, 4 * 2 ** 30],
      ['web', join(manifests, 'apps', 'web.yaml'), true, 0.1, 0],
    ]);
    assert.match(run.stderr, /warning: .*kustomization\.yaml skipped: not a Kubernetes object/);
  });
});
