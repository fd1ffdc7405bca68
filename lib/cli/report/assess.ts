// One workload's images against what the registries said: the architectures they share, whether
// it can run on arm64, and which images hold it back. Shared by `archy report` and `archy check`.
import { commonArchitectures } from '../resolution/architectures.ts';
import type { ImageAnswer } from '../resolution/resolve-images.ts';

export const ARM64 = 'arm64';

export interface Assessment {
  /** Architectures every resolved image supports (all of its images when none failed). */
  architectures: string[];
  resolved: Array<{ image: string; architectures: string[] }>;
  unresolved: Array<{ image: string; error: string }>;
  /** false as soon as a resolved image lacks arm64; null when that is only unknown. */
  arm64: boolean | null;
  /** Resolved images without arm64. */
  blocking: string[];
}

export function assess(images: readonly string[], answers: ReadonlyMap<string, ImageAnswer>): Assessment {
  const resolved: Assessment['resolved'] = [];
  const unresolved: Assessment['unresolved'] = [];
  for (const image of images) {
    const answer = answers.get(image);
    if (answer?.ok) resolved.push({ image, architectures: answer.architectures });
    else unresolved.push({ image, error: answer?.error ?? 'not resolved' });
  }
  const blocking = resolved.filter((entry) => !entry.architectures.includes(ARM64)).map((entry) => entry.image);
  const arm64 = blocking.length > 0 ? false : unresolved.length > 0 ? null : true;
  const architectures = resolved.length === 0 ? [] : commonArchitectures(resolved.map((entry) => entry.architectures));
  return { architectures, resolved, unresolved, arm64, blocking };
}
