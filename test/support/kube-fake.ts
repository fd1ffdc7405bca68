// A Kubernetes API server fake on 127.0.0.1 speaking the real wire format for the reads Archy
// makes: secrets, service accounts (GET by name), nodes and cluster-scoped custom objects such as
// Karpenter's NodePools (paged lists with a resourceVersion), ReplicaSets and Namespaces by name
// (whole, or their metadata alone when asked as PartialObjectMetadata), and the one write:
// events.k8s.io/v1 Events, recorded as sent. Unknown objects and resources answer with a `Status`
// object, as the API server does. Plain HTTP, or HTTPS with a given certificate (as an EKS API
// endpoint, whose CA DescribeCluster hands out).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeConnection } from '../../lib/kube/kube-connection.ts';

export interface RecordedKubeRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** `Bearer` / `Basic` / undefined: the scheme only, never the credential. */
  authScheme?: string;
}

/** An Event as POSTed to /apis/events.k8s.io/v1/namespaces/<namespace>/events. */
export interface RecordedKubeEvent {
  /** The namespace of the URL. */
  namespace: string;
  body: unknown;
}

export interface FakeReplicaSet {
  uid: string;
  ownerReferences?: object[];
}

export interface FakeNode {
  name: string;
  labels: Record<string, string>;
  /** The Ready condition; true unless said otherwise. */
  ready?: boolean;
  /** Cordoned. */
  unschedulable?: boolean;
}

export interface KubeFakeOptions {
  /** Serves HTTPS with this certificate and key (PEM) instead of plain HTTP. */
  tls?: { cert: string; key: string };
  /** Keeps the credential of every `Bearer` request in `bearerTokens`, for tests that check the token itself. */
  keepBearerTokens?: boolean;
}

export interface KubeFake {
  /** `http://127.0.0.1:<port>`, or `https://…` with the `tls` option. */
  url: string;
  requests: RecordedKubeRequest[];
  /**
   * With `keepBearerTokens`: the `Bearer` credentials, in arrival order (else empty). Assert on
   * them without printing them: an assertion message with the token would put it in the output.
   */
  bearerTokens: string[];
  /** Stores a secret; `data` values are plain text and are base64-encoded on the wire. */
  setSecret(namespace: string, name: string, type: string, data: Record<string, string>): void;
  /** A `kubernetes.io/dockerconfigjson` secret holding `{ auths }`. */
  setPullSecret(namespace: string, name: string, auths: Record<string, Record<string, string>>): void;
  setServiceAccount(namespace: string, name: string, imagePullSecrets: string[]): void;
  setNodes(nodes: FakeNode[]): void;
  /** Answers 403 Forbidden for `namespace/name` (a secret or service account). */
  forbid(namespace: string, name: string): void;
  /** Makes node lists answer with this HTTP status (500, 403…) until set back to undefined. */
  failNodes(status: number | undefined): void;
  /**
   * Serves `items` (whole objects, e.g. karpenter.sh/v1 NodePools) as the cluster-scoped list at
   * `path` (`/apis/<group>/<version>/<plural>`), paged, with a resourceVersion that grows with every
   * change. Undefined: the resource is not served (its CRD is absent), 404.
   */
  setList(path: string, kind: string, items: object[] | undefined): void;
  /** Makes the list at `path` answer with this HTTP status (403, 500…) until set back to undefined. */
  failList(path: string, status: number | undefined): void;
  /** Events POSTed, in arrival order (also those answered with a failure or still held). */
  events: RecordedKubeEvent[];
  /** Makes Event POSTs answer with this HTTP status (403, 500…) until set back to undefined. */
  failEvents(status: number | undefined): void;
  /** Holds every Event POST's answer until `release` settles (undefined: answer at once again). */
  holdEvents(release: Promise<unknown> | undefined): void;
  /** Serves the ReplicaSet `namespace/name` (undefined: 404). */
  setReplicaSet(namespace: string, name: string, replicaSet: FakeReplicaSet | undefined): void;
  /** Serves the Namespace `name` with these annotations (undefined: 404); as PartialObjectMetadata when asked. */
  setNamespace(name: string, annotations: Record<string, string> | undefined): void;
  /** Makes Namespace GETs answer with this HTTP status (403, 500…) until set back to undefined. */
  failNamespaces(status: number | undefined): void;
  /** Holds every Namespace GET's answer until `release` settles (undefined: answer at once again). */
  holdNamespaces(release: Promise<unknown> | undefined): void;
  connection(bearerToken?: () => Promise<string>): KubeConnection;
  close(): Promise<void>;
}

export async function startKubeFake(options: KubeFakeOptions = {}): Promise<KubeFake> {
  const secrets = new Map<string, { type: string; data: Record<string, string> }>();
  const accounts = new Map<string, string[]>();
  const forbidden = new Set<string>();
  let nodes: FakeNode[] = [];
  let nodeFailure: number | undefined;
  const lists = new Map<string, { kind: string; items: object[] }>();
  const listFailures = new Map<string, number>();
  let resourceVersion = 7;
  const requests: RecordedKubeRequest[] = [];
  const bearerTokens: string[] = [];
  const events: RecordedKubeEvent[] = [];
  let eventFailure: number | undefined;
  let eventHold: Promise<unknown> | undefined;
  const replicaSets = new Map<string, FakeReplicaSet>();
  const namespaces = new Map<string, Record<string, string>>();
  let namespaceFailure: number | undefined;
  let namespaceHold: Promise<unknown> | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const authorization = req.headers.authorization;
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authScheme: authorization ? authorization.split(' ')[0] : undefined,
    });
    if (options.keepBearerTokens && authorization?.startsWith('Bearer ')) bearerTokens.push(authorization.slice('Bearer '.length));
    const eventsIn = /^\/apis\/events\.k8s\.io\/v1\/namespaces\/([^/]+)\/events$/.exec(url.pathname);
    if (eventsIn && req.method === 'POST') {
      const namespace = eventsIn[1] ?? '';
      const failure = eventFailure;
      const hold = eventHold;
      void readJson(req).then(async (body) => {
        events.push({ namespace, body });
        await hold?.catch(() => undefined);
        if (res.destroyed) return;
        if (failure !== undefined) {
          const message = failure === 403 ? `events.events.k8s.io is forbidden: User "archy" cannot create resource "events" in API group "events.k8s.io" in the namespace "${namespace}"` : 'internal error';
          return status(res, failure, failure === 403 ? 'Forbidden' : 'InternalError', message, { kind: 'events' });
        }
        const metadata = { ...((body as { metadata?: object } | undefined)?.metadata ?? {}), uid: `event-uid-${events.length}`, resourceVersion: String(++resourceVersion) };
        json(res, 201, { ...(body as object), metadata });
      });
      return;
    }
    if (req.method !== 'GET') return status(res, 405, 'MethodNotAllowed', 'method not allowed');

    const named = /^\/api\/v1\/namespaces\/([^/]+)\/(secrets|serviceaccounts)\/([^/]+)$/.exec(url.pathname);
    if (named) {
      const [, namespace = '', resource = '', name = ''] = named;
      const key = `${namespace}/${name}`;
      const kind = resource === 'secrets' ? 'secrets' : 'serviceaccounts';
      if (forbidden.has(key)) {
        return status(res, 403, 'Forbidden', `${kind} "${name}" is forbidden: User "archy" cannot get resource "${kind}" in API group "" in the namespace "${namespace}"`, { name, kind });
      }
      if (resource === 'secrets') {
        const secret = secrets.get(key);
        if (!secret) return status(res, 404, 'NotFound', `secrets "${name}" not found`, { name, kind });
        return json(res, 200, {
          kind: 'Secret',
          apiVersion: 'v1',
          metadata: { name, namespace, uid: `uid-${key}`, resourceVersion: '1' },
          type: secret.type,
          data: Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
        });
      }
      const pullSecrets = accounts.get(key);
      if (!pullSecrets) return status(res, 404, 'NotFound', `serviceaccounts "${name}" not found`, { name, kind });
      return json(res, 200, {
        kind: 'ServiceAccount',
        apiVersion: 'v1',
        metadata: { name, namespace, uid: `uid-${key}`, resourceVersion: '1' },
        imagePullSecrets: pullSecrets.map((secretName) => ({ name: secretName })),
      });
    }

    if (url.pathname === '/api/v1/nodes') {
      if (nodeFailure !== undefined) return status(res, nodeFailure, nodeFailure === 403 ? 'Forbidden' : 'InternalError', 'nodes unavailable', { kind: 'nodes' });
      const limit = Number(url.searchParams.get('limit') ?? '0') || nodes.length || 1;
      const start = Number(url.searchParams.get('continue') ?? '0') || 0;
      const page = nodes.slice(start, start + limit);
      const next = start + limit < nodes.length ? String(start + limit) : undefined;
      return json(res, 200, {
        kind: 'NodeList',
        apiVersion: 'v1',
        metadata: next ? { resourceVersion: '7', continue: next } : { resourceVersion: '7' },
        items: page.map((node) => ({
          kind: 'Node',
          apiVersion: 'v1',
          metadata: { name: node.name, labels: node.labels },
          spec: node.unschedulable ? { unschedulable: true } : {},
          status: { conditions: [{ type: 'Ready', status: node.ready === false ? 'False' : 'True', reason: node.ready === false ? 'KubeletNotReady' : 'KubeletReady' }] },
        })),
      });
    }

    const failure = listFailures.get(url.pathname);
    if (failure !== undefined) {
      const plural = url.pathname.split('/').pop() ?? '';
      const group = url.pathname.split('/')[2] ?? '';
      const message = failure === 403 ? `${plural}.${group} is forbidden: User "archy" cannot list resource "${plural}" in API group "${group}" at the cluster scope` : 'internal error';
      return status(res, failure, failure === 403 ? 'Forbidden' : 'InternalError', message, { kind: plural });
    }
    const namespaceAt = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(url.pathname);
    if (namespaceAt) {
      const name = namespaceAt[1] ?? '';
      const [failure, hold, annotations] = [namespaceFailure, namespaceHold, namespaces.get(name)];
      void (async () => {
        await hold?.catch(() => undefined);
        if (res.destroyed) return;
        if (failure !== undefined) {
          const message = failure === 403 ? `namespaces "${name}" is forbidden: User "archy" cannot get resource "namespaces" in API group "" at the cluster scope` : 'internal error';
          return status(res, failure, failure === 403 ? 'Forbidden' : 'InternalError', message, { name, kind: 'namespaces' });
        }
        if (!annotations) return status(res, 404, 'NotFound', `namespaces "${name}" not found`, { name, kind: 'namespaces' });
        const metadata = { name, uid: `uid-ns-${name}`, resourceVersion: '1', labels: { 'kubernetes.io/metadata.name': name }, annotations };
        if ((req.headers.accept ?? '').includes('as=PartialObjectMetadata')) return json(res, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata });
        return json(res, 200, { kind: 'Namespace', apiVersion: 'v1', metadata, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
      })();
      return;
    }
    const replicaSetAt = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets\/([^/]+)$/.exec(url.pathname);
    if (replicaSetAt) {
      const [, namespace = '', name = ''] = replicaSetAt;
      const replicaSet = replicaSets.get(`${namespace}/${name}`);
      if (!replicaSet) return status(res, 404, 'NotFound', `replicasets.apps "${name}" not found`, { name, kind: 'replicasets' });
      const metadata = { name, namespace, uid: replicaSet.uid, resourceVersion: '1', ownerReferences: replicaSet.ownerReferences };
      if ((req.headers.accept ?? '').includes('as=PartialObjectMetadata')) return json(res, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata });
      return json(res, 200, { kind: 'ReplicaSet', apiVersion: 'apps/v1', metadata, spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'app:1' }] } } } });
    }
    const custom = lists.get(url.pathname);
    if (custom !== undefined) {
      const limit = Number(url.searchParams.get('limit') ?? '0') || custom.items.length || 1;
      const start = Number(url.searchParams.get('continue') ?? '0') || 0;
      const next = start + limit < custom.items.length ? String(start + limit) : undefined;
      const groupVersion = url.pathname.split('/').slice(2, 4).join('/');
      return json(res, 200, {
        apiVersion: groupVersion,
        kind: custom.kind,
        metadata: next ? { resourceVersion: String(resourceVersion), continue: next } : { resourceVersion: String(resourceVersion) },
        items: custom.items.slice(start, start + limit),
      });
    }
    return status(res, 404, 'NotFound', 'the server could not find the requested resource');
  };
  const server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, handle) : createServer(handle);

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    bearerTokens,
    setSecret: (namespace, name, type, data) => secrets.set(`${namespace}/${name}`, { type, data }),
    setPullSecret(namespace, name, auths) {
      secrets.set(`${namespace}/${name}`, { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': JSON.stringify({ auths }) } });
    },
    setServiceAccount: (namespace, name, imagePullSecrets) => accounts.set(`${namespace}/${name}`, imagePullSecrets),
    setNodes: (list) => {
      nodes = list;
    },
    forbid: (namespace, name) => forbidden.add(`${namespace}/${name}`),
    failNodes: (code) => {
      nodeFailure = code;
    },
    setList(path, kind, items) {
      resourceVersion += 1;
      if (items === undefined) lists.delete(path);
      else lists.set(path, { kind, items: structuredClone(items) });
    },
    failList(path, code) {
      if (code === undefined) listFailures.delete(path);
      else listFailures.set(path, code);
    },
    events,
    failEvents: (code) => {
      eventFailure = code;
    },
    holdEvents: (release) => {
      eventHold = release;
    },
    setReplicaSet(namespace, name, replicaSet) {
      if (replicaSet === undefined) replicaSets.delete(`${namespace}/${name}`);
      else replicaSets.set(`${namespace}/${name}`, structuredClone(replicaSet));
    },
    setNamespace(name, annotations) {
      if (annotations === undefined) namespaces.delete(name);
      else namespaces.set(name, { ...annotations });
    },
    failNamespaces: (code) => {
      namespaceFailure = code;
    },
    holdNamespaces: (release) => {
      namespaceHold = release;
    },
    connection: (bearerToken) => ({ kind: 'direct', server: url, skipTLSVerify: true, bearerToken }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  // A client that gave up mid-body (its deadline) leaves what arrived: undefined when not JSON.
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function status(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: { name?: string; kind?: string },
): void {
  json(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: details ? { ...details, group: '' } : undefined,
    code,
  });
}

/** The basic `auth` field of a docker config entry. */
export function basicAuth(username: string, password: string): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}
