// Registry challenges in the cache table (`challenge#<origin>`), so a cold instance that meets a
// registry another instance has met skips its 401 probe (lib/registry/auth.ts). Items are small
// and public (scheme, realm, service), fresh for an hour, checked again when read back, and
// removed when a challenge stops working. A table that fails costs the probe it would have saved.
import type { DynamoDbApi, Item, WriteRequest } from '../aws/dynamodb-types.ts';
import type { Logger } from '../log.ts';
import type { Challenge } from '../registry/challenge.ts';
import { fromStored, toStored, type ChallengeStore } from '../registry/challenge-store.ts';
import { epochSeconds } from './entry.ts';

export const CHALLENGE_TTL_SECONDS = 3600;
const KEY_PREFIX = 'challenge#';
/** Origins are `https://host[:port]`; anything longer is not ours. */
const MAX_ORIGIN_CHARS = 300;
const WRITE_TIMEOUT_MS = 2000;

export interface DynamoDbChallengeStoreOptions {
  table: string;
  client: DynamoDbApi;
  logger?: Logger;
  now?: () => number;
}

export class DynamoDbChallengeStore implements ChallengeStore {
  readonly #table: string;
  readonly #client: DynamoDbApi;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  /** The last write per origin: a forget and the remember that follows it land in that order. */
  readonly #writes = new Map<string, Promise<void>>();

  constructor(options: DynamoDbChallengeStoreOptions) {
    this.#table = options.table;
    this.#client = options.client;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  async read(origin: string, signal: AbortSignal): Promise<Challenge | undefined> {
    if (origin.length > MAX_ORIGIN_CHARS) return undefined;
    try {
      const output = await this.#client.batchGetItem({ RequestItems: { [this.#table]: { Keys: [{ pk: { S: challengeKey(origin) } }] } } }, signal);
      const item = output.Responses?.[this.#table]?.[0];
      return item === undefined ? undefined : this.#fromItem(item);
    } catch (error) {
      this.#logger?.debug({ origin, error: (error as Error).name }, 'shared registry challenge not read');
      return undefined;
    }
  }

  remember(origin: string, challenge: Challenge): void {
    const stored = toStored(challenge);
    if (stored === undefined || origin.length > MAX_ORIGIN_CHARS) return;
    const freshUntil = epochSeconds(this.#now()) + CHALLENGE_TTL_SECONDS;
    const item: Item = { pk: { S: challengeKey(origin) }, s: { S: stored.s }, f: { N: String(freshUntil) }, expiresAt: { N: String(freshUntil) } };
    if (stored.r !== undefined) item.r = { S: stored.r };
    if (stored.v !== undefined) item.v = { S: stored.v };
    this.#write(origin, { PutRequest: { Item: item } });
  }

  forget(origin: string): void {
    if (origin.length > MAX_ORIGIN_CHARS) return;
    this.#write(origin, { DeleteRequest: { Key: { pk: { S: challengeKey(origin) } } } });
  }

  #fromItem(item: Item): Challenge | undefined {
    const freshUntil = Number(item.f?.N);
    if (!Number.isFinite(freshUntil) || epochSeconds(this.#now()) >= freshUntil) return undefined;
    return fromStored({ s: item.s?.S, r: item.r?.S, v: item.v?.S });
  }

  #write(origin: string, request: WriteRequest): void {
    const previous = this.#writes.get(origin) ?? Promise.resolve();
    const write = previous
      .then(() => this.#client.batchWriteItem({ RequestItems: { [this.#table]: [request] } }, AbortSignal.timeout(WRITE_TIMEOUT_MS)))
      .then(
        () => undefined,
        (error: unknown) => this.#logger?.debug({ origin, error: (error as Error).name }, 'shared registry challenge not written'),
      )
      .finally(() => {
        if (this.#writes.get(origin) === write) this.#writes.delete(origin);
      });
    this.#writes.set(origin, write);
  }
}

export function challengeKey(origin: string): string {
  return `${KEY_PREFIX}${origin}`;
}
