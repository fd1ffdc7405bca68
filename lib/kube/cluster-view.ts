// The cluster view: Ready nodes per architecture, and the Ready Karpenter NodePools with what they
// can launch. Read in the background only: admissions take `current()`, which does no I/O, and
// the app starts `refreshIfDue()` after it has answered. Absent CRDs (404) and missing permissions
// (403) leave the view to the nodes, said once in the log.
//
// The fresh view and the one refresh in flight are a single-flight cache (the refresh runs on its
// own budget); around it: the last known parts, served when a refresh fails, and a 30 s back-off
// after any failure. NodePools change more often than they cost to read, so they are re-read every
// minute; the (large) node list every five.
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { ClusterView } from '../placement/index.ts';
import { SingleFlightCache, type Loaded } from '../single-flight.ts';
import { readNodeCensus, type NodeCensus } from './census.ts';
import {
  EC2NODECLASSES_PATH,
  ec2NodeClassArchitectures,
  KARPENTER_LIST_BOUNDS,
  nodePoolViews,
  NODEPOOLS_PATH,
  parseNodePool,
  type NodePoolSpec,
} from './karpenter.ts';
import { KubeError } from './kube-client.ts';
import type { KubeRest } from './kube-rest.ts';
import { listAll } from './list.ts';

const POOLS_EVERY_MS = 60_000;
const NODES_EVERY_MS = 5 * 60_000;
/** A view this old is not believed any more (an instance that slept): placement goes on without one. */
const MAX_AGE_MS = 15 * 60_000;
const RETRY_AFTER_FAILURE_MS = 30_000;
/** One refresh, connection and every page included. */
const REFRESH_BUDGET_MS = 20_000;
const MAX_LOGGED_ONCE = 200;
const VIEW = 'view';

export interface ClusterViewOptions {
  rest: KubeRest;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
  poolsEveryMs?: number;
  nodesEveryMs?: number;
  refreshBudgetMs?: number;
}

/** One list, as last read: what it held, or why it could not be read. */
type Part<T> =
  | { kind: 'read'; value: T; resourceVersion?: string }
  /** The API does not exist here (404): for NodePools, no Karpenter, so no pool. */
  | { kind: 'absent' }
  /** Not allowed (403), too large to believe, or failing with nothing known before. */
  | { kind: 'unreadable' };

interface PartList {
  what: string;
  path: string;
  /** Logged once when the API answers 404. */
  absent: string;
}

export class ClusterViewReader {
  readonly #options: ClusterViewOptions;
  readonly #fresh: SingleFlightCache<ClusterView>;
  #view?: { view: ClusterView; at: number };
  #nodes?: { census: NodeCensus; at: number };
  #pools?: Part<NodePoolSpec[]>;
  #classes?: Part<Map<string, string[]>>;
  #failedAt?: number;
  readonly #loggedOnce = new Set<string>();

  constructor(options: ClusterViewOptions) {
    this.#options = options;
    this.#fresh = new SingleFlightCache({ maxEntries: 1, loadTimeoutMs: options.refreshBudgetMs ?? REFRESH_BUDGET_MS, now: () => this.#now() });
  }

  /** The last view read, at once and without I/O; undefined before the first or when it is too old. */
  current(): ClusterView | undefined {
    if (this.#view === undefined || this.#now() - this.#view.at > MAX_AGE_MS) return undefined;
    return this.#view.view;
  }

  /** Starts a refresh when the view is due one (or joins the one under way). Never rejects. */
  async refreshIfDue(): Promise<void> {
    if (this.#fresh.peek(VIEW) !== undefined || this.#backingOff()) return;
    await this.refresh();
  }

  /** Refreshes now, fresh or not (or joins the refresh under way); the view after it, the last known when it failed. */
  async refresh(): Promise<ClusterView | undefined> {
    this.#fresh.delete(VIEW);
    try {
      return await this.#fresh.get(VIEW, this.#load);
    } catch {
      // Also when the budget ended the refresh before the lists themselves gave up.
      this.#failedAt = this.#now();
      return this.current();
    }
  }

  #backingOff(): boolean {
    const every = this.#options.poolsEveryMs ?? POOLS_EVERY_MS;
    return this.#failedAt !== undefined && this.#now() - this.#failedAt < Math.min(every, RETRY_AFTER_FAILURE_MS);
  }

  readonly #load = async (budget: AbortSignal): Promise<Loaded<ClusterView>> => {
    let view: ClusterView;
    try {
      const [census, pools] = await Promise.all([this.#readNodes(budget), this.#readPools(budget)]);
      view = { nodes: census.counts };
      if (pools.kind === 'absent') view.nodePools = [];
      if (pools.kind === 'read') {
        const ready = pools.value.filter((pool) => pool.ready);
        const classes = ready.some((pool) => pool.ec2NodeClass !== undefined) ? await this.#readClasses(budget) : undefined;
        view.nodePools = nodePoolViews(ready, classes?.kind === 'read' ? classes.value : undefined);
      }
    } catch (error) {
      // Running out of its own budget counts too: a list too slow to finish would otherwise be
      // started again after every answer.
      this.#failedAt = this.#now();
      (this.#options.metrics ?? noopMetrics).count('NodeCensusErrors');
      this.#options.logger?.warn({ err: describeError(error) }, 'cluster view: reading the nodes failed; using the last known view');
      throw error;
    }
    this.#failedAt = undefined;
    this.#view = { view, at: this.#now() };
    return { value: view, ttlMs: this.#options.poolsEveryMs ?? POOLS_EVERY_MS };
  };

  async #readNodes(budget: AbortSignal): Promise<NodeCensus> {
    const known = this.#nodes;
    if (known !== undefined && this.#now() - known.at < (this.#options.nodesEveryMs ?? NODES_EVERY_MS)) return known.census;
    try {
      const census = await readNodeCensus(this.#options.rest, budget, known?.census.resourceVersion);
      this.#nodes = { census, at: this.#now() };
      return census;
    } catch (error) {
      // The remembered resourceVersion may be what the API server refuses (e.g. after a restore).
      if (known?.census.resourceVersion !== undefined) this.#nodes = { census: { counts: known.census.counts }, at: known.at };
      throw error;
    }
  }

  async #readPools(budget: AbortSignal): Promise<Part<NodePoolSpec[]>> {
    const absent = 'cluster view: NodePools (karpenter.sh/v1) are not served here, so no NodePool can launch a node; placement uses the nodes';
    this.#pools = await this.#readPart({ what: 'NodePools', path: NODEPOOLS_PATH, absent }, this.#pools, budget, (items) => {
      const pools: NodePoolSpec[] = [];
      for (const item of items) {
        const { pool, problems } = parseNodePool(item);
        for (const problem of problems) this.#logOnce(problem, 'warn', {}, `cluster view: ${problem}`);
        if (pool !== undefined) pools.push(pool);
      }
      return pools;
    });
    return this.#pools;
  }

  async #readClasses(budget: AbortSignal): Promise<Part<Map<string, string[]>>> {
    const absent = 'cluster view: EC2NodeClasses (karpenter.k8s.aws/v1) are not served here; a NodePool without an architecture requirement is taken to offer amd64 and arm64';
    this.#classes = await this.#readPart({ what: 'EC2NodeClasses', path: EC2NODECLASSES_PATH, absent }, this.#classes, budget, (items) => {
      const classes = new Map<string, string[]>();
      for (const item of items) {
        const found = ec2NodeClassArchitectures(item);
        if (found?.architectures !== undefined) classes.set(found.name, found.architectures);
      }
      return classes;
    });
    return this.#classes;
  }

  /** One list: read and parsed, or why not. A passing failure keeps what was known (its resourceVersion dropped). */
  async #readPart<T>(list: PartList, known: Part<T> | undefined, budget: AbortSignal, parse: (items: unknown[]) => T): Promise<Part<T>> {
    const { what, path } = list;
    try {
      const since = known?.kind === 'read' ? known.resourceVersion : undefined;
      const { items, resourceVersion } = await listAll(this.#options.rest, path, KARPENTER_LIST_BOUNDS, budget, since);
      const part: Part<T> = { kind: 'read', value: parse(items) };
      if (resourceVersion !== undefined) part.resourceVersion = resourceVersion;
      return part;
    } catch (error) {
      if (error instanceof KubeError && error.status === 404) {
        this.#logOnce(`${path}:404`, 'info', {}, list.absent);
        return { kind: 'absent' };
      }
      if (error instanceof KubeError && (error.status === 403 || error.status === 401)) {
        this.#logOnce(`${path}:${error.status}`, 'warn', { err: error.message }, `cluster view: not allowed to list ${what}; going on without them (see infra/kubernetes/rbac.yaml)`);
        return { kind: 'unreadable' };
      }
      if (error instanceof KubeError && error.reason === 'TooMany') {
        this.#logOnce(`${path}:too-many`, 'warn', { err: error.message }, `cluster view: too many ${what} to believe; going on without them`);
        return { kind: 'unreadable' };
      }
      (this.#options.metrics ?? noopMetrics).count('NodeCensusErrors');
      this.#options.logger?.warn({ err: describeError(error) }, `cluster view: reading the ${what} failed; using what was known`);
      return known?.kind === 'read' ? { kind: 'read', value: known.value } : (known ?? { kind: 'unreadable' });
    }
  }

  #logOnce(key: string, level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void {
    if (this.#loggedOnce.has(key) || this.#loggedOnce.size >= MAX_LOGGED_ONCE) return;
    this.#loggedOnce.add(key);
    this.#options.logger?.[level](fields, message);
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
