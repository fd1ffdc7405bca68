// Which of an admission's warnings deserve an Event, and under which reason. Events are for the
// people who own the workload and never see admission warnings (a Deployment's pods are created by
// the ReplicaSet controller): the warnings that say the pod may not run where it lands, or was
// placed without knowing. Each reason is a stable CamelCase word, what `kubectl get events
// --field-selector reason=…` and alerting rules match on.
//
// The placement decision says these things in its warnings (lib/placement/warnings.ts), so they
// are recognised by how those warnings begin; test/unit/kube/event-reasons.test.ts builds each from
// the functions that write it, so a reworded warning fails there rather than silently here.
import type { Decision } from '../placement/index.ts';

export const EVENT_REASONS = {
  /** No image could be checked: placed on the default architecture. */
  fallback: 'ArchyFallback',
  /** The images share no architecture: left unplaced (or pinned to what some cannot run). */
  noCommonArchitecture: 'NoCommonArchitecture',
  /** Some images could not be checked and were left out of the placement. */
  imagesNotChecked: 'ImagesNotChecked',
  /** The pod requires an architecture some of its images lack: exec format error there. */
  pinnedUnsupported: 'PinnedArchitectureUnsupported',
  /** No Ready node and no Karpenter NodePool offers the pod's architectures: it stays Pending. */
  noNodeForArchitecture: 'NoNodeForArchitecture',
} as const;

export type EventReason = (typeof EVENT_REASONS)[keyof typeof EVENT_REASONS];

export interface Finding {
  reason: EventReason;
  /** The warnings that say it, in the order given. */
  warnings: string[];
}

const RECOGNISED: ReadonlyArray<readonly [EventReason, RegExp]> = [
  [EVENT_REASONS.fallback, /^no image of this pod could be checked\b/],
  [EVENT_REASONS.noCommonArchitecture, /^no architecture is common to all images\b/],
  [EVENT_REASONS.pinnedUnsupported, /^the pod requires \S.* but /],
  [EVENT_REASONS.noNodeForArchitecture, /^no node (?:or NodePool )?in (?:this|the) cluster (?:offers|is) /],
  [EVENT_REASONS.imagesNotChecked, /^image \S.* (?:not checked, left out of the placement|it was not checked and is left out of the placement)/],
];

/** The Events an admission's decision calls for, one per reason. */
export function findingsOf(decision: Decision): Finding[] {
  const recognised = decision.warnings.map((warning) => ({ warning, reason: RECOGNISED.find(([, pattern]) => pattern.test(warning))?.[0] }));
  const byReason = new Map<EventReason, string[]>();
  for (const { warning, reason } of recognised) {
    if (reason !== undefined) byReason.set(reason, [...(byReason.get(reason) ?? []), warning]);
  }
  const fallback = byReason.get(EVENT_REASONS.fallback);
  if (fallback !== undefined) {
    // Falling back is what happened; the images not checked, and what else was said about them (a
    // pull secret that could not be read), are why: one Event says both.
    const why = recognised.filter(({ reason }) => reason === undefined || reason === EVENT_REASONS.imagesNotChecked).map(({ warning }) => warning);
    byReason.delete(EVENT_REASONS.imagesNotChecked);
    byReason.set(EVENT_REASONS.fallback, [...fallback, ...why]);
  }
  return [...byReason].map(([reason, warnings]) => ({ reason, warnings }));
}
