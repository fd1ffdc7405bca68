// Peak RSS of a fresh process admitting 10,000 pods over 1,000 distinct images. The child
// (memory-child.ts) is bundled like the handler, so it loads what the Lambda function loads.
import { execFile } from 'node:child_process';
import { bundleEntry } from './support/bundle.ts';

export interface MemoryResult {
  admissions: number;
  distinctImages: number;
  nodeFlags: string[];
  elapsedMs: number;
  registryRequests: { manifests: number; blobs: number; notFound: number };
  rssAtStartBytes: number;
  rssAfterLoadBytes: number;
  peakRssBytes: number;
  peakHeapUsedBytes: number;
}

export async function measureMemory(admissions = 10_000, distinctImages = 1_000, nodeFlags: string[] = []): Promise<MemoryResult> {
  const bundle = await bundleEntry('bench/memory-child.ts');
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [...nodeFlags, bundle.entry, String(admissions), String(distinctImages)], { timeout: 120_000 }, (error, out, stderr) => {
        if (error) reject(new Error(`memory child failed: ${error.message}\n${stderr.slice(-2000)}`));
        else resolve(out);
      });
    });
    const line = stdout.split('\n').find((text) => text.startsWith('BENCH '));
    if (!line) throw new Error(`memory child printed no result:\n${stdout.slice(-2000)}`);
    return { ...(JSON.parse(line.slice(6)) as Omit<MemoryResult, 'nodeFlags'>), nodeFlags };
  } finally {
    await bundle.cleanup();
  }
}
