// Two measurements taken in alternating rounds, so a noisy neighbour hits both alike and their
// ratio stays meaningful on a shared machine.
import { summarise, type LatencySummary } from './stats.ts';

export type Step = (i: number) => Promise<unknown> | unknown;

export async function interleaved(steps: Record<string, Step>, rounds: number, perRound: number, warmup: number): Promise<Record<string, LatencySummary>> {
  const names = Object.keys(steps);
  const samples = new Map(names.map((name) => [name, [] as number[]]));
  const totals = new Map(names.map((name) => [name, 0]));
  let counter = 0;
  for (const name of names) for (let i = 0; i < warmup; i += 1) await (steps[name] as Step)(counter++);
  for (let round = 0; round < rounds; round += 1) {
    for (const name of names) {
      const step = steps[name] as Step;
      const into = samples.get(name) as number[];
      const started = performance.now();
      for (let i = 0; i < perRound; i += 1) {
        const t0 = performance.now();
        await step(counter++);
        into.push(performance.now() - t0);
      }
      totals.set(name, (totals.get(name) as number) + performance.now() - started);
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarise(samples.get(name) as number[], totals.get(name) as number)]));
}
