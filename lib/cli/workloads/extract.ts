// Kubernetes objects → workloads, read from their pod templates (a scaled-to-zero Deployment still
// counts). An object a counted workload controls is left out so nothing is counted twice: a
// ReplicaSet a Deployment owns, a Job a CronJob owns, and a Pod a ReplicaSet, StatefulSet,
// DaemonSet or Job owns. Pods owned by anything else (a Node for static pods, a custom controller)
// are counted: nothing else would count them.
import { InputError } from '../input/input-error.ts';
import { arrayAt, countAt, isJsonObject, objectAt, stringAt, type JsonObject, type SourcedObject } from '../input/kube-object.ts';
import { podRequests, type ContainerSpec, type Requests } from './pod-requests.ts';
import { QuantityError } from './quantity.ts';
import { isWorkloadKind, workloadName, type Workload, type WorkloadKind } from './workload.ts';

const COUNTED_OWNERS: Partial<Record<WorkloadKind, readonly string[]>> = {
  ReplicaSet: ['Deployment'],
  Job: ['CronJob'],
  Pod: ['ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job'],
};

export interface Extraction {
  workloads: Workload[];
  /** Plain-words notes for stderr (e.g. the same workload found twice). */
  notes: string[];
}

export function extractWorkloads(objects: readonly SourcedObject[], defaultNamespace = 'default'): Extraction {
  const workloads: Workload[] = [];
  const notes: string[] = [];
  const seen = new Map<string, string>();
  for (const { object, source } of objects) {
    const kind = object.kind;
    if (!isWorkloadKind(kind) || ownedByCountedWorkload(kind, object)) continue;
    const workload = toWorkload(kind, object, source, defaultNamespace);
    const key = workloadName(workload);
    const first = seen.get(key);
    if (first !== undefined) {
      notes.push(`${key} appears more than once (${first}, ${source}); the first is counted`);
      continue;
    }
    seen.set(key, source);
    workloads.push(workload);
  }
  return { workloads, notes };
}

function ownedByCountedWorkload(kind: WorkloadKind, object: JsonObject): boolean {
  const owners = COUNTED_OWNERS[kind];
  if (owners === undefined) return false;
  return arrayAt(object, 'metadata', 'ownerReferences').some((owner) => owners.includes(stringAt(owner, 'kind') ?? ''));
}

function toWorkload(kind: WorkloadKind, object: JsonObject, source: string, defaultNamespace: string): Workload {
  const namespace = stringAt(object, 'metadata', 'namespace') || defaultNamespace;
  const name = stringAt(object, 'metadata', 'name') || `${stringAt(object, 'metadata', 'generateName') ?? ''}*`;
  const where = `${kind} ${namespace}/${name} (${source})`;
  const spec = podSpecOf(kind, object);
  if (spec === undefined) throw new InputError(`${where} has no pod template`);
  const containers = arrayAt(spec, 'containers');
  if (containers.length === 0) throw new InputError(`${where} has no containers`);
  const initContainers = arrayAt(spec, 'initContainers');
  const ephemeral = kind === 'Pod' ? arrayAt(spec, 'ephemeralContainers') : [];
  return {
    kind,
    namespace,
    name,
    source,
    replicas: replicasOf(kind, object, where),
    perReplica: requestsOf(spec, containers, initContainers, where),
    images: imagesOf([...initContainers, ...containers, ...ephemeral], where),
    access: {
      namespace,
      imagePullSecrets: arrayAt(spec, 'imagePullSecrets').map((ref) => stringAt(ref, 'name') ?? '').filter((secret) => secret !== ''),
      serviceAccountName: stringAt(spec, 'serviceAccountName') || stringAt(spec, 'serviceAccount') || undefined,
    },
  };
}

function podSpecOf(kind: WorkloadKind, object: JsonObject): JsonObject | undefined {
  if (kind === 'Pod') return objectAt(object, 'spec');
  if (kind === 'CronJob') return objectAt(object, 'spec', 'jobTemplate', 'spec', 'template', 'spec');
  return objectAt(object, 'spec', 'template', 'spec');
}

/**
 * Pods running the template: `spec.replicas` (default 1); a DaemonSet's scheduled count when the
 * object carries its status (cluster input), else 1; a Job's parallelism capped by its completions,
 * and 0 once it has finished.
 */
function replicasOf(kind: WorkloadKind, object: JsonObject, where: string): number {
  switch (kind) {
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      return wholeNumber(object, ['spec', 'replicas'], 1, where);
    case 'DaemonSet':
      return countAt(object, 'status', 'desiredNumberScheduled') ?? 1;
    case 'Job':
      return finished(object) ? 0 : jobPods(objectAt(object, 'spec'), where);
    case 'CronJob':
      return jobPods(objectAt(object, 'spec', 'jobTemplate', 'spec'), where);
    case 'Pod':
      return 1;
  }
}

function jobPods(jobSpec: JsonObject | undefined, where: string): number {
  const parallelism = wholeNumber(jobSpec, ['parallelism'], 1, where);
  const completions = countAt(jobSpec, 'completions');
  return completions === undefined ? parallelism : Math.min(parallelism, completions);
}

function finished(job: JsonObject): boolean {
  return arrayAt(job, 'status', 'conditions').some(
    (condition) => ['Complete', 'Failed'].includes(stringAt(condition, 'type') ?? '') && stringAt(condition, 'status') === 'True',
  );
}

function wholeNumber(object: JsonObject | undefined, path: string[], fallback: number, where: string): number {
  const parent = objectAt(object, ...path.slice(0, -1));
  const value = parent?.[path[path.length - 1] ?? ''];
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  throw new InputError(`${where}: ${path.join('.')} must be a whole number (got ${JSON.stringify(value)})`);
}

function requestsOf(spec: JsonObject, containers: unknown[], initContainers: unknown[], where: string): Requests {
  const view = (container: unknown): ContainerSpec => ({
    resources: {
      requests: objectAt(container, 'resources', 'requests'),
      limits: objectAt(container, 'resources', 'limits'),
    },
    restartPolicy: stringAt(container, 'restartPolicy'),
  });
  const podLevel = objectAt(spec, 'resources');
  try {
    return podRequests({
      containers: containers.map(view),
      initContainers: initContainers.map(view),
      resources: podLevel === undefined ? undefined : { requests: objectAt(podLevel, 'requests'), limits: objectAt(podLevel, 'limits') },
      overhead: objectAt(spec, 'overhead'),
    });
  } catch (error) {
    if (error instanceof QuantityError) throw new InputError(`${where}: ${error.message}`);
    throw error;
  }
}

function imagesOf(containers: unknown[], where: string): string[] {
  const images = new Set<string>();
  for (const container of containers) {
    const image = isJsonObject(container) ? container.image : undefined;
    if (typeof image !== 'string' || image === '') {
      throw new InputError(`${where}: container ${JSON.stringify(stringAt(container, 'name') ?? '?')} has no image`);
    }
    images.add(image);
  }
  return [...images];
}
