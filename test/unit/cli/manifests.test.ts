// Manifests in every shape people have them: multi-document YAML, helm template output, JSON,
// lists, kubectl get -o json, directories and stdin; and clear errors for everything else.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../lib/cli/input/input-error.ts';
import { readManifests } from '../../../lib/cli/input/manifests.ts';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: web, image: nginx:1.27}]
`;

const HELM_OUTPUT = `---
# Source: shop/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{port: 80}]
---
# Source: shop/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {helm.sh/chart: shop-1.0.0}
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: web
          image: "ghcr.io/acme/web:1.0"
          resources: {requests: {cpu: 0.5, memory: 1e9}}
---
# Source: shop/templates/tests/empty.yaml
`;

let dir: string;
const noStdin = async (): Promise<string> => assert.fail('stdin was not asked for');

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archy-manifests-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, text);
  return path;
}

function kinds(input: Awaited<ReturnType<typeof readManifests>>): string[] {
  return input.objects.map(({ object }) => `${String(object.kind)}/${String((object.metadata as { name?: string }).name)}`);
}

describe('shapes', () => {
  test('helm template output: every document, comments and empty documents skipped', async () => {
    const input = await readManifests([await file('helm.yaml', HELM_OUTPUT)], noStdin);
    assert.deepEqual(kinds(input), ['Service/web', 'Deployment/web']);
    const deployment = input.objects[1]?.object as { spec: { template: { spec: { containers: Array<{ resources: unknown }> } } } };
    assert.deepEqual(deployment.spec.template.spec.containers[0]?.resources, { requests: { cpu: 0.5, memory: 1e9 } });
  });

  test('JSON, a kind: List, and kubectl get -o json of a typed list (items without kind)', async () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [JSON.parse(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} }))] };
    const typed = { apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: { resourceVersion: '9' }, items: [{ metadata: { name: 'a' }, spec: {} }, { metadata: { name: 'b' }, spec: {} }] };
    const input = await readManifests([await file('list.json', JSON.stringify(list)), await file('typed.json', JSON.stringify(typed, null, 2))], noStdin);
    assert.deepEqual(kinds(input), ['Pod/p', 'Deployment/a', 'Deployment/b']);
    assert.equal(input.objects[1]?.object.apiVersion, 'apps/v1');
    assert.equal(input.objects[1]?.source, join(dir, 'typed.json'));
  });

  test('YAML anchors work; YAML 1.1 as the API server reads it', async () => {
    const text = `${DEPLOYMENT}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: flags}\ndata: {a: &x "1", b: *x}\n`;
    const input = await readManifests([await file('anchors.yaml', text)], noStdin);
    assert.deepEqual(kinds(input), ['Deployment/web', 'ConfigMap/flags']);
  });

  test('stdin with -', async () => {
    const input = await readManifests(['-'], async () => DEPLOYMENT);
    assert.deepEqual(kinds(input), ['Deployment/web']);
    assert.equal(input.objects[0]?.source, 'stdin');
  });

  test('a directory: its manifests, recursively and in name order; other files skipped with a note', async () => {
    const chart = join(dir, 'chart');
    await file('chart/b/deploy.yml', DEPLOYMENT.replace('name: web', 'name: second'));
    await file('chart/a.yaml', DEPLOYMENT);
    await file('chart/values.yaml', 'replicaCount: 2\nimage: {repository: nginx}\n');
    await file('chart/README.md', '# not read');
    await file('chart/.hidden/x.yaml', DEPLOYMENT);
    const input = await readManifests([chart], noStdin);
    assert.deepEqual(kinds(input), ['Deployment/web', 'Deployment/second']);
    assert.deepEqual(input.notes, [`${join(chart, 'values.yaml')} skipped: not a Kubernetes object (a mapping without apiVersion and kind)`]);
  });
});

describe('bad input is an InputError saying what and where', () => {
  const rejects = async (paths: string[], pattern: RegExp, stdin = noStdin): Promise<void> => {
    await assert.rejects(readManifests(paths, stdin), (error: Error) => error instanceof InputError && pattern.test(error.message));
  };

  test('a missing file', async () => {
    await rejects([join(dir, 'nope.yaml')], /cannot read .*nope\.yaml: no such file or directory/);
  });

  test('a YAML syntax error names the file and line', async () => {
    await rejects([await file('broken.yaml', `${DEPLOYMENT}---\nkind: [unclosed\n`)], /broken\.yaml: not valid YAML \(line \d+\)/);
  });

  test('a named file that is not Kubernetes objects', async () => {
    await rejects([await file('values.yaml', 'replicaCount: 2\n')], /values\.yaml is not a Kubernetes object \(a mapping without apiVersion and kind\)/);
    await rejects([await file('two.yaml', `${DEPLOYMENT}---\n- just\n- a list\n`)], /two\.yaml: document 2 is not a Kubernetes object/);
    await rejects(['-'], /stdin holds no Kubernetes objects/, async () => '');
  });

  test('a List whose items are not objects', async () => {
    await rejects([await file('bad-list.json', JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ metadata: {} }] }))], /bad-list\.json: item 1 of a List is not a Kubernetes object/);
  });

  test('an alias bomb is refused, not expanded', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    await rejects([await file('bomb.yaml', `apiVersion: v1\nkind: ConfigMap\n${bomb}\n`)], /bomb\.yaml: Excessive alias count/);
  });

  test('nothing at all', async () => {
    await mkdir(join(dir, 'empty'), { recursive: true });
    await rejects([join(dir, 'empty')], /no Kubernetes objects in .*empty/);
  });
});
