// The one error of every Kubernetes read and write (client library or plain HTTPS alike).
/** A failed Kubernetes call. `reason` is the Status reason (NotFound, Forbidden, …) when there is one. */
export class KubeError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(status: number, reason: string, message: string) {
    super(message);
    this.name = 'KubeError';
    this.status = status;
    this.reason = reason;
  }
}
