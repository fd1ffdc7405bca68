// Pure rendering of what registration applies: the MutatingWebhookConfiguration and the RBAC.
// No I/O here: infra/register.ts gathers the inputs, infra/kubernetes/ holds the same output.
import { stringify } from 'yaml';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: unknown;
}

export const WEBHOOK_CONFIGURATION_NAME = 'archy';
export const WEBHOOK_NAME = 'pods.archy.io';
export const SKIP_LABEL = 'archy.io/skip';
export const FIELD_MANAGER = 'archy';
/** Stands in for the URL in infra/kubernetes/webhook.yaml (fill it, e.g. with envsubst). */
export const URL_PLACEHOLDER = '${ARCHY_WEBHOOK_URL}';

const MIN_TIMEOUT_SECONDS = 10;
const MAX_TIMEOUT_SECONDS = 30; // the API server's ceiling for admission webhooks

/**
 * The webhook's timeoutSeconds: the budget, then the Lambda timeout (which must exceed the budget),
 * then this, so the API server never gives up while Archy can still answer. 3000 ms gives 10 s.
 */
export function webhookTimeoutSeconds(timeBudgetMs: number, functionTimeoutSeconds = 0): number {
  const fromBudget = Math.ceil(timeBudgetMs / 1000) * 2 + 4;
  const fromFunction = functionTimeoutSeconds + 1;
  return Math.min(MAX_TIMEOUT_SECONDS, Math.max(MIN_TIMEOUT_SECONDS, fromBudget, fromFunction));
}

/** `https://x.lambda-url.eu-west-1.on.aws/` + token → `https://x.lambda-url.eu-west-1.on.aws/mutate/<token>`. */
export function webhookUrl(endpoint: string, token: string): string {
  const url = new URL(endpoint);
  if (url.protocol !== 'https:') throw new Error('the webhook endpoint must be an https:// URL');
  if (!/^[A-Za-z0-9._~-]{16,256}$/.test(token)) throw new Error('the webhook token must be 16 to 256 URL-safe characters');
  url.pathname = `${collapseSlashes(url.pathname).replace(/\/$/, '')}/mutate/${token}`;
  return url.toString();
}

/** `//a//b/` → `/a/b/`: no empty path segment ever reaches the webhook URL. */
export function collapseSlashes(path: string): string {
  return path.replace(/\/{2,}/g, '/');
}

/** The URL with its token replaced, for anything printed or logged. */
export function redactWebhookUrl(url: string): string {
  return url.replace(/\/mutate\/[^/?#]+/, '/mutate/<token>');
}

export function renderWebhookConfiguration(url: string, timeoutSeconds: number): KubeObject {
  const notSkipped = { key: SKIP_LABEL, operator: 'NotIn', values: ['true'] };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIGURATION_NAME, labels: { 'app.kubernetes.io/name': 'archy' } },
    webhooks: [
      {
        name: WEBHOOK_NAME,
        clientConfig: { url },
        // Archy fails open: pod creation never waits on it or breaks because of it.
        failurePolicy: 'Ignore',
        // It records Kubernetes Events, but never for a dry-run request.
        sideEffects: 'NoneOnDryRun',
        timeoutSeconds,
        // Another webhook may add containers after Archy: run again to cover their images.
        reinvocationPolicy: 'IfNeeded',
        admissionReviewVersions: ['v1'],
        matchPolicy: 'Equivalent',
        rules: [
          { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
          // `kubectl debug` adds an ephemeral container to a running pod: never patched, but the user
          // is warned when its image cannot run on the pod's architecture.
          { operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
          // DaemonSet pods are placed by their controller: the rule goes into the DaemonSet's pod
          // template. An UPDATE that changes nothing placement depends on gets no patch (no rollout).
          { operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['daemonsets'], scope: 'Namespaced' },
        ],
        namespaceSelector: {
          matchExpressions: [
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
            notSkipped,
          ],
        },
        objectSelector: { matchExpressions: [notSkipped] },
      },
    ],
  };
}

export interface RenderInput {
  /** The full webhook URL including `/mutate/<token>` (or URL_PLACEHOLDER). */
  url: string;
  timeBudgetMs: number;
  functionTimeoutSeconds?: number;
  /** The objects of infra/kubernetes/rbac.yaml. */
  rbac: KubeObject[];
}

/** Everything registration applies, in apply order: RBAC first so the webhook can work at once. */
export function renderManifests(input: RenderInput): KubeObject[] {
  const timeoutSeconds = webhookTimeoutSeconds(input.timeBudgetMs, input.functionTimeoutSeconds);
  return [...input.rbac, renderWebhookConfiguration(input.url, timeoutSeconds)];
}

export function toYaml(objects: KubeObject[]): string {
  return objects.map((object) => stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
