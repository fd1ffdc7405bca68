// Bundles an entry point with serverless.yml's custom.esbuild options, as `sls package` does.
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';
import { parseDocument } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface EsbuildBlock {
  bundle?: boolean;
  minify?: boolean;
  sourcemap?: boolean;
  format?: 'esm' | 'cjs';
  platform?: 'node';
  target?: string;
  outputFileExtension?: string;
  exclude?: string[];
  external?: string[];
  splitting?: boolean;
  banner?: Record<string, string>;
  /** A module (path from the repository root) whose default export is esbuild's plugins. */
  plugins?: string;
}

export interface Bundle {
  dir: string;
  entry: string;
  /** The entry and every chunk it imports statically: what a cold start loads. */
  eagerBytes: number;
  /** Every JavaScript file of the bundle (lazy chunks included), source maps excluded. */
  totalBytes: number;
  /** The chunk that holds @kubernetes/client-node, loaded on first Kubernetes call (0: in the entry). */
  kubeChunkBytes: number;
  splitting: boolean;
  cleanup(): Promise<void>;
}

export function bundleHandler(): Promise<Bundle> {
  return bundleEntry('functions/webhook.ts');
}

/** `entry` relative to the repository root; the output lands in a temporary `functions/` folder. */
export async function bundleEntry(entry: string): Promise<Bundle> {
  const document = parseDocument(await readFile(join(ROOT, 'serverless.yml'), 'utf8'));
  const options = ((document.toJS() as { custom?: { esbuild?: EsbuildBlock } }).custom?.esbuild ?? {}) as EsbuildBlock;
  const dir = await mkdtemp(join(tmpdir(), 'archy-bench-bundle-'));
  const extension = options.outputFileExtension ?? '.js';
  const result = await build({
    entryPoints: [join(ROOT, entry)],
    outdir: join(dir, 'functions'),
    bundle: options.bundle ?? true,
    minify: options.minify ?? false,
    sourcemap: options.sourcemap ?? false,
    format: options.format ?? 'esm',
    platform: options.platform ?? 'node',
    target: options.target ?? 'node24',
    splitting: options.splitting ?? false,
    external: [...(options.external ?? []), ...(options.exclude ?? [])],
    banner: options.banner ?? {},
    plugins: options.plugins ? ((await import(join(ROOT, options.plugins))) as { default: Plugin[] }).default : [],
    ...(extension === '.js' ? {} : { outExtension: { '.js': extension } }),
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'error',
  });
  await writeFile(join(dir, 'functions/package.json'), '{ "type": "module" }\n');
  const outputs = result.metafile.outputs;
  // With splitting, lazy chunks name their own entry points too: find the one for `entry`.
  const entryName = Object.keys(outputs).find((name) => outputs[name]?.entryPoint === entry) as string;
  const eager = eagerClosure(outputs, entryName);
  const javascript = Object.keys(outputs).filter((name) => !name.endsWith('.map'));
  const kubeChunk = javascript.find((name) => Object.keys(outputs[name]?.inputs ?? {}).some((input) => input.includes('@kubernetes/client-node')));
  const absolute = (name: string): string => join(ROOT, name);
  return {
    dir,
    entry: absolute(entryName),
    eagerBytes: await sizeOf(eager.map(absolute)),
    totalBytes: await sizeOf(javascript.map(absolute)),
    kubeChunkBytes: kubeChunk && kubeChunk !== entryName ? (outputs[kubeChunk]?.bytes ?? 0) : 0,
    splitting: options.splitting ?? false,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

function eagerClosure(outputs: Metafile['outputs'], entry: string): string[] {
  const seen = new Set<string>([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    for (const imported of outputs[queue.shift() as string]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external && !seen.has(imported.path)) {
        seen.add(imported.path);
        queue.push(imported.path);
      }
    }
  }
  return [...seen];
}

async function sizeOf(files: string[]): Promise<number> {
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
  return sizes.reduce((a, b) => a + b, 0);
}

