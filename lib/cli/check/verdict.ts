// `archy check`'s rule for one workload: it fails when its images share no architecture, or share
// none of the architectures asked for with --arch (the ones the cluster's nodes have). Images that
// could not be resolved leave the workload unchecked unless the rest already fail it.
import { assess } from '../report/assess.ts';
import type { ImageAnswer } from '../resolution/resolve-images.ts';
import type { Workload } from '../workloads/workload.ts';

export interface CheckVerdict {
  workload: Workload;
  /** true: passes; false: fails; null: not every image could be resolved (and the rest pass). */
  ok: boolean | null;
  /** Architectures all resolved images share. */
  architectures: string[];
  /** Why it fails, naming each image's architectures. */
  problem?: string;
  images: Array<{ image: string; architectures?: string[]; error?: string }>;
}

export function checkWorkload(workload: Workload, answers: ReadonlyMap<string, ImageAnswer>, wanted?: readonly string[]): CheckVerdict {
  const verdict = assess(workload.images, answers);
  const images = [
    ...verdict.resolved.map((entry) => ({ image: entry.image, architectures: entry.architectures })),
    ...verdict.unresolved.map((entry) => ({ image: entry.image, error: entry.error })),
  ];
  const base = { workload, architectures: verdict.architectures, images };
  if (verdict.resolved.length > 0 && verdict.architectures.length === 0) {
    const problem = verdict.resolved.length === 1
      ? `${describe(verdict.resolved)}: no linux architecture`
      : `images share no architecture: ${describe(verdict.resolved)}`;
    return { ...base, ok: false, problem };
  }
  if (wanted !== undefined && verdict.resolved.length > 0 && !verdict.architectures.some((arch) => wanted.includes(arch))) {
    const lacking = verdict.resolved.filter((entry) => !entry.architectures.some((arch) => wanted.includes(arch)));
    const shown = lacking.length > 0 ? lacking : verdict.resolved;
    const together = verdict.resolved.length > 1 ? ` (together only ${verdict.architectures.join(', ')})` : '';
    return { ...base, ok: false, problem: `runs on none of ${wanted.join(', ')}${together}: ${describe(shown)}` };
  }
  return { ...base, ok: verdict.unresolved.length > 0 ? null : true };
}

function describe(entries: ReadonlyArray<{ image: string; architectures: string[] }>): string {
  return entries.map((entry) => `${entry.image} has ${entry.architectures.join(', ') || 'no linux platform'}`).join('; ');
}
