// A counterexample a person can read: long strings and long lists abbreviated, the scheduling part
// of the pod shown before and after, the registry answers summarised.
import type { ImageResolution } from '../../../lib/types.ts';
import type { Allowed, Pinning, Violation } from './placement-rules.ts';

/** `value` with strings over 120 characters and arrays over 12 items shortened. */
export function abbreviate(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 120 ? `<${value.length} chars: ${JSON.stringify(value.slice(0, 40))}…>` : value;
  if (Array.isArray(value)) {
    const shown = value.slice(0, 12).map(abbreviate);
    return value.length > 12 ? [...shown, `… ${value.length - 12} more`] : shown;
  }
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, abbreviate(member)]));
  return value;
}

export function describeAnswer(answer: ImageResolution | undefined): string {
  if (!answer) return 'no answer';
  if (!answer.ok) return `failed: ${JSON.stringify(abbreviate(answer.error))}`;
  const names = answer.platforms.map((p) => [p.os, p.architecture, p.variant].filter((part) => part !== undefined).join('/'));
  return `ok, ${answer.platforms.length} platforms: ${JSON.stringify(abbreviate(names))}`;
}

const scheduling = (pod: unknown): unknown => {
  const spec = ((pod as { spec?: Record<string, unknown> }).spec ?? {}) as Record<string, unknown>;
  return abbreviate({ nodeSelector: spec.nodeSelector, affinity: spec.affinity, tolerations: spec.tolerations });
};

export interface Report {
  config: string;
  pod: unknown;
  patched?: unknown;
  images: readonly string[];
  answers: ReadonlyMap<string, ImageResolution>;
  allowed: Allowed;
  pinning: Pinning;
  patch: unknown;
  warnings: readonly string[] | undefined;
  violations: readonly Violation[];
  /** The cluster view the admission was given. */
  view?: unknown;
}

export function formatReport(report: Report): string {
  const lines = [
    `${report.violations.length} rule(s) broken:`,
    ...report.violations.map((v) => `  - [${v.rule}]${v.node ? ` node ${v.node}:` : ''} ${v.detail}`),
    `config: ${report.config}`,
    `S = [${report.allowed.architectures.join(', ')}]${report.allowed.fallback ? ' (no image resolved: default)' : ''}; pinned: ${report.pinning.kind} (${report.pinning.why})`,
    'images:',
    ...report.images.map((image) => `  ${image.length > 60 ? `${image.slice(0, 57)}…` : image}: ${describeAnswer(report.answers.get(image))}`),
    `pod scheduling before: ${JSON.stringify(scheduling(report.pod))}`,
    `pod scheduling after:  ${report.patched === undefined ? '(patch did not apply)' : JSON.stringify(scheduling(report.patched))}`,
    `annotations before: ${JSON.stringify(abbreviate((report.pod as { metadata?: { annotations?: unknown } }).metadata?.annotations ?? null))}`,
    `patch: ${JSON.stringify(abbreviate(report.patch))}`,
    `warnings: ${JSON.stringify(report.warnings ?? [])}`,
    `cluster view: ${report.view === undefined ? 'unknown' : JSON.stringify(report.view)}`,
  ];
  return lines.join('\n');
}
