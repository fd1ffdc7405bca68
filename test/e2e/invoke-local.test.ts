// `sls invoke local` on every sample event in events/, offline, against the sample registry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SAMPLE_EVENTS } from '../support/make-events.ts';
import { startSampleRegistry } from '../support/sample-registry.ts';
import type { TestRegistry } from '../support/registry/harness.ts';
import { cleanEnv, REPO_ROOT } from '../support/processes.ts';
import { applyAnswer, type ReviewAnswer } from '../support/admission.ts';

const run = promisify(execFile);
const SLS = join(REPO_ROOT, 'node_modules', '.bin', 'sls');
const EVENTS = readdirSync(join(REPO_ROOT, 'events')).filter((file) => file.endsWith('.json')).sort();

interface Invocation {
  statusCode: number;
  body: string;
}

async function invoke(file: string): Promise<Invocation> {
  // The `local` stage (serverless.yml params) has no table and no token, and allows localhost:5055.
  const { stdout } = await run(SLS, ['invoke', 'local', '--stage', 'local', '-f', 'webhook', '-p', join('events', file)], { cwd: REPO_ROOT, env: cleanEnv({}), timeout: 120_000 });
  // Log and EMF lines are one JSON object per line (and may be flushed after the result); the
  // result is printed indented, from a line that is exactly `{` to one that is exactly `}`.
  const lines = stdout.split('\n');
  const start = lines.lastIndexOf('{');
  const end = lines.indexOf('}', start);
  assert.ok(start >= 0 && end > start, `no result in:\n${stdout}`);
  return JSON.parse(lines.slice(start, end + 1).join('\n')) as Invocation;
}

function podOf(file: string): unknown {
  const body = JSON.parse(SAMPLE_EVENTS[file]?.body ?? '{}') as { request: { object: unknown } };
  return body.request.object;
}

describe('sls invoke local on every event', () => {
  let registry: TestRegistry;
  before(async () => {
    registry = await startSampleRegistry();
  });
  after(async () => {
    await registry?.stop();
  });

  test('events/ holds exactly the generated samples', () => {
    assert.deepEqual(EVENTS, Object.keys(SAMPLE_EVENTS).sort());
  });

  const outcomes: Record<string, (answer: ReviewAnswer, result: Invocation) => void> = {
    'single-arch.json': (answer) => assert.equal((applyAnswer(podOf('single-arch.json'), answer) as { spec: { nodeSelector: Record<string, string> } }).spec.nodeSelector['kubernetes.io/arch'], 'amd64'),
    'multi-arch.json': (answer) => {
      const patched = applyAnswer(podOf('multi-arch.json'), answer) as { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown; preferredDuringSchedulingIgnoredDuringExecution: unknown[] } } } };
      assert.match(JSON.stringify(patched.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution), /"values":\["amd64","arm64"\]/);
      assert.equal(patched.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution.length, 1);
    },
    'several-containers.json': (answer) => assert.equal((applyAnswer(podOf('several-containers.json'), answer) as { spec: { nodeSelector: Record<string, string> } }).spec.nodeSelector['kubernetes.io/arch'], 'arm64'),
    'init-and-ephemeral.json': (answer) => assert.equal((applyAnswer(podOf('init-and-ephemeral.json'), answer) as { spec: { nodeSelector: Record<string, string> } }).spec.nodeSelector['kubernetes.io/arch'], 'amd64'),
    'arch-already-set.json': (answer) => assert.equal(answer.response.patch, undefined),
    'daemonset-pod.json': (answer) => assert.equal(answer.response.patch, undefined),
    'opt-out.json': (answer) => assert.equal(answer.response.patch, undefined),
    'no-common-arch.json': (answer) => {
      assert.equal(answer.response.patch, undefined);
      assert.match(answer.response.warnings?.join('\n') ?? '', /s390x/);
    },
  };

  for (const file of EVENTS) {
    test(`${file}: ${SAMPLE_EVENTS[file]?.expect ?? ''}`, async () => {
      const result = await invoke(file);
      if (file === 'malformed-body.json') {
        assert.equal(result.statusCode, 400);
        assert.match(result.body, /not valid JSON/);
        return;
      }
      assert.equal(result.statusCode, 200, result.body);
      const answer = JSON.parse(result.body) as ReviewAnswer;
      assert.equal(answer.response.allowed, true);
      const check = outcomes[file];
      assert.ok(check, `no expectation written for ${file}`);
      check(answer, result);
    });
  }
});
