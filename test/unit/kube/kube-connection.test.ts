import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveKubeConnection } from '../../../lib/kube/kube-connection.ts';

const credentials = async (): Promise<{ accessKeyId: string; secretAccessKey: string }> => ({ accessKeyId: 'AKID', secretAccessKey: 'secret' });

describe('resolveKubeConnection', () => {
  test('ARCHY_EKS_CLUSTER: endpoint and CA from DescribeCluster, authenticated with an EKS token', async () => {
    const described: string[] = [];
    const connection = await resolveKubeConnection(
      { eksCluster: 'prod' },
      {
        env: { AWS_REGION: 'eu-west-1', HOME: '/nonexistent' },
        credentials,
        describeCluster: async (cluster, region) => {
          described.push(`${cluster}@${region}`);
          return { endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com', caData: 'LS0tLS1CRUdJTg==' };
        },
      },
    );
    assert.deepEqual(described, ['prod@eu-west-1']);
    assert.ok(connection?.kind === 'direct');
    assert.equal(connection.server, 'https://ABC.gr7.eu-west-1.eks.amazonaws.com');
    assert.equal(connection.caData, 'LS0tLS1CRUdJTg==');
    const token = await connection.bearerToken?.();
    assert.match(token ?? '', /^k8s-aws-v1\./);
    const url = new URL(Buffer.from((token ?? '').slice('k8s-aws-v1.'.length), 'base64url').toString());
    assert.equal(url.host, 'sts.eu-west-1.amazonaws.com');
  });

  test('ARCHY_KUBE_API_URL and CA data are used directly, without DescribeCluster', async () => {
    const connection = await resolveKubeConnection(
      { eksCluster: 'prod', kubeApiUrl: 'https://kube.example:6443', kubeCaData: 'Q0E=' },
      { env: { AWS_REGION: 'us-east-1' }, credentials, describeCluster: () => assert.fail('no DescribeCluster') },
    );
    assert.ok(connection?.kind === 'direct');
    assert.equal(connection.server, 'https://kube.example:6443');
    assert.equal(connection.caData, 'Q0E=');
    assert.ok(connection.bearerToken);
  });

  test('neither set: the kubeconfig when one exists, else no Kubernetes access at all', async () => {
    const home = await mkdtemp(join(tmpdir(), 'archy-home-'));
    try {
      assert.equal(await resolveKubeConnection({}, { env: { HOME: home } }), undefined);
      await mkdir(join(home, '.kube'));
      await writeFile(join(home, '.kube', 'config'), 'apiVersion: v1\nkind: Config\n');
      const file = join(home, '.kube', 'config');
      assert.deepEqual(await resolveKubeConnection({}, { env: { HOME: home } }), { kind: 'kubeconfig', path: file });
      // KUBECONFIG names the files; the first that exists is used, and none existing means no access
      // (never a fallback to the process's own kubeconfig).
      assert.deepEqual(await resolveKubeConnection({}, { env: { HOME: '/nonexistent', KUBECONFIG: `/nonexistent/a:${file}` } }), { kind: 'kubeconfig', path: file });
      assert.equal(await resolveKubeConnection({}, { env: { HOME: home, KUBECONFIG: '/nonexistent/a' } }), undefined);
      // Inside a cluster: the pod's service account.
      assert.deepEqual(await resolveKubeConnection({}, { env: { KUBERNETES_SERVICE_HOST: '10.96.0.1' } }), { kind: 'kubeconfig' });
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  test('an EKS cluster without a region is a clear error', async () => {
    await assert.rejects(resolveKubeConnection({ eksCluster: 'prod' }, { env: {}, credentials }), /AWS_REGION/);
  });
});

describe('createKubeAccess', () => {
  test('available without I/O when a cluster is configured; unavailable without any configuration or kubeconfig', async () => {
    const { createKubeAccess } = await import('../../../lib/kube/kube-client.ts');
    assert.equal(createKubeAccess({ eksCluster: 'prod' }, undefined, { env: { AWS_REGION: 'us-east-1', HOME: '/nonexistent' } }).available, true);
    const none = createKubeAccess({}, undefined, { env: { HOME: '/nonexistent' } });
    assert.equal(none.available, false);
    await assert.rejects((await none.get()).getSecret('ns', 'x'), { name: 'KubeError', reason: 'Unavailable' });
  });
});
