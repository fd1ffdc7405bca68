// `archy resolve [--json] IMAGE...`: what Archy sees for each image — the normalised reference,
// the resolved digest and the platforms — using the same configuration variables as the webhook.
import { loadConfig } from '../config.ts';
import { Deadline } from '../deadline.ts';
import { parseReference } from '../image/reference.ts';
import { createLogger } from '../log.ts';
import { RegistryClient } from '../registry/client.ts';
import type { ImageReference } from '../types.ts';
import { EXIT, type CliIo } from './io.ts';
import { platformText } from './resolution/architectures.ts';
import { RESOLVE_USAGE } from './usage.ts';

interface ResolveResult {
  image: string;
  reference?: ImageReference;
  digest?: string;
  platforms?: string[];
  error?: string;
}

export async function resolveCommand(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(`${RESOLVE_USAGE}\n`);
    return EXIT.ok;
  }
  const json = argv.includes('--json');
  const images = argv.filter((arg) => arg !== '--json');
  if (images.length === 0) {
    io.stdout(`${RESOLVE_USAGE}\n`);
    return EXIT.badInput;
  }
  const config = loadConfig(io.env);
  const client = new RegistryClient({
    insecureRegistries: config.insecureRegistries,
    privateRegistries: config.privateRegistries,
    logger: createLogger(io.env.ARCHY_LOG_LEVEL ? config.logLevel : 'silent', { write: (line: string) => io.stderr(line) }),
  });
  const deadline = new Deadline(config.timeBudgetMs);
  try {
    const results = await Promise.all(images.map((image) => resolveOne(client, image, deadline)));
    for (const result of results) io.stdout(`${json ? JSON.stringify(result) : describe(result)}\n`);
    return results.some((result) => result.error !== undefined) ? EXIT.failed : EXIT.ok;
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
    return { image, reference, digest: resolved.digest, platforms: resolved.platforms.map(platformText) };
  } catch (error) {
    return { image, reference, error: (error as Error).message };
  }
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
