// The JSONPatch that turns a document into the one placement wants, for workloads whose earlier
// placement may have to be taken back (DaemonSet templates). Objects are compared member by member,
// so the patch touches only what differs; an array is appended to when the wanted one only adds
// items at its end, else replaced whole. Equal documents give no operation at all.
import { asRecord } from './pod.ts';
import { toPointer, type JsonPatchOp } from './patch.ts';

/** Operations at and below `at` (whose parent exists in `from`'s document) that make `from` into `to`. */
export function diffJson(from: unknown, to: unknown, at: readonly string[]): JsonPatchOp[] {
  if (sameJson(from, to)) return [];
  if (to === undefined) return [{ op: 'remove', path: toPointer(at) }];
  const [before, after] = [asRecord(from), asRecord(to)];
  if (before !== undefined && after !== undefined) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((key) => diffJson(before[key], after[key], [...at, key]));
  }
  if (Array.isArray(from) && Array.isArray(to) && to.length > from.length && from.every((item, index) => sameJson(item, to[index]))) {
    return to.slice(from.length).map((item: unknown) => ({ op: 'add', path: toPointer([...at, '-']), value: item }));
  }
  return [{ op: 'add', path: toPointer(at), value: to }];
}

/** JSON equality, member order ignored; an absent member equals `undefined`. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  }
  const [left, right] = [asRecord(a), asRecord(b)];
  if (left === undefined || right === undefined) return false;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => sameJson(left[key], right[key]));
}
