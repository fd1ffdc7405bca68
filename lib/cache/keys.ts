// Cache keys (DESIGN.md section 4). A private lookup appends the credential identity (a hash, never
// the secret) so one tenant's answer is never served to another.
import type { ImageReference } from '../types.ts';

export function digestKey(ref: Pick<ImageReference, 'registry' | 'repository'>, digest: string, identity?: string): string {
  return withIdentity(`digest#${ref.registry}/${ref.repository}@${digest}`, identity);
}

export function tagKey(ref: Pick<ImageReference, 'registry' | 'repository' | 'tag'>, identity?: string): string {
  return withIdentity(`tag#${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`, identity);
}

/** The key a lookup of `ref` reads first: the digest key when the reference pins one. */
export function lookupKey(ref: ImageReference, identity?: string): string {
  return ref.digest ? digestKey(ref, ref.digest, identity) : tagKey(ref, identity);
}

function withIdentity(key: string, identity: string | undefined): string {
  return identity ? `${key}#${identity}` : key;
}
