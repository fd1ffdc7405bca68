import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../lib/config.ts';
import { placementPolicy } from '../../../lib/placement/index.ts';

describe('placementPolicy', () => {
  test('ARCHY_PREFERRED_ARCH is carried as set; unset, placement chooses from the cluster view', () => {
    assert.equal(placementPolicy(loadConfig({ ARCHY_PREFERRED_ARCH: 'arm64' })).preferredArch, 'arm64');
    assert.equal(placementPolicy(loadConfig({})).preferredArch, undefined);
  });
  test('the cluster view is passed on only when known', () => {
    const view = { nodes: { amd64: 2 }, nodePools: [] };
    assert.deepEqual(placementPolicy(loadConfig({}), view).cluster, view);
    assert.equal('cluster' in placementPolicy(loadConfig({})), false);
  });
});
