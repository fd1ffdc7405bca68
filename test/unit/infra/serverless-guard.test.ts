import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ArchyGuard, { type ServerlessLike } from '../../../infra/serverless-guard.ts';

/** osls's error class: it prints these as a plain message. */
class ServerlessError extends Error {}

function initialize(commands: string[], options: { stage?: string }, providerStage?: string): void {
  const serverless: ServerlessLike = {
    service: { provider: { stage: providerStage } },
    processedInput: { commands },
    classes: { Error: ServerlessError },
  };
  new ArchyGuard(serverless, options).hooks.initialize?.();
}

describe('serverless guard: the local stage', () => {
  for (const commands of [['deploy'], ['deploy', 'function'], ['package']]) {
    test(`sls ${commands.join(' ')} --stage local is refused with the reason`, () => {
      assert.throws(() => initialize(commands, { stage: 'local' }), (error: Error) => {
        assert.ok(error instanceof ServerlessError, 'osls error class, printed without a stack');
        assert.match(error.message, new RegExp(`^${commands[0]} refused: .*plain HTTP.*--stage prod`));
        return true;
      });
    });
  }

  test('the stage resolved from serverless.yml counts as much as --stage', () => {
    assert.throws(() => initialize(['deploy'], {}, 'local'), /deploy refused/);
  });

  test('sls invoke local --stage local, and deploys of other stages, go ahead', () => {
    assert.doesNotThrow(() => initialize(['invoke', 'local'], { stage: 'local' }));
    assert.doesNotThrow(() => initialize(['print'], { stage: 'local' }));
    assert.doesNotThrow(() => initialize(['deploy'], { stage: 'prod' }));
    assert.doesNotThrow(() => initialize(['package'], {}, 'dev'));
  });
});

describe('serverless guard: sls invoke local runs without the stack', () => {
  function service(commands: string[]) {
    const notices: string[] = [];
    const serverless: ServerlessLike = {
      service: {
        provider: { stage: 'dev', environment: { ARCHY_LOG_LEVEL: 'info', ARCHY_WEBHOOK_TOKEN_SECRET_ARN: { Ref: 'WebhookTokenSecret' } } },
        functions: { webhook: { environment: { EXTRA: { 'Fn::GetAtt': ['Table', 'Arn'] }, PLAIN: 'kept' } }, bare: {} },
      },
      processedInput: { commands },
      classes: { Error: ServerlessError },
    };
    new ArchyGuard(serverless, {}, { log: { notice: (message) => notices.push(message) } }).hooks.initialize?.();
    return { serverless, notices };
  }

  test('values CloudFormation computes are left out of the environment, and it says which', () => {
    const { serverless, notices } = service(['invoke', 'local']);
    assert.deepEqual(serverless.service.provider.environment, { ARCHY_LOG_LEVEL: 'info' });
    assert.deepEqual(serverless.service.functions?.webhook?.environment, { PLAIN: 'kept' });
    assert.deepEqual(notices, ['invoke local: ARCHY_WEBHOOK_TOKEN_SECRET_ARN, EXTRA left out (set by CloudFormation in a deployed stack)']);
  });

  test('every other command keeps them: package and deploy write the Ref into the template', () => {
    for (const commands of [['package'], ['deploy'], ['deploy', 'function'], ['invoke'], ['print']]) {
      const { serverless, notices } = service(commands);
      assert.deepEqual(serverless.service.provider.environment?.ARCHY_WEBHOOK_TOKEN_SECRET_ARN, { Ref: 'WebhookTokenSecret' }, commands.join(' '));
      assert.deepEqual(notices, []);
    }
  });
});
