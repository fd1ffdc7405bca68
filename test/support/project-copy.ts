// The project's sources in a fresh temporary folder, as a fresh clone has them after `npm ci`:
// no .esbuild, .serverless or other build state, node_modules linked. `sls` commands run there
// cannot meet another test's build folder (serverless-esbuild builds in <project>/.esbuild and
// `sls package` deletes it when done).
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './processes.ts';

/** What `sls invoke local` and `sls package` read: the service, its plugin, the code and the events. */
const SOURCES = ['package.json', 'serverless.yml', 'functions', 'lib', 'infra', 'events'];

export interface ProjectCopy {
  dir: string;
  remove(): void;
}

export function copyProject(): ProjectCopy {
  const dir = mkdtempSync(join(tmpdir(), 'archy-clone-'));
  for (const source of SOURCES) cpSync(join(REPO_ROOT, source), join(dir, source), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
