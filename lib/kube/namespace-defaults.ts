// A Namespace's defaults for the per-workload choices (archy.io/preferred-arch, archy.io/strategy,
// archy.io/default-arch on the Namespace): one GET of its metadata (PartialObjectMetadata, so no
// spec or status travels) through the light reader, shared by concurrent admissions and kept for
// minutes. An admission waits for a Namespace not known yet only as long as its caller's signal
// lasts; the read goes on, on its own budget, for the next admission. Only the three annotations
// are kept (cut short), whatever else the Namespace carries.
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import { CHOICE_ANNOTATIONS, type NamespaceDefaults } from '../placement/index.ts';
import { SingleFlightCache, type Loaded } from '../single-flight.ts';
import { isDns1123Label } from '../validation/kubernetes.ts';
import { KubeError } from './kube-client.ts';
import type { KubeRest } from './kube-rest.ts';

const FRESH_TTL_MS = 5 * 60_000;
/** Not found, or failing: asked again after this. */
const RETRY_TTL_MS = 30_000;
/** Not allowed (RBAC not updated): asked again after this. */
const FORBIDDEN_TTL_MS = 5 * 60_000;
const LOAD_BUDGET_MS = 5_000;
const MAX_KEPT = 1_000;
/** A Namespace's metadata: annotations up to 256 KiB, labels and managed fields. */
const MAX_BYTES = 1024 * 1024;
/** No usable choice is longer; what is kept of a longer one is enough for the warning. */
const MAX_VALUE = 100;
const METADATA_ONLY = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

export interface NamespaceDefaultsReader {
  /**
   * The Namespace's choices: at once when known; else the read is started (or joined) and awaited
   * while `wait` lasts. Undefined when not known by then, or not readable. Never rejects.
   */
  get(namespace: string, wait: AbortSignal): Promise<NamespaceDefaults | undefined>;
  /** The Namespace's choices when known now, without waiting or reading. */
  peek(namespace: string): NamespaceDefaults | undefined;
}

export interface NamespaceDefaultsOptions {
  rest: KubeRest;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
}

export function createNamespaceDefaults(options: NamespaceDefaultsOptions): NamespaceDefaultsReader {
  const { rest, logger } = options;
  const metrics = options.metrics ?? noopMetrics;
  const kept = new SingleFlightCache<NamespaceDefaults>({ maxEntries: MAX_KEPT, loadTimeoutMs: LOAD_BUDGET_MS, now: options.now });

  const load = async (name: string, budget: AbortSignal): Promise<Loaded<NamespaceDefaults>> => {
    try {
      const body = await rest.getJson(`/api/v1/namespaces/${encodeURIComponent(name)}`, {}, { signal: budget, maxBytes: MAX_BYTES, accept: METADATA_ONLY });
      return { value: { name, annotations: choicesOf(body) }, ttlMs: FRESH_TTL_MS };
    } catch (error) {
      const reason = error instanceof KubeError ? error.reason : 'Unknown';
      if (reason === 'NotFound') return { value: { name, annotations: {} }, ttlMs: RETRY_TTL_MS };
      metrics.count('NamespaceErrors');
      logger?.warn(
        { namespace: name, err: error instanceof Error ? error.message : String(error) },
        reason === 'Forbidden' || reason === 'Unauthorized'
          ? 'may not get namespaces: namespace defaults (archy.io/ annotations on Namespaces) are not used; apply infra/kubernetes/rbac.yaml again'
          : 'could not read the namespace; its defaults are not used for now',
      );
      return { value: { name, annotations: {} }, ttlMs: reason === 'Forbidden' || reason === 'Unauthorized' ? FORBIDDEN_TTL_MS : RETRY_TTL_MS };
    }
  };

  return {
    async get(namespace, wait) {
      if (!isDns1123Label(namespace)) return undefined;
      try {
        return await kept.get(namespace, (budget) => load(namespace, budget), wait);
      } catch {
        return undefined;
      }
    },
    peek: (namespace) => kept.peek(namespace),
  };
}

/** The choice annotations of a Namespace (or its PartialObjectMetadata), values cut short. */
function choicesOf(body: unknown): Record<string, string> {
  const annotations = record(record(record(body)?.metadata)?.annotations) ?? {};
  const choices: Record<string, string> = {};
  for (const key of CHOICE_ANNOTATIONS) {
    const value = Object.hasOwn(annotations, key) ? annotations[key] : undefined;
    if (typeof value === 'string') choices[key] = value.slice(0, MAX_VALUE);
  }
  return choices;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
