// Issue 15 in one run (called at the end of bench/run.ts): a cold instance at the deployed CPU
// share and per memory size, first contact with token registries, the local HTTPS server. One
// token-auth registry and one DynamoDB Local serve the three. Alone: `node bench/issue15.ts`
// prints the figures; `--write` also replaces the section in docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startDynamoDbLocal } from '../test/support/dynamodb.ts';
import { startRegistry } from '../test/support/registry/harness.ts';
import { measureColdStartCgroup } from './cold-start-cgroup.ts';
import { localThroughputLines, measureLocalThroughput } from './local-throughput.ts';
import { issue15Lines, renderIssue15, spliceIssue15, type Issue15Results } from './report-issue15.ts';
import { firstContactLines, measureFirstContact } from './token-first-contact.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const DOC = fileURLToPath(new URL('../docs/BENCHMARKS.md', import.meta.url));

export async function measureIssue15(log: (text: string) => void = () => undefined): Promise<Issue15Results> {
  const started = Date.now();
  const loadAverage = loadavg();
  const registry = await startRegistry({ auth: 'token' });
  try {
    const coldStart = await measureColdStartCgroup({ registry, log });
    const dynamodb = await startDynamoDbLocal();
    let firstContact;
    try {
      log('first contact with a token registry behind a round-trip proxy');
      firstContact = await measureFirstContact({ registry, dynamodb, log });
    } finally {
      await dynamodb.stop();
    }
    log('the local HTTPS server against a bare Node HTTPS server');
    const local = await measureLocalThroughput({ registry, log });
    return { date: new Date(started).toISOString(), commit: commitOf(), loadAverage, coldStart, firstContact, local, elapsedSeconds: (Date.now() - started) / 1000 };
  } finally {
    await registry.stop();
  }
}

export function printIssue15(r: Issue15Results): void {
  console.log('');
  console.log('Issue 15: where people wait');
  for (const line of issue15Lines(r, firstContactLines(r.firstContact), localThroughputLines(r.local))) console.log(line);
}

/** Replaces (or adds) the issue 15 section of docs/BENCHMARKS.md. */
export async function writeIssue15(r: Issue15Results): Promise<void> {
  await writeFile(DOC, spliceIssue15(await readFile(DOC, 'utf8'), renderIssue15(r)));
}

function commitOf(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureIssue15((text) => process.stderr.write(`bench: ${text}\n`));
  printIssue15(result);
  if (process.argv.includes('--write')) {
    await writeIssue15(result);
    process.stderr.write(`bench: wrote the issue 15 section of ${DOC}\n`);
  }
}
