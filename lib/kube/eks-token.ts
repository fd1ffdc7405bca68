// An EKS bearer token, built as `aws eks get-token` builds it: a presigned STS GetCallerIdentity URL
// whose signature also covers the cluster name (header x-k8s-aws-id). The API server replays the URL
// against STS to learn who we are; nothing secret is in it beyond a short-lived signature.
import { namedOrDefault } from '../commonjs.ts';
import { SingleFlightCache } from '../single-flight.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export interface EksTokenOptions {
  cluster: string;
  region: string;
  /** Defaults to the SDK's standard chain (env, profile, container/instance role). */
  credentials?: AwsCredentialProvider;
  now?: () => Date;
}

export interface EksToken {
  token: string;
  issuedAt: Date;
}

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
const PRESIGN_SECONDS = 60;

export async function createEksToken(options: EksTokenOptions): Promise<EksToken> {
  const credentials = options.credentials ?? (await defaultCredentialProvider());
  const issuedAt = options.now?.() ?? new Date();
  // Loaded on first use: only functions that talk to EKS pay for the signer at cold start.
  const [signerModule, hashModule] = await Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]);
  // In the bundle these CommonJS packages arrive as `default` only (lib/commonjs.ts).
  const { SignatureV4 } = namedOrDefault(signerModule);
  const { Hash } = namedOrDefault(hashModule);
  const signer = new SignatureV4({ credentials, region: options.region, service: 'sts', sha256: Hash.bind(null, 'sha256') });
  const hostname = `sts.${options.region}.amazonaws.com`;
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: 'https:',
      hostname,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: hostname, 'x-k8s-aws-id': options.cluster },
    },
    { expiresIn: PRESIGN_SECONDS, signingDate: issuedAt },
  );
  const url = new URL(`https://${hostname}/`);
  for (const [key, value] of Object.entries(presigned.query ?? {})) {
    if (typeof value === 'string') url.searchParams.append(key, value);
  }
  return { token: EKS_TOKEN_PREFIX + Buffer.from(url.toString()).toString('base64url'), issuedAt };
}

async function defaultCredentialProvider(): Promise<AwsCredentialProvider> {
  const { defaultProvider } = namedOrDefault(await import('@aws-sdk/credential-provider-node'));
  return defaultProvider();
}

/** Keeps one token and renews it well before the API server's 15-minute limit. */
export class EksTokenCache {
  static readonly RENEW_AFTER_MS = 10 * 60_000;
  /** Signing needs AWS credentials, which may mean a call to the container or instance role. */
  static readonly SIGNING_BUDGET_MS = 10_000;
  readonly #options: EksTokenOptions;
  readonly #tokens: SingleFlightCache<string>;

  constructor(options: EksTokenOptions) {
    this.#options = options;
    this.#tokens = new SingleFlightCache({ maxEntries: 1, loadTimeoutMs: EksTokenCache.SIGNING_BUDGET_MS, now: () => this.#now() });
  }

  /** The current token, renewed by one shared signing; `signal` ends only this caller's wait. */
  token(signal?: AbortSignal): Promise<string> {
    return this.#tokens.get('token', async () => {
      const { token, issuedAt } = await createEksToken(this.#options);
      return { value: token, ttlMs: issuedAt.getTime() + EksTokenCache.RENEW_AFTER_MS - this.#now() };
    }, signal);
  }

  #now(): number {
    return (this.#options.now?.() ?? new Date()).getTime();
  }
}
