// `npx archy <command>`: dispatch, and the exit statuses every command shares. A usage mistake,
// invalid ARCHY_* configuration or bad input (unreadable file, not Kubernetes objects, no cluster
// access) is reported in one plain message with exit status 2.
import { ConfigError } from '../config.ts';
import { UsageError } from './args.ts';
import { checkCommand } from './check-command.ts';
import { InputError } from './input/input-error.ts';
import { EXIT, processIo, type CliIo } from './io.ts';
import { terminalSafe } from './render/format.ts';
import { reportCommand } from './report-command.ts';
import { resolveCommand } from './resolve-command.ts';
import { USAGE } from './usage.ts';

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  report: reportCommand,
  check: checkCommand,
  resolve: resolveCommand,
};

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command = '', ...rest] = argv;
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (run === undefined) {
    const help = command === '--help' || command === '-h' || command === 'help';
    (help ? io.stdout : io.stderr)(`${USAGE}\n`);
    return help ? EXIT.ok : EXIT.badInput;
  }
  try {
    return await run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`archy ${command}: ${error.message}\nRun archy ${command} --help for the options.\n`);
      return EXIT.badInput;
    }
    if (error instanceof ConfigError || error instanceof InputError) {
      io.stderr(`archy ${command}: ${error.message.split('\n').map(terminalSafe).join('\n')}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}
