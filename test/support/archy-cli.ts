// Running `archy` in tests: in process through main() with its own environment and captured
// output, or as a newcomer runs it, `node bin/archy.js …` with stdin piped in.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../lib/cli/main.ts';
import type { CliIo } from '../../lib/cli/io.ts';
import { cleanEnv, REPO_ROOT } from './processes.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Files written with --out, by path. */
  files: Map<string, string>;
}

export async function runArchy(args: string[], options: { env?: Record<string, string | undefined>; stdin?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const files = new Map<string, string>();
  const io: CliIo = {
    env: options.env ?? {},
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    readStdin: async () => options.stdin ?? '',
    stderrIsTTY: false,
    writeFile: async (path, text) => {
      files.set(path, text);
    },
  };
  const code = await main(args, io);
  return { code, stdout, stderr, files };
}

/** `node bin/archy.js …` with a clean environment plus `env`, `stdin` piped in. */
export function spawnArchy(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<Omit<CliRun, 'files'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'archy.js'), ...args], { cwd: REPO_ROOT, env: cleanEnv(options.env ?? {}), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(options.stdin ?? '');
  });
}
