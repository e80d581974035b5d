import assert from "node:assert/strict";
import { type RunRecord, sweepSummary, trends, varyingKeys } from "./sweep_report.ts";

const run = (config: Record<string, unknown>, vals: [string, number][]): RunRecord => ({
  config,
  rows: vals.map(([protocol, value]) => ({
    method: "simclr",
    dataset: "D",
    metric: "knn_accuracy",
    protocol,
    value: String(value),
  })),
});

Deno.test("varyingKeys finds the swept keys and nothing for repeated seeds", () => {
  const a = run({ lr: 1, batch: 8, seedless: "x" }, []),
    b = run({ lr: 2, batch: 8, seedless: "x" }, []);
  assert.deepEqual(varyingKeys([a, b]), ["lr"]);
  assert.deepEqual(varyingKeys([a, a]), []);
  assert.deepEqual(sweepSummary([a, a]), { lines: [], plots: [] });
});

Deno.test("sweepSummary: mean +/- std over seeds per axis value, and a plot for one numeric axis", () => {
  const runs = [
    run({ batch: 32 }, [["on h (encoder output)", 0.3]]),
    run({ batch: 32 }, [["on h (encoder output)", 0.5]]),
    run({ batch: 64 }, [["on h (encoder output)", 0.6]]),
  ];
  const { lines, plots } = sweepSummary(runs);
  const text = lines.join("\n");
  assert.match(text, /## Sweep over batch/);
  assert.match(text, /\| simclr \| 32 \| 0\.4000 \+\/- 0\.1414 \(2\)/);
  assert.match(text, /\| simclr \| 64 \| 0\.6000 \+\/- 0\.0000 \(1\)/);
  assert.equal(plots.length, 1);
  assert.match(plots[0]!.svg, /^<svg/);
});

Deno.test("trends state whether the runs agree with the papers' orderings", () => {
  const h = "on h (encoder output)", z = "on z (head output)";
  const agree = [
    run({ head: "mlp" }, [[h, 0.6], [z, 0.4]]),
    run({ head: "linear" }, [[h, 0.5], [z, 0.45]]),
    run({ head: "none" }, [[h, 0.4], [z, 0.4]]),
  ];
  const t = trends(agree, ["head"]).join("\n");
  assert.match(t, /MLP head > linear head > no head .*\*\*agrees\*\*/);
  assert.match(t, /h \(before the head\) > z .*\*\*agrees\*\*/);
  const flipped = [
    run({ head: "mlp" }, [[h, 0.4]]),
    run({ head: "linear" }, [[h, 0.5]]),
    run({ head: "none" }, [[h, 0.6]]),
  ];
  assert.match(trends(flipped, ["head"]).join("\n"), /\*\*does not agree\*\*/);
  assert.deepEqual(trends([run({ lr: 1 }, [["x", 1]])], ["lr"]), []);
});
