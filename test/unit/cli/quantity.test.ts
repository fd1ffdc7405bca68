// Kubernetes quantities as the API server reads them: suffixes, exponents, rounding up.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuMillicores, memoryBytes, QuantityError } from '../../../lib/cli/workloads/quantity.ts';

describe('CPU quantities, in millicores', () => {
  const cases: Array<[string | number, number]> = [
    ['1', 1000], ['250m', 250], ['0.5', 500], ['.5', 500], ['1.', 1000], [0.25, 250], [2, 2000],
    ['1.5k', 1_500_000], ['2e-3', 2], ['1e3', 1_000_000], ['1E3', 1_000_000], ['+3', 3000], ['0', 0],
    ['100000n', 1], ['1u', 1], ['1500u', 2], ['0.0001', 1], ['1Ki', 1_024_000],
  ];
  for (const [input, millis] of cases) {
    test(`${JSON.stringify(input)} is ${millis}m`, () => assert.equal(cpuMillicores(input), millis));
  }
});

describe('memory quantities, in bytes', () => {
  const cases: Array<[string | number, number]> = [
    ['128974848', 128_974_848], ['129e6', 129_000_000], ['129M', 129_000_000], ['123Mi', 128_974_848],
    ['1Gi', 2 ** 30], ['1.5Gi', 1.5 * 2 ** 30], ['64Ki', 65_536], ['1k', 1000], ['1G', 1e9], ['1Ti', 2 ** 40],
    ['500m', 1], [1e9, 1e9], ['0.5Ki', 512], ['1E', 1e18],
  ];
  for (const [input, bytes] of cases) {
    test(`${JSON.stringify(input)} is ${bytes} bytes`, () => assert.equal(memoryBytes(input), bytes));
  }
});

test('sums stay exact: 0.1 + 0.2 CPU is 300 millicores', () => {
  assert.equal(cpuMillicores('0.1') + cpuMillicores('0.2'), 300);
});

test('what the API server refuses is refused, with the value in the message', () => {
  for (const bad of ['', 'abc', '1.2.3', '1mi', '1KiB', '-1', '1e400', '1 Gi', 'Gi', '1e', '0x10', '∞']) {
    assert.throws(() => memoryBytes(bad), QuantityError, bad);
  }
  assert.throws(() => cpuMillicores('-500m'), /cannot be negative/);
  assert.throws(() => cpuMillicores('x'.repeat(100)), /too long/);
  assert.throws(() => cpuMillicores(Number.NaN), /finite/);
});
