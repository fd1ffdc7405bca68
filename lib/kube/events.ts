// Kubernetes Events where the workload's owners look. Admission warnings reach only the client that
// created the pod, for a Deployment's pod the ReplicaSet controller; so when a warning says the pod
// may not run where it lands (lib/kube/event-reasons.ts), the same words are also recorded as a
// Warning Event on the pod's controller owner and, for a ReplicaSet, on its Deployment: there
// `kubectl describe deployment` and `kubectl get events` show them.
//
// Time: the writes start once the decision is made and run beside the cache write-back; the
// admission waits for them for at most a quarter of its budget, and never past it. In Lambda,
// work left running after the answer may be frozen with the instance, so nothing is left running:
// a write not done by then is cut off and counted as failed. Never for a dry run, at most one per
// object and reason every five minutes per instance, and a failure is logged and counted
// (`EventErrors`), never more.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AdmissionMode } from '../config.ts';
import type { Deadline } from '../deadline.ts';
import type { Logger } from '../log.ts';
import { noopMetrics, type Metrics } from '../metrics/metrics.ts';
import type { Decision, PodLike } from '../placement/index.ts';
import { printable } from '../placement/index.ts';
import { buildEvent, type ObjectRef } from './event-object.ts';
import { EventLimiter } from './event-limit.ts';
import { findingsOf, type Finding } from './event-reasons.ts';
import type { KubeCreate, KubeRest } from './kube-rest.ts';
import { DeploymentLookup, eventSubject, isReplicaSet } from './owners.ts';

export const REPORTING_CONTROLLER = 'archy.io/webhook';
export const EVENT_ACTION = 'Place';
/** The share of an admission's budget its Events may hold the answer back. */
export const EVENTS_BUDGET_SHARE = 0.25;
const MAX_ANSWER_BYTES = 64 * 1024;

/** What an admission decided, as the Events need it. */
export interface AdmissionOutcome {
  decision: Decision;
  /** In audit nothing was changed: the note says so before the warnings (which say what enforce does). */
  mode?: AdmissionMode;
  pod: PodLike;
  /** `request.namespace`, else the pod's. */
  namespace: string | undefined;
  dryRun: boolean;
}

/** Begins the note of an Event recorded in audit mode. */
export const AUDIT_NOTE_PREFIX = 'audit mode, nothing was changed; enforce would act on this: ';

/** Records an admission's Events within its deadline; never rejects. */
export type AdmissionEvents = (outcome: AdmissionOutcome, deadline: Deadline, log: Logger) => Promise<void>;

export interface EventRecorderOptions {
  rest: KubeRest & KubeCreate;
  /** Names this function instance on every Event (see reportingInstanceOf). */
  reportingInstance: string;
  /** For what is not tied to one admission (the shared ReplicaSet lookups). */
  logger?: Logger;
  metrics?: Metrics;
  limiter?: EventLimiter;
  /** Epoch milliseconds with a fraction, for eventTime. */
  now?: () => number;
}

export function createEventRecorder(options: EventRecorderOptions): AdmissionEvents {
  const { rest, reportingInstance } = options;
  const metrics = options.metrics ?? noopMetrics;
  const limiter = options.limiter ?? new EventLimiter();
  const now = options.now ?? (() => performance.timeOrigin + performance.now());
  const deployments = new DeploymentLookup({ rest, logger: options.logger, metrics });

  const write = async (regarding: ObjectRef, finding: Finding, mode: AdmissionMode | undefined, signal: AbortSignal, log: Logger): Promise<void> => {
    const event = buildEvent({
      regarding,
      reason: finding.reason,
      note: `${mode === 'audit' ? AUDIT_NOTE_PREFIX : ''}${finding.warnings.join('; ')}`,
      action: EVENT_ACTION,
      reportingController: REPORTING_CONTROLLER,
      reportingInstance,
      at: now(),
      nonce: randomBytes(4).toString('hex'),
    });
    try {
      await rest.postJson(`/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(regarding.namespace)}/events`, event, { signal, maxBytes: MAX_ANSWER_BYTES });
      metrics.count('Events');
      log.debug({ event: event.metadata.name, reason: event.reason, regarding: `${regarding.kind}/${regarding.name}` }, 'Kubernetes Event recorded');
    } catch (error) {
      metrics.count('EventErrors');
      log.warn(
        { reason: event.reason, regarding: `${regarding.kind}/${regarding.name}`, err: error instanceof Error ? error.message : String(error) },
        'could not record a Kubernetes Event; the admission goes on without it',
      );
    }
  };

  const writeAll = async (regarding: ObjectRef, findings: Finding[], mode: AdmissionMode | undefined, signal: AbortSignal, log: Logger): Promise<void> => {
    await Promise.all(findings.filter((finding) => limiter.take(regarding, finding.reason)).map((finding) => write(regarding, finding, mode, signal, log)));
  };

  return async (outcome, deadline, log) => {
    try {
      if (outcome.dryRun) return;
      const findings = findingsOf(outcome.decision);
      if (findings.length === 0) return;
      const subject = eventSubject(outcome.pod, outcome.namespace);
      if (subject === undefined) {
        log.debug({ reasons: findings.map((finding) => finding.reason) }, 'no object to record Events on (a pod without a name or owner)');
        return;
      }
      const signal = deadline.signalWithin((deadline.expiresAt - deadline.startedAt) * EVENTS_BUDGET_SHARE);
      const writes = [writeAll(subject, findings, outcome.mode, signal, log)];
      if (isReplicaSet(subject)) {
        writes.push(deployments.deploymentOf(subject, signal).then((deployment) => (deployment === undefined ? undefined : writeAll(deployment, findings, outcome.mode, signal, log))));
      }
      await Promise.all(writes);
    } catch (error) {
      // Nothing above should throw; if it does, the admission must not notice.
      metrics.count('EventErrors');
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'could not record Kubernetes Events');
    }
  };
}

/**
 * This instance's name on its Events: in Lambda the log stream, where its logs are; elsewhere the
 * host and process. At most 128 printable characters, as the API server asks.
 */
export function reportingInstanceOf(env: Record<string, string | undefined>): string {
  const stream = printable(env.AWS_LAMBDA_LOG_STREAM_NAME ?? '');
  return printable(stream.length > 0 ? stream : `${hostname()}-${process.pid}`).slice(0, 128);
}
