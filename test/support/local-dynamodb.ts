// `npm run dynamodb`: DynamoDB Local on port 8000 (ARCHY_DYNAMODB_PORT picks another), in memory,
// with the cache table created from serverless.yml's definition, for trying the shared cache with
// `npm run local`. The jar has no option to bind one address: it listens on every interface;
// Archy and this script reach it through 127.0.0.1. Ctrl-C stops it.
import { saysAddressInUse, StartupError } from '../../lib/local/listen-error.ts';
import { startDynamoDbLocal, TEST_CREDENTIALS, TEST_REGION, type DynamoDbLocal } from './dynamodb.ts';
import { ensurePortFree, portFromEnv } from './ports.ts';
import { SAMPLE_REGISTRY } from './make-events.ts';

export const DYNAMODB_PORT = 8000;
export const DYNAMODB_PORT_VARIABLE = 'ARCHY_DYNAMODB_PORT';
export const CACHE_TABLE = 'archy-local-platform-cache';

/** The variables that point Archy at this DynamoDB Local and its table (the table lives under these credentials). */
export function cacheTableEnv(dynamo: DynamoDbLocal): Record<string, string> {
  return {
    ARCHY_CACHE_TABLE: CACHE_TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  };
}

/** DynamoDB Local on `port` (0: a free one) with the cache table. */
export async function startCacheTable(port = DYNAMODB_PORT): Promise<DynamoDbLocal> {
  const what = 'DynamoDB Local';
  await ensurePortFree(port, what, DYNAMODB_PORT_VARIABLE);
  let dynamo: DynamoDbLocal;
  try {
    dynamo = await startDynamoDbLocal(port === 0 ? undefined : port);
  } catch (error) {
    // Taken between the check and Java's start: Java's own report is a long BindException trace.
    if (saysAddressInUse((error as Error).message)) {
      throw new StartupError(`${what} cannot listen on port ${port}: it is already in use; set ${DYNAMODB_PORT_VARIABLE} to another port (0 picks a free one)`, { cause: error });
    }
    throw error;
  }
  try {
    await dynamo.createTable(CACHE_TABLE);
  } catch (error) {
    await dynamo.stop();
    throw error;
  }
  return dynamo;
}

if (import.meta.main) {
  try {
    const dynamo = await startCacheTable(portFromEnv(DYNAMODB_PORT_VARIABLE, DYNAMODB_PORT));
    const env = Object.entries({ ...cacheTableEnv(dynamo), ARCHY_INSECURE_REGISTRIES: SAMPLE_REGISTRY }).map(([name, value]) => `${name}=${value}`);
    console.log(`DynamoDB Local on ${dynamo.endpoint} (in memory; the jar cannot bind one address, so it listens on every interface, port ${new URL(dynamo.endpoint).port}), table ${CACHE_TABLE}.
With \`npm run samples\` in another shell, run the webhook on it with:
  ${env.slice(0, 3).join(' ')} \\
  ${env.slice(3).join(' ')} npm run local
(or run all three at once: npm run demo). Ctrl-C stops it.`);
    // The harness does not hold the process open (tests must exit); this script must, until Ctrl-C.
    const keepAlive = setInterval(() => undefined, 60_000);
    const stop = (): void => {
      clearInterval(keepAlive);
      void dynamo.stop().then(() => process.exit(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    console.error(`archy: ${error.message}`);
    process.exit(1);
  }
}
