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
  | 'not-a-pod';

export interface Skip {
  kind: 'skip';
  reason: SkipReason;
  /** For logs: plain words, no secrets. */
  detail: string;
  /** For the user's kubectl. */
  warnings: string[];
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
