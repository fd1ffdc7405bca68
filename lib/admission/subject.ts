// What one admission is about: a pod (placed at CREATE, checked when an ephemeral container joins)
// or a DaemonSet (the rule written into its pod template at CREATE and UPDATE). Both answer the
// same questions, so the admitter runs them alike.
import {
  daemonSetImages,
  daemonSetPreflight,
  decideDaemonSet,
  imagesToResolve,
  isDaemonSet,
  planPlacement,
  preflight,
  type AdmissionFacts,
  type DaemonSetFacts,
  type Decision,
  type NamespaceDefaults,
  type PlacementPolicy,
  type PodImage,
  type PodLike,
  type Skip,
} from '../placement/index.ts';
import type { ImageResolution } from '../types.ts';
import type { AdmissionRequest } from './review.ts';

export interface AdmissionSubject {
  kind: 'Pod' | 'DaemonSet';
  /** For the log line: its name (or generateName), under the key `kind` names. */
  logFields: Record<string, unknown>;
  preflight(policy: PlacementPolicy): Skip | undefined;
  /** The images to resolve, once preflight let it through. */
  images(): PodImage[];
  /** Whose pull secrets and service account the registries are asked with. */
  credentialsOf: PodLike;
  /** With these answers: whether the decision depends on the Namespace's defaults (so they are worth reading), and the decision. */
  plan(resolutions: readonly ImageResolution[], policy: PlacementPolicy): SubjectPlan;
}

export interface SubjectPlan {
  needsNamespaceDefaults: boolean;
  decide(namespaceDefaults?: NamespaceDefaults): Decision;
}

export function admissionSubject(request: AdmissionRequest, namespace: string | undefined): AdmissionSubject {
  const object = request.object ?? undefined;
  const named = (value: unknown): unknown => {
    const metadata = (value as PodLike | undefined)?.metadata;
    return metadata?.name ?? metadata?.generateName ?? request.name;
  };
  if (isDaemonSet(request.kind, object)) {
    const facts: DaemonSetFacts = { operation: request.operation, namespace, object, oldObject: request.oldObject ?? undefined, subResource: request.subResource };
    const template = (object as { spec?: { template?: PodLike } } | undefined)?.spec?.template;
    return {
      kind: 'DaemonSet',
      logFields: { daemonSet: named(object) },
      preflight: (policy) => daemonSetPreflight(facts, policy),
      images: () => daemonSetImages(object),
      credentialsOf: template ?? {},
      // None of the choices applies to a DaemonSet (always the affinity form on all of S, no fallback).
      plan: (resolutions, policy) => ({ needsNamespaceDefaults: false, decide: () => decideDaemonSet({ ...facts, resolutions }, policy) }),
    };
  }
  const pod = (object ?? {}) as PodLike;
  const facts: AdmissionFacts = { operation: request.operation, namespace, pod, subResource: request.subResource };
  return {
    kind: 'Pod',
    logFields: { pod: named(object) },
    preflight: (policy) => preflight(facts, policy),
    images: () => imagesToResolve(facts),
    credentialsOf: pod,
    plan: (resolutions, policy) => {
      const plan = planPlacement({ ...facts, resolutions }, policy);
      return { needsNamespaceDefaults: plan.choicesNeeded.length > 0, decide: (namespaceDefaults) => plan.decide(namespaceDefaults) };
    },
  };
}
