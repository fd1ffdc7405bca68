// A complete, bounded list of one resource: page after page (limit + continue), each page size- and
// count-checked. Given the resourceVersion of the previous list, the new one is asked to be no older
// (resourceVersionMatch=NotOlderThan): the API server may answer from its watch cache, and a view
// never goes back in time when another API server instance lags behind.
import { KubeError } from './kube-client.ts';
import type { KubeRest } from './kube-rest.ts';

export interface ListBounds {
  pageSize: number;
  /** More objects than this: the list is refused (KubeError reason `TooMany`). */
  maxItems: number;
  maxBytesPerPage: number;
}

export interface Listed {
  items: unknown[];
  /** The list's resourceVersion, when it sent a plausible one. */
  resourceVersion?: string;
}

const MAX_TOKEN = 4096;
const EXTRA_PAGES = 10;
const RESOURCE_VERSION = /^[A-Za-z0-9._-]{1,128}$/;

export async function listAll(rest: KubeRest, path: string, bounds: ListBounds, signal: AbortSignal, since?: string): Promise<Listed> {
  const items: unknown[] = [];
  let resourceVersion: string | undefined;
  let token: string | undefined;
  const maxPages = Math.ceil(bounds.maxItems / bounds.pageSize) + EXTRA_PAGES;
  for (let page = 0; ; page++) {
    const query: Record<string, string | undefined> = { limit: String(bounds.pageSize) };
    // A continue token carries its list's resourceVersion; the API server refuses both at once.
    if (token !== undefined) query.continue = token;
    else if (since !== undefined) Object.assign(query, { resourceVersion: since, resourceVersionMatch: 'NotOlderThan' });
    const body = record(await rest.getJson(path, query, { signal, maxBytes: bounds.maxBytesPerPage }));
    const pageItems = body?.items;
    if (!Array.isArray(pageItems)) throw new KubeError(0, 'InvalidResponse', `${path}: the answer is not a list`);
    if (items.length + pageItems.length > bounds.maxItems) throw new KubeError(0, 'TooMany', `${path}: more than ${bounds.maxItems} objects`);
    items.push(...(pageItems as unknown[]));
    const metadata = record(body?.metadata);
    if (page === 0 && typeof metadata?.resourceVersion === 'string' && RESOURCE_VERSION.test(metadata.resourceVersion)) {
      resourceVersion = metadata.resourceVersion;
    }
    const next = metadata?.continue;
    if (typeof next !== 'string' || next === '') break;
    if (next.length > MAX_TOKEN) throw new KubeError(0, 'InvalidResponse', `${path}: a continue token longer than ${MAX_TOKEN} characters`);
    // Pages may come back short (even empty), but not forever.
    if (page + 1 >= maxPages) throw new KubeError(0, 'TooMany', `${path}: more than ${maxPages} pages`);
    token = next;
  }
  return resourceVersion === undefined ? { items } : { items, resourceVersion };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
