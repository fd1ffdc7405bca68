// A run reads each pull secret and service account once; a slow read does not fail the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedKubeReads } from '../../../lib/cli/resolution/shared-kube-reads.ts';
import { KubeError, type KubeApi } from '../../../lib/kube/kube-client.ts';

function countingKube(answer: (name: string) => Promise<{ type: string; data: Record<string, string> }>) {
  const calls: string[] = [];
  const kube: KubeApi = {
    getSecret: (namespace, name) => {
      calls.push(`secret ${namespace}/${name}`);
      return answer(name);
    },
    getServiceAccount: async (namespace, name) => {
      calls.push(`account ${namespace}/${name}`);
      return { imagePullSecrets: ['regcred'] };
    },
    listNodes: async () => ({ items: [] }),
  };
  return { kube, calls };
}

test('each secret and service account is read once for the whole run', async () => {
  const { kube, calls } = countingKube(async () => ({ type: 'kubernetes.io/dockerconfigjson', data: {} }));
  const shared = sharedKubeReads(kube);
  await Promise.all([shared.getSecret('a', 'regcred'), shared.getSecret('a', 'regcred'), shared.getSecret('b', 'regcred')]);
  await shared.getSecret('a', 'regcred');
  await Promise.all([shared.getServiceAccount('a', 'default'), shared.getServiceAccount('a', 'default')]);
  assert.deepEqual(calls, ['secret a/regcred', 'secret b/regcred', 'account a/default']);
});

test('an answer of NotFound is kept; a timeout or an unreachable API is asked again', async () => {
  let reason = 'NotFound';
  const { kube, calls } = countingKube(async () => {
    throw new KubeError(404, reason, 'nope');
  });
  const shared = sharedKubeReads(kube);
  await assert.rejects(shared.getSecret('a', 'gone'), { reason: 'NotFound' });
  await assert.rejects(shared.getSecret('a', 'gone'), { reason: 'NotFound' });
  reason = 'Unreachable';
  await assert.rejects(shared.getSecret('a', 'flaky'), { reason: 'Unreachable' });
  await assert.rejects(shared.getSecret('a', 'flaky'), { reason: 'Unreachable' });
  assert.deepEqual(calls, ['secret a/gone', 'secret a/flaky', 'secret a/flaky']);
});

test('a caller whose deadline passes stops waiting; the read goes on for the next', async () => {
  let release: (() => void) | undefined;
  const { kube, calls } = countingKube(() => new Promise((resolve) => {
    release = () => resolve({ type: 'Opaque', data: {} });
  }));
  const shared = sharedKubeReads(kube);
  const impatient = new AbortController();
  const first = shared.getSecret('a', 'slow', impatient.signal);
  impatient.abort();
  await assert.rejects(first, { reason: 'Timeout' });
  const second = shared.getSecret('a', 'slow');
  release?.();
  assert.equal((await second).type, 'Opaque');
  assert.deepEqual(calls, ['secret a/slow']);
});
