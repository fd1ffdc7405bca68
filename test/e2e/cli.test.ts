// `npx archy resolve`: the CLI run as a newcomer runs it, against the real registry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startRegistry, type TestRegistry } from '../support/registry/harness.ts';
import { cleanEnv, REPO_ROOT } from '../support/processes.ts';

const run = promisify(execFile);
let registry: TestRegistry;

async function archy(args: string[]): Promise<{ code: number; stdout: string }> {
  const env = cleanEnv({ ARCHY_INSECURE_REGISTRIES: registry.host });
  try {
    const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'bin', 'archy.js'), ...args], { cwd: REPO_ROOT, env, timeout: 30_000 });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('archy resolve', () => {
  before(async () => {
    registry = await startRegistry();
    await registry.pushIndex('cli/multi', '1', [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm', variant: 'v7' }]);
    await registry.pushImage('cli/single', '2', { os: 'linux', architecture: 'arm64' });
  });
  after(async () => {
    await registry?.stop();
  });

  test('--json prints one object per image with the normalised reference, digest and platforms', async () => {
    const { code, stdout } = await archy(['resolve', '--json', `${registry.host}/cli/multi:1`, `${registry.host}/cli/single:2`]);
    assert.equal(code, 0);
    const [multi, single] = stdout.trim().split('\n').map((line) => JSON.parse(line) as { reference: { registry: string; repository: string; tag: string }; digest: string; platforms: string[] });
    assert.deepEqual(multi?.reference, { registry: registry.host, repository: 'cli/multi', tag: '1', canonical: `${registry.host}/cli/multi:1` });
    assert.match(multi?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(multi?.platforms, ['linux/amd64', 'linux/arm/v7']);
    assert.deepEqual(single?.platforms, ['linux/arm64']);
  });

  test('a failure is reported per image with an error, and the exit status is non-zero', async () => {
    const { code, stdout } = await archy(['resolve', '--json', `${registry.host}/cli/missing:1`, 'Bad/Name', `${registry.host}/cli/single:2`]);
    assert.equal(code, 1);
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as { image: string; error?: string; platforms?: string[] });
    assert.match(lines[0]?.error ?? '', /404/);
    assert.match(lines[1]?.error ?? '', /must be lowercase/);
    assert.deepEqual(lines[2]?.platforms, ['linux/arm64']);
  });

  test('without --json it prints a readable block per image', async () => {
    const { code, stdout } = await archy(['resolve', `${registry.host}/cli/single:2`]);
    assert.equal(code, 0);
    assert.match(stdout, /repository: cli\/single/);
    assert.match(stdout, /platforms: {2}linux\/arm64/);
  });

  test('no image is a usage error', async () => {
    const { code, stdout } = await archy(['resolve']);
    assert.equal(code, 2);
    assert.match(stdout, /usage: archy resolve/);
  });
});
