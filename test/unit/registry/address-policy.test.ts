import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, connectionAllowance, hostName } from '../../../lib/registry/address-policy.ts';

describe('classifyAddress', () => {
  const cases: Array<[string, string]> = [
    ['8.8.8.8', 'public'],
    ['52.94.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-nat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fd00::1', 'private'],
    ['fc00::', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2600:1f18::1', 'public'],
    ['fd00:ec2::254', 'private'],
    ['not-an-ip', 'invalid'],
  ];
  for (const [address, expected] of cases) test(`${address} is ${expected}`, () => assert.equal(classifyAddress(address), expected));
});

describe('connectionAllowance', () => {
  const lists = { insecureRegistries: ['127.0.0.1:5000', 'plain.example'], privateRegistries: ['registry.internal:443', 'intra.example'] };
  test('an insecure registry may use plain HTTP and internal addresses', () => {
    assert.deepEqual(connectionAllowance('127.0.0.1:5000', '127.0.0.1:5000', lists), { plainHttp: true, internalAddresses: true });
  });
  test('its token service on another port of the same host inherits the allowance', () => {
    assert.deepEqual(connectionAllowance('127.0.0.1:6000', '127.0.0.1:5000', lists), { plainHttp: true, internalAddresses: true });
  });
  test('a private registry may use internal addresses over HTTPS only', () => {
    assert.deepEqual(connectionAllowance('intra.example', 'intra.example', lists), { plainHttp: false, internalAddresses: true });
  });
  test('an unlisted host, even reached from a listed registry (a blob redirect), gets nothing', () => {
    assert.deepEqual(connectionAllowance('storage.example', 'intra.example', lists), { plainHttp: false, internalAddresses: false });
    assert.deepEqual(connectionAllowance('127.0.0.1:5001', 'ghcr.io', lists), { plainHttp: false, internalAddresses: false });
  });
  test('a host listed without a port matches only the default port', () => {
    assert.equal(connectionAllowance('plain.example', 'plain.example', lists).plainHttp, true);
    assert.equal(connectionAllowance('plain.example:8080', 'other.example', lists).plainHttp, false);
  });
  test('hostName strips the port, IPv6 literals included', () => {
    assert.equal(hostName('[::1]:5000'), '[::1]');
    assert.equal(hostName('a.b:1'), 'a.b');
    assert.equal(hostName('a.b'), 'a.b');
  });
});
