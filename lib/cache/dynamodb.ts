// The shared tier: one DynamoDB table, keyed by `pk`, expired by the `expiresAt` TTL attribute.
// It degrades instead of failing: any error logs (rate-limited), counts, and reads as a miss.
import { createDynamoDbClient as createLightClient } from '../aws/dynamodb.ts';
import type { BatchGetItemOutput, BatchWriteItemOutput, DynamoDbApi, KeysAndAttributes, WriteRequest } from '../aws/dynamodb-types.ts';
import { sleep, type Deadline } from '../deadline.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { CacheHealth, PlatformCache } from './cache.ts';
import { epochSeconds, isReadable, type CacheEntry, type CacheHit } from './entry.ts';
import { fromItem, toItem } from './item.ts';
import { OncePer } from './rate-limit.ts';
import { fromSdkClient, isSdkClient, type SdkDynamoDbClient } from './sdk-client.ts';

const MAX_GET_KEYS = 100;
const MAX_WRITE_ITEMS = 25;
const FIRST_RETRY_MS = 20;
const LOG_INTERVAL_MS = 60_000;

export type CacheErrorKind = 'throttled' | 'table-not-found' | 'access-denied' | 'timeout' | 'network' | 'other';

/**
 * A client tuned for an admission's small budget (lib/aws/dynamodb.ts: two attempts, 500 ms to
 * connect, 2 s per request). The endpoint follows the SDK's overrides (AWS_ENDPOINT_URL_DYNAMODB).
 */
export function createDynamoDbClient(): DynamoDbApi {
  return createLightClient();
}

export interface DynamoDbCacheOptions {
  table: string;
  /** The light client by default; an AWS SDK DynamoDBClient is accepted too. */
  client?: DynamoDbApi | SdkDynamoDbClient;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => number;
}

export class DynamoDbCache implements PlatformCache {
  readonly #table: string;
  readonly #client: DynamoDbApi;
  readonly #logger: Logger | undefined;
  readonly #metrics: Metrics;
  readonly #now: () => number;
  readonly #logLimiter: OncePer;

  constructor(options: DynamoDbCacheOptions) {
    this.#table = options.table;
    const client = options.client ?? createDynamoDbClient();
    this.#client = isSdkClient(client) ? fromSdkClient(client) : client;
    this.#logger = options.logger;
    this.#metrics = options.metrics ?? noopMetrics;
    this.#now = options.now ?? Date.now;
    this.#logLimiter = new OncePer(LOG_INTERVAL_MS, this.#now);
  }

  /** DescribeTable within a second: the table exists, is reachable and the role may read it. */
  async health(): Promise<CacheHealth> {
    try {
      const { Table } = await this.#client.describeTable({ TableName: this.#table }, AbortSignal.timeout(1000));
      return { ok: Table?.TableStatus === 'ACTIVE', tiers: ['dynamodb'], table: this.#table };
    } catch (error) {
      return { ok: false, tiers: ['dynamodb'], table: this.#table, error: (error as Error).name };
    }
  }

  async getMany(keys: string[], deadline: Deadline): Promise<Map<string, CacheHit>> {
    const hits = new Map<string, CacheHit>();
    const unique = [...new Set(keys)];
    if (unique.length === 0 || deadline.expired()) return hits;
    try {
      await Promise.all(chunk(unique, MAX_GET_KEYS).map((part) => this.#getChunk(part, deadline, hits)));
    } catch (error) {
      this.#degrade('read', error);
    }
    return hits;
  }

  async putMany(items: Array<[string, CacheEntry]>, deadline: Deadline): Promise<void> {
    // BatchWriteItem rejects a request naming the same key twice: the last entry wins.
    const latest = new Map(items);
    if (latest.size === 0 || deadline.expired()) return;
    const requests: WriteRequest[] = [...latest].map(([key, entry]) => ({ PutRequest: { Item: toItem(key, entry) } }));
    try {
      await Promise.all(chunk(requests, MAX_WRITE_ITEMS).map((part) => this.#writeChunk(part, deadline)));
    } catch (error) {
      this.#degrade('write', error);
    }
  }

  async #getChunk(keys: string[], deadline: Deadline, hits: Map<string, CacheHit>): Promise<void> {
    let pending: KeysAndAttributes | undefined = { Keys: keys.map((key) => ({ pk: { S: key } })) };
    for (let attempt = 0; pending?.Keys?.length; attempt += 1) {
      if (attempt > 0) await this.#backoff(attempt, deadline);
      const output: BatchGetItemOutput = await this.#client.batchGetItem({ RequestItems: { [this.#table]: pending } }, deadline.signal);
      const nowSeconds = epochSeconds(this.#now());
      for (const item of output.Responses?.[this.#table] ?? []) {
        const parsed = fromItem(item);
        if (parsed && isReadable(parsed.entry, nowSeconds)) hits.set(parsed.key, { entry: parsed.entry, tier: 'dynamodb' });
      }
      pending = output.UnprocessedKeys?.[this.#table];
    }
  }

  async #writeChunk(requests: WriteRequest[], deadline: Deadline): Promise<void> {
    let pending: WriteRequest[] | undefined = requests;
    for (let attempt = 0; pending?.length; attempt += 1) {
      if (attempt > 0) await this.#backoff(attempt, deadline);
      const output: BatchWriteItemOutput = await this.#client.batchWriteItem({ RequestItems: { [this.#table]: pending } }, deadline.signal);
      pending = output.UnprocessedItems?.[this.#table];
    }
  }

  /** Exponential backoff with full jitter; gives up (throws) rather than outlive the deadline. */
  async #backoff(attempt: number, deadline: Deadline): Promise<void> {
    const delay = Math.random() * FIRST_RETRY_MS * 2 ** (attempt - 1);
    if (delay >= deadline.remaining()) throw new UnprocessedError();
    await sleep(delay, deadline.signal);
  }

  #degrade(operation: 'read' | 'write', error: unknown): void {
    const kind = classify(error);
    this.#metrics.count('CacheErrors', 1, { kind });
    const suppressed = this.#logLimiter.attempt();
    if (suppressed === undefined || this.#logger === undefined) return;
    this.#logger.warn(
      { table: this.#table, operation, kind, error: errorText(error), suppressedSinceLastLog: suppressed },
      'DynamoDB cache unavailable; continuing with the memory cache and the registry',
    );
  }
}

class UnprocessedError extends Error {
  constructor() {
    super('items left unprocessed when the time budget ran out');
    this.name = 'UnprocessedError';
  }
}

export function classify(error: unknown): CacheErrorKind {
  const name = error instanceof Error ? error.name : '';
  if (['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'UnprocessedError'].includes(name)) return 'throttled';
  if (name === 'ResourceNotFoundException') return 'table-not-found';
  if (['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException'].includes(name)) return 'access-denied';
  if (['AbortError', 'DeadlineExceededError', 'TimeoutError', 'RequestTimeout'].includes(name)) return 'timeout';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^(E[A-Z]+|ERR_)/.test(code)) return 'network';
  return 'other';
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function chunk<T>(items: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
