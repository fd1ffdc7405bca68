// The metrics seam: modules count and time through this interface; the EMF implementation lives
// beside it and is wired in functions/. Dimensions must be low-cardinality (never image or pod names).

export type Dimensions = Record<string, string>;

export interface Metrics {
  count(name: string, value?: number, dimensions?: Dimensions): void;
  timing(name: string, milliseconds: number, dimensions?: Dimensions): void;
}

export const noopMetrics: Metrics = {
  count: () => undefined,
  timing: () => undefined,
};
