// What one replica of a pod template asks the scheduler for, counted as Kubernetes counts it
// (resourcehelper.PodRequests):
// - a container's request defaults to its limit when only the limit is set (API defaulting);
// - regular containers add up; sidecars (init containers with `restartPolicy: Always`) add to them
//   and keep running while later init containers run;
// - the pod needs the larger of that sum and the largest init container (plus the sidecars started
//   before it);
// - pod-level `resources` replace the containers' total for the resources they name;
// - `overhead` (RuntimeClass) is added on top.
import { cpuMillicores, memoryBytes } from './quantity.ts';

export interface Requests {
  cpuMillis: number;
  memoryBytes: number;
}

export interface ResourceSpec {
  requests?: Record<string, unknown>;
  limits?: Record<string, unknown>;
}

export interface ContainerSpec {
  resources?: ResourceSpec;
  restartPolicy?: string;
}

export interface PodSpecRequests {
  containers: ContainerSpec[];
  initContainers: ContainerSpec[];
  resources?: ResourceSpec;
  overhead?: Record<string, unknown>;
}

const NONE: Requests = { cpuMillis: 0, memoryBytes: 0 };

export function podRequests(spec: PodSpecRequests): Requests {
  let running = spec.containers.reduce((total, container) => add(total, containerRequests(container.resources)), NONE);
  let sidecars = NONE;
  let initPeak = NONE;
  for (const container of spec.initContainers) {
    const own = containerRequests(container.resources);
    if (container.restartPolicy === 'Always') {
      running = add(running, own);
      sidecars = add(sidecars, own);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, add(own, sidecars));
    }
  }
  let pod = max(running, initPeak);
  if (spec.resources !== undefined) {
    const level = declared(spec.resources);
    pod = { cpuMillis: level.cpuMillis ?? pod.cpuMillis, memoryBytes: level.memoryBytes ?? pod.memoryBytes };
  }
  return add(pod, fromList(spec.overhead));
}

function containerRequests(resources: ResourceSpec | undefined): Requests {
  const own = declared(resources ?? {});
  return { cpuMillis: own.cpuMillis ?? 0, memoryBytes: own.memoryBytes ?? 0 };
}

/** Requests, each falling back to the limit of the same resource; undefined when neither is set. */
function declared(resources: ResourceSpec): { cpuMillis?: number; memoryBytes?: number } {
  const cpu = resources.requests?.cpu ?? resources.limits?.cpu;
  const memory = resources.requests?.memory ?? resources.limits?.memory;
  return {
    cpuMillis: cpu === undefined || cpu === null ? undefined : cpuMillicores(quantityInput(cpu)),
    memoryBytes: memory === undefined || memory === null ? undefined : memoryBytes(quantityInput(memory)),
  };
}

function fromList(list: Record<string, unknown> | undefined): Requests {
  if (list === undefined) return NONE;
  return containerRequests({ requests: list });
}

function quantityInput(value: unknown): string | number {
  if (typeof value === 'string' || typeof value === 'number') return value;
  return String(value);
}

function add(a: Requests, b: Requests): Requests {
  return { cpuMillis: a.cpuMillis + b.cpuMillis, memoryBytes: a.memoryBytes + b.memoryBytes };
}

function max(a: Requests, b: Requests): Requests {
  return { cpuMillis: Math.max(a.cpuMillis, b.cpuMillis), memoryBytes: Math.max(a.memoryBytes, b.memoryBytes) };
}
