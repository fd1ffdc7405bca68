// An in-memory Transport: answers from a handler and records every request (tests only).
import type { Transport, TransportRequest, TransportResponse } from '../../../lib/registry/transport.ts';

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface SeenRequest {
  method: string;
  url: string;
  host: string;
  authorization?: string;
  body?: string;
}

export class FakeTransport implements Transport {
  readonly seen: SeenRequest[] = [];
  readonly #handler: (request: TransportRequest) => FakeAnswer | Promise<FakeAnswer>;

  constructor(handler: (request: TransportRequest) => FakeAnswer | Promise<FakeAnswer>) {
    this.#handler = handler;
  }

  async request(request: TransportRequest): Promise<TransportResponse> {
    const seen: SeenRequest = { method: request.method, url: request.url.toString(), host: request.url.host };
    if (request.headers.authorization !== undefined) seen.authorization = request.headers.authorization;
    if (request.body !== undefined) seen.body = request.body;
    this.seen.push(seen);
    const answer = await this.#handler(request);
    const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : (answer.body ?? Buffer.alloc(0));
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(answer.headers ?? {})) headers[name.toLowerCase()] = value;
    return {
      status: answer.status,
      headers,
      body: (async function* () {
        // Several chunks, so size limits are checked while streaming.
        for (let i = 0; i < body.length; i += 1024) yield body.subarray(i, i + 1024);
      })(),
      cancel: () => undefined,
    };
  }
}
