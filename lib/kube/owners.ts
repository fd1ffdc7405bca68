// Whom a pod's Events regard: its controller owner (a ReplicaSet, a Job, a StatefulSet…, with the
// uid from the pod's ownerReferences) and, for a ReplicaSet, the Deployment that owns it; a pod
// without a controller regards itself, by name. The pod is untrusted JSON: only references that
// could be real objects are believed.
//
// The Deployment is in the ReplicaSet's ownerReferences: one GET of the ReplicaSet's metadata
// (PartialObjectMetadata, so the pod template does not travel), shared by concurrent admissions
// and kept for minutes. A ReplicaSet's owner does not change in practice; one that is adopted or
// orphaned is seen when its entry expires.
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { PodLike } from '../placement/index.ts';
import type { OwnerReference } from '../placement/pod.ts';
import { SingleFlightCache, type Loaded } from '../single-flight.ts';
import { isDns1123Label } from '../validation/kubernetes.ts';
import type { ObjectRef } from './event-object.ts';
import { KubeError } from './kube-client.ts';
import type { KubeRest } from './kube-rest.ts';

const FOUND_TTL_MS = 10 * 60_000;
/** Not found, or not allowed (RBAC not updated): asked again after this. */
const ABSENT_TTL_MS = 60_000;
const FORBIDDEN_TTL_MS = 5 * 60_000;
const LOOKUP_BUDGET_MS = 5_000;
const MAX_KEPT = 2_000;
/** Only the metadata; a server that cannot send it sends the whole object (client-go's metadata client asks the same). */
const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';
const MAX_REPLICASET_BYTES = 2 * 1024 * 1024;

const NAME = /^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]{0,62}$/;
const API_VERSION = /^(?:[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?\/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$/;
const UID = /^[A-Za-z0-9-]{1,64}$/;

/** What a pod's Events regard first, or undefined when there is nothing to regard. */
export function eventSubject(pod: PodLike, namespace: string | undefined): ObjectRef | undefined {
  if (namespace === undefined || !isDns1123Label(namespace)) return undefined;
  const owners = Array.isArray(pod.metadata?.ownerReferences) ? pod.metadata.ownerReferences : [];
  const controller = owners.find((owner) => owner !== null && typeof owner === 'object' && owner.controller === true);
  if (controller !== undefined) return ownerRef(controller, namespace);
  const name = pod.metadata?.name;
  // A pod created with generateName has no name until it is stored, and no pod has a uid before.
  return typeof name === 'string' && NAME.test(name) ? { apiVersion: 'v1', kind: 'Pod', name, namespace } : undefined;
}

export function isReplicaSet(ref: ObjectRef): boolean {
  return ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/');
}

/** An owner reference as an ObjectRef in `namespace` (owners of namespaced objects live beside them). */
function ownerRef(owner: OwnerReference, namespace: string): ObjectRef | undefined {
  const { apiVersion, kind, name, uid } = owner;
  if (typeof apiVersion !== 'string' || !API_VERSION.test(apiVersion)) return undefined;
  if (typeof kind !== 'string' || !KIND.test(kind)) return undefined;
  if (typeof name !== 'string' || !NAME.test(name)) return undefined;
  if (typeof uid !== 'string' || !UID.test(uid)) return undefined;
  return { apiVersion, kind, name, namespace, uid };
}

export interface DeploymentLookupOptions {
  rest: KubeRest;
  logger?: Logger;
  metrics?: Metrics;
}

type Owner = ObjectRef | 'none';

export class DeploymentLookup {
  readonly #rest: KubeRest;
  readonly #logger?: Logger;
  readonly #metrics: Metrics;
  readonly #owners = new SingleFlightCache<Owner>({ maxEntries: MAX_KEPT, loadTimeoutMs: LOOKUP_BUDGET_MS });

  constructor(options: DeploymentLookupOptions) {
    this.#rest = options.rest;
    this.#logger = options.logger;
    this.#metrics = options.metrics ?? noopMetrics;
  }

  /**
   * The Deployment controlling `replicaSet`; undefined when there is none, or it is not known by
   * the time `wait` aborts (the lookup goes on, on its own budget, for the next admission).
   */
  async deploymentOf(replicaSet: ObjectRef, wait: AbortSignal): Promise<ObjectRef | undefined> {
    const key = `${replicaSet.namespace}/${replicaSet.name}/${replicaSet.uid ?? ''}`;
    try {
      const owner = await this.#owners.get(key, (budget) => this.#load(replicaSet, budget), wait);
      return owner === 'none' ? undefined : owner;
    } catch {
      return undefined;
    }
  }

  async #load(replicaSet: ObjectRef, budget: AbortSignal): Promise<Loaded<Owner>> {
    const path = `/apis/apps/v1/namespaces/${encodeURIComponent(replicaSet.namespace)}/replicasets/${encodeURIComponent(replicaSet.name)}`;
    try {
      const body = await this.#rest.getJson(path, {}, { signal: budget, maxBytes: MAX_REPLICASET_BYTES, accept: METADATA_ONLY });
      return { value: controllingDeployment(body, replicaSet) ?? 'none', ttlMs: FOUND_TTL_MS };
    } catch (error) {
      this.#metrics.count('EventErrors');
      const reason = error instanceof KubeError ? error.reason : 'Unknown';
      this.#logger?.warn(
        { namespace: replicaSet.namespace, replicaSet: replicaSet.name, err: error instanceof Error ? error.message : String(error) },
        reason === 'Forbidden'
          ? 'may not get replicasets (apps): Events go to the ReplicaSet only; apply infra/kubernetes/rbac.yaml again'
          : 'could not read the ReplicaSet to find its Deployment; Events go to the ReplicaSet only',
      );
      if (reason === 'NotFound') return { value: 'none', ttlMs: ABSENT_TTL_MS };
      if (reason === 'Forbidden') return { value: 'none', ttlMs: FORBIDDEN_TTL_MS };
      throw error;
    }
  }
}

/** The Deployment in the ReplicaSet's ownerReferences, when the answer is the ReplicaSet asked for. */
function controllingDeployment(body: unknown, replicaSet: ObjectRef): ObjectRef | undefined {
  const metadata = record(record(body)?.metadata);
  // Another ReplicaSet of the same name (deleted and created again) is not the pod's owner.
  if (metadata === undefined || (replicaSet.uid !== undefined && metadata.uid !== replicaSet.uid)) return undefined;
  const owners = Array.isArray(metadata.ownerReferences) ? (metadata.ownerReferences as unknown[]) : [];
  for (const entry of owners) {
    const owner = record(entry) as OwnerReference | undefined;
    if (owner?.controller !== true || owner.kind !== 'Deployment') continue;
    const ref = ownerRef(owner, replicaSet.namespace);
    if (ref !== undefined && ref.apiVersion.startsWith('apps/')) return ref;
  }
  return undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
