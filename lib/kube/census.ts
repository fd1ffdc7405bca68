// How many nodes of each architecture the cluster has: the tie-breaker for the preferred
// architecture. Cached for minutes (clusters change slowly); a failure never fails an admission.
//
// The fresh counts and the one refresh in flight are a single-flight cache: the refresh runs on its
// own budget, whoever started it, and an admission waits for it only until its own deadline. Around
// it the census adds two things the cache deliberately does not keep: the last known counts, served
// stale when a refresh fails or is under way, and a short back-off after the API failed. A refresh
// that ran out of time starts no back-off: a failure caused by a deadline is never kept.
import type { Deadline } from '../deadline.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import { SingleFlightCache, type Loaded } from '../single-flight.ts';
import { KubeError, type KubeApi } from './kube-client.ts';

export type ArchitectureCounts = Record<string, number>;

export const ARCH_LABEL = 'kubernetes.io/arch';
const PAGE_SIZE = 500;
const MAX_PAGES = 100;
const CACHE_MS = 5 * 60_000;
const RETRY_AFTER_FAILURE_MS = 30_000;
/** A refresh is not tied to any admission's budget, only to this. */
const REFRESH_BUDGET_MS = 10_000;
const NODES = 'nodes';

export interface NodeCensusOptions {
  kube: KubeApi | (() => Promise<KubeApi>);
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
  cacheMs?: number;
  /** The budget of one refresh, whoever waits for it. */
  refreshBudgetMs?: number;
}

export class NodeCensus {
  readonly #options: NodeCensusOptions;
  readonly #fresh: SingleFlightCache<ArchitectureCounts>;
  #lastKnown?: ArchitectureCounts;
  /** After a failure, wait a little before asking again so a broken API is not hammered. */
  #failedAt?: number;

  constructor(options: NodeCensusOptions) {
    this.#options = options;
    this.#fresh = new SingleFlightCache({ maxEntries: 1, loadTimeoutMs: options.refreshBudgetMs ?? REFRESH_BUDGET_MS, now: () => this.#now() });
  }

  /**
   * The last known counts at once (undefined before the first answer), refreshed in the background
   * when stale. Admissions use this: the census only breaks ties between allowed architectures,
   * so a cold instance's first admission should not wait for the Kubernetes client to load.
   */
  current(): ArchitectureCounts | undefined {
    if (this.#fresh.peek(NODES) === undefined && !this.#backingOff()) {
      // Joins the refresh in flight, if any; its failure is logged and counted there.
      this.#fresh.get(NODES, this.#refresh).catch(() => undefined);
    }
    return this.#lastKnown;
  }

  #backingOff(): boolean {
    const ttl = this.#options.cacheMs ?? CACHE_MS;
    return this.#failedAt !== undefined && this.#now() - this.#failedAt < Math.min(ttl, RETRY_AFTER_FAILURE_MS);
  }

  /**
   * Counts per architecture, waiting for a refresh until `deadline`; the last known counts (or
   * undefined) when the API fails or the deadline comes first. Never throws.
   */
  async architectures(deadline: Deadline): Promise<ArchitectureCounts | undefined> {
    const fresh = this.#fresh.peek(NODES);
    if (fresh !== undefined || this.#backingOff()) return fresh ?? this.#lastKnown;
    try {
      return await this.#fresh.get(NODES, this.#refresh, deadline.signal);
    } catch {
      return this.#lastKnown;
    }
  }

  readonly #refresh = async (budget: AbortSignal): Promise<Loaded<ArchitectureCounts>> => {
    let counts: ArchitectureCounts;
    try {
      counts = await countArchitectures(await this.#kube(), budget);
    } catch (error) {
      if (!budget.aborted && !causedByDeadline(error)) this.#failedAt = this.#now();
      (this.#options.metrics ?? noopMetrics).count('NodeCensusErrors');
      this.#options.logger?.warn({ err: describeError(error) }, 'node census failed; using the last known counts');
      throw error;
    }
    this.#lastKnown = counts;
    this.#failedAt = undefined;
    return { value: counts, ttlMs: this.#options.cacheMs ?? CACHE_MS };
  };

  async #kube(): Promise<KubeApi> {
    const { kube } = this.#options;
    return typeof kube === 'function' ? kube() : kube;
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }
}

async function countArchitectures(kube: KubeApi, signal: AbortSignal): Promise<ArchitectureCounts> {
  const counts: ArchitectureCounts = {};
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await kube.listNodes({ limit: PAGE_SIZE, continue: token }, signal);
    for (const node of result.items) {
      const arch = node.labels[ARCH_LABEL];
      if (arch) counts[arch] = (counts[arch] ?? 0) + 1;
    }
    token = result.continue;
    if (!token) return counts;
  }
  throw new Error(`node list did not end after ${MAX_PAGES} pages`);
}

/** E.g. the Kubernetes client's own connection budget ran out: no answer, not a broken API. */
function causedByDeadline(error: unknown): boolean {
  if (error instanceof KubeError) return error.reason === 'Timeout';
  return error instanceof Error && ['AbortError', 'TimeoutError', 'DeadlineExceededError'].includes(error.name);
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The architecture most nodes have; a tie that includes `defaultArch` goes to it, other ties
 * alphabetically. Undefined when nothing is known. (ARCHY_PREFERRED_ARCH, when set, wins over this:
 * see placementPolicy.)
 */
export function mostCommonArchitecture(census: ArchitectureCounts | undefined, defaultArch: string): string | undefined {
  const entries = Object.entries(census ?? {}).filter(([, count]) => count > 0);
  if (entries.length === 0) return undefined;
  const top = Math.max(...entries.map(([, count]) => count));
  const leaders = entries.filter(([, count]) => count === top).map(([arch]) => arch);
  if (leaders.includes(defaultArch)) return defaultArch;
  return leaders.sort()[0];
}
