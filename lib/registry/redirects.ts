// Blobs often redirect to storage hosts (S3, CDNs). Redirects are followed a few hops, and
// Authorization never travels to another origin: only the registry's own origin gets auth.
import type { Authenticator } from './auth.ts';
import { RegistryError } from './errors.ts';
import { sessionContext, type Exchanger } from './exchange.ts';
import type { Session } from './session.ts';
import type { TransportResponse } from './transport.ts';

const MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function getFollowingRedirects(auth: Authenticator, exchanger: Exchanger, session: Session, url: URL): Promise<TransportResponse> {
  const registryOrigin = new URL(session.origin).origin;
  let response = await auth.send(session, { method: 'GET', url, accept: '*/*', purpose: 'blob' });
  let current = url;
  for (let hop = 0; REDIRECT_STATUSES.has(response.status); hop++) {
    const location = response.headers.location;
    response.cancel();
    if (hop === MAX_REDIRECTS) throw new RegistryError('server', session.registry, `registry ${session.registry} redirected more than ${MAX_REDIRECTS} times`);
    const next = location ? parseLocation(location, current) : undefined;
    if (next === undefined) throw new RegistryError('server', session.registry, `registry ${session.registry} redirected without a valid location`);
    response =
      next.origin === registryOrigin
        ? await auth.send(session, { method: 'GET', url: next, accept: '*/*', purpose: 'redirect' })
        : await exchanger.exchange(sessionContext(session), { purpose: 'redirect', method: 'GET', url: next, headers: { accept: '*/*' } });
    current = next;
  }
  return response;
}

function parseLocation(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}
