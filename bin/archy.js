#!/usr/bin/env node
// `npx archy …`: the command-line entry. The code is TypeScript, run by Node 24's type stripping;
// npx runs this on the project's Node 24 (devDependency `node`, in node_modules/.bin). Started by an
// older node some other way, it hands over to that Node 24 when `npm ci` installed it.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  const projectNode = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (existsSync(projectNode) && realpathSync(projectNode) !== realpathSync(process.execPath)) {
    const child = spawnSync(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(child.status ?? 1);
  }
  console.error(`archy needs Node 24 or newer (this is ${process.version}): run \`bash .ci/setup\` once in the project, then \`npx archy …\``);
  process.exit(2);
}
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
