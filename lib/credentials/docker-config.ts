// Pull secret contents → registry entries. Both secret types the kubelet accepts:
//   kubernetes.io/dockerconfigjson  data[".dockerconfigjson"] = {"auths": {key: entry}}
//   kubernetes.io/dockercfg         data[".dockercfg"]        = {key: entry}
// Errors name the problem, never a value from the secret.

export type DockerCredential =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'identitytoken'; token: string };

export interface DockerConfigEntry {
  /** The key as written: `ghcr.io`, `https://index.docker.io/v1/`, `http://host:5000/path`. */
  key: string;
  credential: DockerCredential;
}

export const DOCKER_CONFIG_JSON = 'kubernetes.io/dockerconfigjson';
export const DOCKER_CFG = 'kubernetes.io/dockercfg';

export class DockerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DockerConfigError';
  }
}

/** Parses a pull secret's `data` (values base64, as the API returns them). */
export function parsePullSecret(type: string, data: Record<string, string>): DockerConfigEntry[] {
  if (type === DOCKER_CONFIG_JSON) {
    const raw = data['.dockerconfigjson'];
    if (raw === undefined) throw new DockerConfigError('secret has no .dockerconfigjson key');
    const parsed = parseJson(decodeBase64(raw, '.dockerconfigjson'), '.dockerconfigjson');
    if (!isObject(parsed) || !isObject(parsed.auths)) throw new DockerConfigError('.dockerconfigjson has no "auths" object');
    return parseAuths(parsed.auths);
  }
  if (type === DOCKER_CFG) {
    const raw = data['.dockercfg'];
    if (raw === undefined) throw new DockerConfigError('secret has no .dockercfg key');
    const parsed = parseJson(decodeBase64(raw, '.dockercfg'), '.dockercfg');
    if (!isObject(parsed)) throw new DockerConfigError('.dockercfg is not a JSON object');
    return parseAuths(parsed);
  }
  throw new DockerConfigError(`secret type ${JSON.stringify(type)} is not a pull secret (expected ${DOCKER_CONFIG_JSON} or ${DOCKER_CFG})`);
}

/** Entries of an `auths` map; entries without a usable credential are left out. */
export function parseAuths(auths: Record<string, unknown>): DockerConfigEntry[] {
  const entries: DockerConfigEntry[] = [];
  for (const [key, value] of Object.entries(auths)) {
    if (!isObject(value) || key.trim() === '') continue;
    const credential = entryCredential(value);
    if (credential) entries.push({ key: key.trim(), credential });
  }
  return entries;
}

function entryCredential(entry: Record<string, unknown>): DockerCredential | undefined {
  // As the kubelet does: `auth` (base64 user:password) wins over username/password.
  let username = stringField(entry.username);
  let password = stringField(entry.password);
  const auth = stringField(entry.auth);
  if (auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      username = decoded.slice(0, colon);
      password = decoded.slice(colon + 1); // passwords may themselves contain ':'
    }
  }
  const identityToken = stringField(entry.identitytoken) ?? stringField(entry.identityToken);
  if (identityToken) return { kind: 'identitytoken', token: identityToken };
  if (username && password !== undefined) return { kind: 'basic', username, password };
  return undefined;
}

function decodeBase64(value: string, what: string): string {
  if (!/^[A-Za-z0-9+/=\s_-]*$/.test(value)) throw new DockerConfigError(`${what} is not base64`);
  return Buffer.from(value, 'base64').toString('utf8');
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DockerConfigError(`${what} is not valid JSON`);
  }
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
