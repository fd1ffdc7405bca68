// `npm run dynamodb`: DynamoDB Local on 127.0.0.1:8000 (in memory) with the cache table created
// from serverless.yml's definition, for trying the shared cache with `npm run local`. Ctrl-C stops it.
import { startDynamoDbLocal } from './dynamodb.ts';

const PORT = 8000;
const TABLE = 'archy-local-platform-cache';

const dynamo = await startDynamoDbLocal(PORT);
await dynamo.createTable(TABLE);
console.log(`DynamoDB Local on ${dynamo.endpoint}, table ${TABLE}. In another shell:
  AWS_ENDPOINT_URL_DYNAMODB=${dynamo.endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \\
  ARCHY_CACHE_TABLE=${TABLE} npm run local`);
// The harness does not hold the process open (tests must exit); this script must, until Ctrl-C.
const keepAlive = setInterval(() => undefined, 60_000);
const stop = (): void => {
  clearInterval(keepAlive);
  void dynamo.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
