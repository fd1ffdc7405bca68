// The webhook's own resolution stack, built for one command-line run from the same ARCHY_*
// configuration: registry client (address guard, insecure and private registries), ECR IAM with
// the caller's AWS credentials, registry mirrors, and the cache (memory, plus the DynamoDB table
// when ARCHY_CACHE_TABLE is set, read and written like the webhook does).
import { createCache, type PlatformCache } from '../../cache/index.ts';
import type { Config } from '../../config.ts';
import { EcrCredentials } from '../../credentials/ecr.ts';
import type { Logger } from '../../log.ts';
import { MirroringSource } from '../../mirrors/mirroring-source.ts';
import { RegistryClient } from '../../registry/client.ts';
import type { Transport } from '../../registry/transport.ts';
import { Resolver } from '../../resolver/resolver.ts';

export interface ResolutionStack {
  resolver: Resolver;
  cache: PlatformCache;
  ecr: EcrCredentials;
}

/** A run reads each answer once and keeps it: the memory tier holds a whole cluster's images. */
const MEMORY_ENTRIES = 200_000;

export function createResolutionStack(config: Config, logger: Logger, transport?: Transport): ResolutionStack {
  const cache = createCache({ cacheTable: config.cacheTable, memoryCacheEntries: MEMORY_ENTRIES }, logger);
  const registry = new RegistryClient({
    insecureRegistries: config.insecureRegistries,
    privateRegistries: config.privateRegistries,
    logger,
    transport,
  });
  const ecr = new EcrCredentials({ logger });
  const source = Object.keys(config.registryMirrors).length > 0
    ? new MirroringSource({ registry, mirrors: config.registryMirrors, credentials: ecr, logger })
    : registry;
  return { resolver: new Resolver({ source, cache, config, logger }), cache, ecr };
}
