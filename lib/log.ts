// Structured JSON logs (pino). Secrets never reach here: callers log identities, never values;
// the redact list below is a second line of defence for fields that might carry one.
import { pino, type Logger } from 'pino';
import type { LogLevel } from './config.ts';

export type { Logger };

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'archy' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['*.password', '*.auth', '*.token', '*.identitytoken', '*.authorization', '*.Authorization', 'headers.authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
