// Preloaded (`node --import`) into the webhook process of the adversarial benchmark: it answers
// the bench over the IPC channel, and touches nothing of the webhook itself.
//   { op: 'reset' }  peak RSS back to the current RSS (Linux: /proc/self/clear_refs), event-loop
//                    delay histogram and CPU counters cleared
//   { op: 'stats' }  peak RSS since the reset, RSS, heap, longest event-loop block, CPU time
//   { op: 'gc' }     two full collections (needs --expose-gc), then the same as stats
// It exits when the bench goes away (the IPC channel closes), so no webhook outlives a run.
import { readFileSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeStats {
  peakRssBytes: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** V8 heap committed (used or not): what a collection leaves the process holding. */
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** Longest single event-loop block seen since the reset (ms, 10 ms resolution). */
  maxLoopDelayMs: number;
  /** CPU time (user + system) since the reset. */
  cpuMs: number;
  /** Whether the peak could be reset (false: peak since the process started). */
  peakReset: boolean;
  gc: boolean;
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let cpuAtReset = process.cpuUsage();
let peakReset = false;

function statusKb(field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function stats(gc: boolean): ProbeStats {
  const memory = process.memoryUsage();
  const cpu = process.cpuUsage(cpuAtReset);
  return {
    peakRssBytes: (statusKb('VmHWM') ?? process.resourceUsage().maxRSS) * 1024,
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    arrayBuffersBytes: memory.arrayBuffers,
    maxLoopDelayMs: loopDelay.max / 1e6,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakReset,
    gc,
  };
}

process.on('message', (message: { op?: string; id?: number }) => {
  let gc = false;
  if (message.op === 'reset') {
    try {
      writeFileSync('/proc/self/clear_refs', '5');
      peakReset = true;
    } catch {
      peakReset = false;
    }
    loopDelay.reset();
    cpuAtReset = process.cpuUsage();
  } else if (message.op === 'gc') {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (collect) {
      collect();
      collect();
      gc = true;
    }
  }
  process.send?.({ id: message.id, stats: stats(gc) });
});
process.on('disconnect', () => process.exit(0));
