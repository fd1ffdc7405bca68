// What a command touches outside itself: environment, output streams, stdin and files. Tests pass
// their own; `processIo()` is the real process.
import { writeFile } from 'node:fs/promises';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout(text: string): void;
  stderr(text: string): void;
  /** All of stdin, as text. */
  readStdin(): Promise<string>;
  /** Progress is drawn only on a terminal. */
  stderrIsTTY: boolean;
  writeFile(path: string, text: string): Promise<void>;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    stderrIsTTY: process.stderr.isTTY === true,
    writeFile: (path, text) => writeFile(path, text, 'utf8'),
  };
}

/** Exit statuses shared by the commands. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
