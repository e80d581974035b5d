import assert from "node:assert/strict";
import { compare, comparisonTable, summarise } from "./compare.ts";

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
  assert.equal(c.find((x) => x.key.includes("knn"))!.verdict, "ok");
  assert.equal(c.find((x) => x.key.includes("loss"))!.verdict, "info");
  // k = 1: the same drop is a regression
  c = compare([row("knn_accuracy", 0.5, 0)], base, { k: 1, floor: 0.02 });
  assert.equal(c.find((x) => x.key.includes("knn"))!.verdict, "regression");
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
