import assert from "node:assert/strict";
import { join } from "node:path";
import {
  compare,
  compareAll,
  compareClaims,
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

Deno.test("compareClaims: a claim the baseline supported fails only when the results contradict it", () => {
  // three seeds of each head; the seeds' offsets are shared, so the differences are paired
  const heads = (mlp: number, lin: number, none: number) =>
    [0, 1, 2].flatMap((s) => [
      run({ head: "mlp" }, [["h", mlp + 0.01 * s], ["z", mlp - 0.1]], s),
      run({ head: "linear" }, [["h", lin + 0.012 * s], ["z", lin - 0.1]], s),
      run({ head: "none" }, [["h", none + 0.011 * s]], s),
    ]);
  const verdicts = (now: number[], base: number[]) =>
    Object.fromEntries(
      compareClaims(heads(now[0]!, now[1]!, now[2]!), heads(base[0]!, base[1]!, base[2]!))
        .map((c) => [c.id, c.verdict]),
    );
  const cases: [string, number[], number[], string][] = [
    ["supported in both", [0.6, 0.5, 0.4], [0.6, 0.5, 0.4], "ok"],
    ["contradicted now", [0.5, 0.6, 0.4], [0.6, 0.5, 0.4], "regression"],
    ["a tie now: inconclusive, not a failure", [0.6, 0.6, 0.4], [0.6, 0.5, 0.4], "ok"],
    ["never supported in the baseline: reported only", [0.5, 0.6, 0.4], [0.5, 0.6, 0.4], "info"],
  ];
  for (const [why, now, base, want] of cases) {
    assert.equal(verdicts(now, base)["simclr-head"], want, why);
    assert.equal(verdicts(now, base)["simclr-h-over-z"], "ok", why);
  }
  // results without the other heads: the claim is missing
  const onlyMlp = heads(0.6, 0.5, 0.4).filter((r) => r.config.head === "mlp");
  assert.equal(
    compareClaims(onlyMlp, heads(0.6, 0.5, 0.4)).find((c) => c.id === "simclr-head")!.verdict,
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
    /\| SimCLR: MLP head > linear head > no head \| mlp - linear: \+0\.098 .*\(supported\) \| mlp - linear: -0\.102 .*\(contradicted\) \| regression \|/,
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
