// One line, instead of a stack trace, for a local server that cannot listen: what was refused and
// which variable picks something else.

export interface ListenTarget {
  /** What was starting, e.g. "the webhook". */
  what: string;
  host: string;
  port: number;
  /** The variable that picks the port. */
  portVariable: string;
  /** The variable that picks the address, when there is one. */
  hostVariable?: string;
}

/** The explanation for a listen error, or undefined when it is not one this knows. */
export function explainListenError(error: unknown, target: ListenTarget): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `${target.host}:${target.port}`;
  const otherPort = `set ${target.portVariable} to another port (0 picks a free one)`;
  switch (code) {
    case 'EADDRINUSE':
      return `${target.what} cannot listen on ${where}: port ${target.port} is already in use; ${otherPort}`;
    case 'EACCES':
      return `${target.what} cannot listen on ${where}: this user may not open port ${target.port}; ${otherPort}, e.g. one above 1023`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `${target.what} cannot listen on ${where}: ${target.host} is not an address of this machine`
        + (target.hostVariable ? `; set ${target.hostVariable} to one (0.0.0.0 for every interface, 127.0.0.1 for this machine only)` : '');
    default:
      return undefined;
  }
}

/** Whether a server that failed to start said its port was taken (Java's BindException included). */
export function saysAddressInUse(text: string): boolean {
  return /EADDRINUSE|Address already in use|BindException/i.test(text);
}

/** A start-up failure whose message says all a user needs: printed as one line, without a stack. */
export class StartupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StartupError';
  }
}
