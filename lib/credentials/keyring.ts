// Which pull-secret credentials may be sent to which registry, matched as the kubelet's
// credentialprovider keyring matches them: scheme ignored, Docker Hub aliases folded together, port
// must match, `*` globs one DNS label, the key's path must be a prefix of the repository on a `/`
// boundary. Every match is returned, most specific key first; the registry client tries them in turn.
import { createHash } from 'node:crypto';
import type { RegistryCredential } from '../types.ts';
import type { DockerConfigEntry } from './docker-config.ts';

export interface KeyringSource {
  /** `namespace/name` of the secret the entries came from: part of each credential's identity. */
  secret: string;
  entries: DockerConfigEntry[];
}

interface ParsedKey {
  hostLabels: string[];
  port: string;
  pathSegments: string[];
  wildcard: boolean;
  specificity: number;
}

interface KeyedCredential {
  key: ParsedKey;
  order: number;
  credential: RegistryCredential;
}

const DOCKER_HUB = 'docker.io';
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com']);

export class Keyring {
  readonly #credentials: KeyedCredential[] = [];

  constructor(sources: readonly KeyringSource[]) {
    for (const source of sources) {
      for (const entry of source.entries) {
        const key = parseKey(entry.key);
        if (!key) continue;
        this.#credentials.push({ key, order: this.#credentials.length, credential: withIdentity(source.secret, entry) });
      }
    }
    // Most specific first; equally specific keys keep the order the pod listed its secrets in.
    this.#credentials.sort((a, b) => b.key.specificity - a.key.specificity || a.order - b.order);
  }

  /** Credentials for `registry` (`host[:port]`) and `repository` (`org/app`), most specific first. */
  lookup(registry: string, repository: string): RegistryCredential[] {
    const target = parseKey(`${registry}/${repository}`);
    if (!target) return [];
    const seen = new Set<string>();
    const matches: RegistryCredential[] = [];
    for (const { key, credential } of this.#credentials) {
      if (!keyMatches(key, target) || seen.has(credential.identity)) continue;
      seen.add(credential.identity);
      matches.push(credential);
    }
    return matches;
  }

  get size(): number {
    return this.#credentials.length;
  }
}

/** `https://host:port/v1/path/` → host labels, port, path segments; undefined when unusable. */
export function parseKey(raw: string): ParsedKey | undefined {
  let rest = raw.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = rest.indexOf('/');
  const hostPort = slash === -1 ? rest : rest.slice(0, slash);
  rest = slash === -1 ? '' : rest.slice(slash + 1);
  const match = /^([a-z0-9*_.-]+)(?::(\d+))?$/.exec(hostPort);
  if (!match?.[1]) return undefined;
  let host = match[1];
  const port = match[2] ?? '';
  if (DOCKER_HUB_ALIASES.has(host) && port === '') host = DOCKER_HUB;
  // The Docker client treats /v1/ and /v2/ as the bare host (e.g. https://index.docker.io/v1/).
  const segments = rest.split('/').filter((segment) => segment !== '');
  if (segments[0] === 'v1' || segments[0] === 'v2') segments.shift();
  const hostLabels = host.split('.');
  const wildcard = host.includes('*');
  const pathLength = segments.join('/').length;
  // Longer matched key first; for equal lengths a literal host beats a wildcard.
  const specificity = (host.length + (port ? port.length + 1 : 0) + pathLength) * 2 + (wildcard ? 0 : 1);
  return { hostLabels, port, pathSegments: segments, wildcard, specificity };
}

function keyMatches(key: ParsedKey, target: ParsedKey): boolean {
  if (key.port !== target.port) return false;
  if (key.hostLabels.length !== target.hostLabels.length) return false;
  for (let i = 0; i < key.hostLabels.length; i++) {
    if (!labelMatches(key.hostLabels[i] ?? '', target.hostLabels[i] ?? '')) return false;
  }
  if (key.pathSegments.length > target.pathSegments.length) return false;
  return key.pathSegments.every((segment, i) => segment === target.pathSegments[i]);
}

/** A glob over one DNS label: `*` matches any run of characters except the label separator. */
function labelMatches(pattern: string, label: string): boolean {
  if (!pattern.includes('*')) return pattern === label;
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegex).join('[^.]*')}$`);
  return label !== '' && regex.test(label);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function withIdentity(secret: string, entry: DockerConfigEntry): RegistryCredential {
  const content = entry.credential.kind === 'basic'
    ? `basic\n${entry.credential.username}\n${entry.credential.password}`
    : `identitytoken\n${entry.credential.token}`;
  const identity = credentialIdentity(`${secret}\n${entry.key}\n${content}`);
  return entry.credential.kind === 'basic'
    ? { kind: 'basic', username: entry.credential.username, password: entry.credential.password, identity }
    : { kind: 'identitytoken', token: entry.credential.token, identity };
}

/** A short, non-reversible tag for a credential: safe in cache keys and logs. */
export function credentialIdentity(material: string): string {
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}
