// A request handler that forwards to a loopback HTTP service (proxies and TLS fronts in tests).
import http from 'node:http';

export interface Forwarder {
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  close(): void;
}

/** `onAnswer` sees each request with the status the target gave it. */
export function forwardTo(target: { host: string; port: number | string }, onAnswer?: (req: http.IncomingMessage, status: number) => void): Forwarder {
  const agent = new http.Agent({ keepAlive: true });
  return {
    handle(req, res) {
      const upstream = http.request({ host: target.host, port: target.port, method: req.method, path: req.url, headers: req.headers, agent }, (answer) => {
        onAnswer?.(req, answer.statusCode ?? 0);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    },
    close: () => agent.destroy(),
  };
}
