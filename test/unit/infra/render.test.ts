import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import {
  URL_PLACEHOLDER,
  redactWebhookUrl,
  renderManifests,
  renderWebhookConfiguration,
  toYaml,
  webhookTimeoutSeconds,
  webhookUrl,
  type KubeObject,
} from '../../../infra/render.ts';

const TOKEN = 'k3J9aQ2xLmN8pR4tV6wY0zB1cD5eF7gH';
const URL = `https://abc123.lambda-url.eu-west-1.on.aws/mutate/${TOKEN}`;
const RBAC: KubeObject[] = [
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'archy' }, rules: [] },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'archy' } },
];

interface Webhook {
  name: string;
  clientConfig: { url: string };
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  reinvocationPolicy: string;
  admissionReviewVersions: string[];
  rules: { operations: string[]; apiGroups: string[]; apiVersions: string[]; resources: string[] }[];
  namespaceSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
  objectSelector: { matchExpressions: { key: string; operator: string; values: string[] }[] };
}

function onlyWebhook(object: KubeObject): Webhook {
  const webhooks = object.webhooks as Webhook[];
  assert.equal(webhooks.length, 1);
  return webhooks[0] as Webhook;
}

describe('webhook configuration', () => {
  const configuration = renderWebhookConfiguration(URL, 10);
  const webhook = onlyWebhook(configuration);

  test('is named archy / pods.archy.io and calls the URL with the token path', () => {
    assert.equal(configuration.kind, 'MutatingWebhookConfiguration');
    assert.equal(configuration.apiVersion, 'admissionregistration.k8s.io/v1');
    assert.equal(configuration.metadata.name, 'archy');
    assert.equal(webhook.name, 'pods.archy.io');
    assert.deepEqual(webhook.clientConfig, { url: URL }, 'a URL, no caBundle: the Function URL has a public certificate');
  });

  test('fails open, has no side effects on dry run, is reinvoked and speaks admission v1 only', () => {
    assert.equal(webhook.failurePolicy, 'Ignore', 'an Archy outage must never block pod creation');
    assert.equal(webhook.sideEffects, 'NoneOnDryRun', 'it records Events, but not for dry-run requests, which may still call it');
    assert.equal(webhook.reinvocationPolicy, 'IfNeeded', 'containers added by later webhooks are covered');
    assert.deepEqual(webhook.admissionReviewVersions, ['v1']);
    assert.equal(webhook.timeoutSeconds, 10);
  });

  test('intercepts pod CREATE, ephemeral containers added later (no other pod UPDATE), and DaemonSet CREATE and UPDATE', () => {
    assert.deepEqual(webhook.rules, [
      { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
      { operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
      { operations: ['CREATE', 'UPDATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['daemonsets'], scope: 'Namespaced' },
    ]);
  });

  test('DaemonSets in kube-system, or labelled archy.io/skip=true, are left out by the same selectors as pods', () => {
    const kubeSystem = webhook.namespaceSelector.matchExpressions.find((expression) => expression.key === 'kubernetes.io/metadata.name');
    assert.deepEqual(kubeSystem?.values, ['kube-system']);
    assert.ok(webhook.objectSelector.matchExpressions.some((expression) => expression.key === 'archy.io/skip' && expression.operator === 'NotIn'));
  });

  test('leaves out kube-system, namespaces and pods labelled archy.io/skip=true', () => {
    assert.deepEqual(webhook.namespaceSelector.matchExpressions, [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
      { key: 'archy.io/skip', operator: 'NotIn', values: ['true'] },
    ]);
    assert.deepEqual(webhook.objectSelector.matchExpressions, [{ key: 'archy.io/skip', operator: 'NotIn', values: ['true'] }]);
  });
});

describe('timeouts', () => {
  test('the default budget of 3000 ms gives the Kubernetes default of 10 s', () => {
    assert.equal(webhookTimeoutSeconds(3000), 10);
    assert.equal(webhookTimeoutSeconds(3000, 6), 10);
  });

  test('always above the budget and the function timeout, never above the API server limit of 30 s', () => {
    for (const budgetMs of [100, 1000, 3000, 5000, 8000, 12_000, 29_000]) {
      for (const functionTimeout of [1, 6, 15, 29]) {
        const seconds = webhookTimeoutSeconds(budgetMs, functionTimeout);
        assert.ok(seconds <= 30, `${budgetMs}/${functionTimeout}: ${seconds}`);
        if (functionTimeout < 30) assert.ok(seconds > functionTimeout, `${budgetMs}/${functionTimeout}: ${seconds}`);
        assert.ok(seconds * 1000 > budgetMs, `${budgetMs}: ${seconds}`);
      }
    }
  });
});

describe('webhook URL', () => {
  test('appends /mutate/<token> to the endpoint with or without a trailing slash', () => {
    assert.equal(webhookUrl('https://abc123.lambda-url.eu-west-1.on.aws/', TOKEN), URL);
    assert.equal(webhookUrl('https://abc123.lambda-url.eu-west-1.on.aws', TOKEN), URL);
    assert.equal(webhookUrl('https://abc123.lambda-url.eu-west-1.on.aws//', TOKEN), URL, 'no double slash');
    assert.equal(webhookUrl('https://api.example.com//archy//', TOKEN), `https://api.example.com/archy/mutate/${TOKEN}`);
  });

  test('refuses plain HTTP endpoints and tokens that are short or not URL-safe', () => {
    assert.throws(() => webhookUrl('http://abc.example/', TOKEN), /https/);
    assert.throws(() => webhookUrl('https://abc.example/', 'short'), /token/);
    assert.throws(() => webhookUrl('https://abc.example/', `${TOKEN}/../x`), /token/);
  });

  test('redaction removes the token and keeps the rest', () => {
    const redacted = redactWebhookUrl(URL);
    assert.equal(redacted, 'https://abc123.lambda-url.eu-west-1.on.aws/mutate/<token>');
    assert.ok(!redacted.includes(TOKEN));
  });
});

describe('manifests', () => {
  test('RBAC first, then the webhook, so the webhook never runs without its permissions', () => {
    const objects = renderManifests({ url: URL, timeBudgetMs: 3000, rbac: RBAC });
    assert.deepEqual(objects.map((object) => object.kind), ['ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration']);
  });

  test('YAML round-trips and has no anchors (kubectl and GitOps tools read it literally)', () => {
    const objects = renderManifests({ url: URL, timeBudgetMs: 3000, rbac: RBAC });
    const text = toYaml(objects);
    assert.ok(!/[&*]a\d/.test(text));
    assert.deepEqual(parseAllDocuments(text).map((document) => document.toJS() as unknown), objects);
  });

  test('infra/kubernetes/webhook.yaml is the rendered configuration with the URL as the only blank', () => {
    const file = parse(readFileSync(new globalThis.URL('../../../infra/kubernetes/webhook.yaml', import.meta.url), 'utf8')) as KubeObject;
    assert.deepEqual(file, renderWebhookConfiguration(URL_PLACEHOLDER, webhookTimeoutSeconds(3000, 6)));
  });
});
