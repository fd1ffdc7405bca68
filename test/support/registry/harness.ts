// A real registry for tests: Debian's docker-registry (CNCF distribution 2.8) on a loopback port,
// behind a recording proxy, with no auth, htpasswd Basic auth or a token service.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import type { Platform } from '../../../lib/types.ts';
import { pushMultiArchIndex, pushSingleImage, type IndexOptions, type ManifestFormat, type PushTarget } from './push.ts';
import type { RecordedRequest } from './recording.ts';
import { startRecordingProxy } from './recording-proxy.ts';
import { freeLoopbackPort } from '../ports.ts';
import { startTokenServer, TOKEN_ISSUER, TOKEN_SERVICE, type TokenServer } from './token-server.ts';

export type { RecordedRequest } from './recording.ts';

export const REGISTRY_BINARY = process.env.ARCHY_TEST_REGISTRY_BINARY ?? '/usr/bin/docker-registry';

export interface RegistryOptions {
  auth?: 'none' | 'basic' | 'token';
  /** user → password accepted by htpasswd or the token service. */
  users?: Record<string, string>;
  /** token auth: identity (refresh) token → user. */
  identityTokens?: Record<string, string>;
  /** token auth: repositories anonymous users may not pull (default: names starting with `private/`). */
  isPrivate?: (repository: string) => boolean;
  /** The port clients use (the recording proxy's); a free one when absent. */
  port?: number;
  /** token auth: whether one token grants every scope asked for (default) or only the first. */
  scopesPerToken?: 'all' | 'first';
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` of the recording proxy: what clients under test talk to. */
  host: string;
  url: string;
  /** The token service's `host:port` (token auth only). */
  tokenHost?: string;
  /** Every request seen by the proxy and the token service, in order. */
  requests: RecordedRequest[];
  clearRequests(): void;
  pushImage(repository: string, tag: string, platform: Platform & { format?: ManifestFormat }): Promise<string>;
  pushIndex(repository: string, tag: string, children: Platform[], options?: IndexOptions): Promise<string>;
  stop(): Promise<void>;
}

const ADMIN = 'archy-harness';

export async function startRegistry(options: RegistryOptions = {}): Promise<TestRegistry> {
  const auth = options.auth ?? 'none';
  const users = options.users ?? {};
  const adminPassword = randomBytes(12).toString('hex');
  const requests: RecordedRequest[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'archy-registry-'));
  const cleanups: Array<() => Promise<void>> = [() => rm(dir, { recursive: true, force: true })];
  const stop = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };

  try {
    const port = await freeLoopbackPort();
    const config: Record<string, unknown> = {
      version: 0.1,
      log: { level: 'error', accesslog: { disabled: true } },
      storage: { filesystem: { rootdirectory: join(dir, 'data') }, delete: { enabled: true } },
      http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
    };

    let tokens: TokenServer | undefined;
    if (auth === 'basic') {
      const lines = Object.entries({ ...users, [ADMIN]: adminPassword }).map(
        ([user, password]) => `${user}:${bcrypt.hashSync(password, 4).replace(/^\$2b\$/, '$2y$')}`,
      );
      await writeFile(join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
      config.auth = { htpasswd: { realm: 'archy-test', path: join(dir, 'htpasswd') } };
    } else if (auth === 'token') {
      tokens = await startTokenServer(
        {
          users: { ...users, [ADMIN]: adminPassword },
          identityTokens: options.identityTokens ?? {},
          pushers: [ADMIN],
          isPrivate: options.isPrivate ?? ((repository) => repository.startsWith('private/')),
          scopesPerToken: options.scopesPerToken ?? 'all',
        },
        requests,
      );
      const server = tokens;
      cleanups.push(() => server.close());
      await writeFile(join(dir, 'root.pem'), tokens.rootCertificatePem);
      config.auth = { token: { realm: tokens.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: join(dir, 'root.pem') } };
    }
    const configPath = join(dir, 'config.yml');
    await writeFile(configPath, stringify(config));

    const child = spawn(REGISTRY_BINARY, ['serve', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    cleanups.push(() => killProcess(child));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = `${stderr}${chunk.toString('utf8')}`.slice(-4000);
    });
    await waitUntilServing(`http://127.0.0.1:${port}/v2/`, child, () => stderr);

    const proxy = await startRecordingProxy({ host: '127.0.0.1', port }, requests, options.port);
    cleanups.push(() => proxy.close());

    const target: PushTarget = {
      url: `http://127.0.0.1:${port}`,
      authorization: (repository) => {
        if (auth === 'basic') return `Basic ${Buffer.from(`${ADMIN}:${adminPassword}`).toString('base64')}`;
        if (tokens) return `Bearer ${tokens.issue(ADMIN, [{ type: 'repository', name: repository, actions: ['pull', 'push'] }])}`;
        return undefined;
      },
    };
    const registry: TestRegistry = {
      host: proxy.host,
      url: `http://${proxy.host}`,
      requests,
      clearRequests: () => {
        requests.length = 0;
      },
      pushImage: async (repository, tag, platform) => (await pushSingleImage(target, repository, tag, platform)).digest,
      pushIndex: (repository, tag, children, indexOptions) => pushMultiArchIndex(target, repository, tag, children, indexOptions),
      stop,
    };
    if (tokens) registry.tokenHost = tokens.host;
    return registry;
  } catch (error) {
    await stop();
    throw error;
  }
}


async function waitUntilServing(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const giveUpAt = Date.now() + 15_000;
  while (Date.now() < giveUpAt) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode}: ${stderr()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(500) });
      await response.arrayBuffer();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`docker-registry did not start within 15 s: ${stderr()}`);
}

async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
