// One admission: pod (or DaemonSet) in, AdmissionResponse out. Orchestrates preflight skips, image
// resolution, the Namespace's defaults, the placement decision, logging and metrics. Fails open:
// any error inside becomes allowed: true with no patch and a warning.
import type { AdmissionMode, Config } from '../config.ts';
import { Deadline, raceDeadline } from '../deadline.ts';
import type { AdmissionEvents } from '../kube/events.ts';
import { MAX_IMAGES_PER_ADMISSION } from '../limits.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { NamespaceDefaultsReader } from '../kube/namespace-defaults.ts';
import { modeFor, placementPolicy, type ClusterView, type Decision, type NamespaceDefaults, type PodLike } from '../placement/index.ts';
import type { CredentialSource, ImageResolution, Platform } from '../types.ts';
import { buildResponse, type AdmissionResponse, type ParsedReview } from './review.ts';
import { admissionSubject } from './subject.ts';

/**
 * The share of what is left of its budget an admission waits for a Namespace it has not read
 * before; past it, it goes on without the Namespace's defaults (the read goes on for the next).
 */
export const NAMESPACE_WAIT_SHARE = 0.1;

export interface ResolveOutcome {
  resolutions: ImageResolution[];
  tiers: Record<string, number>;
  warnings: string[];
  /** Absent when nothing is written. */
  pendingWrites?: Promise<void>;
}

export interface ImageResolver {
  resolveAll(
    images: Array<{ image: string; imagePullPolicy?: string }>,
    deadline: Deadline,
    options?: { credentials?: CredentialSource },
  ): Promise<ResolveOutcome>;
}

/** Per-pod credentials (pull secrets, ECR); `warnings` collects what the user should know. */
export type PodCredentialsFactory = (
  pod: PodLike,
  namespace: string | undefined,
  deadline: Deadline,
) => CredentialSource & { warnings: string[] };

/**
 * What the cluster can run pods on, as last learned in the background: returns at once, never does
 * I/O (undefined when nothing is known yet). An admission never waits for the cluster.
 */
export type ClusterViewSource = () => ClusterView | undefined;

export interface AdmitDependencies {
  config: Config;
  resolver: ImageResolver;
  logger: Logger;
  metrics: Metrics;
  podCredentials?: PodCredentialsFactory;
  clusterView?: ClusterViewSource;
  /** Kubernetes Events on the pod's owners (lib/kube/events.ts): bounded by the deadline, never rejects. */
  events?: AdmissionEvents;
  /** The archy.io/ annotations of Namespaces (lib/kube/namespace-defaults.ts). */
  namespaceDefaults?: NamespaceDefaultsReader;
}

export function createAdmitter(deps: AdmitDependencies): (review: ParsedReview, log?: Logger) => Promise<AdmissionResponse> {
  const { config, metrics } = deps;

  return async function admit(review, log = deps.logger) {
    const deadline = new Deadline(config.timeBudgetMs);
    const { request } = review;
    const pod = (request.object ?? undefined) as PodLike | undefined;
    const namespace = request.namespace ?? pod?.metadata?.namespace;
    const subject = admissionSubject(request, namespace);
    const mode = modeFor(placementPolicy(config), namespace);
    // The uid is already on `log` (the router's child logger).
    const summary: Record<string, unknown> = { operation: request.operation, namespace, ...subject.logFields, mode };
    metrics.count('Admissions', 1, { mode });
    try {
      const skip = subject.preflight(placementPolicy(config));
      if (skip) return finish(skip, undefined);

      const images = subject.images();
      // A pod may name thousands of images: the log line names as many as are looked up.
      summary.images = images.slice(0, MAX_IMAGES_PER_ADMISSION).map((i) => i.image);
      if (images.length > MAX_IMAGES_PER_ADMISSION) summary.imageCount = images.length;
      const credentials = deps.podCredentials?.(subject.credentialsOf, namespace, deadline);
      const resolving = deadline.elapsed();
      const outcome = await deps.resolver.resolveAll(images, deadline, { credentials });
      metrics.timing('ResolutionLatency', deadline.elapsed() - resolving);
      summary.tiers = outcome.tiers;
      const policy = placementPolicy(config, clusterView());
      const plan = subject.plan(outcome.resolutions, policy);
      const decision = plan.decide(plan.needsNamespaceDefaults ? await readNamespace(namespace, deadline) : undefined);
      decision.warnings.unshift(...(credentials?.warnings ?? []), ...outcome.warnings);
      // Events regard a pod's owners; a DaemonSet's warnings go to whoever applied it.
      const events = subject.kind === 'Pod' ? deps.events?.({ decision, mode, pod: pod ?? {}, namespace, dryRun: request.dryRun === true }, deadline, log) : undefined;
      // Cache write-back and Events run beside the decision; they may use what is left of the budget, no more.
      if (outcome.pendingWrites !== undefined || events !== undefined) await raceDeadline(Promise.all([outcome.pendingWrites, events]).then(noop, noop), deadline, noop);
      return finish(decision, outcome.resolutions);
    } catch (error) {
      metrics.count('Errors');
      log.error({ ...summary, err: error, durationMs: deadline.elapsed() }, 'admission failed; allowing the pod unchanged');
      return buildResponse(request.uid, undefined, ['archy could not place this pod (internal error); it was admitted unchanged']);
    } finally {
      deadline.dispose();
    }

    function finish(decision: Decision, resolutions: ImageResolution[] | undefined): AdmissionResponse {
      const durationMs = deadline.elapsed();
      // A dry run gets the same patch (kubectl --dry-run=server shows it); caching is not a side effect.
      const patch = decision.patch;
      recordMetrics(metrics, decision, mode, durationMs);
      log.info(
        {
          ...summary,
          dryRun: request.dryRun || undefined,
          decision: decision.kind,
          reason: decision.reason,
          architectures: decision.kind === 'mutate' ? decision.architectures : undefined,
          resolutions: resolutions?.slice(0, MAX_IMAGES_PER_ADMISSION).map(describeResolution),
          // One per image left out can mean thousands: the line keeps as many as are looked up.
          warnings: decision.warnings.length > 0 ? decision.warnings.slice(0, MAX_IMAGES_PER_ADMISSION) : undefined,
          warningCount: decision.warnings.length > MAX_IMAGES_PER_ADMISSION ? decision.warnings.length : undefined,
          durationMs,
        },
        'admission',
      );
      return buildResponse(request.uid, patch, decision.warnings);
    }
  };

  /** The Namespace's defaults: at once when known, else read (or joined) for a small share of what is left of the budget. */
  async function readNamespace(namespace: string | undefined, deadline: Deadline): Promise<NamespaceDefaults | undefined> {
    const reader = deps.namespaceDefaults;
    if (reader === undefined || namespace === undefined) return undefined;
    return reader.get(namespace, deadline.signalWithin(Math.floor(deadline.remaining() * NAMESPACE_WAIT_SHARE)));
  }

  function clusterView(): ClusterView | undefined {
    try {
      return deps.clusterView?.();
    } catch {
      return undefined;
    }
  }
}

function recordMetrics(metrics: Metrics, decision: Decision, mode: AdmissionMode, durationMs: number): void {
  if (decision.kind === 'mutate') {
    metrics.count('Mutations', 1, { mode });
    if (decision.fallback) metrics.count('Fallbacks', 1, { mode });
  } else {
    metrics.count('Skips', 1, { reason: decision.reason, mode });
  }
  if (decision.warnings.length > 0) metrics.count('Warnings', decision.warnings.length, { mode });
  metrics.timing('AdmissionLatency', durationMs);
}

function describeResolution(resolution: ImageResolution): Record<string, unknown> {
  if (!resolution.ok) return { image: resolution.image, error: resolution.error };
  return {
    image: resolution.image,
    digest: resolution.digest,
    platforms: resolution.platforms.map(platformName),
    source: resolution.source,
  };
}

/** `linux/arm64/v8`: every admission's log line names each platform of each image. */
function platformName({ os, architecture, variant }: Platform): string {
  let name = os;
  if (architecture) name = name ? `${name}/${architecture}` : architecture;
  if (variant) name = name ? `${name}/${variant}` : variant;
  return name;
}

function noop(): void {}
