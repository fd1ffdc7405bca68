// Issue 15's measurements as terminal lines and as a section of docs/BENCHMARKS.md: the cold
// instance at the deployed CPU share and the memory-size table, first contact with token
// registries, and the local HTTPS server against a bare Node HTTPS server.
import type { ColdStartCgroupResult, SizeResult, Timing } from './cold-start-cgroup.ts';

const ms = (value: number | undefined): string => (value === undefined || Number.isNaN(value) ? '—' : `${value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ms`);
const usd = (value: number): string => `$${value.toFixed(2)}`;
const pct = (share: number): string => `${(share * 100).toFixed(1)} %`;

export function deployedSize(r: ColdStartCgroupResult): SizeResult | undefined {
  return r.sizes.find((size) => size.memoryMb === r.deployedMemoryMb);
}

export function coldStartLines(r: ColdStartCgroupResult): string[] {
  if (!r.measured) return [`Cold instance at the deployed CPU share: not measured (${r.unavailable ?? 'unknown reason'})`];
  const deployed = deployedSize(r);
  const lines: string[] = [];
  if (deployed) {
    const met = deployed.hit.coldAnswerMs < r.targetMs;
    lines.push(
      `Cold instance at ${r.deployedMemoryMb} MB (${deployed.quota}): import ${ms(deployed.hit.importMs)} + first admission (DynamoDB hit) ${ms(deployed.hit.firstAdmissionMs)} = ${ms(deployed.hit.coldAnswerMs)}; Node alone ${ms(deployed.nodeAloneMs)}  target < ${r.targetMs} ms  ${met ? 'met' : 'MISSED'}`,
    );
    if (r.cluster) lines.push(`Cold instance at ${r.deployedMemoryMb} MB, cluster configured: import ${ms(r.cluster.importMs)} + first admission ${ms(r.cluster.firstAdmissionMs)} = ${ms(r.cluster.coldAnswerMs)}`);
  }
  for (const size of r.sizes) {
    lines.push(`  ${String(size.memoryMb).padStart(5)} MB  ${pct(size.share).padStart(7)}  cold answer ${ms(size.hit.coldAnswerMs).padStart(8)} (import ${ms(size.hit.importMs)}, first ${ms(size.hit.firstAdmissionMs)}), Node alone ${ms(size.nodeAloneMs)}; warm hit ${ms(size.warmHitMs)}, miss ${ms(size.warmMissMs)} + ${r.assumedMissNetworkMs} ms network; per million: hits ${usd(size.costPerMillion.warmHit)}, misses ${usd(size.costPerMillion.miss)}`);
  }
  return lines;
}

export function printColdStartCgroup(r: ColdStartCgroupResult): void {
  for (const line of coldStartLines(r)) console.log(line);
}

function timingRow(label: string, t: Timing, nodeAloneMs?: number): string {
  return `| ${label} | ${ms(t.nodeStartMs)} | ${ms(t.importMs)} | ${ms(t.firstAdmissionMs)} | **${ms(t.coldAnswerMs)}** | ${ms(t.sinceProcessStartMs)} | ${ms(t.nodeStartCpuMs)} + ${ms(t.importCpuMs)} + ${ms(t.firstAdmissionCpuMs)} | ${nodeAloneMs === undefined ? '—' : ms(nodeAloneMs)} |`;
}

export function coldStartMarkdown(r: ColdStartCgroupResult): string {
  if (!r.measured) return `### Cold instance at the deployed CPU share\n\nNot measured: ${r.unavailable ?? 'unknown reason'}.\n`;
  const deployed = deployedSize(r);
  const sizeRows = r.sizes
    .map((s) => `| ${s.memoryMb} MB${s.memoryMb === r.deployedMemoryMb ? ' (deployed)' : ''} | ${pct(s.share)} | **${ms(s.hit.coldAnswerMs)}** | ${ms(s.nodeAloneMs)} | ${ms(s.warmHitMs)} | ${ms(s.warmMissMs)} | ${usd(s.costPerMillion.warmHit)} | ${usd(s.costPerMillion.miss)} |`)
    .join('\n');
  return `### Cold instance at the deployed CPU share

The function as deployed: \`sls package\` (serverless.yml as it is, ${(r.zipBytes / 1048576).toFixed(2)} MB zip), unzipped, imported by a fresh Node
process (bench/cold-start-cgroup-child.js, plain JavaScript as the Lambda runtime is) inside a Linux
cgroup capped at memory / 1,769 MB of one core (Lambda's rule), with the function's environment from
the packaged template (\`NODE_OPTIONS=${r.nodeOptions}\`), a webhook token read from a Secrets
Manager fake (as a deployed stack reads it on its first request) and its cache table in DynamoDB
Local holding the pod's three images: the first admission is a DynamoDB hit. Medians of
${deployed?.hit.runs ?? '—'} fresh processes per size; every process starts with its own table.

| At ${r.deployedMemoryMb} MB | Node's start | Import | First admission | Import + first | From process start | CPU: start + import + first | Node alone |
|---|---|---|---|---|---|---|---|
${deployed ? timingRow('DynamoDB hit', deployed.hit, deployed.nodeAloneMs) : ''}
${r.cluster ? timingRow('with a cluster configured', r.cluster) : ''}

Target: import + first admission under ${r.targetMs} ms at the deployed share: ${deployed && deployed.hit.coldAnswerMs < r.targetMs ? '**met**' : '**missed**'}.
"Node alone" is Node's own start under the same cap (the child without a bundle); the Lambda
runtime's own start comes on top of it in Lambda and is not measured here.

| Memory | CPU share | Import + first admission | Node alone | Warm hit | Warm miss (loopback) | Per million warm hits | Per million misses |
|---|---|---|---|---|---|---|---|
${sizeRows}

Costs: ${r.prices.source}: $${r.prices.perMillionRequests.toFixed(2)} per million requests and $${r.prices.perGbSecond} per GB-second, billed
per millisecond rounded up. A warm hit is a memory hit in a warm instance (admissions spaced one
100 ms period apart, as single invocations come); a miss is the measured warm registry miss over
loopback plus ${r.assumedMissNetworkMs} ms of registry round trips assumed (two of 50 ms), billed as waiting time.
`;
}
