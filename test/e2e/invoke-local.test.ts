// The sample events in events/. Every one goes through the webhook handler in process, with the
// `local` stage's environment as `sls print` resolves it (the logic, fast). `sls invoke local` runs
// twice, as a Serverless user types it, on a fresh copy of the project, offline: on the default
// stage and with --stage local (the wiring: serverless.yml, the guard plugin, the esbuild bundle).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Context } from 'aws-lambda';
import { leaveOutStackValues, type ServerlessLike } from '../../infra/serverless-guard.ts';
import type { LambdaEvent, LambdaResult } from '../../lib/http/lambda.ts';
import { NO_TOKEN_WARNING } from '../../lib/secrets/webhook-token.ts';
import { SAMPLE_EVENTS } from '../support/make-events.ts';
import { freeLoopbackPort } from '../support/ports.ts';
import { copyProject } from '../support/project-copy.ts';
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

interface SlsInvocation {
  result: Invocation;
  /** stdout and stderr: osls's notices and the function's log lines. */
  output: string;
}

/** `sls invoke local -f webhook -p events/<file>` in a fresh copy of the project. */
async function slsInvokeLocal(file: string, stageArgs: string[], env: NodeJS.ProcessEnv): Promise<SlsInvocation> {
  const project = copyProject();
  try {
    const { stdout, stderr } = await run(SLS, ['invoke', 'local', ...stageArgs, '-f', 'webhook', '-p', join('events', file)], { cwd: project.dir, env, timeout: 120_000 });
    // Log and EMF lines are one JSON object per line (and may be flushed after the result); the
    // result is printed indented, from a line that is exactly `{` to one that is exactly `}`.
    const lines = stdout.split('\n');
    const start = lines.lastIndexOf('{');
    const end = lines.indexOf('}', start);
    assert.ok(start >= 0 && end > start, `no result in:\n${stdout}\n${stderr}`);
    return { result: JSON.parse(lines.slice(start, end + 1).join('\n')) as Invocation, output: `${stdout}\n${stderr}` };
  } finally {
    project.remove();
  }
}

/** The webhook's environment on the `local` stage, as `sls print` resolves it and invoke local sets it. */
async function localStageEnvironment(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const { stdout } = await run(SLS, ['print', '--stage', 'local', '--format', 'json'], { cwd: REPO_ROOT, env, timeout: 120_000 });
  const { provider, functions } = JSON.parse(stdout) as ServerlessLike['service'];
  leaveOutStackValues({ service: { provider, functions }, processedInput: { commands: ['invoke', 'local'] }, classes: { Error } });
  return { ...provider.environment, ...functions?.webhook?.environment } as Record<string, string>;
}

function eventOf(file: string): LambdaEvent {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'events', file), 'utf8')) as LambdaEvent;
}

function podOf(file: string): unknown {
  const body = JSON.parse(SAMPLE_EVENTS[file]?.body ?? '{}') as { request: { object: unknown } };
  return body.request.object;
}

function nodeSelectorOf(file: string, answer: ReviewAnswer): string | undefined {
  return (applyAnswer(podOf(file), answer) as { spec: { nodeSelector?: Record<string, string> } }).spec.nodeSelector?.['kubernetes.io/arch'];
}

const outcomes: Record<string, (answer: ReviewAnswer) => void> = {
  'single-arch.json': (answer) => assert.equal(nodeSelectorOf('single-arch.json', answer), 'amd64'),
  'multi-arch.json': (answer) => {
    const patched = applyAnswer(podOf('multi-arch.json'), answer) as { spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: unknown; preferredDuringSchedulingIgnoredDuringExecution: unknown[] } } } };
    assert.match(JSON.stringify(patched.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution), /"values":\["amd64","arm64"\]/);
    assert.equal(patched.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution.length, 1);
  },
  'several-containers.json': (answer) => assert.equal(nodeSelectorOf('several-containers.json', answer), 'arm64'),
  'init-and-ephemeral.json': (answer) => assert.equal(nodeSelectorOf('init-and-ephemeral.json', answer), 'amd64'),
  'arch-already-set.json': (answer) => assert.equal(answer.response.patch, undefined),
  'daemonset-pod.json': (answer) => assert.equal(answer.response.patch, undefined),
  'opt-out.json': (answer) => assert.equal(answer.response.patch, undefined),
  'no-common-arch.json': (answer) => {
    assert.equal(answer.response.patch, undefined);
    assert.match(answer.response.warnings?.join('\n') ?? '', /s390x/);
  },
};

/** The answer every sample event must get; `malformed-body.json` is refused before admission. */
function checkAnswer(file: string, result: Invocation): void {
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
  check(answer);
}

describe('the sample events', () => {
  let registry: TestRegistry;
  let defaultStage: Promise<SlsInvocation>;
  let localStage: Promise<SlsInvocation>;

  before(async () => {
    registry = await startSampleRegistry();
    // Any AWS call (the default stage's DynamoDB table, or osls asking CloudFormation) meets a closed
    // loopback port: refused at once, nothing leaves the machine. The credentials are fake.
    const nowhere = `http://127.0.0.1:${await freeLoopbackPort()}`;
    const env = cleanEnv({ AWS_ENDPOINT_URL: nowhere, AWS_ENDPOINT_URL_DYNAMODB: nowhere, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' });
    // The copies are elsewhere: a preload named from the project root (the loopback guard) must follow.
    if (env.NODE_OPTIONS) env.NODE_OPTIONS = env.NODE_OPTIONS.replaceAll('--import=./', `--import=${REPO_ROOT}`);
    // Both start now, each in its own copy, and run while the handler is exercised in process.
    defaultStage = slsInvokeLocal('single-arch.json', [], env);
    localStage = slsInvokeLocal('multi-arch.json', ['--stage', 'local'], env);
    // Awaited by their tests; a failure before then is not an unhandled rejection.
    defaultStage.catch(() => undefined);
    localStage.catch(() => undefined);
  });
  after(async () => {
    await Promise.allSettled([defaultStage, localStage]);
    await registry?.stop();
  });

  test('events/ holds exactly the generated samples', () => {
    assert.deepEqual(EVENTS, Object.keys(SAMPLE_EVENTS).sort());
  });

  describe('through the handler in process, with the local stage\'s environment', () => {
    let handler: (event: LambdaEvent, context: Context) => Promise<LambdaResult>;

    before(async () => {
      const environment = await localStageEnvironment(cleanEnv({ SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' }));
      assert.equal(environment.ARCHY_WEBHOOK_TOKEN_SECRET_ARN, undefined, 'invoke local runs without the token secret');
      for (const name of Object.keys(process.env)) if (/^(AWS_|ARCHY_|KUBECONFIG)/.test(name)) delete process.env[name];
      for (const [name, value] of Object.entries(environment)) {
        // NODE_OPTIONS tunes the Lambda runtime's heap; in this process it would only reach children.
        if (name !== 'NODE_OPTIONS') process.env[name] = value;
      }
      // What invoke local adds (region, fake keys for an offline run), no kubeconfig, and quiet:
      // the log level and the EMF lines change what is printed, never the answer.
      Object.assign(process.env, {
        IS_LOCAL: 'true',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        KUBECONFIG: '/nonexistent',
        ARCHY_LOG_LEVEL: 'silent',
        POWERTOOLS_METRICS_DISABLED: 'true',
      });
      ({ handler } = await import('../../functions/webhook.ts'));
    });

    for (const file of EVENTS) {
      test(`${file}: ${SAMPLE_EVENTS[file]?.expect ?? ''}`, async () => {
        const context = { awsRequestId: `in-process-${file}`, functionName: 'archy-local-webhook' } as Context;
        const { statusCode = 0, body = '' } = await handler(eventOf(file), context);
        checkAnswer(file, { statusCode, body });
      });
    }
  });

  describe('sls invoke local, offline, on a fresh copy of the project', () => {
    test('the default stage, as typed (no --stage): no token secret and no CloudFormation, and it says so', async () => {
      const { result, output } = await defaultStage;
      assert.doesNotMatch(output, /Could not resolve|Unsupported environment variable/);
      assert.doesNotMatch(output, /loopback-only test guard/, 'nothing tried to leave the machine');
      assert.match(output, /ARCHY_WEBHOOK_TOKEN_SECRET_ARN left out/);
      assert.ok(output.includes(NO_TOKEN_WARNING), output);
      // The default stage allows no plain-HTTP registry: the sample image is not checked, and the
      // pod goes to the default architecture with warnings saying why.
      assert.equal(result.statusCode, 200, result.body);
      const answer = JSON.parse(result.body) as ReviewAnswer;
      assert.equal(answer.response.allowed, true);
      assert.equal(nodeSelectorOf('single-arch.json', answer), 'amd64');
      assert.match(answer.response.warnings?.join('\n') ?? '', /localhost:5055.*ARCHY_INSECURE_REGISTRIES/);
    });

    test('--stage local: the sample registry over plain HTTP, the same answer as in process', async () => {
      const { result, output } = await localStage;
      assert.ok(output.includes(NO_TOKEN_WARNING), output);
      assert.doesNotMatch(output, /loopback-only test guard/, 'nothing tried to leave the machine');
      checkAnswer('multi-arch.json', result);
      assert.deepEqual((JSON.parse(result.body) as ReviewAnswer).response.warnings ?? [], []);
    });
  });
});
