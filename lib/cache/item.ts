// CacheEntry <-> DynamoDB item, compact: d digest, p platforms (`os/arch[/variant]`), e error,
// f freshUntil, expiresAt (the table's TTL attribute).
import type { Item } from '../aws/dynamodb-types.ts';
import type { Platform } from '../types.ts';
import type { CacheEntry } from './entry.ts';

export type { Item };

export function toItem(key: string, entry: CacheEntry): Item {
  const item: Item = {
    pk: { S: key },
    f: { N: String(entry.freshUntil) },
    expiresAt: { N: String(entry.expiresAt) },
  };
  if (entry.digest !== undefined) item.d = { S: entry.digest };
  if (entry.platforms !== undefined) item.p = { L: entry.platforms.map((platform) => ({ S: formatPlatform(platform) })) };
  if (entry.error !== undefined) item.e = { S: entry.error };
  return item;
}

/** Undefined for an item that is not one of ours (missing or malformed attributes). */
export function fromItem(item: Item): { key: string; entry: CacheEntry } | undefined {
  const key = item.pk?.S;
  const freshUntil = Number(item.f?.N);
  const expiresAt = Number(item.expiresAt?.N);
  if (key === undefined || !Number.isFinite(freshUntil) || !Number.isFinite(expiresAt)) return undefined;
  const entry: CacheEntry = { freshUntil, expiresAt };
  if (item.d?.S !== undefined) entry.digest = item.d.S;
  if (item.p?.L !== undefined) {
    const platforms = item.p.L.map((value) => (value.S === undefined ? undefined : parsePlatform(value.S)));
    if (platforms.some((platform) => platform === undefined)) return undefined;
    entry.platforms = platforms as Platform[];
  }
  if (item.e?.S !== undefined) entry.error = item.e.S;
  return { key, entry };
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((part) => part).join('/');
}

export function parsePlatform(text: string): Platform | undefined {
  const [os, architecture, variant, ...rest] = text.split('/');
  if (!os || !architecture || rest.length > 0) return undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}
