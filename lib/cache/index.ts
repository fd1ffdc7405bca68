import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { PlatformCache } from './cache.ts';
import { DynamoDbCache } from './dynamodb.ts';
import { MemoryCache } from './memory.ts';
import { TieredCache } from './tiered.ts';

export type { PlatformCache } from './cache.ts';
export type { CacheEntry, CacheHit, CacheTier } from './entry.ts';
export { MemoryCache } from './memory.ts';
export { DynamoDbCache, createDynamoDbClient } from './dynamodb.ts';
export { TieredCache } from './tiered.ts';
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
