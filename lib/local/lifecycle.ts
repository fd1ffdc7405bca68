// Start several things, run until Ctrl-C (SIGINT), SIGTERM or SIGHUP, then stop them all, last
// started first, before exiting: no server or child process outlives the command. A signal during
// start-up lets the step under way finish (each is bounded), starts nothing more, and stops what
// started. A parent that goes away without a signal (`npm run`'s shell killed alone leaves its
// child to init) counts as one.

export class Lifecycle {
  readonly #stops: Array<{ name: string; stop: () => Promise<void> }> = [];
  #stopRequested = false;

  /** Registers how to stop something that has started. */
  started(name: string, stop: () => Promise<void>): void {
    this.#stops.push({ name, stop });
  }

  /** True once a signal arrived: start-up should start nothing more. */
  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  requestStop(): void {
    this.#stopRequested = true;
  }

  /** Stops everything started, last first; a stop that fails is reported and the others still run. */
  async stopAll(report: (line: string) => void): Promise<void> {
    this.#stopRequested = true;
    for (let item = this.#stops.pop(); item !== undefined; item = this.#stops.pop()) {
      try {
        await item.stop();
      } catch (error) {
        report(`stopping ${item.name}: ${(error as Error).message}`);
      }
    }
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
const PARENT_CHECK_MS = 1000;
const STOP_LIMIT_MS = 20_000;

export interface RunOptions {
  /** Prints a start-up failure (one line when the failure says all). */
  reportFailure: (error: unknown) => void;
  log: (line: string) => void;
  exit: (code: number) => never;
}

/** Runs `startup`, then waits for a signal; stops everything and exits 0, or 1 when start-up failed. */
export async function runUntilSignal(lifecycle: Lifecycle, startup: () => Promise<void>, options: RunOptions): Promise<never> {
  const parent = process.ppid;
  // One Ctrl-C arrives twice under `npm run` (from the terminal to the whole process group, and
  // forwarded by npm): repeats are ignored; each stop is bounded, and so is the whole.
  const signalled = new Promise<void>((resolve) => {
    const onSignal = (): void => {
      if (lifecycle.stopRequested) return;
      lifecycle.requestStop();
      setTimeout(() => {
        options.log(`still stopping after ${STOP_LIMIT_MS / 1000} s: exiting`);
        options.exit(1);
      }, STOP_LIMIT_MS).unref();
      resolve();
    };
    for (const signal of SIGNALS) process.on(signal, onSignal);
    const orphaned = setInterval(() => {
      if (process.ppid !== parent) onSignal();
    }, PARENT_CHECK_MS);
    orphaned.unref();
  });
  const started = startup().then(() => undefined, (error: unknown) => ({ error }));
  const first = await Promise.race([started, signalled.then(() => 'signal' as const)]);
  if (first !== 'signal' && first !== undefined) {
    // A Ctrl-C during start-up also reaches the children, whose start then fails: not a failure.
    const interrupted = lifecycle.stopRequested;
    if (!interrupted) options.reportFailure(first.error);
    await lifecycle.stopAll(options.log);
    return options.exit(interrupted ? 0 : 1);
  }
  await signalled;
  options.log('stopping…');
  await started;
  await lifecycle.stopAll(options.log);
  options.log('stopped');
  return options.exit(0);
}
