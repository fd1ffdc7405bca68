// Helpers to read what the webhook answered: decode the patch and apply it to the pod.
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';

export interface ReviewAnswer {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[] };
}

export function decodePatch(answer: ReviewAnswer): Operation[] {
  return answer.response.patch ? (JSON.parse(Buffer.from(answer.response.patch, 'base64').toString('utf8')) as Operation[]) : [];
}

/** Applies the answer's patch to a copy of `pod`, validating every operation. */
export function applyAnswer(pod: unknown, answer: ReviewAnswer): unknown {
  return fastJsonPatch.applyPatch(structuredClone(pod), decodePatch(answer), true, false).newDocument;
}
