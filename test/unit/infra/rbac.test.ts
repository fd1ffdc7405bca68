// What registration applies for Kubernetes access: read-only, and enough for the cluster view.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRbac } from '../../../infra/register.ts';
import { renderManifests, URL_PLACEHOLDER } from '../../../infra/render.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const role = renderManifests({ url: URL_PLACEHOLDER, timeBudgetMs: 3000, rbac: readRbac() }).find((object) => object.kind === 'ClusterRole');
const rules = (role?.rules ?? []) as Rule[];
const verbsFor = (group: string, resource: string): string[] =>
  rules.filter((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource)).flatMap((rule) => rule.verbs).sort();

test('the rendered ClusterRole only reads: get, list and watch, on named resources', () => {
  assert.ok(rules.length > 0);
  for (const rule of rules) {
    assert.deepEqual(rule.verbs.filter((verb) => !['get', 'list', 'watch'].includes(verb)), [], JSON.stringify(rule));
    assert.ok(!rule.resources.includes('*') && !rule.apiGroups.includes('*'), JSON.stringify(rule));
  }
});

test('it lets the cluster view list and watch Karpenter NodePools and EC2NodeClasses, and list nodes', () => {
  assert.deepEqual(verbsFor('karpenter.sh', 'nodepools'), ['list', 'watch']);
  assert.deepEqual(verbsFor('karpenter.k8s.aws', 'ec2nodeclasses'), ['list', 'watch']);
  assert.deepEqual(verbsFor('', 'nodes'), ['list']);
  assert.deepEqual(verbsFor('', 'secrets'), ['get']);
  assert.deepEqual(verbsFor('', 'serviceaccounts'), ['get']);
});
