// One run reads each pull secret and service account once, however many images need it: the
// webhook reads them per admission, a report over a cluster would otherwise read the same secret
// once per image. A read runs on its own budget, so the first image's deadline cannot fail it for
// the others (each waits only until its own deadline). A read that timed out or could not reach
// the API is forgotten; an answer, or a NotFound or Forbidden, is kept for the run.
import { KubeError, type KubeApi, type KubeSecret, type KubeServiceAccount } from '../../kube/kube-client.ts';
import { untilAborted } from '../../single-flight.ts';

const READ_BUDGET_MS = 30_000;
const RETRIED = new Set(['Timeout', 'Unreachable']);

export function sharedKubeReads(kube: KubeApi): KubeApi {
  const secrets = new Map<string, Promise<KubeSecret>>();
  const accounts = new Map<string, Promise<KubeServiceAccount>>();
  return {
    getSecret: (namespace, name, signal) => waitFor(shared(secrets, `${namespace}/${name}`, () => kube.getSecret(namespace, name, AbortSignal.timeout(READ_BUDGET_MS))), signal),
    getServiceAccount: (namespace, name, signal) =>
      waitFor(shared(accounts, `${namespace}/${name}`, () => kube.getServiceAccount(namespace, name, AbortSignal.timeout(READ_BUDGET_MS))), signal),
    listNodes: (page, signal) => kube.listNodes(page, signal),
  };
}

function shared<T>(reads: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  let pending = reads.get(key);
  if (pending === undefined) {
    pending = read();
    reads.set(key, pending);
    pending.catch((error: unknown) => {
      if (!(error instanceof KubeError) || RETRIED.has(error.reason)) reads.delete(key);
    });
  }
  return pending;
}

/** The shared read, or a Timeout KubeError when `signal` aborts first (the read goes on). */
function waitFor<T>(read: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return read;
  return untilAborted(read, signal).catch((error: unknown) => {
    throw signal.aborted ? new KubeError(0, 'Timeout', 'no answer in time') : error;
  });
}
