// A one-line progress bar on stderr, drawn only when stderr is a terminal and redrawn at most ten
// times a second; `finish()` clears it so the output that follows starts on a clean line.

export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

const WIDTH = 28;
const REDRAW_MS = 100;

export function progressBar(write: (text: string) => void, enabled: boolean, label: string, now: () => number = Date.now): Progress {
  if (!enabled) return { update: () => undefined, finish: () => undefined };
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(done, total) {
      const time = now();
      if (done < total && time - drawnAt < REDRAW_MS) return;
      drawnAt = time;
      drawn = true;
      const filled = total === 0 ? WIDTH : Math.round((done / total) * WIDTH);
      write(`\r\x1b[K${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total}`);
    },
    finish() {
      if (drawn) write('\r\x1b[K');
    },
  };
}
