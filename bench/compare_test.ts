import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compare,
  compareAll,
  compareTrends,
  comparisonTable,
  readResultsOrFolder,
} from "./compare.ts";
import { summarise } from "./runs.ts";
import { run } from "./testing.ts";

const row = (metric: string, value: number, seed: number, method = "drlim") => ({
  method,
  dataset: "MNIST",
  preset: "ci",
  metric,
  protocol: "kNN",
  value: String(value),
  seed: String(seed),
});

Deno.test("summarise: mean and sample standard deviation over seeds", () => {
  const s = summarise([row("acc", 0.8, 0), row("acc", 0.6, 1), row("acc", 0.7, 2)]);
  const st = [...s.values()][0]!;
  assert.ok(Math.abs(st.mean - 0.7) < 1e-12 && Math.abs(st.std - 0.1) < 1e-12 && st.n === 3);
});

Deno.test("compare: tolerance from the baseline's seed spread, with a floor", () => {
  const base = [row("knn_accuracy", 0.8, 0), row("knn_accuracy", 0.6, 1), row("train_loss", 1, 0)];
  // std 0.1414 -> tolerance 3 x 0.1414 = 0.424: a drop to 0.5 is within the seed noise
  let c = compare([row("knn_accuracy", 0.5, 0), row("train_loss", 9, 0)], base, {
    k: 3,
    floor: 0.02,
  });
  assert.equal(c.find((x) => x.group.metric.includes("knn"))!.verdict, "ok");
  assert.equal(c.find((x) => x.group.metric.includes("loss"))!.verdict, "info");
  // k = 1: the same drop is a regression
  c = compare([row("knn_accuracy", 0.5, 0)], base, { k: 1, floor: 0.02 });
  assert.equal(c.find((x) => x.group.metric.includes("knn"))!.verdict, "regression");
  // a one-seed baseline has std 0: the floor decides
  const one = [row("knn_accuracy", 0.8, 0)];
  assert.equal(
    compare([row("knn_accuracy", 0.79, 0)], one, { k: 3, floor: 0.02 })[0]!.verdict,
    "ok",
  );
  assert.equal(
    compare([row("knn_accuracy", 0.77, 0)], one, { k: 3, floor: 0.02 })[0]!.verdict,
    "regression",
  );
  assert.equal(
    compare([row("knn_accuracy", 0.9, 0)], one, { k: 3, floor: 0.02 })[0]!.verdict,
    "better",
  );
});

Deno.test("compare: a metric the baseline has and the results lack is reported missing", () => {
  const c = compare([row("knn_accuracy", 0.8, 0)], [row("knn_accuracy", 0.8, 0, "simclr")], {
    k: 3,
    floor: 0.02,
  });
  assert.equal(c[0]!.verdict, "missing");
  assert.match(comparisonTable(c), /missing/);
});

Deno.test("compareTrends: an ordering the baseline agreed with fails when it stops agreeing", () => {
  const h = "h", z = "z";
  const heads = (mlp: number, lin: number, none: number) => [
    run({ head: "mlp" }, [[h, mlp], [z, 0.1]]),
    run({ head: "linear" }, [[h, lin], [z, 0.1]]),
    run({ head: "none" }, [[h, none]]),
  ];
  const verdicts = (now: number[], base: number[]) =>
    Object.fromEntries(
      compareTrends(heads(now[0]!, now[1]!, now[2]!), heads(base[0]!, base[1]!, base[2]!), 0.02)
        .map((t) => [t.claim.split(" ")[0], t.verdict]),
    );
  const cases: [string, number[], number[], string][] = [
    ["agrees in both", [0.6, 0.5, 0.4], [0.6, 0.5, 0.4], "ok"],
    ["reversed", [0.5, 0.6, 0.4], [0.6, 0.5, 0.4], "regression"],
    ["reversed within the tolerance: noise", [0.6, 0.61, 0.4], [0.6, 0.5, 0.4], "ok"],
    ["never held in the baseline: reported only", [0.5, 0.6, 0.4], [0.5, 0.6, 0.4], "info"],
  ];
  for (const [why, now, base, want] of cases) {
    assert.deepEqual(verdicts(now, base), { MLP: want, h: "ok" }, why);
  }
  // results without the head runs: the ordering is missing
  assert.equal(
    compareTrends(heads(0.6, 0.5, 0.4).slice(0, 1), heads(0.6, 0.5, 0.4), 0.02)[0]!.verdict,
    "missing",
  );
  const v = compareAll(
    { rows: [], runs: heads(0.5, 0.6, 0.4) },
    { rows: [], runs: heads(0.6, 0.5, 0.4) },
    { k: 3, floor: 0.02 },
  );
  assert.equal(v.bad, 1);
  assert.match(
    v.text,
    /\| MLP head > linear head > no head \| 0\.6000 > 0\.5000 > 0\.4000 \(agrees\) \| 0\.5000 > 0\.6000 > 0\.4000 \(does not agree\) \| regression \|/,
  );
});

Deno.test("compare groups runs by their overrides, so sweep variants are not averaged", () => {
  const base = [
    { ...row("knn_accuracy", 0.8, 0), overrides: "" },
    { ...row("knn_accuracy", 0.2, 0), overrides: "head=none" },
  ];
  const c = compare([{ ...row("knn_accuracy", 0.8, 0), overrides: "" }], base, {
    k: 3,
    floor: 0.02,
  });
  assert.deepEqual(c.map((x) => [x.group.variant, x.verdict]), [
    ["ci", "ok"],
    ["ci head=none", "missing"],
  ]);
});

Deno.test("readResultsOrFolder: a CSV, a folder, or a clear error", async () => {
  const dir = await Deno.makeTempDir();
  await assert.rejects(() => readResultsOrFolder(join(dir, "nope")), /does not exist/);
  await assert.rejects(() => readResultsOrFolder(dir), /folder without a readable results\.csv/);
  await Deno.writeTextFile(join(dir, "results.csv"), "method,value\ndrlim,1\n");
  await assert.rejects(() => readResultsOrFolder(dir), /lacks required column/);
  await assert.rejects(
    () => readResultsOrFolder(join(dir, "results.csv")),
    /lacks required column/,
  );
});
