export { Resolver, ALWAYS_TRUST_SECONDS } from './resolver.ts';
export type { ResolverOptions, ImageInput, ResolveAllResult, TierCounts } from './resolver.ts';
export type { PlatformSource, SourceAnswer, SourceOptions } from './source.ts';
export { accessFromSource, anonymousAccess, hasStages } from './access.ts';
export type { AccessStage, RegistryAccess } from './access.ts';
