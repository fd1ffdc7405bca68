// The newcomer's path: `npm run demo` started as the README says (through npm, on free ports),
// the one-liner it prints run as printed, and Ctrl-C, after which nothing it started is running.
// Also the one-line answers for a port that is taken.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { cleanEnv, processesMarked, REPO_ROOT } from '../support/processes.ts';
import { freeLoopbackPort } from '../support/ports.ts';

const MARK = 'ARCHY_TEST_DEMO_RUN';
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;

interface Run {
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code once npm has exited and the output is closed. */
  exited: Promise<number | null>;
}

/**
 * `npm run --silent <script>` in its own process group (a terminal's Ctrl-C reaches the whole
 * group). npm itself runs on the project's node: it inherits the test run's NODE_OPTIONS, which
 * preload a .ts file.
 */
function npmRun(script: string, env: NodeJS.ProcessEnv): Run {
  const path = `${join(REPO_ROOT, 'node_modules', '.bin')}:${env.PATH ?? ''}`;
  const child = spawn('npm', ['run', '--silent', script], { cwd: REPO_ROOT, env: { ...env, PATH: path }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

function waitForLine(run: Run, pattern: RegExp, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const line = run.output().split('\n').find((candidate) => pattern.test(candidate));
      if (line !== undefined) finish(() => resolve(line));
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${run.output()}`))), timeoutMs);
    const onExit = (): void => finish(() => reject(new Error(`exited before printing ${pattern}:\n${run.output()}`)));
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      run.child.stdout?.off('data', check);
      run.child.off('exit', onExit);
      settle();
    };
    run.child.stdout?.on('data', check);
    run.child.once('exit', onExit);
    check();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function killGroup(run: Run, signal: NodeJS.Signals): void {
  try {
    if (run.child.pid !== undefined) process.kill(-run.child.pid, signal);
  } catch {
    // already gone
  }
}

describe('npm run demo', () => {
  const mark = randomUUID();
  let tlsDir: string;
  let run: Run;

  before(async () => {
    tlsDir = await mkdtemp(join(tmpdir(), 'archy-demo-tls-'));
  });
  after(async () => {
    if (run && run.child.exitCode === null && run.child.signalCode === null) killGroup(run, 'SIGKILL');
    await rm(tlsDir, { recursive: true, force: true });
  });

  test('starts the registry, DynamoDB Local and the webhook; the printed one-liner gets a placement; Ctrl-C stops them all', { timeout: READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 60_000 }, async () => {
    run = npmRun('demo', cleanEnv({
      ARCHY_PORT: '0',
      ARCHY_SAMPLE_REGISTRY_PORT: '0',
      ARCHY_DYNAMODB_PORT: '0',
      ARCHY_TLS_DIR: tlsDir,
      npm_config_update_notifier: 'false',
      [MARK]: mark,
    }));
    await waitForLine(run, /^ready: Ctrl-C stops/, READY_TIMEOUT_MS);
    const output = run.output();

    const running = processesMarked(MARK, mark).map((process) => process.command);
    assert.ok(running.some((command) => command.includes('docker-registry')), `the registry runs:\n${running.join('\n')}`);
    assert.ok(running.some((command) => /^java .*DynamoDBLocal\.jar/.test(command)), `DynamoDB Local runs:\n${running.join('\n')}`);

    // The kind configuration carries the certificate kept in ARCHY_TLS_DIR.
    const cert = await readFile(join(tlsDir, 'tls.crt'), 'utf8');
    assert.ok(new X509Certificate(cert).checkHost('host.docker.internal', { subject: 'never' }));
    assert.ok(output.includes(`caBundle: ${Buffer.from(cert).toString('base64')}`), 'the printed YAML has the caBundle');
    assert.match(output, /url: https:\/\/host\.docker\.internal:\d+\/mutate/);

    const oneLiner = output.split('\n').find((line) => /^\s+node -p .*\| curl .*\| node -e /.test(line));
    assert.ok(oneLiner, `a one-liner to try:\n${output}`);
    const { stdout } = await promisify(execFile)('bash', ['-c', oneLiner.trim()], { cwd: REPO_ROOT, env: cleanEnv({}), timeout: 30_000 });
    const response = JSON.parse(stdout) as { uid: string; allowed: boolean; patchType: string; patch: Operation[] };
    assert.equal(response.allowed, true);
    assert.equal(response.patchType, 'JSONPatch');
    const event = JSON.parse(await readFile(join(REPO_ROOT, 'events', 'multi-arch.json'), 'utf8')) as { body: string };
    const review = JSON.parse(event.body) as { request: { uid: string; object: unknown } };
    assert.equal(response.uid, review.request.uid);
    const pod = fastJsonPatch.applyPatch(structuredClone(review.request.object), response.patch, true, false).newDocument as {
      metadata: { annotations: Record<string, string> };
      spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: Array<{ matchExpressions: unknown[] }> } } } };
    };
    assert.equal(pod.metadata.annotations['archy.io/architectures'], 'amd64,arm64', 'resolved from the sample registry, not the fallback');
    assert.deepEqual(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]?.matchExpressions, [
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64', 'arm64'] },
    ]);

    killGroup(run, 'SIGINT');
    const code = await withTimeout(run.exited, STOP_TIMEOUT_MS, 'stopping after Ctrl-C');
    assert.equal(code, 0, run.output());
    assert.match(run.output(), /archy demo: stopped/);
    assert.deepEqual(processesMarked(MARK, mark), [], 'nothing the demo started is still running');
  });

  test('SIGTERM to npm alone (a process manager stopping it) stops everything too', { timeout: READY_TIMEOUT_MS + STOP_TIMEOUT_MS + 10_000 }, async () => {
    const termMark = randomUUID();
    run = npmRun('demo', cleanEnv({
      ARCHY_PORT: '0',
      ARCHY_SAMPLE_REGISTRY_PORT: '0',
      ARCHY_DYNAMODB_PORT: '0',
      ARCHY_TLS_DIR: tlsDir,
      npm_config_update_notifier: 'false',
      [MARK]: termMark,
    }));
    await waitForLine(run, /^ready: Ctrl-C stops/, READY_TIMEOUT_MS);
    assert.match(run.output(), /\(reused, valid until/, 'the certificate of the first run is kept');
    run.child.kill('SIGTERM');
    await withTimeout(run.exited, STOP_TIMEOUT_MS, 'stopping after SIGTERM');
    assert.match(run.output(), /archy demo: stopped/);
    assert.deepEqual(processesMarked(MARK, termMark), []);
  });
});

describe('a port that is taken', () => {
  let blocker: Server;
  let port: number;
  before(async () => {
    port = await freeLoopbackPort();
    blocker = createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(port, '127.0.0.1', resolve);
    });
  });
  after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  const cases: Array<{ script: string; variable: string; env: Record<string, string> }> = [
    { script: 'samples', variable: 'ARCHY_SAMPLE_REGISTRY_PORT', env: {} },
    { script: 'dynamodb', variable: 'ARCHY_DYNAMODB_PORT', env: {} },
    { script: 'local', variable: 'ARCHY_PORT', env: {} },
    // The registry and DynamoDB Local start first; the webhook's port is taken; both are stopped.
    { script: 'demo', variable: 'ARCHY_PORT', env: { ARCHY_SAMPLE_REGISTRY_PORT: '0', ARCHY_DYNAMODB_PORT: '0' } },
  ];
  for (const { script, variable, env } of cases) {
    test(`npm run ${script}: one line naming ${variable}, exit 1, nothing left running`, { timeout: READY_TIMEOUT_MS }, async () => {
      const mark = randomUUID();
      const tlsDir = await mkdtemp(join(tmpdir(), 'archy-busy-tls-'));
      try {
        const attempt = npmRun(script, cleanEnv({ ...env, [variable]: String(port), ARCHY_TLS_DIR: tlsDir, ARCHY_LOG_LEVEL: 'error', npm_config_update_notifier: 'false', [MARK]: mark }));
        const code = await withTimeout(attempt.exited, READY_TIMEOUT_MS - 10_000, `npm run ${script}`);
        assert.equal(code, 1, attempt.output());
        const problem = attempt.output().split('\n').filter((line) => line.includes('already in use'));
        assert.equal(problem.length, 1, attempt.output());
        assert.ok(problem[0]?.includes(`port ${port} is already in use; set ${variable} to another port`), attempt.output());
        assert.doesNotMatch(attempt.output(), /^\s+at |BindException/m, 'no stack trace');
        assert.deepEqual(processesMarked(MARK, mark), []);
      } finally {
        await rm(tlsDir, { recursive: true, force: true });
      }
    });
  }
});
