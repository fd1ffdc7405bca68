import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress, connectionAllowance, hostName, isListed } from '../../../lib/registry/address-policy.ts';

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
  const lists = { insecureRegistries: ['127.0.0.1:5000', 'plain.example'], privateRegistries: ['registry.internal:443', 'intra.example', '[fd00::1]:5000'] };
  const allowance = (url: string): ReturnType<typeof connectionAllowance> => connectionAllowance(new URL(url), lists);
  const nothing = { plainHttp: false, internalAddresses: false };

  test('an insecure listing with a port: plain HTTP and internal addresses on that port', () => {
    assert.deepEqual(allowance('http://127.0.0.1:5000/v2/'), { plainHttp: true, internalAddresses: true });
  });
  test('...and on no other port of the host (a token realm or a redirect the registry names)', () => {
    assert.deepEqual(allowance('http://127.0.0.1:6000/token'), nothing);
    assert.deepEqual(allowance('https://127.0.0.1/v2/'), nothing);
    assert.deepEqual(allowance('http://127.0.0.1/'), nothing);
  });
  test('a listing without a port allows the host on any port', () => {
    assert.deepEqual(allowance('http://plain.example/v2/'), { plainHttp: true, internalAddresses: true });
    assert.deepEqual(allowance('http://plain.example:8080/token'), { plainHttp: true, internalAddresses: true });
    assert.deepEqual(allowance('https://intra.example:8443/v2/'), { plainHttp: false, internalAddresses: true });
  });
  test('a private listing allows internal addresses over HTTPS only', () => {
    assert.deepEqual(allowance('https://intra.example/v2/'), { plainHttp: false, internalAddresses: true });
    assert.deepEqual(allowance('http://intra.example/v2/').plainHttp, false);
  });
  test('a listed port matches the scheme\'s default port when the URL has none', () => {
    assert.deepEqual(allowance('https://registry.internal/v2/'), { plainHttp: false, internalAddresses: true });
    assert.deepEqual(allowance('https://registry.internal:8443/v2/'), nothing);
    assert.deepEqual(allowance('http://registry.internal/v2/'), nothing);
  });
  test('IPv6 literals and case', () => {
    assert.equal(allowance('https://[fd00::1]:5000/v2/').internalAddresses, true);
    assert.equal(allowance('https://[fd00::1]:5001/v2/').internalAddresses, false);
    assert.equal(allowance('HTTP://PLAIN.Example:1/').plainHttp, true);
  });
  test('an unlisted host gets nothing', () => {
    assert.deepEqual(allowance('https://storage.example/blob'), nothing);
    assert.deepEqual(allowance('http://plain.example.evil/'), nothing);
  });
  test('isListed decides which scheme a registry is reached with', () => {
    assert.equal(isListed('http://127.0.0.1:5000', lists.insecureRegistries), true);
    assert.equal(isListed('http://127.0.0.1:5001', lists.insecureRegistries), false);
    assert.equal(isListed('not a url', lists.insecureRegistries), false);
  });
  test('hostName strips the port, IPv6 literals included', () => {
    assert.equal(hostName('[::1]:5000'), '[::1]');
    assert.equal(hostName('a.b:1'), 'a.b');
    assert.equal(hostName('a.b'), 'a.b');
  });
});
