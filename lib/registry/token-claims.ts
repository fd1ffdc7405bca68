// PURE: what a registry token says it grants. Token services of the Docker token spec issue JWTs
// whose `access` claim lists, per resource, the actions granted; the signature is the registry's
// business, the claims only tell Archy whether one token serves several repositories. Read from
// the payload alone, defensively: the token comes from the network.

/**
 * The `scopes` (`repository:<name>:pull`) the token's `access` claim grants pull on; undefined when
 * it has no readable `access` claim (an opaque token).
 */
export function grantedScopes(token: string, scopes: string[]): Set<string> | undefined {
  const access = accessClaim(token);
  if (access === undefined) return undefined;
  const pullable = new Set<string>();
  for (const entry of access) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { type, name, actions } = entry as { type?: unknown; name?: unknown; actions?: unknown };
    if (type !== 'repository' || typeof name !== 'string' || !Array.isArray(actions)) continue;
    if (actions.includes('pull') || actions.includes('*')) pullable.add(name);
  }
  return new Set(scopes.filter((scope) => pullable.has(repositoryOf(scope))));
}

/** `repository:library/nginx:pull` → `library/nginx`. */
export function repositoryOf(scope: string): string {
  return scope.slice(scope.indexOf(':') + 1, scope.lastIndexOf(':'));
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

function accessClaim(token: string): unknown[] | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const access = (claims as { access?: unknown } | null)?.access;
  return Array.isArray(access) ? access : undefined;
}
