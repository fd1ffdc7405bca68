// PURE: WWW-Authenticate challenges (RFC 7235) as registries send them.

export type Challenge =
  | { scheme: 'bearer'; realm: string; service?: string; scope?: string }
  | { scheme: 'basic'; realm?: string };

/**
 * Parses a WWW-Authenticate header value into the challenges we can answer (Bearer, Basic), in the
 * order given. Unknown schemes and malformed parameters are skipped; never throws.
 */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let current: { scheme: string; params: Record<string, string> } | undefined;
  const flush = (): void => {
    if (!current) return;
    const { scheme, params } = current;
    if (scheme === 'bearer' && params.realm) {
      const challenge: Challenge = { scheme: 'bearer', realm: params.realm };
      if (params.service !== undefined) challenge.service = params.service;
      if (params.scope !== undefined) challenge.scope = params.scope;
      challenges.push(challenge);
    } else if (scheme === 'basic') {
      challenges.push(params.realm === undefined ? { scheme: 'basic' } : { scheme: 'basic', realm: params.realm });
    }
    current = undefined;
  };

  let i = 0;
  const n = header.length;
  const skip = (chars: string): void => {
    while (i < n && chars.includes(header[i] as string)) i++;
  };
  while (i < n) {
    skip(' \t,');
    const tokenStart = i;
    while (i < n && /[!#$%&'*+.^_`|~0-9A-Za-z-]/.test(header[i] as string)) i++;
    const token = header.slice(tokenStart, i);
    if (token === '') {
      i++; // a stray character: skip it
      continue;
    }
    skip(' \t');
    if (header[i] === '=') {
      i++;
      skip(' \t');
      let value: string;
      if (header[i] === '"') {
        i++;
        value = '';
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i];
          i++;
        }
        i++; // closing quote
      } else {
        const valueStart = i;
        while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
        value = header.slice(valueStart, i);
      }
      if (current) current.params[token.toLowerCase()] = value;
    } else {
      flush();
      current = { scheme: token.toLowerCase(), params: {} };
    }
  }
  flush();
  return challenges;
}

/** Whether two challenges send us to the same place: scheme, realm and service (scope and error vary per request). */
export function sameChallenge(a: Challenge, b: Challenge): boolean {
  if (a.scheme !== b.scheme || a.realm !== b.realm) return false;
  return a.scheme !== 'bearer' || b.scheme !== 'bearer' || a.service === b.service;
}
