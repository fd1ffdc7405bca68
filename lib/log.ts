// Structured JSON logs (pino). Secrets never reach here: callers log identities, never values;
// the censoring below is a second line of defence for fields that might carry one.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

/** Members censored one level below the top of a log line (`{ headers: { authorization } }`). */
const SECRET_KEYS = ['password', 'auth', 'token', 'identitytoken', 'authorization', 'Authorization'];
const CENSOR = '[redacted]';

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const logger = pino(
    {
      level,
      base: { service: 'archy' },
      timestamp: pino.stdTimeFunctions.isoTime,
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
