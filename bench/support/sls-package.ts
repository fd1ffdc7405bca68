// The deployed artefact: `sls package` (osls, serverless-esbuild, serverless.yml as it is) into a
// temporary folder, offline with fake credentials, then the zip unpacked as Lambda unpacks it.
// Also reads what the function is deployed with: its memory size and environment.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzip } from '../../test/support/unzip.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface PackagedFunction {
  /** The unpacked zip (`functions/webhook.js` and its chunks). */
  dir: string;
  entry: string;
  zipBytes: number;
  memorySizeMb: number;
  /** The function's environment in the template; values CloudFormation computes (Refs) are left out. */
  environment: Record<string, string>;
  cleanup(): Promise<void>;
}

interface Template {
  Resources: Record<string, { Type: string; Properties: { MemorySize?: number; Environment?: { Variables?: Record<string, unknown> } } }>;
}

/** `root`: the project to package (another checkout, to compare with an earlier commit). */
export async function packageFunction(stage = 'bench', region = 'us-east-1', root = ROOT): Promise<PackagedFunction> {
  const dir = await mkdtemp(join(tmpdir(), 'archy-bench-package-'));
  try {
    const out = join(dir, 'package');
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')));
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', stage, '--region', region, '--package', out], {
        cwd: root,
        timeout: 180_000,
        env: { ...inherited, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-secret', SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      }, (error, stdout, stderr) => (error ? reject(new Error(`sls package failed: ${error.message}\n${stdout.slice(-1500)}${stderr.slice(-1500)}`)) : resolve()));
    });
    return await unpackFunction(out, dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** What `sls package --package <packageDir>` wrote, unzipped under `workDir` (removed by cleanup). */
export async function unpackFunction(packageDir: string, workDir?: string): Promise<PackagedFunction> {
  const dir = workDir ?? (await mkdtemp(join(tmpdir(), 'archy-bench-package-')));
  const template = JSON.parse(await readFile(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
  const fn = Object.values(template.Resources).find((resource) => resource.Type === 'AWS::Lambda::Function');
  if (!fn?.Properties.MemorySize) throw new Error('the packaged template has no Lambda function with a MemorySize');
  const environment = Object.fromEntries(
    Object.entries(fn.Properties.Environment?.Variables ?? {}).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
  const zipPath = join(packageDir, 'archy.zip');
  const unpacked = join(dir, 'unpacked');
  await unzip(zipPath, unpacked);
  return {
    dir: unpacked,
    entry: join(unpacked, 'functions/webhook.js'),
    zipBytes: (await readFile(zipPath)).length,
    memorySizeMb: fn.Properties.MemorySize,
    environment,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
