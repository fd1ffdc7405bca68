// Requests per admission, counted where they arrive: at the registry (the harness's recording
// proxy and token service) and at DynamoDB (a counting proxy).
import type { TestRegistry, RecordedRequest } from '../test/support/registry/harness.ts';
import type { DynamoDbLocal } from '../test/support/dynamodb.ts';
import { appFor, reviewBodies } from './in-process.ts';
import { mutateRequest } from './support/fixtures.ts';
import { startDynamoDbCounter } from './support/dynamodb-counter.ts';

export interface ImageRequests {
  image: string;
  kind: 'multi-arch' | 'single-arch';
  /** What the registry and token service saw for this image's repository, in order. */
  firstContact: string[];
  later: string[];
}

export interface RegistryCounts {
  images: ImageRequests[];
}

export interface DynamoDbCounts {
  admissions: number;
  batchGetItem: number;
  other: Record<string, number>;
}

/** Two admissions of the same pod with a fresh app (no cache): the first is first contact. */
export async function registryRequestCounts(registry: TestRegistry, images: Array<{ image: string; repository: string; kind: ImageRequests['kind'] }>): Promise<RegistryCounts> {
  const [first, second] = reviewBodies(images.map((entry) => entry.image), 2) as [string, string];
  const { app } = appFor({ ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}`, ARCHY_MEMORY_CACHE_ENTRIES: '0' });
  registry.clearRequests();
  await app.handle(mutateRequest(first));
  const firstRequests = [...registry.requests];
  registry.clearRequests();
  await app.handle(mutateRequest(second));
  const laterRequests = [...registry.requests];
  return {
    images: images.map(({ image, repository, kind }) => ({
      image,
      kind,
      firstContact: describe(firstRequests, repository),
      later: describe(laterRequests, repository),
    })),
  };
}

/** `token`, `401 manifest`, `manifest`, `blob`: what each request was for. */
function describe(requests: RecordedRequest[], repository: string): string[] {
  return requests
    .filter((request) => request.path.startsWith(`/v2/${repository}/`) || (request.server === 'token' && decodeURIComponent(request.path).includes(`repository:${repository}:`)))
    .map((request) => {
      if (request.server === 'token') return 'token';
      const what = request.path.includes('/manifests/') ? 'manifest' : request.path.includes('/blobs/') ? 'blob' : request.path;
      return request.status === 200 ? what : `${what} (${request.status})`;
    });
}

/** BatchGetItem requests over `admissions` DynamoDB-tier admissions (memory tier off). */
export async function dynamoDbRequestCounts(registry: TestRegistry, dynamodb: DynamoDbLocal, table: string, images: string[], admissions: number): Promise<DynamoDbCounts> {
  const counter = await startDynamoDbCounter(dynamodb.endpoint);
  const previous = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = counter.endpoint;
  try {
    const bodies = reviewBodies(images, admissions + 1);
    const { app } = appFor({ ARCHY_INSECURE_REGISTRIES: `${registry.host},${registry.tokenHost ?? ''}`, ARCHY_CACHE_TABLE: table, ARCHY_MEMORY_CACHE_ENTRIES: '0' });
    await app.handle(mutateRequest(bodies[0] as string)); // the table already holds the images: a hit
    counter.counts.clear();
    for (let i = 1; i <= admissions; i += 1) await app.handle(mutateRequest(bodies[i] as string));
    const other = Object.fromEntries([...counter.counts].filter(([operation]) => operation !== 'BatchGetItem'));
    return { admissions, batchGetItem: counter.counts.get('BatchGetItem') ?? 0, other };
  } finally {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_DYNAMODB;
    else process.env.AWS_ENDPOINT_URL_DYNAMODB = previous;
    await counter.close();
  }
}
