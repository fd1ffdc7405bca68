// What registration applies for Kubernetes access: reads enough for the cluster view, and the one
// write, Events.
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

test('the rendered ClusterRole reads (get, list and watch) and creates nothing but Events, on named resources', () => {
  assert.ok(rules.length > 0);
  for (const rule of rules) {
    const writes = rule.verbs.filter((verb) => !['get', 'list', 'watch'].includes(verb));
    if (writes.length > 0) assert.deepEqual({ ...rule, verbs: writes }, { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create'] }, JSON.stringify(rule));
    assert.ok(!rule.resources.includes('*') && !rule.apiGroups.includes('*'), JSON.stringify(rule));
  }
});

test('it lets Events be recorded: create events.k8s.io events, and get the ReplicaSet that names the Deployment', () => {
  assert.deepEqual(verbsFor('events.k8s.io', 'events'), ['create']);
  assert.deepEqual(verbsFor('apps', 'replicasets'), ['get']);
  assert.deepEqual(verbsFor('', 'events'), [], 'not the core group: Archy writes events.k8s.io/v1');
});

test('it lets the cluster view list and watch Karpenter NodePools and EC2NodeClasses, and list nodes', () => {
  assert.deepEqual(verbsFor('karpenter.sh', 'nodepools'), ['list', 'watch']);
  assert.deepEqual(verbsFor('karpenter.k8s.aws', 'ec2nodeclasses'), ['list', 'watch']);
  assert.deepEqual(verbsFor('', 'nodes'), ['list']);
  assert.deepEqual(verbsFor('', 'secrets'), ['get']);
  assert.deepEqual(verbsFor('', 'serviceaccounts'), ['get']);
});

test("it lets a Namespace's defaults be read: get namespaces, nothing more on them", () => {
  assert.deepEqual(verbsFor('', 'namespaces'), ['get']);
});
