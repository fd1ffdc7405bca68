// Runs in a fresh Node process: 10,000 admissions over 1,000 distinct images answered by an
// in-process fake registry, then prints peak RSS on a line starting with `BENCH `.
import { createApp } from '../lib/app.ts';
import { FakeRegistryTransport } from './support/fake-transport.ts';
import { benchEnv, discardingDestination, mutateRequest, podReview, uidFor } from './support/fixtures.ts';

const ADMISSIONS = Number(process.argv[2] ?? 10_000);
const DISTINCT_IMAGES = Number(process.argv[3] ?? 1_000);

/** Every fourth image is single-arch (manifest + config blob); the rest are two-platform indexes. */
function image(index: number): string {
  const k = index % DISTINCT_IMAGES;
  return `registry.bench.example/team/app-${k}${k % 4 === 3 ? '-single' : ''}:1.0`;
}

const rssAtStart = process.memoryUsage.rss();
const transport = new FakeRegistryTransport();
const app = createApp({ env: benchEnv({ ARCHY_INSECURE_REGISTRIES: 'registry.bench.example' }), logDestination: discardingDestination(), registryTransport: transport });
const rssAfterLoad = process.memoryUsage.rss();
let peakHeapUsed = 0;
const started = performance.now();
for (let i = 0; i < ADMISSIONS; i += 1) {
  // A fresh body per admission, as each HTTP request brings its own.
  const body = JSON.stringify(podReview(uidFor(i), [image(3 * i), image(3 * i + 1), image(3 * i + 2)]));
  const response = await app.handle(mutateRequest(body));
  if (response.statusCode !== 200) throw new Error(`admission ${i} answered ${response.statusCode}`);
  if (i % 250 === 0) peakHeapUsed = Math.max(peakHeapUsed, process.memoryUsage().heapUsed);
}
const elapsedMs = performance.now() - started;
console.log(`BENCH ${JSON.stringify({
  admissions: ADMISSIONS,
  distinctImages: DISTINCT_IMAGES,
  elapsedMs,
  registryRequests: transport.counts,
  rssAtStartBytes: rssAtStart,
  rssAfterLoadBytes: rssAfterLoad,
  // resourceUsage().maxRSS is in kilobytes: the process's peak, whatever sampling missed.
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  peakHeapUsedBytes: peakHeapUsed,
})}`);
