// `archy resolve [--json] IMAGE...`: what Archy sees for each image — the normalised reference,
// the resolved digest and the platforms — using the same configuration variables as the webhook.
import { ConfigError, loadConfig } from '../config.ts';
import { Deadline } from '../deadline.ts';
import { parseReference } from '../image/reference.ts';
import { createLogger } from '../log.ts';
import { RegistryClient } from '../registry/client.ts';
import type { ImageReference, Platform } from '../types.ts';

const USAGE = `usage: archy resolve [--json] IMAGE...

Prints each image's normalised reference (registry, repository, tag, digest), its resolved digest
and its platforms. With --json, one JSON object per line. Exit status 1 when any image failed.
Reads the same ARCHY_* variables as the webhook (ARCHY_INSECURE_REGISTRIES, ARCHY_TIME_BUDGET_MS, …).`;

interface ResolveResult {
  image: string;
  reference?: ImageReference;
  digest?: string;
  platforms?: string[];
  error?: string;
}

export async function main(argv: string[], print: (line: string) => void = console.log): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'resolve') {
    print(USAGE);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  const json = rest.includes('--json');
  const images = rest.filter((arg) => arg !== '--json');
  if (images.length === 0) {
    print(USAGE);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      print(error.message);
      return 2;
    }
    throw error;
  }
  const client = new RegistryClient({
    insecureRegistries: config.insecureRegistries,
    privateRegistries: config.privateRegistries,
    logger: createLogger(process.env.ARCHY_LOG_LEVEL ? config.logLevel : 'silent'),
  });
  const deadline = new Deadline(config.timeBudgetMs);
  try {
    const results = await Promise.all(images.map((image) => resolveOne(client, image, deadline)));
    for (const result of results) print(json ? JSON.stringify(result) : describe(result));
    return results.some((result) => result.error !== undefined) ? 1 : 0;
  } finally {
    deadline.dispose();
  }
}

async function resolveOne(client: RegistryClient, image: string, deadline: Deadline): Promise<ResolveResult> {
  let reference: ImageReference;
  try {
    reference = parseReference(image);
  } catch (error) {
    return { image, error: (error as Error).message };
  }
  try {
    const resolved = await client.resolve(reference, { deadline });
    return { image, reference, digest: resolved.digest, platforms: resolved.platforms.map(formatPlatform) };
  } catch (error) {
    return { image, reference, error: (error as Error).message };
  }
}

function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

function describe(result: ResolveResult): string {
  const lines = [result.image];
  if (result.reference) {
    const { registry, repository, tag, digest } = result.reference;
    lines.push(`  reference:  ${result.reference.canonical}`);
    lines.push(`  registry:   ${registry}`, `  repository: ${repository}`);
    if (tag) lines.push(`  tag:        ${tag}`);
    if (digest) lines.push(`  digest:     ${digest}`);
  }
  if (result.error) lines.push(`  error:      ${result.error}`);
  else lines.push(`  resolved:   ${result.digest}`, `  platforms:  ${result.platforms?.join(', ')}`);
  return lines.join('\n');
}
