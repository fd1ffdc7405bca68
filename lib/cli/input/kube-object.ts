// A Kubernetes object as read from a manifest or the API, with where it came from. Its content is
// untrusted input: readers below check every field they use.

export type JsonObject = Record<string, unknown>;

export interface SourcedObject {
  object: JsonObject;
  /** A file path, `stdin`, or `cluster`. */
  source: string;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A mapping with a string `apiVersion` and `kind`. */
export function isKubernetesObject(value: unknown): value is JsonObject & { apiVersion: string; kind: string } {
  return isJsonObject(value) && typeof value.apiVersion === 'string' && value.apiVersion !== '' && typeof value.kind === 'string' && value.kind !== '';
}

export function objectAt(value: unknown, ...path: string[]): JsonObject | undefined {
  let current = value;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return isJsonObject(current) ? current : undefined;
}

export function stringAt(value: unknown, ...path: string[]): string | undefined {
  const parent = objectAt(value, ...path.slice(0, -1));
  const leaf = parent?.[path[path.length - 1] ?? ''];
  return typeof leaf === 'string' ? leaf : undefined;
}

export function arrayAt(value: unknown, ...path: string[]): unknown[] {
  const parent = objectAt(value, ...path.slice(0, -1));
  const leaf = parent?.[path[path.length - 1] ?? ''];
  return Array.isArray(leaf) ? leaf : [];
}

/** A non-negative whole number, or undefined. */
export function countAt(value: unknown, ...path: string[]): number | undefined {
  const parent = objectAt(value, ...path.slice(0, -1));
  const leaf = parent?.[path[path.length - 1] ?? ''];
  return typeof leaf === 'number' && Number.isInteger(leaf) && leaf >= 0 ? leaf : undefined;
}
