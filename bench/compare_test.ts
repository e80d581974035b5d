import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CHECK,
  checkedCount,
  compare,
  compareAll,
  compareClaims,
  comparisonTable,
  readResultsOrFolder,
} from "./compare.ts";
import { summarise } from "./runs.ts";
import { Rng } from "../core/rng.ts";
import { tQuantile } from "../suite/stats.ts";
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

Deno.test("compare: a one-sided t-test on the pooled seed spread, Bonferroni over checked metrics", () => {
  const seeds = (metric: string, vs: number[], method = "drlim") =>
    vs.map((v, i) => row(metric, v, i, method));
  const base = [
    ...seeds("knn_accuracy", [0.8, 0.7, 0.75, 0.72, 0.78]),
    ...seeds("knn_accuracy", [0.6, 0.6, 0.6], "pca"),
    ...seeds("train_loss", [1.0, 1.02, 0.98, 1.01, 0.99]),
  ];
  // two checked metrics (the accuracy and the loss; PCA is a baseline): a = 0.01 / 2
  const v = (now: Record<string, string>[]) =>
    Object.fromEntries(compare(now, base).map((c) => [`${c.group.method} ${c.group.metric}`, c]));
  const same = v(base);
  assert.equal(same["drlim knn_accuracy"]!.verdict, "ok");
  assert.equal(same["pca knn_accuracy"]!.verdict, "info");
  // the threshold: t(1 - 0.005, 8 df) x sp x sqrt(2/5), sp = the baseline's std on both sides
  const sd = 0.0412311; // std of 0.8, 0.7, 0.75, 0.72, 0.78
  const t = tQuantile(1 - 0.005, 8);
  assert.ok(Math.abs(same["drlim knn_accuracy"]!.threshold - t * sd * Math.sqrt(0.4)) < 1e-4);
  // detects: the noncentral t's delta with 80 % power at that threshold, 4.3394 se (SciPy:
  // brentq(lambda d: nct.sf(t.ppf(0.995, 8), 8, d) - 0.8)), not the shortcut's 4.2443 se
  assert.ok(
    Math.abs(same["drlim knn_accuracy"]!.detects - 4.339384751778235 * sd * Math.sqrt(0.4)) < 1e-4,
  );
  // a drop beyond it is a regression, a small one is not; a rise beyond it is better
  const shifted = (d: number) => [
    ...seeds("knn_accuracy", [0.8, 0.7, 0.75, 0.72, 0.78].map((x) => x + d)),
    ...seeds("train_loss", [1.0, 1.02, 0.98, 1.01, 0.99]),
  ];
  assert.equal(v(shifted(-0.15))["drlim knn_accuracy"]!.verdict, "regression");
  assert.equal(v(shifted(-0.05))["drlim knn_accuracy"]!.verdict, "ok");
  assert.equal(v(shifted(0.15))["drlim knn_accuracy"]!.verdict, "better");
  // a training loss that moves either way beyond its threshold: changed (counts as a failure)
  const loss = (d: number) => [
    ...seeds("knn_accuracy", [0.8, 0.7, 0.75, 0.72, 0.78]),
    ...seeds("train_loss", [1.0, 1.02, 0.98, 1.01, 0.99].map((x) => x + d)),
  ];
  assert.equal(v(loss(0.2))["drlim train_loss"]!.verdict, "changed");
  assert.equal(v(loss(-0.2))["drlim train_loss"]!.verdict, "changed");
  assert.equal(v(loss(0.005))["drlim train_loss"]!.verdict, "ok");
  assert.equal(compareAll({ rows: loss(0.2), runs: null }, { rows: base, runs: null }).bad, 1);
  // one seed on each side: no spread, the floor decides and nothing is detectable
  const one = compare([row("knn_accuracy", 0.785, 0)], [row("knn_accuracy", 0.8, 0)])[0]!;
  assert.equal(one.verdict, "regression");
  assert.ok(Number.isNaN(one.detects));
  assert.equal(
    compare([row("knn_accuracy", 0.795, 0)], [row("knn_accuracy", 0.8, 0)])[0]!.verdict,
    "ok",
  );
});

Deno.test("compare: weight_change is checked two-sided like the loss; absent from the baseline, not at all", () => {
  const seeds = (metric: string, vs: number[]) => vs.map((v, i) => row(metric, v, i, "byol"));
  const base = [
    ...seeds("linear_accuracy", [0.27, 0.27, 0.27]),
    ...seeds("train_loss", [1.44, 1.36, 1.27]),
    ...seeds("weight_change", [0.50, 0.51, 0.49]),
  ];
  // the learning rate 10x too low: the loss and the accuracy as before, the weights moved less
  const bug = [
    ...seeds("linear_accuracy", [0.27, 0.27, 0.27]),
    ...seeds("train_loss", [1.44, 1.29, 1.16]),
    ...seeds("weight_change", [0.06, 0.061, 0.059]),
  ];
  const v = (now: Record<string, string>[], b = base) =>
    Object.fromEntries(compare(now, b).map((c) => [c.group.metric, c.verdict]));
  assert.deepEqual(v(bug), {
    linear_accuracy: "ok",
    train_loss: "ok",
    weight_change: "changed",
  });
  assert.equal(
    v(base.map((r) => ({ ...r, value: String(Number(r.value) * 1.5) })), base)
      .weight_change,
    "changed",
  );
  assert.equal(checkedCount(base), 3);
  // a baseline made before the row existed checks what it has, and only that
  const old = base.filter((r) => r.metric !== "weight_change");
  assert.deepEqual(v(bug, old), { linear_accuracy: "ok", train_loss: "ok" });
  assert.equal(checkedCount(old), 2);
});

Deno.test("the check's false-alarm rate on unchanged code and other seeds stays near alpha", () => {
  // synthetic seeds: 16 baseline and 16 new values of one accuracy, same distribution
  const rng = new Rng(11, "false-alarms");
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const trials = 2000;
  let alarms = 0;
  for (let t = 0; t < trials; t++) {
    const draw = () =>
      Array.from({ length: 16 }, (_, i) => row("knn_accuracy", 0.7 + 0.1 * normal(), i));
    if (
      compare(draw(), draw(), { alpha: 0.05, floor: 0, power: 0.8 })[0]!.verdict === "regression"
    ) {
      alarms++;
    }
  }
  // one-sided at 5 %: binomial sd 0.5 % over 2,000 trials
  assert.ok(alarms / trials > 0.03 && alarms / trials < 0.07, `${alarms / trials}`);
});

Deno.test("compare: a metric the baseline has and the results lack is reported missing", () => {
  const c = compare([row("knn_accuracy", 0.8, 0)], [row("knn_accuracy", 0.8, 0, "simclr")]);
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
  const c = compare([{ ...row("knn_accuracy", 0.8, 0), overrides: "" }], base);
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

Deno.test("compare: the Bonferroni family can be fixed, so a partial run keeps a full run's thresholds", () => {
  const base = [0.8, 0.7, 0.75].map((v, i) => row("knn_accuracy", v, i));
  const own = compare(base, base)[0]!; // a family of one: this metric
  const wide = compare(base, base, { ...CHECK, family: 13 })[0]!;
  assert.ok(wide.threshold > own.threshold);
  assert.equal(checkedCount([...base, row("knn_accuracy", 0.5, 0, "pca")]), 1);
});
