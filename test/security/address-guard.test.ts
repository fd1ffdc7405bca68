// Image names come from users: registries on loopback, private, link-local and metadata addresses
// are refused unless configured, before any connection is made. On loopback a listening socket
// proves no connection arrives; anything outside 127.0.0.0/8 is proven with a connector that
// records every attempt and refuses it (no socket is ever opened there), and an injected lookup
// (no real DNS query).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../lib/app.ts';
import { NodeTransport, type ResolveHost } from '../../lib/registry/transport.ts';
import type { ReviewAnswer } from '../support/admission.ts';
import { admit, isolateFromKubeconfig, LogCapture, podWith } from '../reliability/support/review.ts';
import { closedPort, startSilentListener, type LoopbackServer } from '../reliability/support/servers.ts';
import { installRefusingConnector, type ConnectionAttempt } from './refusing-connector.ts';

const NAMES: Record<string, string[]> = {
  'loopback.archy-test.invalid': ['127.0.0.1'],
  'metadata.archy-test.invalid': ['169.254.169.254'],
  'db.archy-test.invalid': ['10.0.0.1'],
  'mixed.archy-test.invalid': ['203.0.113.10', '10.0.0.1'],
  'v6.archy-test.invalid': ['fd00::1'],
};

isolateFromKubeconfig();

let listener: LoopbackServer;
let connector: { attempts: ConnectionAttempt[]; restore(): void };
const looked: string[] = [];
const lookup: ResolveHost = async (hostname) => {
  looked.push(hostname);
  const addresses = NAMES[hostname];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

before(async () => {
  listener = await startSilentListener();
  connector = await installRefusingConnector(await closedPort());
});
after(async () => {
  connector.restore();
  await listener.close();
});

async function admitImage(image: string, env: Record<string, string> = {}): Promise<ReviewAnswer> {
  const transport = new NodeTransport({
    insecureRegistries: (env.ARCHY_INSECURE_REGISTRIES ?? '').split(',').filter(Boolean),
    privateRegistries: (env.ARCHY_PRIVATE_REGISTRIES ?? '').split(',').filter(Boolean),
    lookup,
  });
  try {
    const app = createApp({ env: { ARCHY_TIME_BUDGET_MS: '1000', ...env }, logDestination: new LogCapture(), registryTransport: transport });
    const result = await admit(app, podWith([image]));
    assert.equal(result.answer.response.allowed, true);
    return result.answer;
  } finally {
    transport.close();
  }
}

function refusal(answer: ReviewAnswer): string | undefined {
  return answer.response.warnings?.find((w) => /refusing to connect to/.test(w));
}

describe('loopback: no connection reaches a listening socket', () => {
  const cases = (port: number): Array<[string, string, RegExp]> => [
    ['an IPv4 loopback literal', `127.0.0.1:${port}/app:1`, /loopback address \(127\.0\.0\.1\)/],
    ['a name that resolves to loopback', `loopback.archy-test.invalid:${port}/app:1`, /loopback address \(127\.0\.0\.1\)/],
    ['0.0.0.0 (reaches loopback on Linux)', `0.0.0.0:${port}/app:1`, /unspecified address/],
  ];

  test('refused with a warning naming the address class; the listener sees nothing', async () => {
    for (const [name, image, reason] of cases(listener.port)) {
      const before = listener.connections;
      const answer = await admitImage(image);
      assert.match(refusal(answer) ?? '', reason, `${name}: ${JSON.stringify(answer.response.warnings)}`);
      assert.match(refusal(answer) ?? '', /ARCHY_PRIVATE_REGISTRIES/, 'the warning says how to allow it');
      assert.equal(listener.connections, before, `${name}: a connection arrived`);
    }
    assert.ok(looked.includes('loopback.archy-test.invalid'), 'the name went through the injected lookup');
    assert.equal(connector.attempts.length, 0, `connection attempts: ${JSON.stringify(connector.attempts)}`);
  });

  test('control: listed in ARCHY_PRIVATE_REGISTRIES, the connection does arrive', async () => {
    const host = `127.0.0.1:${listener.port}`;
    const before = listener.connections;
    const answer = await admitImage(`${host}/app:1`, { ARCHY_PRIVATE_REGISTRIES: host, ARCHY_TIME_BUDGET_MS: '300' });
    assert.equal(refusal(answer), undefined);
    assert.ok(listener.connections > before, 'the allowed registry was contacted');
    connector.attempts.length = 0;
  });
});

describe('outside loopback: refused before any connection attempt', () => {
  const refused: Array<[string, RegExp]> = [
    ['10.0.0.1/app:1', /private address \(10\.0\.0\.1\)/],
    ['169.254.169.254/latest:1', /link-local address \(169\.254\.169\.254\)/],
    ['[fd00::1]:5000/app:1', /private address \(fd00::1\)/],
    ['[fe80::1]/app:1', /link-local address \(fe80::1\)/],
    ['metadata.archy-test.invalid/app:1', /link-local address \(169\.254\.169\.254\)/],
    ['db.archy-test.invalid/app:1', /private address \(10\.0\.0\.1\)/],
    ['mixed.archy-test.invalid/app:1', /private address \(10\.0\.0\.1\)/],
    ['v6.archy-test.invalid/app:1', /private address \(fd00::1\)/],
  ];

  for (const [image, reason] of refused) {
    test(`${image} is refused`, async () => {
      connector.attempts.length = 0;
      const answer = await admitImage(image);
      assert.match(refusal(answer) ?? '', reason, JSON.stringify(answer.response.warnings));
      assert.deepEqual(connector.attempts, [], 'no connection was attempted');
    });
  }

  test('control: a private registry that is allowed is attempted (and the connector refuses it)', async () => {
    connector.attempts.length = 0;
    const answer = await admitImage('10.0.0.1/app:1', { ARCHY_PRIVATE_REGISTRIES: '10.0.0.1', ARCHY_TIME_BUDGET_MS: '300' });
    assert.equal(refusal(answer), undefined);
    assert.ok(connector.attempts.some((a) => a.host === '10.0.0.1' && a.refused), JSON.stringify(connector.attempts));
    assert.ok(connector.attempts.every((a) => a.refused), 'nothing outside loopback got through');
  });

  test('an allowed name connects to the vetted address only (the lookup is pinned)', async () => {
    connector.attempts.length = 0;
    await admitImage('db.archy-test.invalid/app:1', { ARCHY_PRIVATE_REGISTRIES: 'db.archy-test.invalid', ARCHY_TIME_BUDGET_MS: '300' });
    assert.ok(connector.attempts.length >= 1);
    assert.ok(
      connector.attempts.every((a) => a.refused && a.host === 'db.archy-test.invalid' && a.address === '10.0.0.1'),
      JSON.stringify(connector.attempts),
    );
  });
});
