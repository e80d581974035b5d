import assert from "node:assert/strict";
import { BUGS, powerTable, summariseMethod } from "./power_main.ts";
import type { Comparison } from "./compare.ts";
import { METHODS } from "./methods.ts";

const line = (method: string, metric: string, verdict: Comparison["verdict"], detects = 0.1) =>
  ({
    group: { method, dataset: "D", variant: "ci", metric, protocol: "p", features: "h" },
    baseline: { mean: 0.5, std: 0.05, n: 3 },
    now: { mean: 0.5, std: 0.05, n: 3 },
    delta: 0,
    threshold: 0.05,
    detects,
    verdict,
  }) as Comparison;

Deno.test("ci:power summarises a method's checks and counts false alarms and detections", () => {
  const s = summariseMethod([
    line("simclr", "linear_accuracy", "regression", 0.08),
    line("simclr", "knn_accuracy", "ok", 0.12),
    line("simclr", "train_loss", "changed", NaN),
    line("random-init", "linear_accuracy", "info"),
  ]);
  assert.equal(s.checked, 3); // the baseline's row is not checked
  assert.deepEqual(s.alarms, [
    "simclr linear_accuracy on h regression",
    "simclr train_loss on h changed",
  ]);
  assert.deepEqual(s.detects, [0.08, 0.12]);
  const md = powerTable([
    {
      run: "seeds+100-simclr",
      kind: "other seeds",
      what: "w",
      method: "simclr",
      checked: 3,
      alarms: [],
      detects: [0.08, 0.12],
      failedRuns: 0,
    },
    { run: "bug-x", kind: "injected bug", what: "w", method: "simclr", ...s, failedRuns: 0 },
  ]);
  assert.match(
    md,
    /\| seeds\+100-simclr \| other seeds \| w \| simclr \| 3 \| none \| 0\.080-0\.120 \| 0 \|/,
  );
  assert.match(
    md,
    /False alarms: 0 of 1 method checks on other seeds\. Detections: 1 of 1 injected bugs\./,
  );
});

Deno.test("the injected bugs are valid overrides of their methods", () => {
  for (const b of BUGS) {
    const m = METHODS[b.method]!;
    m.resolve(["ci"], b.overrides.map(([k, v]) => `${k}=${v}`)); // throws on a bad key or value
  }
  assert.ok(new Set(BUGS.map((b) => b.method)).size >= 3);
});
