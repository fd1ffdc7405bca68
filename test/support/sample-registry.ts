// `npm run samples`: the CNCF registry on localhost:5055 holding the images the events/ use, so
// `sls invoke local` and the local server can resolve real manifests offline. Ctrl-C stops it.
import { startRegistry, type TestRegistry } from './registry/harness.ts';
import { SAMPLE_REGISTRY } from './make-events.ts';

export const SAMPLE_PORT = Number(SAMPLE_REGISTRY.split(':')[1]);

/** Starts the registry on `port` and pushes the sample images; returns it running. */
export async function startSampleRegistry(port = SAMPLE_PORT): Promise<TestRegistry> {
  const registry = await startRegistry({ port });
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
    return registry;
  } catch (error) {
    await registry.stop();
    throw error;
  }
}

if (import.meta.main) {
  const registry = await startSampleRegistry();
  console.log(`sample registry on ${SAMPLE_REGISTRY} (set ARCHY_INSECURE_REGISTRIES=${SAMPLE_REGISTRY}); Ctrl-C stops it`);
  const stop = (): void => void registry.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
