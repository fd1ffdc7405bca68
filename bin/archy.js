#!/usr/bin/env node
// `npx archy …`: the command-line entry. The code is TypeScript, run by Node 24's type stripping.
const [major] = process.versions.node.split('.').map(Number);
if (major < 24) {
  console.error(`archy needs Node 24 or newer (this is ${process.version}); see the README's setup section`);
  process.exit(2);
}
const { main } = await import('../lib/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
