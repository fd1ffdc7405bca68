// Removes Archy's registration from the cluster of the current kubeconfig: the webhook first (so
// no admission calls a half-removed Archy), then the RBAC. The stack stays: `npx sls remove` for it.
//   node infra/unregister.ts --cluster NAME [--context C] [--dry-run]
import { fileURLToPath } from 'node:url';
import { parseOptions } from './options.ts';
import { URL_PLACEHOLDER, renderManifests } from './render.ts';
import { defaultDeps, type RegisterDeps } from './register.ts';

export async function unregister(argv: string[], deps: Pick<RegisterDeps, 'kube' | 'rbac' | 'print'>): Promise<void> {
  const options = parseOptions(argv);
  const objects = renderManifests({ url: URL_PLACEHOLDER, timeBudgetMs: options.timeBudgetMs, rbac: deps.rbac() }).reverse();
  const names = objects.map((object) => `${object.kind}/${object.metadata.name}`);
  if (options.dryRun) {
    deps.print(`would delete ${names.join(', ')}`);
    return;
  }
  const kube = deps.kube(options);
  const deleted = await kube.remove(objects);
  deps.print(deleted.length > 0 ? `deleted ${deleted.join(', ')} from ${kube.description}` : `nothing to delete in ${kube.description}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await unregister(process.argv.slice(2), await defaultDeps());
  } catch (error) {
    process.stderr.write(`unregister: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
