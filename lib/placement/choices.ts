// Per-workload and per-namespace choices. The same three annotations, on the pod (which users set
// on their workload's pod template) or on its Namespace, take the place of the environment's
// setting, one key at a time: pod > namespace > environment. A value placement cannot use is
// ignored, and the warning says which annotation (and which namespace) holds it.
import type { MultiArchStrategy } from '../config.ts';
import { ARCHITECTURE_ALIASES, KUBERNETES_ARCHITECTURES } from '../validation/kubernetes.ts';
import type { PlacementPolicy } from './policy.ts';
import { clipMiddle, MAX_WARNING, printable } from './warnings.ts';

export const ANNOTATION_PREFERRED_ARCH = 'archy.io/preferred-arch';
export const ANNOTATION_STRATEGY = 'archy.io/strategy';
export const ANNOTATION_DEFAULT_ARCH = 'archy.io/default-arch';
export const CHOICE_ANNOTATIONS: readonly string[] = [ANNOTATION_PREFERRED_ARCH, ANNOTATION_STRATEGY, ANNOTATION_DEFAULT_ARCH];

const STRATEGIES: readonly MultiArchStrategy[] = ['affinity', 'pin'];

/** The annotations of the pod's Namespace, as last read (see lib/kube/namespace-defaults.ts). */
export interface NamespaceDefaults {
  name: string;
  annotations: Readonly<Record<string, string>>;
}

export interface Choices {
  policy: PlacementPolicy;
  warnings: string[];
  /** Where each choice that did not come from the environment was made. */
  sources: Partial<Record<ChoiceName, ChoiceSource>>;
}

export type ChoiceName = 'preferredArch' | 'multiArchStrategy' | 'defaultArch';
export type ChoiceSource = 'pod' | 'namespace';

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const ALL_CHOICES: readonly ChoiceName[] = ['preferredArch', 'multiArchStrategy', 'defaultArch'];

/**
 * The policy for one pod: `policy` with the pod's, then the namespace's, choices applied. Only the
 * `needed` ones are read: a value that would decide nothing is neither used nor warned about.
 */
export function applyChoices(
  policy: PlacementPolicy,
  podAnnotations: Readonly<Record<string, unknown>>,
  namespace?: NamespaceDefaults,
  needed: readonly ChoiceName[] = ALL_CHOICES,
): Choices {
  const warnings: string[] = [];
  const sources: Choices['sources'] = {};
  const layers: Array<[ChoiceSource, Readonly<Record<string, unknown>>]> = [['pod', podAnnotations], ['namespace', namespace?.annotations ?? {}]];
  const pick = <T extends string>(name: ChoiceName, key: string, parse: (value: string) => Parsed<T>): T | undefined => {
    if (!needed.includes(name)) return undefined;
    for (const [source, annotations] of layers) {
      const raw = Object.hasOwn(annotations, key) ? annotations[key] : undefined;
      if (typeof raw !== 'string') continue;
      const parsed = parse(raw.trim());
      if (parsed.ok) {
        sources[name] = source;
        return parsed.value;
      }
      warnings.push(ignored(source === 'namespace' ? namespace?.name : undefined, key, raw, parsed.problem));
    }
    return undefined;
  };

  const effective: PlacementPolicy = { ...policy };
  const preferred = pick('preferredArch', ANNOTATION_PREFERRED_ARCH, architecture);
  if (preferred !== undefined) effective.preferredArch = preferred;
  const strategy = pick('multiArchStrategy', ANNOTATION_STRATEGY, oneOfStrategies);
  if (strategy !== undefined) effective.multiArchStrategy = strategy;
  const fallback = pick('defaultArch', ANNOTATION_DEFAULT_ARCH, architecture);
  if (fallback !== undefined) effective.defaultArch = fallback;
  return { policy: effective, warnings, sources };
}

/** A `kubernetes.io/arch` value, by the names Kubernetes uses (the same ones ARCHY_DEFAULT_ARCH takes). */
function architecture(value: string): Parsed<string> {
  if (KUBERNETES_ARCHITECTURES.includes(value)) return { ok: true, value };
  const lower = value.toLowerCase();
  const right = KUBERNETES_ARCHITECTURES.includes(lower) ? lower : Object.hasOwn(ARCHITECTURE_ALIASES, lower) ? ARCHITECTURE_ALIASES[lower] : undefined;
  return { ok: false, problem: right === undefined ? 'is not a Kubernetes architecture name' : `is not a Kubernetes architecture name (use "${right}")` };
}

function oneOfStrategies(value: string): Parsed<MultiArchStrategy> {
  const strategy = STRATEGIES.find((known) => known === value);
  return strategy === undefined ? { ok: false, problem: 'is neither affinity nor pin' } : { ok: true, value: strategy };
}

function ignored(namespace: string | undefined, key: string, value: string, problem: string): string {
  const where = namespace === undefined ? `annotation ${key}` : `namespace ${clipMiddle(printable(namespace), 63)} annotation ${key}`;
  const text = `${where} ${JSON.stringify(clipMiddle(printable(value), 40))} ${problem}; it was ignored`;
  return clipMiddle(text, MAX_WARNING);
}
