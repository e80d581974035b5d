/** Fixtures shared by the bench tests. @module */
import type { RunRecord } from "./runs.ts";

let ids = 0;
/** A SimCLR run with linear-probe accuracies (on features h, z, ..., value) at a seed. */
export const run = (
  config: Record<string, unknown>,
  vals: [string, number][],
  seed = 0,
): RunRecord => ({
  id: `simclr-ci-seed${seed}-${ids++}`,
  method: "simclr",
  config,
  rows: vals.map(([features, value]) => ({
    method: "simclr",
    dataset: "D",
    metric: "linear_accuracy",
    protocol: `linear probe on ${features}`,
    features,
    value: String(value),
    seed: String(seed),
  })),
});
