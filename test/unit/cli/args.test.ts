// Options of archy report and archy check: defaults, and usage errors that say what is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCheckArgs, parseReportArgs, UsageError } from '../../../lib/cli/args.ts';

test('report defaults: the cluster, all namespaces, a table, the documented prices', () => {
  const options = parseReportArgs([]);
  assert.deepEqual(options, {
    files: [], namespaces: [], context: undefined, timeoutMs: 20_000, help: false, output: 'table', out: undefined,
    pricing: { priceRatio: 0.8, vcpuHourPrice: 0.048 },
  });
});

test('report options, repeated -f and -n', () => {
  const options = parseReportArgs(['-f', 'a.yaml', '--filename', '-', '-n', 'shop', '-n', 'ops', '-o', 'html', '--out', 'r.html', '--price-ratio', '0.75', '--vcpu-hour-price', '0.0416', '--timeout', '5']);
  assert.deepEqual(options.files, ['a.yaml', '-']);
  assert.deepEqual(options.namespaces, ['shop', 'ops']);
  assert.equal(options.output, 'html');
  assert.equal(options.out, 'r.html');
  assert.deepEqual(options.pricing, { priceRatio: 0.75, vcpuHourPrice: 0.0416 });
  assert.equal(options.timeoutMs, 5000);
});

test('check: --arch in Kubernetes names, --strict, json output', () => {
  const options = parseCheckArgs(['-f', '-', '--arch', 'amd64, arm64,amd64', '--strict', '-o', 'json']);
  assert.deepEqual(options.arch, ['amd64', 'arm64']);
  assert.equal(options.strict, true);
  assert.equal(options.output, 'json');
  assert.equal(parseCheckArgs(['-f', 'x']).arch, undefined);
});

test('mistakes are usage errors naming the option and what it accepts', () => {
  const cases: Array<[() => unknown, RegExp]> = [
    [() => parseReportArgs(['-o', 'pdf']), /--output must be one of table, json, html \(got "pdf"\)/],
    [() => parseReportArgs(['--price-ratio', '0']), /--price-ratio must be a number above 0/],
    [() => parseReportArgs(['--vcpu-hour-price', 'cheap']), /--vcpu-hour-price must be a number/],
    [() => parseReportArgs(['--timeout=-1']), /--timeout must be a number above 0/],
    [() => parseReportArgs(['--bogus']), /Unknown option '--bogus'/],
    [() => parseReportArgs(['deploy.yaml']), /unexpected argument "deploy.yaml" \(manifests are read with -f PATH\)/],
    [() => parseReportArgs(['-f', '-', '-f', '-']), /stdin\) can be given once/],
    [() => parseReportArgs(['-f', 'a.yaml', '--context', 'prod']), /--context reads a cluster/],
    [() => parseCheckArgs(['--arch', 'x86_64']), /"x86_64" is not a Kubernetes architecture name; use "amd64"/],
    [() => parseCheckArgs(['--arch', 'ARM 64']), /not an architecture name/],
    [() => parseCheckArgs(['--arch', ',']), /--arch needs at least one architecture/],
    [() => parseCheckArgs(['-o', 'table']), /--output must be one of text, json/],
  ];
  for (const [parse, message] of cases) assert.throws(parse, (error: Error) => error instanceof UsageError && message.test(error.message), String(message));
});
