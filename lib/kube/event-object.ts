// A Kubernetes Event (events.k8s.io/v1) that the API server accepts and `kubectl describe` finds,
// built without I/O. The API server's strict validation for this API version wants: a DNS-subdomain
// name, an eventTime (MicroTime), type Normal or Warning, a reportingController that is a
// qualified name, a reportingInstance, an action and a reason of at most 128 characters each, a
// note of at most 1024, and a `regarding` with a namespace. kubectl describe selects Events by the
// object's kind, name, namespace and uid, so the uid must be the object's own when it has one.
import { clipMiddle, printable } from '../placement/index.ts';

/** An object an Event is about. `uid` is absent only for a pod being created (it has none yet). */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid?: string;
}

export interface KubeEvent {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  eventTime: string;
  type: 'Warning';
  reason: string;
  note: string;
  action: string;
  reportingController: string;
  reportingInstance: string;
  regarding: ObjectRef;
}

export interface EventSpec {
  regarding: ObjectRef;
  reason: string;
  note: string;
  action: string;
  reportingController: string;
  reportingInstance: string;
  /** When it happened: epoch milliseconds, fractional to the microsecond. */
  at: number;
  /** Hex digits that keep two Events of the same object and microsecond apart. */
  nonce: string;
}

export const MAX_NOTE = 1024;
const MAX_NAME = 253;
const MAX_SHORT_FIELD = 128;

export function buildEvent(spec: EventSpec): KubeEvent {
  const { regarding } = spec;
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(regarding.name, spec.at, spec.nonce), namespace: regarding.namespace },
    eventTime: formatMicroTime(spec.at),
    type: 'Warning',
    reason: short(spec.reason),
    note: clipNote(spec.note),
    action: short(spec.action),
    reportingController: spec.reportingController,
    reportingInstance: short(spec.reportingInstance),
    regarding: { ...regarding },
  };
}

/** RFC 3339 in UTC with exactly six fractional digits, as metav1.MicroTime is written. */
export function formatMicroTime(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros - seconds * 1_000_000;
  return `${new Date(seconds * 1000).toISOString().slice(0, 19)}.${String(fraction).padStart(6, '0')}Z`;
}

/**
 * `<object name>.<hex of the time and nonce>`, as client-go names Events, within 253 characters and
 * a valid DNS subdomain whatever the object's name: a long one loses its end.
 */
export function eventName(objectName: string, epochMs: number, nonce: string): string {
  const suffix = `${Math.round(epochMs * 1000).toString(16)}${nonce.toLowerCase().replace(/[^0-9a-f]/g, '')}`.slice(0, 64);
  return `${subdomainPrefix(objectName, MAX_NAME - suffix.length - 1)}.${suffix}`;
}

/** One printable line of at most 1024 characters; the middle goes first (the end says what to do). */
export function clipNote(text: string): string {
  return clipMiddle(printable(text), MAX_NOTE);
}

/** Lowercase alphanumerics, `-` and `.`, each dot-separated part alphanumeric at both ends. */
function subdomainPrefix(name: string, max: number): string {
  const labels = name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .split('.')
    .map((label) => label.replace(/^-+|-+$/g, ''))
    .filter((label) => label.length > 0);
  const prefix = labels.join('.').slice(0, max).replace(/[.-]+$/, '');
  return prefix.length > 0 ? prefix : 'archy';
}

function short(text: string): string {
  return printable(text).slice(0, MAX_SHORT_FIELD);
}
