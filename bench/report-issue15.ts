// Issue 15's measurements as terminal lines and as a section of docs/BENCHMARKS.md: the cold
// instance at the deployed CPU share and the memory-size table, first contact with token
// registries, and the local HTTPS server against a bare Node HTTPS server.
import type { ColdStartCgroupResult, SizeResult, Timing } from './cold-start-cgroup.ts';
import type { LocalThroughputResult } from './local-throughput.ts';
import { costPerMillion } from './support/lambda-cost.ts';
import type { FirstContactResult } from './token-first-contact.ts';

export interface Issue15Results {
  date: string;
  commit: string;
  loadAverage: number[];
  coldStart: ColdStartCgroupResult;
  firstContact: FirstContactResult;
  local: LocalThroughputResult;
  elapsedSeconds: number;
}

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
The first admission's log line reported the tiers ${JSON.stringify(deployed?.hit.firstTiers ?? {})}${r.cluster?.firstWarnings?.length ? `; with a cluster, warnings ${JSON.stringify(r.cluster.firstWarnings)}` : ''}.
"Node alone" is Node's own start under the same cap (the child without a bundle); the Lambda
runtime's own start comes on top of it in Lambda and is not measured here.

| Memory | CPU share | Import + first admission | Node alone | Warm hit | Warm miss (loopback) | Per million warm hits | Per million misses |
|---|---|---|---|---|---|---|---|
${sizeRows}

Costs: ${r.prices.source}: $${r.prices.perMillionRequests.toFixed(2)} per million requests and $${r.prices.perGbSecond} per GB-second, billed
per millisecond rounded up. A warm hit is a memory hit in a warm instance (admissions spaced one
100 ms period apart, as single invocations come); a miss is the measured warm registry miss over
loopback plus ${r.assumedMissNetworkMs} ms of registry round trips assumed (two of 50 ms), billed as waiting time.

${memoryChoice(r)}

**What the cold instance loads and does, and what changed.** The import was mostly the AWS SDK's
DynamoDB client and its smithy core; the first admission paid for the SDK's signer packages and
Node's fetch to read the token. Now:

- the cache's DynamoDB client is lib/aws/dynamodb.ts: the three calls Archy makes (BatchGetItem,
  BatchWriteItem, DescribeTable) as SigV4-signed AWS JSON 1.0 requests over node:http(s), signing
  and the response checksum with node:crypto, the SDK's endpoint overrides, timeouts and two
  attempts; the webhook token's Secrets Manager read uses the same request (in the bundle, the lazy
  import of @smithy/hash-node it used resolved to undefined: a deployed stack never read its token
  and answered 503 to every admission);
- \`import … from 'node:…'\` in the bundle is the CommonJS module itself (an esbuild plugin,
  functions/builtins/esbuild-plugins.ts): an ES import makes Node build the module's namespace,
  reading every export, and node:http's include three getters that load Node's internal undici
  (~35 ms of CPU at a full core); node:crypto's namespace cost ~4.5 ms, node:fs's ~2 ms;
- EMF metrics are written directly, without @aws-lambda-powertools/metrics; node:zlib (6 ms to
  load) is no longer loaded for the response checksum; the Kubernetes client stays in its own chunk.

The bundle loaded at cold start went from 0.69 MB to 0.21 MB. Before, at commit 42b5367 (the
same bench on the same machine just after this run, the token given in the environment since that
commit could not read it): import + first admission 1,314 ms at 256 MB, 606 ms at 512 MB, 405 ms
at 768 MB, 276 ms at 1,024 MB, 160 ms at 1,769 MB; of CPU (all threads) the import took 98–115 ms
and the first admission 57–72 ms.
`;
}

/** How many warm admissions cost what one cold start (import + first admission) costs. */
function coldInWarm(size: SizeResult): string {
  return (costPerMillion(size.memoryMb, size.hit.coldAnswerMs) / size.costPerMillion.warmHit).toFixed(0);
}

/** The memory size deployed, against the sizes that meet the target in this run. */
function memoryChoice(r: ColdStartCgroupResult): string {
  const deployed = deployedSize(r);
  const meeting = r.sizes.filter((size) => size.hit.coldAnswerMs < r.targetMs);
  const smallest = meeting[0];
  const base = r.sizes[0];
  if (!deployed || !base) return '';
  const delta = (value: number): string => `${value >= 0 ? '+' : '−'}$${Math.abs(value).toFixed(2)}`;
  return `**The memory size: ${r.deployedMemoryMb} MB.** The function's CPU follows its memory, and a warm admission is
billed for a millisecond or two, so at these durations the per-request fee ($0.20 per million)
dominates: ${r.deployedMemoryMb} MB costs ${delta(deployed.costPerMillion.warmHit - base.costPerMillion.warmHit)} per million warm admissions against ${base.memoryMb} MB, and
${delta(deployed.costPerMillion.miss - base.costPerMillion.miss)} per million misses (their registry round trips are billed as waiting time, in
proportion to memory; misses are the few admissions the cache cannot answer), and it takes a cold
instance's first answer from ${ms(base.hit.coldAnswerMs)} to ${ms(deployed.hit.coldAnswerMs)} (import + first admission), in every scale-out
event and after every deployment. ${smallest ? `In this run the smallest size under ${r.targetMs} ms is ${smallest.memoryMb} MB (${ms(smallest.hit.coldAnswerMs)});` : `In this run no size met ${r.targetMs} ms;`}
${r.deployedMemoryMb} MB keeps the target with room for what this bench does not see: the Lambda runtime's own start
in the same capped CPU, a busier host, and cold starts that meet a registry (first contact) rather
than the table. Since August 2025 Lambda bills the init phase too, at the same rate: a cold start
(import + first admission) at ${r.deployedMemoryMb} MB costs as much as ${coldInWarm(deployed)} warm admissions, at ${base.memoryMb} MB ${coldInWarm(base)}: it is
shorter where the size is larger. \`--max-old-space-size=160\` in NODE_OPTIONS still bounds the heap well
inside the memory (bench case 2 of the adversarial registries).`;
}

// ——— First contact with token registries (bench/token-first-contact.ts) ———

export function firstContactMarkdown(r: FirstContactResult): string {
  const rows = r.scenarios
    .map((s) => `| ${s.scenario} | ${s.roundTrips} | ${ms(s.admissionMs)} | **${s.ratio.toFixed(2)}×** | ${s.ratio <= r.target ? 'met' : 'MISSED'} | ${s.probes} | ${s.tokenRequests}${s.tokenRequests ? ` (${s.scopesPerTokenRequest.join(', ')} scope${s.scopesPerTokenRequest.every((n) => n === 1) ? '' : 's'})` : ''} | ${s.registryRequests} |`)
    .join('\n');
  return `### First contact with token registries

The CNCF registry with our token service, each behind a proxy that makes every request cost one
round trip of ${r.rttMs} ms: it forwards the request at once and answers ${r.rttMs} ms after it arrived
(bench/support/delaying-proxy.ts; the registry's challenge names the token service's proxy), admitted by in-process apps (lib/app.ts) that share a DynamoDB Local table (warmed
up first: a fresh JVM answers its first few hundred calls several times slower than DynamoDB). The
pod is the 3-image pod, new tags every time so every admission is a miss; its longest chain is the
single-arch image (manifest, then config blob). Medians of ${r.runs} runs, requests counted at the servers.

| Scenario | Round trips on the longest chain | Admission | ÷ (round trips × RTT) | Target ≤ ${r.target}× | 401 probes | Token requests | Registry requests |
|---|---|---|---|---|---|---|---|
${rows}

- **first contact**: a cold instance, nothing known anywhere: the registry answers the first
  request of each repository with 401 (the lookups run side by side: three probes in parallel, one
  round trip), then one token request asks for the three repositories at once (the \`scope\`
  parameter repeated, as the distribution token specification allows), then the manifests and the
  config blob.
- **known challenge**: another cold instance (a new app, its own memory) sharing the table: the
  challenge the first instance learned is read from the table (\`challenge#<origin>\`: scheme,
  realm, service, fresh for an hour) and no probe is sent.
- **after**: the same instance again: its tokens are kept; manifests and blob only.

What is left above the round trips is DynamoDB Local (the cache read before the lookups, and the
write-back the answer waits for) and Archy's own work. The registry's own work (5–15 ms per request
on loopback here, varying with the machine's load) happens inside the round trip, as a remote
registry's does inside what its clients see; until commit 3bf060c the proxy held each request for
the round trip first and added the registry's time on top: the same code measured 1.20–1.27× that
way on 2026-11-30 (and so did commit 38264a7), 1.11–1.17× this way.
A new instance (first contact, known challenge) pays more of what is left. Timed at the proxies,
its first admission spent 27–57 ms before its first registry request when it read the registry's
shared challenge only after the cache (two DynamoDB calls one after the other on a new client), and
known challenge landed at 1.15–1.29× from run to run. Since commit fccccf7 the challenge is read
beside the cache read: 13–22 ms before the first registry request and 11–17 ms after the last
answer (the write-back), against 4–9 and 9–15 ms on a warm instance; known challenge 1.11–1.15× in
three runs.

Before (commit 42b5367, same bench, same machine): first contact 1.11× (3 probes, **3 token
requests**, one per repository), known challenge **1.51×** (a new instance probed again: 3 probes,
3 token requests, against 3 round trips), after 1.13×.
`;
}

// ——— The local HTTPS server (bench/local-throughput.ts) ———

export function localMarkdown(r: LocalThroughputResult): string {
  const perSecond = (value: number): string => `${Math.round(value).toLocaleString('en-US')}/s`;
  const rows = r.rounds.map((round) => `| ${round.server} | ${perSecond(round.requestsPerSecond)} | ${round.p50Ms} ms | ${round.p99Ms} ms | ${round.requests.toLocaleString('en-US')} |`).join('\n');
  return `### The local HTTPS server

Three servers, each in its own process with the same self-signed EC certificate, loaded by
autocannon in the bench's process: ${r.connections} connections over loopback, the same 3-image AdmissionReview,
rounds of ${r.secondsPerRound} s in turn after a warm-up, so a noisy neighbour slows all alike:

- **floor**: a bare Node HTTPS server that parses the AdmissionReview and answers \`allowed\`
  (bench/support/floor-server.ts);
- **app**: the same bare server answering with the admission itself (\`createApp().handle\`, its log
  line to a file) and nothing of the Lambda path (bench/support/app-server.ts): the reference for
  what the admission costs;
- **local**: \`npm run local\` (functions/local-server.ts: the Lambda handler behind
  lib/local/server.ts, log lines and EMF metrics to a file), serving memory hits.

| Server | Requests/s | p50 | p99 | Requests |
|---|---|---|---|---|
${rows}

**Local ÷ floor: ${(r.ratio * 100).toFixed(0)} %** (${perSecond(r.localPerSecond)} against ${perSecond(r.floorPerSecond)}; target ≥ ${(r.target * 100).toFixed(0)} %: ${r.ratio >= r.target ? 'met' : 'missed'}).
The admission alone behind the bare server: ${((r.appPerSecond / r.floorPerSecond) * 100).toFixed(0)} % (${perSecond(r.appPerSecond)}).
Nine runs on 2026-11-30 after the changes below: 34–39 % (36, 38, 36, 37, 34 in \`npm run bench\`;
39, 37, 39, 36 alone); the one under 35 % had two rounds per server, four since.

Before: 3,777/s against 21,050/s, 18 % (this bench at commit 8418e6a, Powertools already gone;
the issue measured 3.9–4.2k/s against 26–27k/s, 15 %). Profiles (\`--cpu-prof\`) of the server under
this load, and A/B runs of one change at a time, found:

| Where | Change |
|---|---|
| A child logger per request (\`requestId\`) under the router's own per admission (\`uid\`): pino's logging through a child of a child made an admission's line several times dearer; about 8 points of the ratio | lib/log.ts \`forRequest\`: the router's one child carries both |
| EMF: Powertools' buffering and serialising, three lines and a write per admission; about 4 points | lib/metrics/emf.ts writes the same documents itself from cached directive text; behind the local server the metrics of the admissions of one event-loop turn go out together (Lambda still flushes each invocation) |
| Two writes per admission (the log line, the metrics) | one output for both (lib/log.ts \`createOutputSink\`): written once per invocation in Lambda, once per event-loop turn behind the local server |
| The body base64-encoded by the local server, decoded by the router | a JSON body passes as text, as a Function URL passes it |
| middy around the handler | a try/finally (lib/http/lambda.ts) |

That reached 30 % (commit 621c321). A second pass, measured as CPU time per request of the server
process (\`/proc/<pid>/stat\` around each round, steadier than requests/s on a shared machine), same
A/B method, took the local server from 202 to 166 µs per request, 33 % → 39 % of the floor in that
run (commit 38264a7 against ab16314):

| Where | Change |
|---|---|
| The placement assessed twice per admission: once to ask whether the Namespace's defaults matter, once to decide | lib/placement/decide.ts \`planPlacement\`: one assessment, the decision taken from it once the Namespace is known (or not needed) |
| A timer, an AbortController and EventTarget listeners per admission, also when nothing waits | lib/deadline.ts: made only when something waits; \`onExpiry\` for the short waits; the cache write-back is not awaited when there is none |
| A promise race (and its timer) for cache reads memory answers at once | lib/cache/tiered.ts \`getAllNow\`: a warm admission waits for nothing |
| Every image reference parsed again on every admission | lib/resolver/resolver.ts: valid references kept (at most 1,024, frozen) |
| Small things: pointer escaping and toleration comparison with nothing to do, an array per platform name in the log line | fast paths |
| The warm-up: after 2 s the first measured round of each Archy server still ran 10–15 % slower than the second | 5 s of warm-up per server |

What remains is the admission itself (\`app\` above): the router's parse of the review (the same
\`JSON.parse\` the floor does), the resolver's three memory hits, the decision and the patch, and
the one log line per admission (about 15 % of the local server's CPU time: with
\`ARCHY_LOG_LEVEL=warn\` the ratio rose by 5 points); the Lambda path around it costs a few points
more. Archy's code takes about twice the CPU time per admission here (about 100 µs) that it takes
in a loop of admissions alone (about 50 µs, no deoptimisation loop seen with \`--trace-deopt\`):
most likely the TLS and HTTP work between admissions evicts its code and data from the CPU's
caches, so each piece of work left out counts about twice.
`;
}

export function renderIssue15(r: Issue15Results): string {
  return `${ISSUE15_HEADING}

Measured by \`npm run bench\` on ${r.date} (commit ${r.commit}), ${r.elapsedSeconds.toFixed(0)} s; load average at its start
${r.loadAverage.map((v) => v.toFixed(2)).join(', ')}. Alone: \`node bench/issue15.ts\` (\`--write\` also replaces this section).

${coldStartMarkdown(r.coldStart)}
${firstContactMarkdown(r.firstContact)}
${localMarkdown(r.local)}`;
}

export const ISSUE15_HEADING = '## Where people wait (issue 15)';

/** `doc` with its issue 15 section replaced by `section` (or inserted before the profile findings). */
export function spliceIssue15(doc: string, section: string): string {
  const start = doc.indexOf(ISSUE15_HEADING);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + ISSUE15_HEADING.length);
    return `${doc.slice(0, start)}${section}${next >= 0 ? doc.slice(next + 1) : ''}`;
  }
  const before = doc.indexOf('## What the profile found');
  return before >= 0 ? `${doc.slice(0, before)}${section}\n${doc.slice(before)}` : `${doc.trimEnd()}\n\n${section}`;
}

export function issue15Lines(r: Issue15Results, firstContact: string[], local: string[]): string[] {
  return [...coldStartLines(r.coldStart), ...firstContact, ...local];
}
