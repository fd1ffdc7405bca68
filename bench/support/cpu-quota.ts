// A Linux cgroup that caps CPU at a share of one core, as Lambda caps a function's CPU in
// proportion to its memory (1,769 MB = one vCPU): cgroup v1 `cpu.cfs_quota_us` of a 100 ms
// `cpu.cfs_period_us`, or v2 `cpu.max`. Needs root (or a delegated cgroup); `unavailable` says why
// not otherwise. Children are placed in it before they exec, so Node's own start is capped too.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PERIOD_US = 100_000;
const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

export interface CpuQuota {
  /** Share of one core, e.g. 0.1447 for 256 MB. */
  share: number;
  /** `cfs_quota_us 14470 / 100000 (cgroup v1)`. */
  description: string;
  run(command: string, args: string[], options: RunOptions): Promise<RunResult>;
  /** Removes the cgroup (idempotent). */
  remove(): Promise<void>;
}

export interface RunOptions {
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Lambda's rule: memory / 1,769 MB of one vCPU. */
export function cpuShareOf(memorySizeMb: number): number {
  return memorySizeMb / 1769;
}

const created = new Set<string>();
// A bench stopped half way must not leave its cgroups behind.
process.once('exit', () => {
  for (const dir of created) {
    try {
      rmdirSync(dir);
    } catch {
      // still busy or already gone
    }
  }
});

export async function createCpuQuota(share: number, name: string): Promise<CpuQuota | { unavailable: string }> {
  if (process.platform !== 'linux') return { unavailable: `not Linux (${process.platform})` };
  const quotaUs = Math.max(1000, Math.round(Math.min(share, 1) * PERIOD_US));
  const unique = `${name}-${process.pid}-${quotaUs}`;
  try {
    if (existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))) {
      const dir = join(V1_ROOT, unique);
      await mkdir(dir);
      created.add(dir);
      await writeFile(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      await writeFile(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      return quota(dir, share, `cpu.cfs_quota_us ${quotaUs} of ${PERIOD_US} (cgroup v1)`);
    }
    const controllers = existsSync(join(V2_ROOT, 'cgroup.controllers')) ? readFileSync(join(V2_ROOT, 'cgroup.controllers'), 'utf8') : '';
    if (controllers.split(/\s+/).includes('cpu')) {
      const subtree = await readFile(join(V2_ROOT, 'cgroup.subtree_control'), 'utf8');
      if (!subtree.split(/\s+/).includes('cpu')) await writeFile(join(V2_ROOT, 'cgroup.subtree_control'), '+cpu');
      const dir = join(V2_ROOT, unique);
      await mkdir(dir);
      created.add(dir);
      await writeFile(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
      return quota(dir, share, `cpu.max ${quotaUs} ${PERIOD_US} (cgroup v2)`);
    }
    return { unavailable: 'no cgroup cpu controller found (v1 /sys/fs/cgroup/cpu or v2 cpu.max)' };
  } catch (error) {
    return { unavailable: `cannot create a cgroup: ${(error as Error).message}` };
  }
}

function quota(dir: string, share: number, description: string): CpuQuota {
  let removed = false;
  return {
    share,
    description,
    run: (command, args, options) => runIn(dir, command, args, options),
    async remove() {
      if (removed) return;
      removed = true;
      // The last child may still be leaving the group for a moment after it exited.
      for (let attempt = 0; attempt < 50; attempt += 1) {
        try {
          await rmdir(dir);
          created.delete(dir);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    },
  };
}

/** `sh` joins the group, then execs the command: everything the command does is capped. */
function runIn(dir: string, command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec "$@"', dir, command, ...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = `${stderr}${chunk.toString()}`.slice(-8000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
