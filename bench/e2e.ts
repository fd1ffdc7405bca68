// End to end: the local HTTPS server (functions/local-server.ts, the real Lambda handler behind
// it) in its own process, under autocannon from this one, over loopback.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface EndToEnd {
  durationSeconds: number;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}

export async function measureEndToEnd(env: Record<string, string>, body: string, durationSeconds = 10, connections = 16): Promise<EndToEnd> {
  // The server logs one line per admission: to a file, as Lambda's stdout goes to CloudWatch, and
  // so this process never has to drain a pipe while it also generates the load.
  const dir = mkdtempSync(join(tmpdir(), 'archy-bench-e2e-'));
  const logPath = join(dir, 'server.log');
  const logFd = openSync(logPath, 'w');
  const child = spawn(process.execPath, ['functions/local-server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ARCHY_PORT: '0', ...env },
    stdio: ['ignore', logFd, 'pipe'],
  });
  closeSync(logFd);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-4000)));
  try {
    const url = await listeningUrl(logPath, () => child.exitCode, () => stderr);
    const target = `${url.replace('https://localhost', 'https://127.0.0.1')}`;
    const options = { url: target, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body, connections, timeout: 10 };
    await autocannon({ ...options, duration: 2 }); // warm-up: caches filled, JIT warm
    const result = await autocannon({ ...options, duration: durationSeconds });
    return {
      durationSeconds,
      connections,
      requestsPerSecond: result.requests.average,
      p50Ms: result.latency.p50,
      p99Ms: result.latency.p99,
      requests: result.requests.total,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    };
  } finally {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function listeningUrl(logPath: string, exitCode: () => number | null, stderr: () => string): Promise<string> {
  const giveUpAt = Date.now() + 30_000;
  while (Date.now() < giveUpAt) {
    if (exitCode() !== null) throw new Error(`local server exited with ${exitCode()}: ${stderr()}`);
    for (const line of readFileSync(logPath, 'utf8').split('\n')) {
      if (!line.includes('archy local server listening')) continue;
      return (JSON.parse(line) as { url: string }).url;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`local server did not start within 30 s: ${stderr()}`);
}
