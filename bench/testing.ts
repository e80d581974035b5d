/** Fixtures shared by the bench tests. @module */
import type { RunRecord } from "./runs.ts";

let ids = 0;
/** A SimCLR run with linear-probe accuracies (protocol, value) at a seed. */
export const run = (
  config: Record<string, unknown>,
  vals: [string, number][],
  seed = 0,
): RunRecord => ({
  id: `simclr-ci-seed${seed}-${ids++}`,
  method: "simclr",
  config,
  rows: vals.map(([protocol, value]) => ({
    method: "simclr",
    dataset: "D",
    metric: "linear_accuracy",
    protocol,
    features: protocol.includes("on z") ? "z" : "h",
    value: String(value),
    seed: String(seed),
  })),
});
