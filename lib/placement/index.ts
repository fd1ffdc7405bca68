// Placement: the pure decision of where a pod may run, and the JSONPatch that says so.
export {
  ANNOTATION_DEFAULT_ARCH,
  ANNOTATION_PREFERRED_ARCH,
  ANNOTATION_STRATEGY,
  CHOICE_ANNOTATIONS,
  type ChoiceName,
  type NamespaceDefaults,
} from './choices.ts';
export { byWeight, preferredArchitecture, type ClusterView, type NodePoolView, type PoolTaint, type TaintEffect } from './cluster.ts';
export { daemonSetImages, daemonSetPreflight, decideDaemonSet, isDaemonSet, type DaemonSetFacts, type DaemonSetInput } from './daemonset.ts';
export { choicesNeeded, decide, planPlacement, type DecideInput, type PlacementPlan } from './decide.ts';
export type { Decision, Mutation, Skip, SkipReason } from './decision.ts';
export { escapePointer, type JsonPatchOp } from './patch.ts';
export {
  ANNOTATION_ARCHITECTURES,
  ANNOTATION_NODEPOOLS,
  ANNOTATION_REASON,
  ANNOTATION_SKIP,
  ANNOTATION_WOULD_PLACE,
  looksLikePod,
  podImages,
  type ContainerKind,
  type PodImage,
  type PodLike,
} from './pod.ts';
export { modeFor, placementPolicy, type PlacementPolicy } from './policy.ts';
export { EPHEMERAL_SUBRESOURCE, imagesToResolve, preflight, type AdmissionFacts } from './preflight.ts';
export { clipMiddle, MAX_WARNING, printable, WARNING_PREFIX } from './warnings.ts';
