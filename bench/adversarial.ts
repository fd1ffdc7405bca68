// Adversarial registries (issue 10): the worst a registry can answer within the protocol, each
// admitted end to end by the local HTTPS server (functions/local-server.ts, the real Lambda
// handler behind it, as bench/e2e.ts runs it) in a child process started with serverless.yml's
// NODE_OPTIONS, against the malicious loopback registry of bench/support/hostile-registry.ts.
//
// Part of `npm run bench` (bench/run.ts); alone: `node bench/adversarial.ts` prints the table and
// the results as JSON, and with `--write` replaces only this section of docs/BENCHMARKS.md. About
// 10 s when every admission keeps its budget; under a minute when none does (each is cut at 20 s).
//
//   1  one image whose tag answers a ~4 MiB OCI index (~80,000 platforms), three tags in one pod
//   2  a pod of 64 distinct images, each answering such an index
//   3  one image whose index lists 20,000 nested indexes
//   4  a pod naming 10,000 distinct images (small answers)
//   5  an unrelated small admission sent 50 ms after case 1, on a healthy registry
//   6  RSS kept after a forced GC once cases 1 and 2 have run in the same process
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseDocument } from 'yaml';
import { podAdmissionReview } from '../test/support/review.ts';
import type { ProbeStats } from './support/adversarial-probe.ts';
import { bundleEntry } from './support/bundle.ts';
import { podReview, uidFor } from './support/fixtures.ts';
import { startHealthyRegistry, startHostileRegistry, type HealthyRegistry, type HostileRegistry, type RegistryCounts } from './support/hostile-registry.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/**
 * The bounds issue 10 asks for: each admission answered inside the time budget (ARCHY_TIME_BUDGET_MS
 * default) plus a small slack, unrelated admissions unaffected, peak RSS well under the function's
 * memory (marked against 192 MB, three quarters of the 256 MB it had when these bounds were set), few nested GETs per image, and the heap a warm
 * process keeps after a forced GC close to what it kept before.
 */
const TARGETS = {
  budgetMs: 3000,
  slackMs: 500,
  unrelatedMs: 100,
  rssBytes: 192 * 1024 * 1024,
  nestedGets: 10,
  retainedBytes: 16 * 1024 * 1024,
};

/**
 * No admission is waited for longer than this; the webhook is then killed and the case recorded as
 * such. Past it the answer is worthless anyway: Lambda ends the invocation at 6 s (serverless.yml
 * functionTimeout) and the API server stops waiting at the webhook's timeoutSeconds (10 s).
 */
const ADMISSION_TIMEOUT_MS = 20_000;
/** Case 5 goes on sending unrelated admissions (one after the other, this far apart) until case 1 answers. */
const UNRELATED_GAP_MS = 100;
const UNRELATED_MAX = 200;
/** Requests still arriving this long after the answer are counted as work done after it. */
const SETTLE_MS = 500;
/** Sent this long after case 1 (case 5). */
const UNRELATED_DELAY_MS = 50;
/** The whole section gives up (remaining cases skipped) past this. */
const SECTION_LIMIT_MS = 150_000;

export interface AdversarialCase {
  id: string;
  name: string;
  /** Wall time of the admission as the caller saw it (HTTPS request to answer); undefined: no answer. */
  admissionMs?: number;
  /** Why there is no answer (timeout, crash, skipped). */
  failure?: string;
  status?: number;
  allowed?: boolean;
  warnings?: number;
  /** Bytes of the AdmissionReview answer and of the log lines written for it. */
  answerBytes?: number;
  logBytes?: number;
  /** Requests the registry saw by the time of the answer, and SETTLE_MS later. */
  requestsAtAnswer?: number;
  requests?: RegistryCounts;
  /** The webhook's VmHWM since the case started (reset by the probe). */
  peakRssBytes?: number;
  /** The webhook's CPU time (user + system) during the case. */
  cpuMs?: number;
  probe?: ProbeStats;
  /** Case 5 only: every unrelated admission sent while case 1 ran (the first is the one sent at 50 ms). */
  unrelatedMs?: number[];
  /** Case 6 only: what the process keeps after a forced GC: warm (before case 1), after case 1, after case 2. */
  retained?: { before: ProbeStats; afterCase1?: ProbeStats; afterCase2?: ProbeStats };
}

export interface AdversarialResult {
  date: string;
  commit: string;
  /** The machine's load average when the run started: latency figures inflate on a busy machine. */
  loadAverage: number[];
  nodeOptions: string;
  big: { bytes: number; entries: number };
  nested: { topBytes: number; children: number };
  targets: typeof TARGETS & { unrelatedDelayMs: number; settleMs: number; waitMs: number; functionMemoryMb: number };
  /** The unrelated admission alone, before case 1 (reference for case 5). */
  unrelatedAloneMs?: number;
  cases: AdversarialCase[];
  elapsedSeconds: number;
}

function step(text: string): void {
  process.stderr.write(`bench: adversarial: ${text}\n`);
}

export async function measureAdversarial(): Promise<AdversarialResult> {
  const started = Date.now();
  const commit = describeCommit();
  const loadAverage = loadavg();
  const nodeOptions = deployedNodeOptions();
  const cleanups: Array<() => Promise<void>> = [];
  try {
    // Bundled as serverless.yml bundles the handler (bench/memory.ts does the same): the process holds
    // what the function holds, not Node's TypeScript loader (about 35 MB more RSS from source). The
    // code is read once, here: edits made while the run goes on are not measured.
    step('bundling the local server and the probe');
    const server = await bundleEntry('functions/local-server.ts');
    cleanups.push(() => server.cleanup());
    const probe = await bundleEntry('bench/support/adversarial-probe.ts');
    cleanups.push(() => probe.cleanup());
    const hostile = await startHostileRegistry();
    cleanups.push(() => hostile.close());
    const healthy = await startHealthyRegistry();
    cleanups.push(() => healthy.close());
    const cases = await runCases({ server: server.entry, probe: probe.entry }, hostile, healthy, nodeOptions, started);
    return {
      date: new Date(started).toISOString(),
      commit,
      loadAverage,
      nodeOptions,
      big: hostile.big,
      nested: hostile.nested,
      targets: { ...TARGETS, unrelatedDelayMs: UNRELATED_DELAY_MS, settleMs: SETTLE_MS, waitMs: ADMISSION_TIMEOUT_MS, functionMemoryMb: deployedMemoryMb() },
      ...cases,
      elapsedSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

async function runCases(
  scripts: { server: string; probe: string },
  hostile: HostileRegistry,
  healthy: HealthyRegistry,
  nodeOptions: string,
  started: number,
): Promise<{ cases: AdversarialCase[]; unrelatedAloneMs?: number }> {
  const cases: AdversarialCase[] = [];
  let unrelatedAloneMs: number | undefined;
  let retained: AdversarialCase['retained'];
  const env = { ARCHY_INSECURE_REGISTRIES: `${hostile.host},${healthy.host}`, ARCHY_PREFERRED_ARCH: 'amd64' };
  const overTime = (): boolean => Date.now() - started > SECTION_LIMIT_MS;
  // One webhook for cases 1, 5, 2 and 6: the order a warm function would meet them.
  step(`cases 1, 5, 2, 6 (index of ${(hostile.big.bytes / 1048576).toFixed(2)} MiB, ${hostile.big.entries.toLocaleString('en-US')} entries)`);
  let webhook = await Webhook.start(scripts, env, nodeOptions);
  try {
    // Two connections warmed (case 5 needs its own), JIT and the healthy registry's first contact.
    await Promise.all([webhook.admit(smallReview(healthy.host, 'warm/a', 0)), webhook.admit(smallReview(healthy.host, 'warm/b', 1))]);
    unrelatedAloneMs = (await webhook.admit(smallReview(healthy.host, 'alone/web', 2))).ms;
    const before = await webhook.probe('gc');

    const bigPod = reviewBody(9, ['t1', 't2', 't3'].map((tag) => `${hostile.host}/big/1:${tag}`));
    const healthyBefore = healthy.requests();
    const [first, unrelated] = await webhook.measure(hostile, 'case 1', bigPod, async (mainAnswered) => {
      await delay(UNRELATED_DELAY_MS);
      const series = [await webhook.admit(smallReview(healthy.host, 'app/web', 3))];
      while (!mainAnswered() && series.length < UNRELATED_MAX) {
        await delay(UNRELATED_GAP_MS);
        if (mainAnswered()) break;
        series.push(await webhook.admit(smallReview(healthy.host, `app/web-${series.length}`, 3 + series.length)));
      }
      return series;
    });
    cases.push({ id: '1', name: caseName('1'), ...first });
    const sent = healthy.requests() - healthyBefore;
    cases.push({
      id: '5',
      name: caseName('5'),
      ...answerFields(unrelated[0] ?? {}),
      unrelatedMs: unrelated.map((answer) => answer.ms ?? Number.POSITIVE_INFINITY),
      requests: { total: sent, manifestByTag: sent, manifestByDigest: 0, other: 0, bytesSent: 0, maxInFlight: 0 },
    });
    if (before) retained = { before };

    if (!webhook.alive()) throw new Skip('the webhook did not survive case 1');
    if (overTime()) throw new Skip('out of time after case 1');
    const afterCase1 = await webhook.probe('gc');
    if (retained && afterCase1) retained.afterCase1 = afterCase1;
    const images64 = Array.from({ length: 64 }, (_, i) => `${hostile.host}/big/${100 + i}:1.0`);
    const [second] = await webhook.measure(hostile, 'case 2', reviewBody(10, images64));
    cases.push({ id: '2', name: caseName('2'), ...second });

    if (!webhook.alive()) throw new Skip('the webhook did not survive case 2');
    const afterCase2 = await webhook.probe('gc');
    if (retained && afterCase2) retained.afterCase2 = afterCase2;
  } catch (error) {
    if (!(error instanceof Skip)) throw error;
    step(error.message);
  } finally {
    if (retained) cases.push({ id: '6', name: caseName('6'), retained });
    await webhook.stop();
  }

  for (const [id, name, body] of [
    ['3', `Nested fan-out: ${hostile.nested.children.toLocaleString('en-US')} nested indexes`, (): string => reviewBody(11, [`${hostile.host}/nested/root:1.0`])],
    ['4', '10,000 distinct images in one pod (small answers)', (): string => minimalReview(12, Array.from({ length: 10_000 }, (_, i) => `${hostile.host}/many/${i}:1`))],
  ] as const) {
    if (overTime()) {
      cases.push({ id, name, failure: 'skipped: the section ran out of time' });
      continue;
    }
    step(`case ${id}`);
    webhook = await Webhook.start(scripts, env, nodeOptions);
    try {
      await webhook.admit(smallReview(healthy.host, 'warm/a', 0));
      const [measured] = await webhook.measure(hostile, `case ${id}`, body());
      cases.push({ id, name, ...measured });
    } finally {
      await webhook.stop();
    }
  }
  for (const [id, name] of CASE_NAMES) {
    if (!cases.some((entry) => entry.id === id)) cases.push({ id, name, failure: 'not run: the webhook did not survive an earlier case' });
  }
  cases.sort((a, b) => a.id.localeCompare(b.id));
  return unrelatedAloneMs === undefined ? { cases } : { cases, unrelatedAloneMs };
}

class Skip extends Error {}

const CASE_NAMES: Array<[string, string]> = [
  ['1', 'Largest index under the cap, 3 tags in one pod'],
  ['2', '64 distinct images, each a ~4 MiB index'],
  ['5', `Unrelated small admission sent ${UNRELATED_DELAY_MS} ms into case 1`],
  ['6', 'Kept after cases 1 + 2, forced GC'],
];

interface Answered {
  ms?: number;
  failure?: string;
  status?: number;
  body?: string;
}

function caseName(id: string): string {
  return CASE_NAMES.find(([candidate]) => candidate === id)?.[1] ?? id;
}

function answerFields(answer: Answered): Pick<AdversarialCase, 'admissionMs' | 'failure' | 'status' | 'allowed' | 'warnings' | 'answerBytes'> {
  const fields: ReturnType<typeof answerFields> = {};
  if (answer.ms !== undefined) fields.admissionMs = answer.ms;
  if (answer.failure !== undefined) fields.failure = answer.failure;
  if (answer.status !== undefined) fields.status = answer.status;
  if (answer.body !== undefined) {
    fields.answerBytes = Buffer.byteLength(answer.body);
    try {
      const review = JSON.parse(answer.body) as { response?: { allowed?: boolean; warnings?: string[] } };
      fields.allowed = review.response?.allowed === true;
      fields.warnings = review.response?.warnings?.length ?? 0;
    } catch {
      fields.allowed = false;
    }
  }
  return fields;
}

/** One webhook process: functions/local-server.ts with the deployed Node flags and the probe. */
class Webhook {
  static readonly #live = new Set<ChildProcess>();
  static #exitHookInstalled = false;

  readonly #child: ChildProcess;
  readonly #dir: string;
  readonly #logPath: string;
  readonly #agent: https.Agent;
  readonly #port: number;
  #nextId = 0;
  readonly #replies = new Map<number, (stats: ProbeStats) => void>();

  private constructor(child: ChildProcess, dir: string, logPath: string, port: number, ca: string) {
    this.#child = child;
    this.#dir = dir;
    this.#logPath = logPath;
    this.#port = port;
    this.#agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca });
    child.on('message', (message: { id: number; stats: ProbeStats }) => {
      this.#replies.get(message.id)?.(message.stats);
      this.#replies.delete(message.id);
    });
  }

  static async start(scripts: { server: string; probe: string }, env: Record<string, string>, nodeOptions: string): Promise<Webhook> {
    if (!Webhook.#exitHookInstalled) {
      // Whatever happens to the bench, no webhook outlives it (the probe also exits on disconnect).
      process.once('exit', () => {
        for (const child of Webhook.#live) child.kill('SIGKILL');
      });
      Webhook.#exitHookInstalled = true;
    }
    const dir = mkdtempSync(join(tmpdir(), 'archy-bench-adversarial-'));
    const logPath = join(dir, 'server.log');
    const logFd = openSync(logPath, 'w');
    // ARCHY_BENCH_CPU_PROF=<dir>: a V8 CPU profile of each webhook that exits normally (not of one killed).
    const profile = process.env.ARCHY_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ARCHY_BENCH_CPU_PROF}`] : [];
    const child = spawn(process.execPath, ['--expose-gc', ...profile, '--import', pathToFileURL(scripts.probe).href, scripts.server], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_OPTIONS: nodeOptions, ARCHY_PORT: '0', ...env },
      stdio: ['ignore', logFd, 'pipe', 'ipc'],
    });
    closeSync(logFd);
    Webhook.#live.add(child);
    child.once('exit', () => Webhook.#live.delete(child));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
    const giveUpAt = Date.now() + 30_000;
    while (Date.now() < giveUpAt) {
      if (child.exitCode !== null) break;
      const line = readFileSync(logPath, 'utf8').split('\n').find((text) => text.includes('archy local server listening'));
      if (line) {
        const { url, caBundle } = JSON.parse(line) as { url: string; caBundle: string };
        return new Webhook(child, dir, logPath, Number(new URL(url).port), Buffer.from(caBundle, 'base64').toString());
      }
      await delay(50);
    }
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the webhook did not start: ${stderr}`);
  }

  alive(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** POSTs one AdmissionReview; never waits longer than ADMISSION_TIMEOUT_MS. */
  admit(body: string): Promise<Answered> {
    return new Promise((resolve) => {
      const started = performance.now();
      const request = https.request(
        { host: '127.0.0.1', port: this.#port, path: '/mutate', method: 'POST', agent: this.#agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: ADMISSION_TIMEOUT_MS },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ ms: performance.now() - started, status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
          response.on('error', (error) => resolve({ failure: `answer broke: ${error.message}` }));
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${ADMISSION_TIMEOUT_MS / 1000} s`)));
      request.on('error', (error) => resolve({ failure: this.alive() ? error.message : `the webhook died (${this.#child.signalCode ?? this.#child.exitCode})` }));
      request.end(body);
    });
  }

  /** Asks the probe; undefined when the webhook is gone or does not answer within 20 s. */
  probe(op: 'reset' | 'stats' | 'gc'): Promise<ProbeStats | undefined> {
    if (!this.alive() || !this.#child.connected) return Promise.resolve(undefined);
    const id = (this.#nextId += 1);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#replies.delete(id);
        resolve(undefined);
      }, 20_000);
      this.#replies.set(id, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.#child.send({ op, id });
    });
  }

  logBytes(): number {
    return statSync(this.#logPath).size;
  }

  /**
   * One case: peak reset, counters zeroed, the admission, then what the registry saw by the answer
   * and SETTLE_MS later, and the probe's figures. `alongside` runs beside it (case 5).
   */
  async measure<T = undefined>(
    registry: HostileRegistry,
    label: string,
    body: string,
    alongside?: (mainAnswered: () => boolean) => Promise<T>,
  ): Promise<[Omit<AdversarialCase, 'id' | 'name'>, T]> {
    await this.probe('reset');
    const cpuBefore = this.#cpuMs();
    registry.reset();
    const logBefore = this.logBytes();
    let requestsAtAnswer: number | undefined;
    const main = this.admit(body).then((answer) => {
      requestsAtAnswer = registry.counts().total;
      return answer;
    });
    const [answer, other] = await Promise.all([main, alongside?.(() => requestsAtAnswer !== undefined) ?? Promise.resolve(undefined as T)]);
    if (answer.failure !== undefined) {
      step(`${label}: ${answer.failure}`);
      // Read before the kill: the peak so far and the CPU spent (the probe cannot answer a blocked process).
      const peak = this.#peakRssBytes();
      const cpu = this.#cpuMs();
      if (this.alive()) this.#child.kill('SIGKILL');
      await delay(SETTLE_MS);
      const measured: Omit<AdversarialCase, 'id' | 'name'> = { ...answerFields(answer), requests: registry.counts(), logBytes: this.logBytes() - logBefore };
      if (peak !== undefined) measured.peakRssBytes = peak;
      if (cpu !== undefined && cpuBefore !== undefined) measured.cpuMs = cpu - cpuBefore;
      return [measured, other];
    }
    await delay(SETTLE_MS);
    const probe = await this.probe('stats');
    const measured: Omit<AdversarialCase, 'id' | 'name'> = { ...answerFields(answer), requestsAtAnswer, requests: registry.counts(), logBytes: this.logBytes() - logBefore };
    if (probe) {
      measured.probe = probe;
      measured.peakRssBytes = probe.peakRssBytes;
      measured.cpuMs = probe.cpuMs;
    }
    return [measured, other];
  }

  /** VmHWM read by this process from /proc (works while the webhook's event loop is blocked). */
  #peakRssBytes(): number | undefined {
    try {
      const match = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.#child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** User + system CPU time of the webhook from /proc/<pid>/stat (clock ticks of 10 ms). */
  #cpuMs(): number | undefined {
    try {
      const fields = readFileSync(`/proc/${this.#child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return undefined;
    }
  }

  async stop(): Promise<void> {
    this.#agent.destroy();
    if (this.alive()) {
      const exited = once(this.#child, 'exit');
      this.#child.kill('SIGTERM');
      const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** A realistic review (bench/support/fixtures.ts) with these images. */
function reviewBody(n: number, images: string[]): string {
  return JSON.stringify(podReview(uidFor(1000 + n), images));
}

/** One small multi-arch image on the healthy registry. */
function smallReview(host: string, repository: string, n: number): string {
  return reviewBody(n, [`${host}/${repository}:1.0`]);
}

/** Containers with a name and an image only: 10,000 of them fit the 1 MiB body limit. */
function minimalReview(n: number, images: string[]): string {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'wide', namespace: 'shop' }, spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } };
  return JSON.stringify(podAdmissionReview(uidFor(1000 + n), pod, { namespace: 'shop' }));
}

interface DeployedProvider {
  memorySize?: unknown;
  environment?: { NODE_OPTIONS?: unknown };
}

function deployedProvider(): DeployedProvider {
  const document = parseDocument(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'));
  return (document.toJS() as { provider?: DeployedProvider }).provider ?? {};
}

/** serverless.yml's provider NODE_OPTIONS: the flags the function runs with. */
function deployedNodeOptions(): string {
  const value = deployedProvider().environment?.NODE_OPTIONS;
  return typeof value === 'string' ? value : '';
}

/** serverless.yml's provider memorySize (Lambda's default, 1,024 MB, when absent). */
function deployedMemoryMb(): number {
  const value = deployedProvider().memorySize;
  return typeof value === 'number' ? value : 1024;
}

/** The commit measured, and whether lib/ or functions/ had uncommitted changes then. */
function describeCommit(): string {
  if (process.env.ARCHY_BENCH_COMMIT) return process.env.ARCHY_BENCH_COMMIT;
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'functions'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${commit} + uncommitted changes in lib/` : commit;
  } catch {
    return 'unknown';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

if (import.meta.main) {
  // `--write`: also replace this section of docs/BENCHMARKS.md, keeping the rest of the file (and the
  // recorded before/after block) as it is.
  const { keptHistory, printAdversarial, renderAdversarial, spliceAdversarial } = await import('./report.ts');
  const result = await measureAdversarial();
  printAdversarial(result);
  console.log(JSON.stringify(result));
  if (process.argv.includes('--write')) {
    const path = join(ROOT, 'docs/BENCHMARKS.md');
    const doc = readFileSync(path, 'utf8');
    writeFileSync(path, spliceAdversarial(doc, renderAdversarial(result, keptHistory(doc))));
    step(`wrote the section in ${path}`);
  }
}
