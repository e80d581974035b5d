/** Fixtures shared by the bench tests. @module */
import type { RunRecord } from "./runs.ts";
import type { ResultRow } from "../io/csv.ts";

/** A results row with every required column: `over` sets the ones a test is about. */
export const resultRow = (over: Partial<ResultRow>): ResultRow => ({
  method: "m",
  dataset: "D",
  protocol: "p",
  metric: "knn_accuracy",
  value: 0,
  seed: 0,
  config_hash: "h",
  backend: "webgpu",
  adapter: "a",
  commit: "c",
  started_at: "t",
  wall_s: 1,
  images_per_s: 1,
  ...over,
});

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
