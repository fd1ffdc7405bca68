// Runs the handler of a packaged (unzipped) function once, as Lambda would on a cold start: a fresh
// Node process with only the environment given, which imports the bundle, invokes the handler with
// one event and prints what it returned. The process is killed when it takes longer than the limit.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';

export interface PackagedInvocation {
  result: { statusCode?: number; headers?: Record<string, string>; body?: string };
  /** What the process wrote (the function's log lines), for failure messages. */
  output: string;
}

const MARK = 'PACKAGED-HANDLER-RESULT ';

// The child: event on stdin, the bundle's file URL as its one argument, the result on a marked line.
const CHILD = `
let input = '';
for await (const chunk of process.stdin) input += chunk;
const { handler } = await import(process.argv[1]);
const context = { awsRequestId: 'packaged-handler-1', functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, getRemainingTimeInMillis: () => 6000 };
const result = await handler(JSON.parse(input), context);
process.stdout.write('\\n${MARK}' + JSON.stringify(result) + '\\n');
process.exit(0);
`;

/** Invokes `entry`'s `handler` with `event` in a child process whose whole environment is `env`. */
export function invokePackagedHandler(entry: string, event: unknown, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<PackagedInvocation> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, pathToFileURL(entry).href], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(JSON.stringify(event));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the packaged handler did not answer within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = output.split('\n').find((candidate) => candidate.startsWith(MARK));
      if (code !== 0 || line === undefined) {
        reject(new Error(`the packaged handler exited with ${signal ?? code} and no result:\n${output}`));
        return;
      }
      resolve({ result: JSON.parse(line.slice(MARK.length)) as PackagedInvocation['result'], output });
    });
  });
}
