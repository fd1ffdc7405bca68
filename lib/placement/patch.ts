// JSONPatch (RFC 6902) built against a working copy of the pod, so that each operation sees the
// structure the previous ones created (two additions under a missing `affinity` must not both
// create it). The builder needs only `add`: it creates a member, replaces one, or appends with `/-`.
// The working copy is copy-on-write: only the objects on the path of a write are copied (shallow),
// the rest is the caller's pod, read but never changed. Cloning the whole pod (managed fields,
// env, volumes) cost more than the rest of an admission together.
import { asRecord } from './pod.ts';

/** `add` creates, replaces or appends (`/-`); `remove` only takes back what Archy wrote before (DaemonSets). */
export type JsonPatchOp = { op: 'add'; path: string; value: unknown } | { op: 'remove'; path: string };

/** RFC 6901: `~` becomes `~0`, then `/` becomes `~1`. */
export function escapePointer(segment: string): string {
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function toPointer(segments: readonly string[]): string {
  return segments.map((segment) => `/${escapePointer(segment)}`).join('');
}

export class PatchBuilder {
  readonly ops: JsonPatchOp[] = [];
  readonly #doc: Record<string, unknown>;
  /** Objects and arrays of the working copy that belong to the builder, so may be changed. */
  readonly #owned = new WeakSet<object>();

  constructor(doc: object) {
    this.#doc = { ...(doc as Record<string, unknown>) };
    this.#owned.add(this.#doc);
  }

  /** The working copy with every operation so far applied (shares unchanged parts with the input: read only). */
  document(): Record<string, unknown> {
    return this.#doc;
  }

  /** The value at `segments` in the working copy (array indexes as decimal strings). */
  get(segments: readonly string[]): unknown {
    let current: unknown = this.#doc;
    for (const segment of segments) {
      if (Array.isArray(current)) current = current[Number(segment)];
      else current = asRecord(current)?.[segment];
      if (current === undefined) return undefined;
    }
    return current;
  }

  /**
   * Sets the object member at `segments`. Where a parent object is missing (or null, or not an
   * object) the whole missing branch is added in one operation.
   */
  set(segments: readonly string[], value: unknown): void {
    let depth = 0;
    let parent: unknown = this.#doc;
    while (depth < segments.length - 1) {
      const next = childOf(parent, segments[depth] as string);
      if (!canHold(next, segments[depth + 1] as string)) break;
      parent = next;
      depth += 1;
    }
    let nested = value;
    for (let index = segments.length - 1; index > depth; index -= 1) nested = { [segments[index] as string]: nested };
    this.#add(segments.slice(0, depth + 1), nested);
  }

  /** Appends to the array at `segments`, creating the array (and its parents) when missing. */
  append(segments: readonly string[], item: unknown): void {
    if (Array.isArray(this.get(segments))) this.#add([...segments, '-'], item);
    else this.set(segments, [item]);
  }

  #add(segments: readonly string[], value: unknown): void {
    const op: JsonPatchOp = { op: 'add', path: toPointer(segments), value: cloneJson(value) };
    this.ops.push(op);
    const parent = this.#ownedContainer(segments.slice(0, -1));
    const last = segments[segments.length - 1] as string;
    const copy = cloneJson(value);
    if (typeof copy === 'object' && copy !== null) this.#owned.add(copy);
    if (Array.isArray(parent)) {
      if (last === '-') parent.push(copy);
      else parent.splice(Number(last), 0, copy);
    } else {
      (parent as Record<string, unknown>)[last] = copy;
    }
  }

  /** The container at `segments`, after copying each not-yet-owned object on the way to it. */
  #ownedContainer(segments: readonly string[]): unknown {
    let current: unknown = this.#doc;
    for (const segment of segments) {
      const holder = current as Record<string, unknown> | unknown[];
      const key = Array.isArray(holder) ? Number(segment) : segment;
      let child = (holder as Record<string | number, unknown>)[key];
      if (typeof child === 'object' && child !== null && !this.#owned.has(child)) {
        child = Array.isArray(child) ? [...(child as unknown[])] : { ...(child as Record<string, unknown>) };
        this.#owned.add(child as object);
        (holder as Record<string | number, unknown>)[key] = child;
      }
      current = child;
    }
    return current;
  }
}

/** A deep copy of a JSON value (what a patch carries); structuredClone costs more for small values. */
function cloneJson(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(cloneJson);
  const copy: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) copy[key] = cloneJson(member);
  return copy;
}

function childOf(parent: unknown, segment: string): unknown {
  return Array.isArray(parent) ? parent[Number(segment)] : asRecord(parent)?.[segment];
}

/** Whether `value` can take the member `segment`: an array by index, else a plain object. */
function canHold(value: unknown, segment: string): boolean {
  if (Array.isArray(value)) return /^\d+$/.test(segment) && Number(segment) < value.length;
  return asRecord(value) !== undefined;
}
