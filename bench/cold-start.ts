// Cold start: the handler bundled the way serverless.yml bundles it, its size, and the time a fresh Node process takes to import it and to answer a first admission,
// without and with a Kubernetes read (a pod with pull secrets).
import { execFile } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bundle } from './support/bundle.ts';
import { median } from './support/stats.ts';

export { bundleHandler } from './support/bundle.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CHILD = fileURLToPath(new URL('./cold-start-child.ts', import.meta.url));

export interface ColdStart {
  runs: number;
  /** Wall time of `node -e "await import(bundle)"` from spawn to exit. */
  processWallMs: number;
  /** Wall time of `node -e ""`: Node's own start, included in processWallMs. */
  nodeBaselineMs: number;
  /** The import alone, timed inside the fresh process. */
  importMs: number;
  /** Same, with NODE_OPTIONS=--enable-source-maps (what mapped stack traces would cost). */
  importWithSourceMapsMs: number;
  /** First admission in a fresh process, Kubernetes client not loaded. */
  firstAdmissionMs: number;
  /** First admission of a pod with pull secrets: a Kubernetes read (that fails fast). */
  firstAdmissionWithKubeMs: number;
  firstAdmissionWithKubeWarnings?: string[];
}

export async function measureColdStart(bundle: Bundle, env: Record<string, string>, events: { plain: string; pullSecrets: string }, runs = 10): Promise<ColdStart> {
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', AWS_REGION: 'us-east-1', ...env };
  const wall = async (args: string[]): Promise<number> => {
    const t0 = performance.now();
    await run(process.execPath, args, childEnv);
    return performance.now() - t0;
  };
  const child = async (extra: Record<string, string>): Promise<ChildReport> => {
    const out = await run(process.execPath, [CHILD, bundle.entry], { ...childEnv, ...extra });
    const line = out.split('\n').find((text) => text.startsWith('BENCH '));
    if (!line) throw new Error(`cold-start child printed no result:\n${out.slice(-2000)}`);
    return JSON.parse(line.slice(6)) as ChildReport;
  };
  const importScript = `await import(${JSON.stringify(`file://${bundle.entry}`)}); process.exit(0)`;

  const nodeBaseline: number[] = [];
  const processWall: number[] = [];
  const imports: number[] = [];
  const importsMapped: number[] = [];
  const firsts: number[] = [];
  const firstsKube: number[] = [];
  let kubeWarnings: string[] | undefined;
  for (let i = 0; i < runs; i += 1) {
    nodeBaseline.push(await wall(['-e', 'process.exit(0)']));
    processWall.push(await wall(['--input-type=module', '-e', importScript]));
    imports.push((await child({})).importMs);
    importsMapped.push((await child({ NODE_OPTIONS: '--enable-source-maps' })).importMs);
    const plain = await child({ BENCH_EVENT: events.plain });
    if (plain.status !== 200) throw new Error(`first admission answered ${plain.status}`);
    firsts.push(plain.admissionMs as number);
    const withKube = await child({ BENCH_EVENT: events.pullSecrets });
    firstsKube.push(withKube.admissionMs as number);
    kubeWarnings = withKube.warnings;
  }
  return {
    runs,
    processWallMs: median(processWall),
    nodeBaselineMs: median(nodeBaseline),
    importMs: median(imports),
    importWithSourceMapsMs: median(importsMapped),
    firstAdmissionMs: median(firsts),
    firstAdmissionWithKubeMs: median(firstsKube),
    firstAdmissionWithKubeWarnings: kubeWarnings,
  };
}

interface ChildReport {
  importMs: number;
  admissionMs?: number;
  status?: number;
  warnings?: string[];
}

function run(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, cwd: ROOT, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${relative(ROOT, args[0] ?? '')} failed: ${error.message}\n${stderr.slice(-2000)}`));
      else resolve(stdout);
    });
  });
}
