// Text → Kubernetes objects: multi-document YAML (helm template output), JSON (`kubectl get -o
// json`), and lists (`kind: List`, `DeploymentList`, …) flattened into their items. YAML is read as
// YAML 1.1, as the API server's decoder reads it. Aliases are bounded (no "billion laughs").
import { LineCounter, parseAllDocuments } from 'yaml';
import { InputError } from './input-error.ts';
import { isJsonObject, isKubernetesObject, type JsonObject } from './kube-object.ts';

/** What one document holds: Kubernetes objects, nothing (an empty document), or something else. */
export type DocumentContent = { kind: 'objects'; objects: JsonObject[] } | { kind: 'empty' } | { kind: 'other'; what: string };

const MAX_ALIASES = 100;
const MAX_LIST_DEPTH = 3;

/** Parses every document of `text`; throws InputError naming `source` and the line on a syntax error. */
export function parseDocuments(text: string, source: string): DocumentContent[] {
  const json = tryJson(text);
  if (json !== undefined) return [classifyIn(source, json.value)];
  const lines = new LineCounter();
  const documents = parseAllDocuments(text, { version: '1.1', prettyErrors: false, lineCounter: lines });
  const contents: DocumentContent[] = [];
  for (const document of documents) {
    const [error] = document.errors;
    if (error !== undefined) {
      const line = lines.linePos(error.pos[0]).line;
      throw new InputError(`${source}: not valid YAML (line ${line}): ${firstLine(error.message)}`);
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (cause) {
      throw new InputError(`${source}: ${cause instanceof Error ? firstLine(cause.message) : 'unreadable YAML'}`);
    }
    contents.push(classifyIn(source, value));
  }
  return contents;
}

function tryJson(text: string): { value: unknown } | undefined {
  const start = text.trimStart()[0];
  if (start !== '{' && start !== '[') return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined; // YAML flow style, or broken JSON: the YAML parser says where
  }
}

function classifyIn(source: string, value: unknown): DocumentContent {
  try {
    return classify(value);
  } catch (error) {
    if (error instanceof InputError) throw new InputError(`${source}: ${error.message}`);
    throw error;
  }
}

function classify(value: unknown): DocumentContent {
  if (value === null || value === undefined) return { kind: 'empty' };
  if (Array.isArray(value)) {
    if (!value.every(isKubernetesObject)) return { kind: 'other', what: 'an array of things that are not all Kubernetes objects' };
    return { kind: 'objects', objects: value.flatMap((item) => flatten(item, 0)) };
  }
  if (!isKubernetesObject(value)) {
    return { kind: 'other', what: isJsonObject(value) ? 'a mapping without apiVersion and kind' : `a ${typeof value}` };
  }
  return { kind: 'objects', objects: flatten(value, 0) };
}

/**
 * A list's items, recursively. An item without apiVersion/kind (as the API returns the items of a
 * typed list) takes them from the list: `apps/v1` `DeploymentList` → `Deployment`.
 */
function flatten(object: JsonObject & { apiVersion: string; kind: string }, depth: number): JsonObject[] {
  const items = object.items;
  if (!object.kind.endsWith('List') || !Array.isArray(items)) return [object];
  if (depth >= MAX_LIST_DEPTH) throw new InputError(`lists nested more than ${MAX_LIST_DEPTH} deep`);
  const itemKind = object.kind === 'List' ? undefined : { apiVersion: object.apiVersion, kind: object.kind.slice(0, -'List'.length) };
  return items.flatMap((item, index) => {
    const typed = isKubernetesObject(item) ? item : isJsonObject(item) && itemKind !== undefined ? { ...item, ...itemKind } : undefined;
    if (typed === undefined) throw new InputError(`item ${index + 1} of a ${object.kind} is not a Kubernetes object (no apiVersion and kind)`);
    return flatten(typed, depth + 1);
  });
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
