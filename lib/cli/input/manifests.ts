// `-f PATH`: files, directories (their .yaml, .yml and .json files, recursively, in name order) and
// `-` for stdin. A file named on the command line (or stdin) must hold Kubernetes objects only; in
// a directory, files that hold something else (a chart's values.yaml, a kustomization) are skipped
// with a note.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocuments } from './documents.ts';
import { InputError } from './input-error.ts';
import type { SourcedObject } from './kube-object.ts';

export interface ManifestInput {
  objects: SourcedObject[];
  notes: string[];
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;
export const STDIN = '-';

export async function readManifests(paths: readonly string[], readStdin: () => Promise<string>): Promise<ManifestInput> {
  const objects: SourcedObject[] = [];
  const notes: string[] = [];
  for (const path of paths) {
    if (path === STDIN) {
      objects.push(...fromText(await readStdin(), 'stdin', true, notes));
      continue;
    }
    const kind = await pathKind(path);
    if (kind === 'file') {
      objects.push(...fromText(await readText(path), path, true, notes));
      continue;
    }
    const files = await manifestFiles(path);
    if (files.length === 0) notes.push(`${path}: no .yaml, .yml or .json files`);
    for (const file of files) objects.push(...fromText(await readText(file), file, false, notes));
  }
  if (objects.length === 0) throw new InputError(`no Kubernetes objects in ${paths.map((path) => (path === STDIN ? 'stdin' : path)).join(', ')}`);
  return { objects, notes };
}

function fromText(text: string, source: string, named: boolean, notes: string[]): SourcedObject[] {
  const objects: SourcedObject[] = [];
  const contents = parseDocuments(text, source);
  for (const [index, content] of contents.entries()) {
    if (content.kind === 'objects') objects.push(...content.objects.map((object) => ({ object, source })));
    if (content.kind !== 'other') continue;
    const where = contents.length > 1 ? `${source}: document ${index + 1}` : source;
    if (named) throw new InputError(`${where} is not a Kubernetes object (${content.what})`);
    notes.push(`${where} skipped: not a Kubernetes object (${content.what})`);
    return [];
  }
  if (named && objects.length === 0) throw new InputError(`${source} holds no Kubernetes objects`);
  return objects;
}

async function pathKind(path: string): Promise<'file' | 'directory'> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return 'directory';
    return 'file';
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${reason(error)}`);
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${reason(error)}`);
  }
}

async function manifestFiles(directory: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    throw new InputError(`cannot read ${directory}: ${reason(error)}`);
  }
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await manifestFiles(path)));
    else if (entry.isFile() && MANIFEST_EXTENSIONS.test(entry.name)) files.push(path);
  }
  return files;
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
}
