// Reading answer bodies within a size cap: a registry decides how much it sends, we decide how
// much we read. Past the cap the connection is dropped.
import { Semaphore } from '../semaphore.ts';
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

/**
 * Bodies past this size are read one at a time in the whole process: held as chunks, buffer,
 * string and parse tree, a 4 MiB index costs tens of MB, and a pod of many such images (or many
 * admissions at once on the local server) must not add those up past a 256 MB function.
 */
const LARGE_BODY_BYTES = 256 * 1024;
const largeBodies = new Semaphore(1);

export async function readBody(response: TransportResponse, limits: BodyLimits): Promise<Buffer> {
  const { registry, maxBytes, what, time } = limits;
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.cancel();
    throw tooLargeError(registry, what, maxBytes);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  let release: (() => void) | undefined;
  try {
    if (declared > LARGE_BODY_BYTES) release = await largeBodies.acquire(time.signal);
    for await (const chunk of response.body) {
      total += chunk.length;
      if (total > maxBytes) {
        response.cancel();
        throw tooLargeError(registry, what, maxBytes);
      }
      chunks.push(chunk);
      // Unread data waits in the socket (backpressure) while another large body is read.
      if (release === undefined && total > LARGE_BODY_BYTES) release = await largeBodies.acquire(time.signal);
    }
    return Buffer.concat(chunks);
  } catch (error) {
    response.cancel();
    if (error instanceof RegistryError) throw error;
    throw time.signal.aborted || time.remaining() === 0
      ? timeoutError(registry)
      : new RegistryError('network', registry, `the connection to ${registry} broke while reading the ${what}`);
  } finally {
    release?.();
  }
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
