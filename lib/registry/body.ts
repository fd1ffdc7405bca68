// Reading answer bodies within a size cap: a registry decides how much it sends, we decide how
// much we read. Past the cap the connection is dropped.
import { RegistryError, statusError, timeoutError, tooLargeError } from './errors.ts';
import type { TimeLimit } from './session.ts';
import type { TransportResponse } from './transport.ts';

export interface BodyLimits {
  registry: string;
  /** Largest body read, in bytes. */
  maxBytes: number;
  /** What the body is, for the message (`manifest`, `image config`, …). */
  what: string;
  time: TimeLimit;
}

/** Error answers are read only as far as their error code can be: the rest is not needed. */
const MAX_ERROR_BYTES = 64 * 1024;

export async function readBody(response: TransportResponse, limits: BodyLimits): Promise<Buffer> {
  const { registry, maxBytes, what, time } = limits;
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.cancel();
    throw tooLargeError(registry, what, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body) {
      total += chunk.length;
      if (total > maxBytes) {
        response.cancel();
        throw tooLargeError(registry, what, maxBytes);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw time.signal.aborted || time.remaining() === 0
      ? timeoutError(registry)
      : new RegistryError('network', registry, `the connection to ${registry} broke while reading the ${what}`);
  }
  return Buffer.concat(chunks);
}

/** A 2xx answer passes; any other becomes the RegistryError its status and error code stand for. */
export async function failUnlessOk(response: TransportResponse, registry: string, time: TimeLimit): Promise<void> {
  if (response.status >= 200 && response.status < 300) return;
  throw statusError(registry, response.status, await readErrorBody(response, registry, time));
}

/** The body of an error answer when it is small enough to hold an error code; undefined otherwise. */
export async function readErrorBody(response: TransportResponse, registry: string, time: TimeLimit): Promise<Buffer | undefined> {
  return readBody(response, { registry, maxBytes: MAX_ERROR_BYTES, what: 'error answer', time }).catch(() => undefined);
}
