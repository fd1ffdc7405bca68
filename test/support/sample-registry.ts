// `npm run samples`: the CNCF registry on localhost:5055 (ARCHY_SAMPLE_REGISTRY_PORT picks another
// port) holding the images the events/ use, so `sls invoke local` and the local server can resolve
// real manifests offline. Ctrl-C stops it.
import { explainListenError, StartupError } from '../../lib/local/listen-error.ts';
import { startRegistry, type TestRegistry } from './registry/harness.ts';
import { SAMPLE_REGISTRY } from './make-events.ts';
import { portFromEnv } from './ports.ts';

export const SAMPLE_PORT = Number(SAMPLE_REGISTRY.split(':')[1]);
export const SAMPLE_PORT_VARIABLE = 'ARCHY_SAMPLE_REGISTRY_PORT';
export const SAMPLE_IMAGES = ['samples/multi:1.0', 'samples/multi-wide:2.1', 'samples/amd64-only:1.0', 'samples/arm64-only:0.3', 'samples/s390x-only:1.0'];

/** Starts the registry on `port` (0: a free one, on 127.0.0.1 only) and pushes the sample images. */
export async function startSampleRegistry(port = SAMPLE_PORT): Promise<TestRegistry> {
  let registry: TestRegistry;
  try {
    registry = await startRegistry({ port });
  } catch (error) {
    const explained = explainListenError(error, { what: 'the sample registry', host: '127.0.0.1', port, portVariable: SAMPLE_PORT_VARIABLE });
    throw explained ? new StartupError(explained, { cause: error }) : error;
  }
  try {
    await registry.pushIndex('samples/multi', '1.0', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64' },
    ], { format: 'oci', attestations: true });
    await registry.pushIndex('samples/multi-wide', '2.1', [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      { os: 'linux', architecture: 's390x' },
    ], { format: 'docker' });
    await registry.pushImage('samples/amd64-only', '1.0', { os: 'linux', architecture: 'amd64', format: 'docker' });
    await registry.pushImage('samples/arm64-only', '0.3', { os: 'linux', architecture: 'arm64', format: 'oci' });
    await registry.pushImage('samples/s390x-only', '1.0', { os: 'linux', architecture: 's390x', format: 'oci' });
  } catch (error) {
    await registry.stop();
    throw error;
  }
  return registry;
}

/** `localhost:PORT`: the registry as image references name it (events/ say localhost:5055). */
export function sampleRegistryName(registry: TestRegistry): string {
  return `localhost:${registry.host.split(':')[1]}`;
}

if (import.meta.main) {
  try {
    const samples = await startSampleRegistry(portFromEnv(SAMPLE_PORT_VARIABLE, SAMPLE_PORT));
    const name = sampleRegistryName(samples);
    console.log(`sample registry on ${name} (127.0.0.1 only), images ${SAMPLE_IMAGES.join(', ')}. Try:
  ARCHY_INSECURE_REGISTRIES=${name} npx archy resolve ${name}/samples/multi-wide:2.1
Ctrl-C stops it.`);
    const stop = (): void => void samples.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    if (!(error instanceof StartupError)) throw error;
    console.error(`archy: ${error.message}`);
    process.exit(1);
  }
}
