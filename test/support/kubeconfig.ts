// A kubeconfig file for tests: contexts pointing at plain-HTTP loopback fakes. The client library
// refuses http:// servers unless the cluster says insecure-skip-tls-verify, as here.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Writes `<dir>/kubeconfig` with one context per entry of `servers`; the first is current. */
export async function writeKubeconfig(dir: string, servers: Record<string, string>): Promise<string> {
  const names = Object.keys(servers);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: names.map((name) => ({ name, cluster: { server: servers[name], 'insecure-skip-tls-verify': true } })),
    users: [{ name: 'tester', user: { token: 'test-token' } }],
    contexts: names.map((name) => ({ name, context: { cluster: name, user: 'tester' } })),
    'current-context': names[0] ?? '',
  };
  const path = join(dir, 'kubeconfig');
  await writeFile(path, stringify(config));
  return path;
}
