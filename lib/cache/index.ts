import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { ChallengeStore } from '../registry/challenge-store.ts';
import type { PlatformCache } from './cache.ts';
import { DynamoDbChallengeStore } from './challenges.ts';
import { createDynamoDbClient, DynamoDbCache } from './dynamodb.ts';
import { MemoryCache } from './memory.ts';
import { TieredCache } from './tiered.ts';

export type { PlatformCache } from './cache.ts';
export type { CacheEntry, CacheHit, CacheTier } from './entry.ts';
export { MemoryCache } from './memory.ts';
export { DynamoDbCache, createDynamoDbClient } from './dynamodb.ts';
export { TieredCache } from './tiered.ts';
export { DynamoDbChallengeStore } from './challenges.ts';
export { digestKey, tagKey, lookupKey } from './keys.ts';

/** Memory alone without ARCHY_CACHE_TABLE; memory in front of DynamoDB with it. */
export function createCache(
  config: Pick<Config, 'memoryCacheEntries' | 'cacheTable'>,
  logger?: Logger,
  metrics?: Metrics,
): PlatformCache {
  const memory = new MemoryCache(config.memoryCacheEntries);
  const shared = config.cacheTable ? new DynamoDbCache({ table: config.cacheTable, logger, metrics }) : undefined;
  return new TieredCache(memory, shared);
}

/**
 * The cache and, with a table, the registry challenges shared through it: one DynamoDB client
 * (one connection) for both.
 */
export function createSharedTier(
  config: Pick<Config, 'memoryCacheEntries' | 'cacheTable'>,
  logger?: Logger,
  metrics?: Metrics,
): { cache: PlatformCache; challenges?: ChallengeStore } {
  const memory = new MemoryCache(config.memoryCacheEntries);
  if (!config.cacheTable) return { cache: new TieredCache(memory) };
  const client = createDynamoDbClient();
  return {
    cache: new TieredCache(memory, new DynamoDbCache({ table: config.cacheTable, client, logger, metrics })),
    challenges: new DynamoDbChallengeStore({ table: config.cacheTable, client, logger }),
  };
}
