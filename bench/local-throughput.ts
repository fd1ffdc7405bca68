// Issue 15, part 3: the local HTTPS server (`npm run local`: functions/local-server.ts, the real
// Lambda handler behind lib/local/server.ts) serving memory hits, against a bare Node HTTPS server
// that parses the same AdmissionReview and answers `allowed` (bench/support/floor-server.ts), and,
// as a reference, the same bare server answering with the admission itself and nothing of the
// Lambda path (bench/support/app-server.ts). Each in its own process, with the same certificate;
// autocannon in this one, 16 connections over loopback, the same body. Rounds alternate (floor,
// app, local, floor…) so a noisy neighbour slows all alike; the figure is local ÷ floor.
// Alone: `node bench/local-throughput.ts`.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { selfSignedCertificate } from '../lib/local/certificate.ts';
import { startRegistry, type TestRegistry } from '../test/support/registry/harness.ts';
import { podReview, uidFor } from './support/fixtures.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const THROUGHPUT_TARGET = 0.35;
// Long enough for the optimizing compiler to be done with the admission path: after 2 s the first
// measured round of each Archy server still ran 10-15 % slower than the second.
const WARM_UP_SECONDS = 5;

export type ServerKind = 'floor' | 'app' | 'local';

export interface ThroughputRound {
  server: ServerKind;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  failures: number;
}

export interface LocalThroughputResult {
  connections: number;
  secondsPerRound: number;
  rounds: ThroughputRound[];
  floorPerSecond: number;
  /** The admission alone behind the bare server: the local server's ceiling with this admission code. */
  appPerSecond: number;
  localPerSecond: number;
  /** local ÷ floor (means of the rounds). */
  ratio: number;
  target: number;
  /** What the local server's last admission log line reported. */
  tiers?: Record<string, number>;
  elapsedSeconds: number;
}

export interface LocalThroughputOptions {
  registry?: TestRegistry;
  rounds?: number;
  secondsPerRound?: number;
  connections?: number;
  /** Another server script than functions/local-server.ts, and more environment (experiments). */
  localScript?: string;
  localEnv?: Record<string, string>;
  log?: (text: string) => void;
}

export async function measureLocalThroughput(options: LocalThroughputOptions = {}): Promise<LocalThroughputResult> {
  const started = Date.now();
  const connections = options.connections ?? 16;
  const secondsPerRound = options.secondsPerRound ?? 5;
  // Four rounds each: with two, one slow round of either server moved the ratio by about 2 points.
  const roundPairs = options.rounds ?? 4;
  const ownRegistry = options.registry === undefined ? await startRegistry({ auth: 'token' }) : undefined;
  const registry = (options.registry ?? ownRegistry) as TestRegistry;
  const dir = mkdtempSync(join(tmpdir(), 'archy-bench-local-'));
  const servers: ChildProcess[] = [];
  try {
    await registry.pushIndex('local/multi', '1.0', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], { format: 'oci', attestations: true });
    await registry.pushImage('local/single', '1.0', { os: 'linux', architecture: 'amd64', format: 'docker' });
    await registry.pushIndex('local/wide', '2.1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }], { format: 'docker' });
    const images = ['local/multi:1.0', 'local/single:1.0', 'local/wide:2.1'].map((name) => `${registry.host}/${name}`);
    const body = JSON.stringify(podReview(uidFor(7), images));
    const tls = await selfSignedCertificate(['localhost'], ['127.0.0.1']);
    const certFile = join(dir, 'tls.crt');
    const keyFile = join(dir, 'tls.key');
    writeFileSync(certFile, tls.cert);
    writeFileSync(keyFile, tls.key, { mode: 0o600 });

    const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
    const floorLog = join(dir, 'floor.log');
    const appLog = join(dir, 'app.log');
    const localLog = join(dir, 'local.log');
    const archyEnv = {
      ...base,
      ARCHY_PORT: '0',
      ARCHY_TLS_CERT_FILE: certFile,
      ARCHY_TLS_KEY_FILE: keyFile,
      ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}`,
      ARCHY_PREFERRED_ARCH: 'amd64',
    };
    servers.push(startServer(['bench/support/floor-server.ts'], { ...base, BENCH_TLS_CERT_FILE: certFile, BENCH_TLS_KEY_FILE: keyFile }, floorLog));
    servers.push(startServer([options.localScript ?? 'functions/local-server.ts'], { ...archyEnv, ...options.localEnv }, localLog));
    servers.push(startServer(['bench/support/app-server.ts'], archyEnv, appLog));
    const bare = (line: string): string | undefined => (JSON.parse(line) as { listening?: string }).listening;
    const urls = {
      floor: await listening(floorLog, servers[0] as ChildProcess, bare),
      app: `${await listening(appLog, servers[2] as ChildProcess, bare)}/mutate`,
      // The line names the mutate URL itself.
      local: await listening(localLog, servers[1] as ChildProcess, (line) => (line.includes('archy local server listening') ? (JSON.parse(line) as { url: string }).url : undefined)),
    };
    urls.local = urls.local.replace('https://localhost', 'https://127.0.0.1');
    urls.floor = `${urls.floor}/mutate`;
    const load = (url: string, duration: number) => autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration, timeout: 10 });

    options.log?.('local throughput: warming both servers up (caches filled, JIT warm)');
    await load(urls.floor, WARM_UP_SECONDS);
    await load(urls.app, WARM_UP_SECONDS);
    await load(urls.local, WARM_UP_SECONDS);
    const rounds: ThroughputRound[] = [];
    for (let pair = 0; pair < roundPairs; pair += 1) {
      for (const server of ['floor', 'app', 'local'] as const) {
        options.log?.(`local throughput: ${server}, ${secondsPerRound} s`);
        const result = await load(urls[server], secondsPerRound);
        if (result.non2xx + result.errors > 0) throw new Error(`${server}: ${result.non2xx} non-2xx answers and ${result.errors} errors of ${result.requests.total}`);
        rounds.push({
          server,
          requestsPerSecond: result.requests.average,
          p50Ms: result.latency.p50,
          p99Ms: result.latency.p99,
          requests: result.requests.total,
          failures: result.errors + result.timeouts + result.non2xx,
        });
      }
    }
    const mean = (server: ServerKind): number => {
      const of = rounds.filter((round) => round.server === server);
      return of.reduce((sum, round) => sum + round.requestsPerSecond, 0) / of.length;
    };
    const admission = readFileSync(localLog, 'utf8').split('\n').findLast((line) => line.includes('"msg":"admission"'));
    const tiers = admission ? (JSON.parse(admission) as { tiers?: Record<string, number> }).tiers : undefined;
    return {
      connections,
      secondsPerRound,
      rounds,
      floorPerSecond: mean('floor'),
      appPerSecond: mean('app'),
      localPerSecond: mean('local'),
      ratio: mean('local') / mean('floor'),
      target: THROUGHPUT_TARGET,
      ...(tiers ? { tiers } : {}),
      elapsedSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const server of servers) {
      if (server.exitCode === null && server.signalCode === null) {
        const exited = once(server, 'exit');
        server.kill('SIGTERM');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
    await ownRegistry?.stop();
  }
}

/** Its stdout (logs, EMF) to a file, as Lambda's goes to CloudWatch: this process never drains a pipe under load. */
function startServer(args: string[], env: Record<string, string>, logPath: string): ChildProcess {
  const fd = openSync(logPath, 'w');
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', fd, 'pipe'] });
  closeSync(fd);
  return child;
}

async function listening(logPath: string, child: ChildProcess, urlOf: (line: string) => string | undefined): Promise<string> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr}`);
    for (const line of readFileSync(logPath, 'utf8').split('\n')) {
      if (!line.startsWith('{')) continue;
      const url = urlOf(line);
      if (url) return url;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`server did not start within 30 s: ${stderr}`);
}

export function localThroughputLines(r: LocalThroughputResult): string[] {
  return [
    `Local HTTPS server, memory hits, ${r.connections} connections: ${Math.round(r.localPerSecond).toLocaleString('en-US')}/s vs bare Node HTTPS parse + answer ${Math.round(r.floorPerSecond).toLocaleString('en-US')}/s = ${(r.ratio * 100).toFixed(0)} % of the floor  target ≥ ${(r.target * 100).toFixed(0)} %  ${r.ratio >= r.target ? 'met' : 'MISSED'}`,
    `  reference: the admission alone behind the bare server ${Math.round(r.appPerSecond).toLocaleString('en-US')}/s = ${((r.appPerSecond / r.floorPerSecond) * 100).toFixed(0)} % of the floor`,
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureLocalThroughput({ log: (text) => process.stderr.write(`bench: ${text}\n`) });
  for (const line of localThroughputLines(result)) console.log(line);
  console.log(JSON.stringify(result, null, 2));
}
