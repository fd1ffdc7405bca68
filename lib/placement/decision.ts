// What placement answers.
import type { JsonPatchOp } from './patch.ts';

export type SkipReason =
  | 'arch-constrained'
  | 'already-placed'
  | 'node-name'
  | 'daemonset'
  | 'excluded-namespace'
  | 'opt-out'
  | 'operation'
  | 'no-images'
  | 'no-common-arch'
  | 'not-a-pod'
  /** A DaemonSet update that changed nothing placement depends on: no patch, so no rollout. */
  | 'unchanged'
  /** A DaemonSet none of whose images could be checked: left as it was. */
  | 'unresolved'
  /** A DaemonSet template whose annotations leave no room for Archy's record (it could not be replaced later). */
  | 'no-room';

export interface Skip {
  kind: 'skip';
  reason: SkipReason;
  /** For logs: plain words, no secrets. */
  detail: string;
  /** For the user's kubectl. */
  warnings: string[];
  /** DaemonSets only: what takes back Archy's earlier placement that no longer holds. */
  patch?: JsonPatchOp[];
}

export interface Mutation {
  kind: 'mutate';
  /** Where the patched pod may run, sorted. */
  architectures: string[];
  patch: JsonPatchOp[];
  warnings: string[];
  /** The short `archy.io/reason`, when the default architecture applied or images were left out. */
  reason?: string;
  /** True when no image could be checked and the default architecture was used. */
  fallback: boolean;
}

export type Decision = Mutation | Skip;

export function skip(reason: SkipReason, detail: string, warnings: string[] = []): Skip {
  return { kind: 'skip', reason, detail, warnings };
}
