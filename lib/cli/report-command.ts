// `archy report`: which workloads can run on arm64 today, which images hold the rest back, how
// much requested vCPU could move and what that might save; as a table, JSON or an HTML page.
import { parseReportArgs, type ReportOptions } from './args.ts';
import { InputError } from './input/input-error.ts';
import { loadWorkloads } from './input/load.ts';
import { EXIT, type CliIo } from './io.ts';
import { renderHtml } from './render/html.ts';
import { terminalSafe } from './render/format.ts';
import { renderTable } from './render/table.ts';
import { buildReport } from './report/build.ts';
import type { ReportDocument } from './report/document.ts';
import { cliConfig, resolveWorkloadImages } from './resolution/run.ts';
import { REPORT_USAGE } from './usage.ts';

export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const options = parseReportArgs(argv);
  if (options.help) {
    io.stdout(`${REPORT_USAGE}\n`);
    return EXIT.ok;
  }
  const config = cliConfig(io);
  const loaded = await loadWorkloads(options, io);
  const answers = await resolveWorkloadImages(loaded, config, options.timeoutMs, io);
  const report = buildReport(loaded.workloads, answers, { input: loaded.input, pricing: options.pricing, warnings: loaded.notes });
  for (const warning of report.warnings) io.stderr(`warning: ${terminalSafe(warning)}\n`);
  await write(render(report, options), options, io);
  return EXIT.ok;
}

function render(report: ReportDocument, options: ReportOptions): string {
  if (options.output === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (options.output === 'html') return renderHtml(report);
  return renderTable(report);
}

async function write(text: string, options: ReportOptions, io: CliIo): Promise<void> {
  if (options.out === undefined) {
    io.stdout(text);
    return;
  }
  try {
    await io.writeFile(options.out, text);
  } catch (error) {
    throw new InputError(`cannot write ${options.out}: ${error instanceof Error ? error.message : String(error)}`);
  }
  io.stderr(`wrote ${options.out}\n`);
}
