import type { Deadline } from '../deadline.ts';

export function timeoutText(deadline: Deadline): string {
  return `timed out after ${deadline.expiresAt - deadline.startedAt} ms`;
}
