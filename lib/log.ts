// Structured JSON logs (pino). Secrets never reach here: callers log identities, never values;
// the censoring below is a second line of defence for fields that might carry one.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** Members censored one level below the top of a log line (`{ headers: { authorization } }`). */
const SECRET_KEYS = ['password', 'auth', 'token', 'identitytoken', 'authorization', 'Authorization'];
const CENSOR = '[redacted]';

/**
 * The logger for one request: its children (the router makes one per admission, for its uid)
 * carry `requestId` too. Not a child of its own: a child of a child made pino's logging of an
 * admission several times slower (docs/BENCHMARKS.md, the local server); this way each admission
 * has one child with both. Lines logged on it directly carry no request id.
 */
export function forRequest(logger: Logger, requestId: string | undefined): Logger {
  if (requestId === undefined) return logger;
  const scoped = Object.create(logger) as Logger;
  scoped.child = ((bindings, options) => logger.child({ requestId, ...bindings }, options)) as Logger['child'];
  return scoped;
}

// pino's isoTime, made once per millisecond: under load many lines share one.
let lastMs = -1;
let lastTime = '';
function isoTime(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: 'archy' },
      timestamp: isoTime,
      // Not pino's `redact` with `*.key` paths: that clones every value of every line and was a
      // third of an admission's CPU time (docs/BENCHMARKS.md). This censors the same members and
      // copies only a value that holds one.
      formatters: { level: (label) => ({ level: label }), log: censorSecrets },
    },
    destination,
  );
  // pino applies no formatter to a child's bindings; every child inherits this method from the root.
  const child = logger.child;
  logger.child = function censoredChild(this: Logger, bindings, options) {
    return child.call(this, censorSecrets(bindings), options);
  } as Logger['child'];
  return logger;
}

/** `object` itself, or a copy in which every `*.<secret key>` member reads `[redacted]`. */
export function censorSecrets(object: Record<string, unknown>): Record<string, unknown> {
  let result = object;
  for (const key of Object.keys(object)) {
    const value = object[key];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const found = SECRET_KEYS.filter((name) => Object.hasOwn(value, name));
    if (found.length === 0) continue;
    // Keeps the prototype and the non-enumerable members (an Error's message and stack).
    const copy = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>;
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(value))) {
      const secret = found.includes(name);
      Object.defineProperty(copy, name, {
        value: secret ? CENSOR : (value as Record<string, unknown>)[name],
        enumerable: secret || descriptor.enumerable === true,
        writable: true,
        configurable: true,
      });
    }
    if (result === object) result = { ...object };
    result[key] = copy;
  }
  return result;
}

/**
 * Where the function's log lines and EMF metrics go (stdout), fewer writes than lines: a write is
 * a system call, and an admission writes a log line and its metrics. `invocation` (Lambda): lines
 * are kept until flush(), called once an invocation has its answer, since Lambda may freeze the
 * process after it; a warning or an error is written at once, with what was kept before it.
 * `batched` (the local server): kept lines are written once per turn of the event loop, so many
 * concurrent admissions share a write. Either way nothing waits for more than one admission.
 */
export interface OutputSink {
  write(text: string): void;
  /** An invocation has its answer: in `invocation` mode, what is kept is written now. */
  invocationDone(): void;
  /** Writes what is kept now. */
  flush(): void;
}

/** Kept text beyond this is written at once, whatever the mode. */
const MAX_KEPT_CHARS = 64 * 1024;
const URGENT = /^\{"level":"(warn|error|fatal)"/;

export function createOutputSink(mode: 'invocation' | 'batched', out: (text: string) => void = (text) => void process.stdout.write(text)): OutputSink {
  let kept = '';
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (kept === '') return;
    const text = kept;
    kept = '';
    out(text);
  };
  process.once('exit', flush);
  return {
    write(text) {
      kept += text;
      if (kept.length >= MAX_KEPT_CHARS || URGENT.test(text)) flush();
      else if (mode === 'batched' && !scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    invocationDone() {
      if (mode === 'invocation') flush();
    },
    flush,
  };
}
