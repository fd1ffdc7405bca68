// The progress bar: drawn on a terminal only, redrawn at most ten times a second, cleared at the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressBar } from '../../../lib/cli/progress.ts';

test('not a terminal: nothing is written', () => {
  const written: string[] = [];
  const bar = progressBar((text) => written.push(text), false, 'resolving');
  bar.update(1, 2);
  bar.finish();
  assert.deepEqual(written, []);
});

test('a terminal: redraws are throttled, the last one always shows, and finish clears the line', () => {
  const written: string[] = [];
  let now = 0;
  const bar = progressBar((text) => written.push(text), true, 'resolving', () => now);
  bar.update(0, 4);
  now = 50;
  bar.update(1, 4);
  now = 200;
  bar.update(2, 4);
  now = 210;
  bar.update(4, 4);
  bar.finish();
  assert.deepEqual(written.map((line) => line.replace('\r\x1b[K', '')), [
    'resolving [............................] 0/4',
    'resolving [##############..............] 2/4',
    'resolving [############################] 4/4',
    '',
  ]);
});
