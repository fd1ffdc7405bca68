// Building AdmissionReviews and driving them through the app in-process (the Lambda code path).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { App } from '../../../lib/app.ts';
import type { ReviewAnswer } from '../../support/admission.ts';
import { startReferenceTimers, type Timing } from '../../support/timing.ts';

export interface PodSpecExtras {
  namespace?: string;
  imagePullSecrets?: string[];
  [field: string]: unknown;
}

/** A pod with one container per image. */
export function podWith(images: string[], extras: PodSpecExtras = {}): Record<string, unknown> {
  const { namespace = 'default', imagePullSecrets, ...spec } = extras;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'rel', namespace },
    spec: {
      ...spec,
      ...(imagePullSecrets ? { imagePullSecrets: imagePullSecrets.map((name) => ({ name })) } : {}),
      containers: images.map((image, index) => ({ name: `c${index}`, image })),
    },
  };
}

export function reviewBody(uid: string, pod: Record<string, unknown>, operation = 'CREATE'): string {
  const namespace = (pod.metadata as { namespace?: string } | undefined)?.namespace ?? 'default';
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: { uid, operation, namespace, kind: { group: '', version: 'v1', kind: 'Pod' }, object: pod },
  });
}

export interface Admitted {
  status: number;
  answer: ReviewAnswer;
  elapsedMs: number;
  /** Whether it answered within `limitMs`, one of the limits given to admit() (test/support/timing.ts). */
  within: Timing['within'];
  body: string;
}

export interface AdmitOptions {
  path?: string;
  uid?: string;
  /** Reference timers started with the admission, for `within()`. */
  limitsMs?: readonly number[];
}

/** POSTs a review for `pod` to the app and parses the answer. */
export async function admit(app: App, pod: Record<string, unknown>, options: AdmitOptions = {}): Promise<Admitted> {
  const { path = '/mutate', uid = 'uid-1', limitsMs = [] } = options;
  const watch = startReferenceTimers(limitsMs);
  const response = await app.handle({ method: 'POST', path, headers: { 'content-type': 'application/json' }, body: reviewBody(uid, pod) });
  const { elapsedMs, within } = watch.stop();
  return { status: response.statusCode, answer: JSON.parse(response.body) as ReviewAnswer, elapsedMs, within, body: response.body };
}

/** A pino destination that keeps every line, for asserting on (and scanning) the logs. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }

  get text(): string {
    return this.lines.join('\n');
  }

  entries(): Array<Record<string, unknown>> {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/**
 * Defence in depth: the app decides Kubernetes access from its own env, but the AWS SDK still reads
 * the process's HOME (~/.aws) and a developer's cluster or profile must not take part in these tests.
 */
export function isolateFromKubeconfig(): void {
  delete process.env.KUBECONFIG;
  delete process.env.KUBERNETES_SERVICE_HOST;
  process.env.HOME = mkdtempSync(join(tmpdir(), 'archy-home-'));
}
