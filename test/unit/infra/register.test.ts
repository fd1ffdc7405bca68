import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { register, readRbac, type RegisterDeps } from '../../../infra/register.ts';
import { unregister } from '../../../infra/unregister.ts';
import { assertContextIsCluster, kubeTarget, type KubeTarget } from '../../../infra/kube.ts';
import type { KubeObject } from '../../../infra/render.ts';

const TOKEN = 'Zq8Wm3Lp0Xv7Rt2Ny5Kb9Hd4Fs6Gj1Ca';
const OUTPUTS = {
  WebhookUrl: 'https://abc123.lambda-url.eu-west-1.on.aws/',
  WebhookTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:archy-abc',
  TimeBudgetMs: '3000',
  FunctionTimeoutSeconds: '6',
  ClusterName: 'demo',
};

interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string;
  body: string;
}

/** A loopback Kubernetes API: discovery for the two groups used, server-side apply and delete. */
class KubeApiFake {
  readonly requests: Recorded[] = [];
  readonly objects = new Map<string, unknown>();
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((request, response) => {
      void readBody(request).then((body) => {
        const url = new URL(request.url ?? '/', 'http://127.0.0.1');
        this.requests.push({ method: request.method ?? '', path: url.pathname, query: url.searchParams, contentType: request.headers['content-type'] ?? '', body });
        const { status, payload } = this.#answer(request.method ?? '', url.pathname, body);
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(payload));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  #answer(method: string, path: string, body: string): { status: number; payload: unknown } {
    const discovery: Record<string, { name: string; kind: string }[]> = {
      '/apis/admissionregistration.k8s.io/v1': [{ name: 'mutatingwebhookconfigurations', kind: 'MutatingWebhookConfiguration' }],
      '/apis/rbac.authorization.k8s.io/v1': [
        { name: 'clusterroles', kind: 'ClusterRole' },
        { name: 'clusterrolebindings', kind: 'ClusterRoleBinding' },
      ],
    };
    const resources = discovery[path];
    if (method === 'GET' && resources) {
      return {
        status: 200,
        payload: { kind: 'APIResourceList', groupVersion: path.slice('/apis/'.length), resources: resources.map((r) => ({ ...r, namespaced: false, singularName: '', verbs: ['get', 'patch', 'delete'] })) },
      };
    }
    if (method === 'PATCH') {
      this.objects.set(path, JSON.parse(body));
      return { status: 200, payload: JSON.parse(body) };
    }
    if (method === 'DELETE') {
      if (!this.objects.delete(path)) return { status: 404, payload: { kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404 } };
      return { status: 200, payload: { kind: 'Status', status: 'Success' } };
    }
    return { status: 404, payload: { kind: 'Status', code: 404 } };
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function kubeConfigFor(server: string, clusterName = 'arn:aws:eks:eu-west-1:123456789012:cluster/demo'): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: clusterName, server, skipTLSVerify: true }],
    users: [{ name: 'tester', token: 'not-a-real-token' }],
    contexts: [{ name: clusterName, cluster: clusterName, user: 'tester' }],
    currentContext: clusterName,
  });
  return kubeConfig;
}

function deps(overrides: Partial<RegisterDeps> = {}): RegisterDeps & { printed: string[]; secretReads: string[] } {
  const printed: string[] = [];
  const secretReads: string[] = [];
  return {
    printed,
    secretReads,
    stackOutputs: () => Promise.resolve({ ...OUTPUTS }),
    secret: (secretId) => {
      secretReads.push(secretId);
      return Promise.resolve(`${TOKEN}\n`);
    },
    kube: () => {
      throw new Error('no cluster in this test');
    },
    rbac: () => readRbac(),
    print: (text) => printed.push(text),
    ...overrides,
  };
}

describe('register --dry-run', () => {
  test('prints the RBAC and the webhook built from the stack outputs, with the token masked', async () => {
    const d = deps();
    await register(['--cluster', 'demo', '--stage', 'prod', '--dry-run'], d);
    const text = d.printed.join('\n');
    const objects = parseAllDocuments(text).map((document) => document.toJS() as KubeObject);
    assert.deepEqual(objects.map((object) => object.kind), ['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration']);
    assert.match(text, /url: https:\/\/abc123\.lambda-url\.eu-west-1\.on\.aws\/mutate\/<token>/);
    assert.ok(!text.includes(TOKEN), 'the token is not printed unless asked for');
    assert.match(text, /timeoutSeconds: 10/);
    assert.deepEqual(d.secretReads, [OUTPUTS.WebhookTokenSecretArn]);
  });

  test('--reveal-token prints the real URL for GitOps use', async () => {
    const d = deps();
    await register(['--cluster', 'demo', '--dry-run', '--reveal-token'], d);
    assert.ok(d.printed.join('\n').includes(`/mutate/${TOKEN}`));
  });

  test('--url skips AWS entirely', async () => {
    const d = deps({ stackOutputs: () => Promise.reject(new Error('must not be called')) });
    await register(['--cluster', 'demo', '--dry-run', '--url', `https://hooks.example.com/mutate/${TOKEN}`, '--time-budget-ms', '8000'], d);
    assert.match(d.printed.join('\n'), /timeoutSeconds: 20/, 'a bigger budget gives a bigger webhook timeout');
  });

  test('a --url with duplicate slashes is registered without them', async () => {
    const d = deps();
    await register(['--cluster', 'demo', '--dry-run', '--reveal-token', '--url', `https://hooks.example.com//mutate//${TOKEN}`], d);
    assert.match(d.printed.join('\n'), new RegExp(`url: https://hooks\\.example\\.com/mutate/${TOKEN}\n`));
  });

  test('refuses a stack deployed for another cluster (its role has no access entry there)', async () => {
    const d = deps({ stackOutputs: () => Promise.resolve({ ...OUTPUTS, ClusterName: 'other' }) });
    await assert.rejects(register(['--cluster', 'demo', '--dry-run'], d), /deployed for cluster "other".*cluster=demo/);
  });

  test('a missing stack output names the deploy command', async () => {
    const d = deps({ stackOutputs: () => Promise.resolve({}) });
    await assert.rejects(register(['--cluster', 'demo', '--stage', 'qa', '--region', 'eu-west-1', '--dry-run'], d), /archy-qa.*sls deploy --stage qa --region eu-west-1/);
  });

  test('reads the stack in the region named by --region, and its secret by the ARN that stack names', async () => {
    const regions: string[] = [];
    const secrets: string[] = [];
    const d = deps({
      stackOutputs: (_stack, region) => {
        regions.push(region);
        return Promise.resolve({ ...OUTPUTS });
      },
      secret: (arn) => {
        secrets.push(arn);
        return Promise.resolve(TOKEN);
      },
    });
    await register(['--cluster', 'demo', '--region', 'eu-west-1', '--dry-run'], d);
    assert.deepEqual(regions, ['eu-west-1']);
    assert.deepEqual(secrets, [OUTPUTS.WebhookTokenSecretArn]);
  });

  test('a stack missing in the region asked names that region and the way out', async () => {
    const missing = Object.assign(new Error('Stack with id archy-prod does not exist'), { name: 'ValidationError' });
    const d = deps({ stackOutputs: () => Promise.reject(missing) });
    await assert.rejects(
      register(['--cluster', 'demo', '--stage', 'prod', '--region', 'eu-west-1', '--dry-run'], d),
      /stack archy-prod does not exist in eu-west-1: deploy it first \(npx sls deploy --stage prod --region eu-west-1\), or pass --region/,
    );
  });

  test('--cluster is required', async () => {
    await assert.rejects(register(['--dry-run'], deps()), /--cluster is required/);
  });
});

describe('register and unregister against a Kubernetes API', () => {
  const fake = new KubeApiFake();
  let server = '';
  let target: KubeTarget;
  before(async () => {
    server = await fake.start();
    target = kubeTarget(kubeConfigFor(server));
  });
  after(() => fake.stop());

  test('applies each object with server-side apply, field manager archy, forced', async () => {
    const d = deps({ kube: () => target });
    await register(['--cluster', 'demo'], d);
    const patches = fake.requests.filter((request) => request.method === 'PATCH');
    assert.deepEqual(patches.map((request) => request.path), [
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/archy',
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/archy',
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/archy',
    ]);
    for (const request of patches) {
      assert.equal(request.contentType, 'application/apply-patch+yaml');
      assert.equal(request.query.get('fieldManager'), 'archy');
      assert.equal(request.query.get('force'), 'true');
    }
    const webhook = JSON.parse(patches[2]?.body ?? '{}') as { webhooks: { clientConfig: { url: string } }[] };
    assert.equal(webhook.webhooks[0]?.clientConfig.url, `https://abc123.lambda-url.eu-west-1.on.aws/mutate/${TOKEN}`);
    const output = d.printed.join('\n');
    assert.match(output, /applied ClusterRole\/archy, ClusterRoleBinding\/archy, MutatingWebhookConfiguration\/archy/);
    assert.ok(!output.includes(TOKEN), 'the token is not printed');
  });

  test('unregister deletes the webhook first, then the RBAC; a second run finds nothing', async () => {
    fake.requests.length = 0;
    const d = deps({ kube: () => target });
    await unregister(['--cluster', 'demo'], d);
    assert.deepEqual(fake.requests.filter((request) => request.method === 'DELETE').map((request) => request.path), [
      '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/archy',
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/archy',
      '/apis/rbac.authorization.k8s.io/v1/clusterroles/archy',
    ]);
    await unregister(['--cluster', 'demo'], d);
    assert.match(d.printed.at(-1) ?? '', /nothing to delete/);
  });
});

describe('kubeconfig context guard', () => {
  test('accepts the names aws eks update-kubeconfig and eksctl write', () => {
    assert.doesNotThrow(() => assertContextIsCluster(kubeConfigFor('http://127.0.0.1:1'), 'demo'));
    assert.doesNotThrow(() => assertContextIsCluster(kubeConfigFor('http://127.0.0.1:1', 'demo.eu-west-1.eksctl.io'), 'demo'));
  });

  test('refuses a context for another cluster, naming the fix', () => {
    assert.throws(
      () => assertContextIsCluster(kubeConfigFor('http://127.0.0.1:1', 'arn:aws:eks:eu-west-1:123456789012:cluster/demo-staging'), 'demo'),
      /not cluster "demo".*update-kubeconfig --name demo/,
    );
  });
});
