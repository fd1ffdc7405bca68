// Configuration: environment variables only, validated once at start. Every error names the
// variable and what it accepts. The README's configuration table lists the same variables.
// Whatever ends up in a pod (architectures, tolerations) is checked with the API server's rules.
import { isIP } from 'node:net';
import {
  ARCHITECTURE_ALIASES,
  KUBERNETES_ARCHITECTURES,
  isDns1123Label,
  tolerationProblems,
} from './validation/kubernetes.ts';

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

export type MultiArchStrategy = 'affinity' | 'pin';
/** `enforce` writes placement; `audit` decides the same but only records what it would write. */
export type AdmissionMode = 'enforce' | 'audit';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  /** The token itself (local server, tests). */
  webhookToken?: string;
  /** The Secrets Manager secret holding the token (a deployed stack), read at cold start. */
  webhookTokenSecretArn?: string;
  timeBudgetMs: number;
  defaultArch: string;
  preferredArch?: string;
  multiArchStrategy: MultiArchStrategy;
  preferenceWeight: number;
  archTolerations: Record<string, Toleration[]>;
  excludedNamespaces: string[];
  mode: AdmissionMode;
  /** Namespaces in audit while the rest enforce (ARCHY_MODE=audit puts every namespace in audit). */
  auditNamespaces: string[];
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
  /** Local HTTPS server only: the address it binds and its port. */
  host: string;
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

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const HOST_PORT = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i;
/** Registry `host[:port]` as image references name it: DNS labels or a bracketed IPv6 address. */
const REGISTRY_HOST = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;
/** OCI distribution repository path component. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOCKER_HUB_NAMES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);
const MAX_TOLERATIONS_PER_ARCH = 16;
const WEBHOOK_TOKEN = /^[A-Za-z0-9._~-]{16,256}$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
export const WEBHOOK_TOKEN_ACCEPTED = 'a URL-safe string of 16 to 256 characters (letters, digits, . _ ~ -)';

/** Whether `value` can be the webhook's secret path segment, however it was given. */
export function isWebhookToken(value: string): boolean {
  return WEBHOOK_TOKEN.test(value);
}

/** Reads and validates the whole configuration; throws ConfigError listing every problem. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = new Reader(env, problems);

  const defaultArch = read.arch('ARCHY_DEFAULT_ARCH', 'amd64');
  const config: Config = {
    webhookToken: read.token('ARCHY_WEBHOOK_TOKEN'),
    webhookTokenSecretArn: read.secretArn('ARCHY_WEBHOOK_TOKEN_SECRET_ARN'),
    timeBudgetMs: read.integer('ARCHY_TIME_BUDGET_MS', 3000, 100, 29_000),
    defaultArch,
    preferredArch: read.optionalArch('ARCHY_PREFERRED_ARCH'),
    multiArchStrategy: read.oneOf('ARCHY_MULTI_ARCH_STRATEGY', ['affinity', 'pin'], 'affinity'),
    preferenceWeight: read.integer('ARCHY_PREFERENCE_WEIGHT', 50, 1, 100),
    archTolerations: read.tolerations('ARCHY_ARCH_TOLERATIONS'),
    excludedNamespaces: read.namespaces('ARCHY_EXCLUDED_NAMESPACES', ['kube-system']),
    mode: read.oneOf('ARCHY_MODE', ['enforce', 'audit'], 'enforce'),
    auditNamespaces: read.namespaces('ARCHY_AUDIT_NAMESPACES', []),
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
    host: read.bindAddress('ARCHY_HOST', '127.0.0.1'),
    port: read.integer('ARCHY_PORT', 8443, 0, 65535),
    tlsCertFile: read.optional('ARCHY_TLS_CERT_FILE'),
    tlsKeyFile: read.optional('ARCHY_TLS_KEY_FILE'),
  };
  // Refused rather than ranked: whichever won, someone would believe the other one is in force.
  if (config.webhookToken !== undefined && config.webhookTokenSecretArn !== undefined) {
    problems.push('ARCHY_WEBHOOK_TOKEN and ARCHY_WEBHOOK_TOKEN_SECRET_ARN: set one or neither (the token itself, or the Secrets Manager secret that holds it)');
  }
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
    if (value !== undefined && !isWebhookToken(value)) {
      this.#fail(name, WEBHOOK_TOKEN_ACCEPTED);
      return undefined;
    }
    return value;
  }

  secretArn(name: string): string | undefined {
    const value = this.optional(name);
    if (value !== undefined && !SECRET_ARN.test(value)) {
      this.#fail(name, 'a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)', value);
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
    const problem = architectureProblem(value);
    if (problem !== undefined) {
      this.#problem(name, problem);
      return undefined;
    }
    return value;
  }

  list(name: string, fallback: string[]): string[] {
    const value = this.#env[name];
    if (value === undefined) return fallback;
    return splitList(value);
  }

  namespaces(name: string, fallback: string[]): string[] {
    const namespaces = this.list(name, fallback);
    for (const namespace of namespaces) {
      if (!isDns1123Label(namespace)) {
        this.#fail(name, 'comma-separated namespace names (up to 63 lowercase letters, digits and "-", a letter or digit at each end)', namespace);
      }
    }
    return namespaces;
  }

  hostList(name: string): string[] {
    const hosts = this.list(name, []).map((host) => host.toLowerCase());
    for (const host of hosts) {
      if (!HOST_PORT.test(host) || !hasValidPort(host)) this.#fail(name, 'comma-separated host[:port] entries (port 1 to 65535)', host);
    }
    return hosts;
  }

  /** An IP address or a host name to listen on. */
  bindAddress(name: string, fallback: string): string {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    if (isIP(value) === 0 && (value.length > 253 || !value.toLowerCase().split('.').every(isDns1123Label))) {
      this.#fail(name, 'an IP address (0.0.0.0 for every interface) or a host name of this machine', value);
      return fallback;
    }
    return value;
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
      const problems = tolerationListProblems(arch, list);
      for (const problem of problems) this.#problem(name, problem);
      if (problems.length === 0 && Array.isArray(list)) result[arch] = list.map(toToleration);
    }
    return result;
  }

  mirrors(name: string): Record<string, string> {
    const expected = 'a JSON object mapping a registry host[:port] to a mirror host[:port][/path prefix], e.g. {"docker.io":"123456789012.dkr.ecr.us-east-1.amazonaws.com/docker-hub"}';
    const parsed = this.json(name, expected);
    if (parsed === undefined) return {};
    if (!isPlainObject(parsed)) {
      this.#fail(name, expected);
      return {};
    }
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(parsed)) {
      const registry = key.toLowerCase();
      const mirror = parseMirror(registry, value);
      if (typeof mirror === 'string') result[registry] = mirror;
      else this.#problem(name, mirror.problem);
    }
    return result;
  }

  #fail(name: string, accepted: string, got?: string): void {
    this.#problem(name, `expected ${accepted}${got === undefined ? '' : ` (got ${quote(got)})`}`);
  }

  #problem(name: string, problem: string): void {
    this.#problems.push(`${name}: ${problem}`);
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

/** Why `value` cannot be a `kubernetes.io/arch` value, naming the right spelling when known. */
function architectureProblem(value: string): string | undefined {
  if (KUBERNETES_ARCHITECTURES.includes(value)) return undefined;
  const lower = value.toLowerCase();
  const right = KUBERNETES_ARCHITECTURES.includes(lower)
    ? lower
    : Object.hasOwn(ARCHITECTURE_ALIASES, lower) ? ARCHITECTURE_ALIASES[lower] : undefined;
  const problem = `${quote(value)} is not a Kubernetes architecture name`;
  return right === undefined ? `${problem} (one of ${KUBERNETES_ARCHITECTURES.join(', ')})` : `${problem}; use "${right}"`;
}

function tolerationListProblems(arch: string, list: unknown): string[] {
  const problem = architectureProblem(arch);
  if (problem !== undefined) return [problem];
  if (!Array.isArray(list)) return [`${arch}: expected a list of tolerations`];
  if (list.length > MAX_TOLERATIONS_PER_ARCH) return [`${arch}: at most ${MAX_TOLERATIONS_PER_ARCH} tolerations (got ${list.length})`];
  return list.flatMap((toleration, index) => tolerationProblems(toleration).map((text) => `${arch}[${index}]: ${text}`));
}

/** A validated toleration with its set fields only; an empty operator or effect means absent to Kubernetes. */
function toToleration(value: Record<string, unknown>): Toleration {
  const toleration: Toleration = {};
  if (typeof value.key === 'string') toleration.key = value.key;
  if (value.operator) toleration.operator = value.operator as Toleration['operator'];
  if (typeof value.value === 'string') toleration.value = value.value;
  if (value.effect) toleration.effect = value.effect as Toleration['effect'];
  if (typeof value.tolerationSeconds === 'number') toleration.tolerationSeconds = value.tolerationSeconds;
  return toleration;
}

/** The mirror as `host[:port][/path]` with a lowercase host and no trailing slash, or why not. */
function parseMirror(registry: string, mirror: unknown): string | { problem: string } {
  if (!isRegistryHost(registry)) return { problem: `${quote(registry)} is not a registry host[:port]` };
  if (!registry.includes('.') && !registry.includes(':') && registry !== 'localhost') {
    return { problem: `${quote(registry)} is never an image's registry: that is a host with a "." or a port, or localhost` };
  }
  if (typeof mirror !== 'string') return { problem: `${registry}: the mirror must be a string` };
  const shown = `${registry}: mirror ${quote(mirror)}`;
  if (mirror.includes('://')) return { problem: `${shown} must be host[:port][/path], without a scheme` };
  const [host = '', ...path] = mirror.replace(/\/+$/, '').split('/');
  const mirrorHost = host.toLowerCase();
  if (!isRegistryHost(mirrorHost)) return { problem: `${shown}: ${quote(host)} is not a host[:port]` };
  const badComponent = path.find((component) => !PATH_COMPONENT.test(component));
  if (badComponent !== undefined) {
    return { problem: `${shown}: path component ${quote(badComponent)} must be lowercase letters and digits separated by ".", "_", "__" or "-"` };
  }
  if (path.length === 0 && hubAlias(mirrorHost) === hubAlias(registry)) return { problem: `${shown} is the registry itself` };
  return [mirrorHost, ...path].join('/');
}

function isRegistryHost(value: string): boolean {
  const match = REGISTRY_HOST.exec(value);
  const host = match?.[1];
  if (host === undefined || !hasValidPort(value)) return false;
  return host.startsWith('[') || (host.length <= 253 && host.split('.').every(isDns1123Label));
}

/** No port, or one from 1 to 65535. */
function hasValidPort(hostPort: string): boolean {
  const port = /\]?:(\d+)$/.exec(hostPort)?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

function hubAlias(host: string): string {
  return DOCKER_HUB_NAMES.has(host) ? 'docker.io' : host;
}

/** A value as shown in a problem: quoted, escaped, and cut short. */
function quote(value: string): string {
  return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
}
