// Configuration: environment variables only, validated once at start. Every error names the
// variable and what it accepts. The README's configuration table lists the same variables.

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export type MultiArchStrategy = 'affinity' | 'pin';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  webhookToken?: string;
  timeBudgetMs: number;
  defaultArch: string;
  preferredArch?: string;
  multiArchStrategy: MultiArchStrategy;
  preferenceWeight: number;
  archTolerations: Record<string, Toleration[]>;
  excludedNamespaces: string[];
  logLevel: LogLevel;
  /** `host[:port]` entries reached over plain HTTP (and allowed on private addresses). */
  insecureRegistries: string[];
  /** `host[:port]` entries allowed to resolve to private/loopback addresses over HTTPS. */
  privateRegistries: string[];
  /** Registry host → mirror prefix (`host[/path]`), tried first for lookups. */
  registryMirrors: Record<string, string>;
  memoryCacheEntries: number;
  cacheTable?: string;
  digestTtlSeconds: number;
  tagTtlSeconds: number;
  negativeTtlSeconds: number;
  staleTtlSeconds: number;
  eksCluster?: string;
  kubeApiUrl?: string;
  kubeCaData?: string;
  /** Local HTTPS server only. */
  port: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Env = Record<string, string | undefined>;

const ARCH_PATTERN = /^[a-z0-9_]+$/;
const KNOWN_ARCHES = ['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64'];
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const TOLERATION_KEYS = new Set(['key', 'operator', 'value', 'effect', 'tolerationSeconds']);
const HOST_PORT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;

/** Reads and validates the whole configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const defaultArch = read.arch('ARCHY_DEFAULT_ARCH', 'amd64');
  const config: Config = {
    webhookToken: read.token('ARCHY_WEBHOOK_TOKEN'),
    timeBudgetMs: read.integer('ARCHY_TIME_BUDGET_MS', 3000, 100, 29_000),
    defaultArch,
    preferredArch: read.optionalArch('ARCHY_PREFERRED_ARCH'),
    multiArchStrategy: read.oneOf('ARCHY_MULTI_ARCH_STRATEGY', ['affinity', 'pin'], 'affinity'),
    preferenceWeight: read.integer('ARCHY_PREFERENCE_WEIGHT', 50, 1, 100),
    archTolerations: read.tolerations('ARCHY_ARCH_TOLERATIONS'),
    excludedNamespaces: read.list('ARCHY_EXCLUDED_NAMESPACES', ['kube-system']),
    logLevel: read.oneOf('ARCHY_LOG_LEVEL', LOG_LEVELS, 'info'),
    insecureRegistries: read.hostList('ARCHY_INSECURE_REGISTRIES'),
    privateRegistries: read.hostList('ARCHY_PRIVATE_REGISTRIES'),
    registryMirrors: read.mirrors('ARCHY_REGISTRY_MIRRORS'),
    memoryCacheEntries: read.integer('ARCHY_MEMORY_CACHE_ENTRIES', 5000, 0, 1_000_000),
    cacheTable: read.optional('ARCHY_CACHE_TABLE'),
    digestTtlSeconds: read.duration('ARCHY_DIGEST_TTL', 30 * 86400),
    tagTtlSeconds: read.duration('ARCHY_TAG_TTL', 3600),
    negativeTtlSeconds: read.duration('ARCHY_NEGATIVE_TTL', 60),
    staleTtlSeconds: read.duration('ARCHY_STALE_TTL', 7 * 86400),
    eksCluster: read.optional('ARCHY_EKS_CLUSTER'),
    kubeApiUrl: read.url('ARCHY_KUBE_API_URL'),
    kubeCaData: read.optional('ARCHY_KUBE_CA_DATA'),
    port: read.integer('ARCHY_PORT', 8443, 0, 65535),
    tlsCertFile: read.optional('ARCHY_TLS_CERT_FILE'),
    tlsKeyFile: read.optional('ARCHY_TLS_KEY_FILE'),
  };
  if ((config.tlsCertFile === undefined) !== (config.tlsKeyFile === undefined)) {
    problems.push('ARCHY_TLS_CERT_FILE and ARCHY_TLS_KEY_FILE: set both or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A summary safe to log or return from /healthz: no secret values. */
export function describeConfig(config: Config): Record<string, unknown> {
  const { webhookToken, kubeCaData, ...rest } = config;
  return { ...rest, webhookToken: webhookToken ? 'set' : 'unset', kubeCaData: kubeCaData ? 'set' : 'unset' };
}

class Reader {
  readonly #env: Env;
  readonly #problems: string[];
  constructor(env: Env, problems: string[]) {
    this.#env = env;
    this.#problems = problems;
  }

  optional(name: string): string | undefined {
    const value = this.#env[name]?.trim();
    return value ? value : undefined;
  }

  token(name: string): string | undefined {
    const value = this.optional(name);
    if (value !== undefined && !/^[A-Za-z0-9._~-]{16,256}$/.test(value)) {
      this.#fail(name, 'a URL-safe string of 16 to 256 characters (letters, digits, . _ ~ -)');
      return undefined;
    }
    return value;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || parsed < min || parsed > max) {
      this.#fail(name, `a whole number from ${min} to ${max}`, value);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, accepted: readonly T[], fallback: T): T {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (!(accepted as readonly string[]).includes(value)) {
      this.#fail(name, `one of ${accepted.join(', ')}`, value);
      return fallback;
    }
    return value as T;
  }

  arch(name: string, fallback: string): string {
    return this.optionalArch(name) ?? fallback;
  }

  optionalArch(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    if (!ARCH_PATTERN.test(value)) {
      this.#fail(name, `a GOARCH name such as ${KNOWN_ARCHES.join(', ')}`, value);
      return undefined;
    }
    return value;
  }

  list(name: string, fallback: string[]): string[] {
    const value = this.#env[name];
    if (value === undefined) return fallback;
    return splitList(value);
  }

  hostList(name: string): string[] {
    const hosts = this.list(name, []).map((host) => host.toLowerCase());
    for (const host of hosts) {
      if (!HOST_PORT.test(host)) this.#fail(name, 'comma-separated host[:port] entries', host);
    }
    return hosts;
  }

  url(name: string): string | undefined {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    try {
      const url = new URL(value);
      if (url.protocol !== 'https:') throw new Error('not https');
      return value;
    } catch {
      this.#fail(name, 'an https:// URL', value);
      return undefined;
    }
  }

  /** `90`, `90s`, `15m`, `1h`, `30d`: returned in seconds. */
  duration(name: string, fallbackSeconds: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallbackSeconds;
    const match = /^(\d+)(s|m|h|d)?$/.exec(value);
    if (!match) {
      this.#fail(name, 'a duration: seconds, or a number with s, m, h or d (e.g. 60s, 15m, 1h, 30d)', value);
      return fallbackSeconds;
    }
    const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd' | undefined ?? 's'];
    return Number(match[1]) * unit;
  }

  json(name: string, expected: string): unknown {
    const value = this.optional(name);
    if (value === undefined) return undefined;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      this.#fail(name, expected, 'not JSON');
      return undefined;
    }
  }

  tolerations(name: string): Record<string, Toleration[]> {
    const expected = 'a JSON object mapping an architecture to a list of tolerations, e.g. {"arm64":[{"key":"kubernetes.io/arch","operator":"Equal","value":"arm64","effect":"NoSchedule"}]}';
    const parsed = this.json(name, expected);
    if (parsed === undefined) return {};
    if (!isPlainObject(parsed)) {
      this.#fail(name, expected);
      return {};
    }
    const result: Record<string, Toleration[]> = {};
    for (const [arch, list] of Object.entries(parsed)) {
      if (!ARCH_PATTERN.test(arch) || !Array.isArray(list) || !list.every(isToleration)) {
        this.#fail(name, expected, `entry "${arch}"`);
        continue;
      }
      result[arch] = list;
    }
    return result;
  }

  mirrors(name: string): Record<string, string> {
    const expected = 'a JSON object mapping a registry host to a mirror host[/path prefix], e.g. {"docker.io":"123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub"}';
    const parsed = this.json(name, expected);
    if (parsed === undefined) return {};
    if (!isPlainObject(parsed)) {
      this.#fail(name, expected);
      return {};
    }
    const result: Record<string, string> = {};
    for (const [registry, mirror] of Object.entries(parsed)) {
      if (typeof mirror !== 'string' || !HOST_PORT.test(mirror.split('/')[0] ?? '') || !HOST_PORT.test(registry)) {
        this.#fail(name, expected, `entry "${registry}"`);
        continue;
      }
      result[registry.toLowerCase()] = mirror.replace(/\/+$/, '');
    }
    return result;
  }

  #fail(name: string, accepted: string, got?: string): void {
    this.#problems.push(`${name}: expected ${accepted}${got === undefined ? '' : ` (got "${got}")`}`);
  }
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isToleration(value: unknown): value is Toleration {
  if (!isPlainObject(value)) return false;
  if (!Object.keys(value).every((key) => TOLERATION_KEYS.has(key))) return false;
  if (value.operator !== undefined && value.operator !== 'Exists' && value.operator !== 'Equal') return false;
  if (value.effect !== undefined && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(value.effect as string)) return false;
  return true;
}
