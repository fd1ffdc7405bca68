// How many nodes of each architecture the cluster has: the tie-breaker for the preferred
// architecture. Cached for minutes (clusters change slowly); a failure never fails an admission.
import { Deadline } from '../deadline.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { KubeApi } from './kube-client.ts';

export type ArchitectureCounts = Record<string, number>;

export const ARCH_LABEL = 'kubernetes.io/arch';
const PAGE_SIZE = 500;
const MAX_PAGES = 100;
const CACHE_MS = 5 * 60_000;
const RETRY_AFTER_FAILURE_MS = 30_000;
/** A background refresh is not tied to any admission's budget, only to this. */
const BACKGROUND_BUDGET_MS = 10_000;

export interface NodeCensusOptions {
  kube: KubeApi | (() => Promise<KubeApi>);
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
  cacheMs?: number;
}

export class NodeCensus {
  readonly #options: NodeCensusOptions;
  #known?: { counts: ArchitectureCounts; at: number };
  #inFlight?: Promise<ArchitectureCounts | undefined>;
  /** After a failure, wait a little before asking again so a broken API is not hammered. */
  #failedAt?: number;

  constructor(options: NodeCensusOptions) {
    this.#options = options;
  }

  /**
   * The last known counts at once (undefined before the first answer), refreshed in the background
   * when stale. Admissions use this: the census only breaks ties between allowed architectures,
   * so a cold instance's first admission should not wait for the Kubernetes client to load.
   */
  current(): ArchitectureCounts | undefined {
    if (!this.#fresh() && !this.#backingOff() && this.#inFlight === undefined) {
      const deadline = new Deadline(BACKGROUND_BUDGET_MS);
      this.#inFlight = this.#refresh(deadline).finally(() => {
        this.#inFlight = undefined;
        deadline.dispose();
      });
    }
    return this.#known?.counts;
  }

  #fresh(): boolean {
    return this.#known !== undefined && this.#now() - this.#known.at < (this.#options.cacheMs ?? CACHE_MS);
  }

  #backingOff(): boolean {
    const ttl = this.#options.cacheMs ?? CACHE_MS;
    return this.#failedAt !== undefined && this.#now() - this.#failedAt < Math.min(ttl, RETRY_AFTER_FAILURE_MS);
  }

  /** Counts per architecture; the last known counts (or undefined) when the API fails. Never throws. */
  async architectures(deadline: Deadline): Promise<ArchitectureCounts | undefined> {
    if (this.#fresh() || this.#backingOff()) return this.#known?.counts;
    this.#inFlight ??= this.#refresh(deadline).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #refresh(deadline: Deadline): Promise<ArchitectureCounts | undefined> {
    try {
      const counts = await countArchitectures(await this.#kube(), deadline.signal);
      this.#known = { counts, at: this.#now() };
      this.#failedAt = undefined;
      return counts;
    } catch (error) {
      this.#failedAt = this.#now();
      (this.#options.metrics ?? noopMetrics).count('NodeCensusErrors');
      this.#options.logger?.warn({ err: describeError(error) }, 'node census failed; using the last known counts');
      return this.#known?.counts;
    }
  }

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
