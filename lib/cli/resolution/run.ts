// Resolving a command's workload images with the webhook's configuration: ARCHY_* variables read
// as the webhook reads them, logs (silent unless ARCHY_LOG_LEVEL is set) on stderr, and a progress
// bar when stderr is a terminal.
import { loadConfig, type Config } from '../../config.ts';
import { createLogger } from '../../log.ts';
import type { CliIo } from '../io.ts';
import type { LoadedWorkloads } from '../input/load.ts';
import { progressBar } from '../progress.ts';
import { resolveImages, type ImageAnswer } from './resolve-images.ts';
import { sharedKubeReads } from './shared-kube-reads.ts';
import { createResolutionStack } from './stack.ts';

/** Throws ConfigError listing every invalid variable. */
export function cliConfig(io: CliIo): Config {
  return loadConfig(io.env);
}

export async function resolveWorkloadImages(loaded: LoadedWorkloads, config: Config, timeoutMs: number, io: CliIo): Promise<Map<string, ImageAnswer>> {
  const logger = createLogger(io.env.ARCHY_LOG_LEVEL ? config.logLevel : 'silent', { write: (line: string) => io.stderr(line) });
  const stack = createResolutionStack(config, logger);
  const uses = loaded.workloads.flatMap((workload) => workload.images.map((image) => ({ image, access: workload.access })));
  const progress = progressBar(io.stderr, io.stderrIsTTY, 'resolving images');
  try {
    const kube = loaded.kube === undefined ? undefined : sharedKubeReads(loaded.kube);
    return await resolveImages(uses, { stack, kube, timeoutMs, onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.finish();
  }
}
