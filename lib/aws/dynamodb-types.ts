// The DynamoDB JSON shapes of the three calls Archy makes, as the service sends them (JSON 1.0):
// only the members Archy reads or writes.

/** One attribute value; Archy writes S, N and L, and reads past anything else. */
export interface AttributeValue {
  S?: string;
  N?: string;
  L?: AttributeValue[];
  M?: Record<string, AttributeValue>;
  BOOL?: boolean;
  NULL?: boolean;
  /** Base64 on the wire. */
  B?: string;
  SS?: string[];
  NS?: string[];
}

export type Item = Record<string, AttributeValue>;

export interface KeysAndAttributes {
  Keys: Item[];
  ConsistentRead?: boolean;
  ProjectionExpression?: string;
}

export interface BatchGetItemInput {
  RequestItems: Record<string, KeysAndAttributes>;
}

export interface BatchGetItemOutput {
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, KeysAndAttributes>;
}

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

export interface BatchWriteItemInput {
  RequestItems: Record<string, WriteRequest[]>;
}

export interface BatchWriteItemOutput {
  UnprocessedItems?: Record<string, WriteRequest[]>;
}

export interface DescribeTableInput {
  TableName: string;
}

export interface DescribeTableOutput {
  Table?: { TableName?: string; TableStatus?: string };
}

/** What the cache needs of a DynamoDB client; `signal` ends the call (and its retry) early. */
export interface DynamoDbApi {
  batchGetItem(input: BatchGetItemInput, signal?: AbortSignal): Promise<BatchGetItemOutput>;
  batchWriteItem(input: BatchWriteItemInput, signal?: AbortSignal): Promise<BatchWriteItemOutput>;
  describeTable(input: DescribeTableInput, signal?: AbortSignal): Promise<DescribeTableOutput>;
}
