// `archy check`: a gate for CI and GitOps. Exit status 1 and one line per failing workload when a
// workload's images share no architecture (or none of --arch); 0 otherwise; 2 for bad input.
import { parseCheckArgs, type CheckOptions } from './args.ts';
import { checkWorkload, type CheckVerdict } from './check/verdict.ts';
import { loadWorkloads } from './input/load.ts';
import { EXIT, type CliIo } from './io.ts';
import { terminalSafe } from './render/format.ts';
import { cliConfig, resolveWorkloadImages } from './resolution/run.ts';
import { CHECK_USAGE } from './usage.ts';
import { workloadName } from './workloads/workload.ts';

export async function checkCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseCheckArgs(argv);
  if (options.help) {
    io.stdout(`${CHECK_USAGE}\n`);
    return EXIT.ok;
  }
  const config = cliConfig(io);
  const loaded = await loadWorkloads(options, io);
  for (const note of loaded.notes) io.stderr(`warning: ${terminalSafe(note)}\n`);
  const answers = await resolveWorkloadImages(loaded, config, options.timeoutMs, io);
  const verdicts = loaded.workloads.map((workload) => checkWorkload(workload, answers, options.arch));
  const failed = verdicts.filter((verdict) => verdict.ok === false || (options.strict && verdict.ok === null));
  if (options.output === 'json') io.stdout(`${JSON.stringify(checkDocument(verdicts, failed, options), null, 2)}\n`);
  else printText(verdicts, options, io);
  return failed.length > 0 ? EXIT.failed : EXIT.ok;
}

function printText(verdicts: CheckVerdict[], options: CheckOptions, io: CliIo): void {
  for (const verdict of verdicts) {
    const where = `${workloadName(verdict.workload)} (${verdict.workload.source})`;
    if (verdict.ok === false) io.stdout(`${terminalSafe(`${where}: ${verdict.problem ?? 'fails'}`)}\n`);
    if (verdict.ok !== null) continue;
    const unchecked = verdict.images.filter((image) => image.error !== undefined).map((image) => `${image.image} (${image.error ?? ''})`);
    const line = `${where}: could not check ${unchecked.join('; ')}`;
    if (options.strict) io.stdout(`${terminalSafe(line)}\n`);
    else io.stderr(`warning: ${terminalSafe(line)}\n`);
  }
  const count = (ok: boolean | null): number => verdicts.filter((verdict) => verdict.ok === ok).length;
  const against = options.arch === undefined ? '' : ` against ${options.arch.join(', ')}`;
  io.stderr(`archy check: ${verdicts.length} workload${verdicts.length === 1 ? '' : 's'}${against}: ${count(true)} pass, ${count(false)} fail, ${count(null)} unchecked\n`);
}

function checkDocument(verdicts: CheckVerdict[], failed: CheckVerdict[], options: CheckOptions): unknown {
  return {
    ok: failed.length === 0,
    arch: options.arch ?? null,
    strict: options.strict,
    summary: {
      workloads: verdicts.length,
      passed: verdicts.filter((verdict) => verdict.ok === true).length,
      failed: verdicts.filter((verdict) => verdict.ok === false).length,
      unchecked: verdicts.filter((verdict) => verdict.ok === null).length,
    },
    workloads: verdicts.map((verdict) => ({
      kind: verdict.workload.kind,
      namespace: verdict.workload.namespace,
      name: verdict.workload.name,
      source: verdict.workload.source,
      ok: verdict.ok,
      architectures: verdict.architectures,
      ...(verdict.problem === undefined ? {} : { problem: verdict.problem }),
      images: verdict.images,
    })),
  };
}
