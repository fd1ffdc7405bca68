// Runs in a fresh Node process: imports the bundled handler, then (optionally) answers one
// admission, and prints the timings on a line starting with `BENCH `.
import { pathToFileURL } from 'node:url';

const [bundle, eventJson] = [process.argv[2], process.env.BENCH_EVENT];
if (!bundle) throw new Error('usage: cold-start-child.ts <bundle.js>  (BENCH_EVENT: a Function URL event)');

const started = performance.now();
const module = (await import(pathToFileURL(bundle).href)) as { handler: (event: unknown, context: unknown) => Promise<{ statusCode?: number; body?: string }> };
const importMs = performance.now() - started;
let admissionMs: number | undefined;
let status: number | undefined;
let warnings: string[] | undefined;
if (eventJson) {
  const context = { awsRequestId: 'bench-cold-start', functionName: 'archy', getRemainingTimeInMillis: () => 6000 };
  const t0 = performance.now();
  const result = await module.handler(JSON.parse(eventJson), context);
  admissionMs = performance.now() - t0;
  status = result.statusCode;
  warnings = (JSON.parse(result.body ?? '{}') as { response?: { warnings?: string[] } }).response?.warnings;
}
console.log(`BENCH ${JSON.stringify({ importMs, admissionMs, status, warnings, rssBytes: process.memoryUsage.rss() })}`);
process.exit(0);
