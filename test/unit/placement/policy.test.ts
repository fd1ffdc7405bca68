import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../lib/config.ts';
import { placementPolicy } from '../../../lib/placement/index.ts';

describe('the preferred architecture', () => {
  test('ARCHY_PREFERRED_ARCH wins over the cluster', () => {
    assert.equal(placementPolicy(loadConfig({ ARCHY_PREFERRED_ARCH: 'arm64' }), { mostCommonArch: 'amd64' }).preferredArch, 'arm64');
  });
  test('else the most common node architecture', () => {
    assert.equal(placementPolicy(loadConfig({}), { mostCommonArch: 'arm64' }).preferredArch, 'arm64');
  });
  test('else ARCHY_DEFAULT_ARCH', () => {
    assert.equal(placementPolicy(loadConfig({ ARCHY_DEFAULT_ARCH: 'arm64' })).preferredArch, 'arm64');
    assert.equal(placementPolicy(loadConfig({}), {}).preferredArch, 'amd64');
  });
  test('the cluster architectures are passed on only when known', () => {
    assert.deepEqual(placementPolicy(loadConfig({}), { architectures: ['amd64', 'arm64'] }).clusterArchitectures, ['amd64', 'arm64']);
    assert.equal(placementPolicy(loadConfig({}), { architectures: [] }).clusterArchitectures, undefined);
  });
});
