// Runs in a fresh Node process inside a CPU-capped cgroup (bench/cold-start-cgroup.ts): imports
// the packaged handler as the Lambda runtime does, then hands it the events of BENCH_EVENTS (a JSON
// array of Function URL events) one after another, and prints the timings on a line starting with
// `BENCH `. Plain JavaScript on purpose: a .ts child would spend the capped CPU on type stripping
// before the handler is even imported. Without a bundle argument it measures Node alone.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

const nodeStartMs = performance.now();
const bundle = process.argv[2];
const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const nodeStartCpuMs = cpuMs();
const report = { nodeStartMs, nodeStartCpuMs, importMs: undefined, importCpuMs: undefined, admissions: [], cpuMs: undefined };
if (bundle) {
  const started = performance.now();
  const module = await import(pathToFileURL(bundle).href);
  report.importMs = performance.now() - started;
  report.importCpuMs = cpuMs() - nodeStartCpuMs;
  const events = JSON.parse(process.env.BENCH_EVENTS ?? '[]');
  const gapMs = Number(process.env.BENCH_WARM_GAP_MS ?? 0);
  for (const [index, event] of events.entries()) {
    if (index > 0 && gapMs > 0) await sleep(gapMs);
    const context = { awsRequestId: `bench-${index}`, functionName: 'archy', getRemainingTimeInMillis: () => 6000 };
    const t0 = performance.now();
    const c0 = cpuMs();
    const result = await module.handler(event, context);
    const ms = performance.now() - t0;
    const cpu = cpuMs() - c0;
    let warnings;
    try {
      warnings = JSON.parse(result.body ?? '{}').response?.warnings;
    } catch {
      warnings = undefined;
    }
    report.admissions.push({ ms, cpuMs: cpu, status: result.statusCode, patched: (result.body ?? '').includes('"patch"'), warnings });
  }
}
report.cpuMs = cpuMs();
report.totalMs = performance.now();
process.stdout.write(`\nBENCH ${JSON.stringify(report)}\n`);
process.exit(0);
