// Amazon ECR private registries through the function's IAM role.
//
// Why GetAuthorizationToken and not BatchGetImage: one token (12 h) serves the standard registry
// protocol for every repository of the account, so ECR goes through the same registry client,
// manifest parsing and cache as every other registry. BatchGetImage would need per-repository
// permission and a second, ECR-only code path for manifests.
//
// The endpoint follows the SDK's standard override (AWS_ENDPOINT_URL_ECR), which is how tests reach
// the fake.
import type { ECRClient } from '@aws-sdk/client-ecr';
import { namedOrDefault } from '../commonjs.ts';
import type { Logger } from '../log.ts';
import { SingleFlightCache, type Loaded } from '../single-flight.ts';
import type { CredentialSource, RegistryCredential } from '../types.ts';
import { credentialIdentity } from './keyring.ts';

export interface EcrRegistry {
  account: string;
  region: string;
  fips: boolean;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
const TOKEN_REQUEST_BUDGET_MS = 10_000;
/** Account ids come from users' image names: the tokens kept are bounded. */
const MAX_REGISTRIES = 64;
const MAX_SDK_CLIENTS = 8;

/** `<account>.dkr.ecr(-fips).<region>.amazonaws.com(.cn)` → its parts; undefined for any other host. */
export function parseEcrHost(host: string): EcrRegistry | undefined {
  const match = ECR_HOST.exec(host.toLowerCase());
  if (!match?.[1] || !match[3]) return undefined;
  return { account: match[1], region: match[3], fips: match[2] !== undefined };
}

export interface AuthorizationTokenAnswer {
  /** base64 `AWS:<password>`. */
  authorizationToken: string;
  expiresAt: Date;
}

/** The one ECR call we make; injected in unit tests, the SDK otherwise. */
export type GetAuthorizationToken = (registry: EcrRegistry, signal?: AbortSignal) => Promise<AuthorizationTokenAnswer>;

export interface EcrCredentialsOptions {
  getAuthorizationToken?: GetAuthorizationToken;
  now?: () => number;
  logger?: Logger;
  /** The budget of one shared GetAuthorizationToken, whatever the waiting admissions' budgets are. */
  requestBudgetMs?: number;
  /** Registries (account, region, FIPS) whose token is kept at most. */
  maxRegistries?: number;
}

export class EcrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EcrError';
  }
}

/** Also a CredentialSource (IAM only), e.g. for registry mirrors that are ECR pull-through caches. */
export class EcrCredentials implements CredentialSource {
  readonly #fetch: GetAuthorizationToken;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #tokens: SingleFlightCache<RegistryCredential>;

  constructor(options: EcrCredentialsOptions = {}) {
    this.#fetch = options.getAuthorizationToken ?? sdkGetAuthorizationToken();
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#tokens = new SingleFlightCache({
      maxEntries: options.maxRegistries ?? MAX_REGISTRIES,
      loadTimeoutMs: options.requestBudgetMs ?? TOKEN_REQUEST_BUDGET_MS,
      now: this.#now,
    });
  }

  /** `[IAM credential]` for ECR hosts, `[]` for others. */
  async credentialsFor(registry: string, _repository: string, signal?: AbortSignal): Promise<RegistryCredential[]> {
    const credential = await this.credentialFor(registry, signal);
    return credential ? [credential] : [];
  }

  isEcr(host: string): boolean {
    return parseEcrHost(host) !== undefined;
  }

  /**
   * The IAM credential for an ECR host; undefined for other hosts. Throws EcrError when ECR refuses,
   * or when `signal` aborts first: that ends only this caller's wait, never the shared request.
   */
  async credentialFor(host: string, signal?: AbortSignal): Promise<RegistryCredential | undefined> {
    const registry = parseEcrHost(host);
    if (!registry) return undefined;
    const key = `${registry.account}/${registry.region}/${registry.fips ? 'fips' : 'std'}`;
    try {
      return await this.#tokens.get(key, (budget) => this.#request(registry, key, budget), signal);
    } catch (error) {
      if (error instanceof EcrError) throw error;
      const why = signal?.aborted && error === signal.reason
        ? 'no answer within the time budget'
        : error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
      throw new EcrError(`ECR GetAuthorizationToken for account ${registry.account} in ${registry.region} failed (${why})`);
    }
  }

  async #request(registry: EcrRegistry, key: string, signal: AbortSignal): Promise<Loaded<RegistryCredential>> {
    const answer = await this.#fetch(registry, signal);
    const decoded = Buffer.from(answer.authorizationToken, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new EcrError(`ECR returned a malformed authorization token for account ${registry.account}`);
    const credential: RegistryCredential = {
      kind: 'basic',
      username: decoded.slice(0, colon),
      password: decoded.slice(colon + 1),
      // The same IAM principal reads every repository of the account: one identity per registry.
      identity: credentialIdentity(`ecr-iam\n${key}`),
    };
    this.#logger?.debug({ account: registry.account, region: registry.region, expiresAt: answer.expiresAt.toISOString() }, 'ECR authorization token issued');
    return { value: credential, ttlMs: answer.expiresAt.getTime() - REFRESH_BEFORE_EXPIRY_MS - this.#now() };
  }
}

function sdkGetAuthorizationToken(): GetAuthorizationToken {
  const clients = new Map<string, ECRClient>();
  return async (registry, signal) => {
    const sdk = namedOrDefault(await import('@aws-sdk/client-ecr'));
    const clientKey = `${registry.region}/${registry.fips}`;
    let client = clients.get(clientKey);
    if (!client) {
      client = new sdk.ECRClient({ region: registry.region, useFipsEndpoint: registry.fips });
      clients.set(clientKey, client);
      // Regions come from users' image names too: only the most recently created clients are kept.
      if (clients.size > MAX_SDK_CLIENTS) clients.delete(clients.keys().next().value as string);
    }
    const answer = await client.send(
      new sdk.GetAuthorizationTokenCommand({ registryIds: [registry.account] }),
      { abortSignal: signal },
    );
    const data = answer.authorizationData?.[0];
    if (!data?.authorizationToken || !data.expiresAt) throw new Error('answer carries no authorization data');
    return { authorizationToken: data.authorizationToken, expiresAt: data.expiresAt };
  };
}
