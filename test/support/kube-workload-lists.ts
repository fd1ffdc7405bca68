// The workload lists of a Kubernetes API server (Deployments … Pods, cluster-wide or per
// namespace), in front of the Kubernetes fake (test/support/kube-fake.ts), which keeps answering
// everything else: pull secrets, service accounts, nodes. Lists have the API server's shape and
// paging: typed lists whose items carry no apiVersion/kind, `limit`, an opaque `continue` token
// tied to the list's resourceVersion, `remainingItemCount`, and 410 Expired once a token is too old.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardTo } from './forward.ts';
import { startKubeFake, type KubeFake, type RecordedKubeRequest } from './kube-fake.ts';

/** A workload as a manifest writes it: apiVersion and kind say which list serves it. */
export interface FakeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [field: string]: unknown };
  [field: string]: unknown;
}

export interface WorkloadApiFake {
  url: string;
  /** The fake behind: set pull secrets and service accounts there. */
  kube: KubeFake;
  /** Every workload list request, in order. */
  listRequests: RecordedKubeRequest[];
  addObject(object: FakeObject): void;
  /** Continue tokens handed out so far answer 410 Expired, as after the API server compacted. */
  expireContinueTokens(): void;
  /** Lists of `resource` (e.g. `cronjobs`) answer 403 Forbidden. */
  forbidList(resource: string): void;
  /** Called with each list request before it is answered (e.g. to expire tokens mid-list). */
  onList?: (request: RecordedKubeRequest) => void;
  close(): Promise<void>;
}

const LISTS: Record<string, { apiVersion: string; kind: string }> = {
  deployments: { apiVersion: 'apps/v1', kind: 'Deployment' },
  statefulsets: { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  daemonsets: { apiVersion: 'apps/v1', kind: 'DaemonSet' },
  replicasets: { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  jobs: { apiVersion: 'batch/v1', kind: 'Job' },
  cronjobs: { apiVersion: 'batch/v1', kind: 'CronJob' },
  pods: { apiVersion: 'v1', kind: 'Pod' },
};
const LIST_PATH = /^\/(?:api\/v1|apis\/(apps|batch)\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)$/;

export async function startWorkloadApi(): Promise<WorkloadApiFake> {
  const kube = await startKubeFake();
  const behind = new URL(kube.url);
  const forward = forwardTo({ host: behind.hostname, port: behind.port });
  const objects = new Map<string, FakeObject[]>();
  const forbidden = new Set<string>();
  const listRequests: RecordedKubeRequest[] = [];
  let resourceVersion = 1000;
  let oldestValidVersion = 0;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const match = LIST_PATH.exec(url.pathname);
    const served = match ? LISTS[match[3] ?? ''] : undefined;
    if (!match || !served || served.apiVersion !== (match[1] ? `${match[1]}/v1` : 'v1') || req.method !== 'GET') {
      forward.handle(req, res);
      return;
    }
    const authorization = req.headers.authorization;
    const request = { method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), authScheme: authorization ? authorization.split(' ')[0] : undefined };
    listRequests.push(request);
    fake.onList?.(request);
    const [, group, namespace, resource = ''] = match;
    if (forbidden.has(resource)) {
      const scope = namespace === undefined ? 'at the cluster scope' : `in the namespace "${namespace}"`;
      return status(res, 403, 'Forbidden', `${resource} is forbidden: User "archy" cannot list resource "${resource}" in API group "${group ?? ''}" ${scope}`);
    }
    const token = url.searchParams.get('continue');
    let start = 0;
    let version = resourceVersion;
    if (token) {
      const decoded = decodeContinue(token);
      if (decoded === undefined) return status(res, 400, 'BadRequest', 'continue key is not valid');
      if (decoded.version < oldestValidVersion) {
        return status(res, 410, 'Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
      }
      ({ start, version } = decoded);
    }
    const all = (objects.get(`${served.apiVersion}/${served.kind}`) ?? [])
      .filter((object) => namespace === undefined || object.metadata.namespace === namespace)
      .sort((a, b) => key(a).localeCompare(key(b)));
    const limit = Number(url.searchParams.get('limit') ?? '0') || all.length || 1;
    const page = all.slice(start, start + limit);
    const remaining = all.length - start - page.length;
    const metadata: Record<string, unknown> = { resourceVersion: String(version) };
    if (remaining > 0) {
      metadata.continue = Buffer.from(JSON.stringify({ v: version, start: start + page.length })).toString('base64url');
      metadata.remainingItemCount = remaining;
    }
    json(res, 200, {
      kind: `${served.kind}List`,
      apiVersion: served.apiVersion,
      metadata,
      items: page.map(({ apiVersion: _apiVersion, kind: _kind, ...item }) => item),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const fake: WorkloadApiFake = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kube,
    listRequests,
    addObject(object) {
      resourceVersion += 1;
      const metadata = { uid: `uid-${resourceVersion}`, resourceVersion: String(resourceVersion), ...object.metadata };
      const list = `${object.apiVersion}/${object.kind}`;
      objects.set(list, [...(objects.get(list) ?? []), structuredClone({ ...object, metadata })]);
    },
    expireContinueTokens() {
      resourceVersion += 1;
      oldestValidVersion = resourceVersion;
    },
    forbidList: (resource) => forbidden.add(resource),
    close: async () => {
      forward.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await kube.close();
    },
  };
  return fake;
}

function key(object: FakeObject): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
}

function decodeContinue(token: string): { version: number; start: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { v?: unknown; start?: unknown };
    return typeof parsed.v === 'number' && typeof parsed.start === 'number' ? { version: parsed.v, start: parsed.start } : undefined;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}
