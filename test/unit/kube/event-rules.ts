// What the API server checks when an events.k8s.io/v1 Event is created (pkg/apis/core/validation
// ValidateEventCreate: the strict rules of this API version on top of the legacy ones), written out
// for tests: every Event Archy sends must pass, or a real cluster would answer 422.

const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const EVENT_FIELDS = new Set([
  'apiVersion', 'kind', 'metadata', 'eventTime', 'series', 'reportingController', 'reportingInstance', 'action', 'reason',
  'regarding', 'related', 'note', 'type', 'deprecatedSource', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount',
]);
const REFERENCE_FIELDS = new Set(['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']);

export interface SentEvent {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  eventTime: string;
  type: string;
  reason: string;
  note: string;
  action: string;
  reportingController: string;
  reportingInstance: string;
  regarding: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
}

/** Why the API server would refuse `event` POSTed to namespace `urlNamespace`; empty when it accepts it. */
export function eventProblems(value: unknown, urlNamespace: string): string[] {
  const problems: string[] = [];
  const event = value as Partial<SentEvent> & Record<string, unknown>;
  const text = (field: unknown): string => (typeof field === 'string' ? field : '');
  if (event.apiVersion !== 'events.k8s.io/v1' || event.kind !== 'Event') problems.push('not an events.k8s.io/v1 Event');
  for (const field of Object.keys(event)) if (!EVENT_FIELDS.has(field)) problems.push(`unknown field ${field}`);
  const name = text(event.metadata?.name);
  if (name.length === 0 || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) problems.push(`metadata.name ${JSON.stringify(name)} is not a DNS subdomain`);
  const namespace = text(event.metadata?.namespace);
  if (namespace !== urlNamespace) problems.push(`metadata.namespace ${namespace} is not the namespace of the URL, ${urlNamespace}`);
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) problems.push('metadata.namespace is not a DNS label');
  const eventTime = text(event.eventTime);
  if (!MICRO_TIME.test(eventTime) || Number.isNaN(Date.parse(eventTime))) problems.push(`eventTime ${JSON.stringify(eventTime)} is not a MicroTime`);
  if (event.type !== 'Warning' && event.type !== 'Normal') problems.push('type is neither Normal nor Warning');
  const controller = text(event.reportingController);
  if (!isQualifiedName(controller)) problems.push('reportingController is not a qualified name');
  for (const field of ['reportingInstance', 'action', 'reason'] as const) {
    const fieldValue = text(event[field]);
    if (fieldValue.length === 0) problems.push(`${field} is required`);
    if (Buffer.byteLength(fieldValue) > 128) problems.push(`${field} is longer than 128 bytes`);
  }
  if (Buffer.byteLength(text(event.note)) > 1024) problems.push('note is longer than 1024 bytes');
  const regarding = event.regarding ?? {};
  for (const field of Object.keys(regarding)) if (!REFERENCE_FIELDS.has(field)) problems.push(`unknown field regarding.${field}`);
  if (text(regarding.namespace).length === 0 && namespace !== 'default' && namespace !== 'kube-system') problems.push('regarding.namespace is empty');
  for (const legacy of ['deprecatedFirstTimestamp', 'deprecatedLastTimestamp', 'deprecatedCount', 'deprecatedSource', 'series']) {
    if (event[legacy] !== undefined) problems.push(`${legacy} must be unset`);
  }
  return problems;
}

function isQualifiedName(value: string): boolean {
  const parts = value.split('/');
  if (parts.length > 2) return false;
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name !== undefined && name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}
