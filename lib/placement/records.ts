// What Archy records on what it placed (or, in audit, would have placed): plain annotations that
// `kubectl get -o yaml` shows and later admissions read back.
import { ANNOTATION_ARCHITECTURES, ANNOTATION_REASON, ANNOTATION_WOULD_PLACE } from './pod.ts';

/** Enforce: where the pod may run now. */
export function enforceRecords(placed: readonly string[], reason: string | undefined): Record<string, string> {
  const records: Record<string, string> = { [ANNOTATION_ARCHITECTURES]: placed.join(',') };
  if (reason !== undefined) records[ANNOTATION_REASON] = reason;
  return records;
}

/** Audit: S (what the images run on), and what enforce would have allowed. */
export function auditRecords(allowed: readonly string[], placed: readonly string[], reason: string | undefined): Record<string, string> {
  const records: Record<string, string> = { [ANNOTATION_ARCHITECTURES]: [...allowed].sort().join(','), [ANNOTATION_WOULD_PLACE]: placed.join(',') };
  if (reason !== undefined) records[ANNOTATION_REASON] = reason;
  return records;
}
