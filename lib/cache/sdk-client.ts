// An AWS SDK v3 DynamoDBClient given to the cache (tests and tools that already hold one, with
// their own endpoint, credentials or middleware) behind the cache's client interface. The SDK is
// imported only then: the function's own cache uses lib/aws/dynamodb.ts.
import type { DynamoDbApi } from '../aws/dynamodb-types.ts';
import { namedOrDefault } from '../commonjs.ts';

/** The part of an SDK client this needs: `send(command, { abortSignal })`. */
export interface SdkDynamoDbClient {
  send(command: never, options?: { abortSignal?: AbortSignal }): Promise<unknown>;
}

export function isSdkClient(client: DynamoDbApi | SdkDynamoDbClient): client is SdkDynamoDbClient {
  return typeof (client as Partial<SdkDynamoDbClient>).send === 'function';
}

export function fromSdkClient(client: SdkDynamoDbClient): DynamoDbApi {
  const sdk = import('@aws-sdk/client-dynamodb').then(namedOrDefault);
  const send = async <T>(make: (module: Awaited<typeof sdk>) => object, signal: AbortSignal | undefined): Promise<T> => {
    const command = make(await sdk);
    return (await (client.send as (command: object, options?: { abortSignal?: AbortSignal }) => Promise<unknown>)(command, { abortSignal: signal })) as T;
  };
  return {
    // The SDK's shapes are the wire's (B aside, which the cache neither writes nor reads).
    batchGetItem: (input, signal) => send((m) => new m.BatchGetItemCommand(input as never), signal),
    batchWriteItem: (input, signal) => send((m) => new m.BatchWriteItemCommand(input as never), signal),
    describeTable: (input, signal) => send((m) => new m.DescribeTableCommand(input), signal),
  };
}
