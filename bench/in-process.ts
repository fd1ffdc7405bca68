// In-process handler latency and throughput per cache tier, against the floor: JSON.parse +
// JSON.stringify of the same AdmissionReview. Every tier admits the same 3-container pod.
import { createApp, type App } from '../lib/app.ts';
import type { TestRegistry } from '../test/support/registry/harness.ts';
import type { DynamoDbLocal } from '../test/support/dynamodb.ts';
import { benchEnv, discardingDestination, lastTiers, mutateRequest, podReview, uidFor, type LastLine } from './support/fixtures.ts';
import { interleaved } from './support/interleave.ts';
import { timeSequential, type LatencySummary } from './support/stats.ts';

export interface TierResults {
  floor: LatencySummary;
  memory: LatencySummary;
  dynamodb?: LatencySummary;
  registry: LatencySummary;
  /** The tiers the last admission of each run reported (proof that the run measured that tier). */
  observed: Record<string, Record<string, number>>;
}

/** Distinct bodies (distinct uids) so no layer can cache a whole answer. */
export function reviewBodies(images: string[], count = 1000): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify(podReview(uidFor(i), images)));
}

export function appFor(env: Record<string, string>): { app: App; log: LastLine } {
  const log = discardingDestination();
  return { app: createApp({ env: benchEnv(env), logDestination: log }), log };
}

async function admit(app: App, body: string): Promise<void> {
  const response = await app.handle(mutateRequest(body));
  if (response.statusCode !== 200 || !response.body.includes('"patch"')) throw new Error(`unexpected answer ${response.statusCode}: ${response.body.slice(0, 300)}`);
}

/** Memory hit vs the floor, in alternating rounds. */
export async function memoryAndFloor(registry: TestRegistry, images: string[]): Promise<Pick<TierResults, 'floor' | 'memory'> & { tiers: Record<string, number> }> {
  const bodies = reviewBodies(images);
  const { app, log } = appFor({ ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}` });
  await admit(app, bodies[0] as string);
  const results = await interleaved(
    {
      floor: (i) => JSON.stringify(JSON.parse(bodies[i % bodies.length] as string)),
      memory: (i) => admit(app, bodies[i % bodies.length] as string),
    },
    8,
    4000,
    2000,
  );
  return { floor: results.floor as LatencySummary, memory: results.memory as LatencySummary, tiers: lastTiers(log) };
}

/** Every admission reads DynamoDB: the memory tier holds nothing (ARCHY_MEMORY_CACHE_ENTRIES=0). */
export async function dynamoDbHit(registry: TestRegistry, dynamodb: DynamoDbLocal, table: string, images: string[], iterations: number): Promise<{ summary: LatencySummary; tiers: Record<string, number> }> {
  const bodies = reviewBodies(images);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
  const { app, log } = appFor({ ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}`, ARCHY_CACHE_TABLE: table, ARCHY_MEMORY_CACHE_ENTRIES: '0' });
  const summary = await timeSequential((i) => admit(app, bodies[i % bodies.length] as string), iterations, 200);
  return { summary, tiers: lastTiers(log) };
}

/** Every admission asks the registry: no memory tier, no table. */
export async function registryMiss(registry: TestRegistry, images: string[], iterations: number): Promise<{ summary: LatencySummary; tiers: Record<string, number> }> {
  const bodies = reviewBodies(images);
  const { app, log } = appFor({ ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}`, ARCHY_MEMORY_CACHE_ENTRIES: '0' });
  const summary = await timeSequential((i) => admit(app, bodies[i % bodies.length] as string), iterations, 50);
  return { summary, tiers: lastTiers(log) };
}
