import assert from "node:assert/strict";
import { join } from "node:path";
import { rowsByRun, type RunFolder } from "./runs.ts";
import {
  budgetPlot,
  effectPoints,
  equalTimeText,
  fidelityCheck,
  fidelityOf,
  intervalText,
  meetsTier,
  referenceResult,
  resultsTable,
  runNumbers,
  sideOf,
  trendText,
} from "./reference.ts";
import { REFERENCE_MARKERS, referenceResults } from "./reference_main.ts";
import { replaceBetween } from "./readme.ts";
import { METHODS } from "./methods.ts";
import { configHash } from "../suite/config.ts";
import { TIER_DEFAULT } from "../suite/method.ts";
import { appendResults, type ResultRow } from "../io/csv.ts";
import { resultRow } from "./testing.ts";

/** A folder of runs: per seed the trained and random kNN / linear on h, training seconds. */
function folder(
  runs: { seed: number; knn: number; linear: number; rKnn: number; rLinear: number; s: number }[],
  method = "simclr",
  hash = "h1",
): RunFolder {
  const rows: Record<string, string>[] = [];
  const firsts = new Map<string, Record<string, unknown> | null>();
  const phases = new Map();
  for (const r of runs) {
    const id = `${method}-reference-seed${r.seed}-${hash}`;
    const row = (who: string, metric: string, value: number) => ({
      run_id: id,
      method: who,
      features: "h",
      metric,
      value: String(value),
      seed: String(r.seed),
      config_hash: hash,
      commit: "abcdef1234",
    });
    rows.push(
      row(method, "knn_accuracy", r.knn),
      row(method, "linear_accuracy", r.linear),
      row("random-init", "knn_accuracy", r.rKnn),
      row("random-init", "linear_accuracy", r.rLinear),
    );
    firsts.set(id, { config: { epochs: 4 }, host_cpu: "CPU X, 2 cores, AVX2" });
    phases.set(id, { data: 1, train: r.s, eval: 10 });
  }
  return {
    rows,
    byRun: rowsByRun(rows),
    firsts,
    records: [],
    phases,
    curves: new Map(),
    peakBytes: new Map(),
    unfinished: [],
  };
}

const learned = folder([
  { seed: 0, knn: 0.42, linear: 0.46, rKnn: 0.35, rLinear: 0.39, s: 600 },
  { seed: 1, knn: 0.43, linear: 0.45, rKnn: 0.35, rLinear: 0.39, s: 660 },
  { seed: 2, knn: 0.41, linear: 0.47, rKnn: 0.34, rLinear: 0.40, s: 630 },
]);

Deno.test("a side's gains are paired by seed, its minutes from the logs", () => {
  const s = sideOf(runNumbers(learned, "simclr"))!;
  assert.deepEqual(s.seeds, ["0", "1", "2"]);
  assert.ok(Math.abs(s.gain.knn_accuracy.difference - 0.0733) < 1e-3);
  assert.equal(s.gain.knn_accuracy.paired, true);
  assert.ok(Math.abs(s.minutes.mean - 10.5) < 1e-9);
  assert.equal(s.maxMinutes, 11);
  assert.deepEqual(s.hosts, ["CPU X, 2 cores, AVX2"]);
  assert.equal(intervalText(s.trained.knn_accuracy), "42.0 [39.5, 44.5]");
  assert.match(effectPoints(s.gain.linear_accuracy), /^\+6\.7 \[\+[0-9.]+, \+[0-9.]+\]$/);
  assert.deepEqual(meetsTier(s), { met: true, why: "" });
});

Deno.test("a method's own tier measures: DrLIM's 2-D map has kNN and no linear probe", () => {
  const f = folder([0, 1, 2].map((seed) => ({
    seed,
    knn: 0.85 + seed / 100,
    linear: 0,
    rKnn: 0.6,
    rLinear: 0,
    s: 60,
  })));
  // as DrLIM writes them: knn_digit_accuracy on its embedding, no linear probe
  f.rows = f.rows.filter((r) => r.metric === "knn_accuracy").map((r) => ({
    ...r,
    metric: "knn_digit_accuracy",
    features: "embedding",
  }));
  f.byRun = rowsByRun(f.rows);
  const s = sideOf(runNumbers(f, "simclr", { features: "embedding", knn: "knn_digit_accuracy" }))!;
  assert.deepEqual(s.measured, ["knn_accuracy"]);
  assert.equal(intervalText(s.trained.linear_accuracy), "-");
  assert.deepEqual(meetsTier(s), { met: true, why: "" });
  // read as two-view rows (h), nothing is measured
  assert.match(meetsTier(sideOf(runNumbers(f, "simclr"))!).why, /no accuracy measured/);
});

Deno.test("the tier is not met with fewer seeds, a small gain, or over 15 minutes a seed", () => {
  const two = sideOf(runNumbers(learned, "simclr").slice(0, 2))!;
  assert.match(meetsTier(two).why, /2 of 3 seeds/);
  const small = sideOf(runNumbers(
    folder([0, 1, 2].map((seed) => ({
      seed,
      knn: 0.38 + seed / 100,
      linear: 0.42,
      rKnn: 0.35,
      rLinear: 0.39,
      s: 960,
    }))),
    "simclr",
  ))!;
  const why = meetsTier(small).why;
  assert.match(why, /kNN gain below 5.0 points/);
  assert.match(why, /linear gain below 5.0 points/);
  assert.match(why, /training over 15 minutes a seed/);
});

Deno.test("the suite's difference from PyTorch is Welch's, never paired by seed number", () => {
  const peer = folder([
    { seed: 0, knn: 0.43, linear: 0.46, rKnn: 0.36, rLinear: 0.4, s: 60 },
    { seed: 1, knn: 0.44, linear: 0.47, rKnn: 0.36, rLinear: 0.4, s: 61 },
    { seed: 2, knn: 0.42, linear: 0.45, rKnn: 0.36, rLinear: 0.4, s: 62 },
  ]);
  const e = fidelityOf(runNumbers(learned, "simclr"), runNumbers(peer, "simclr"), "knn_accuracy");
  assert.equal(e.paired, false);
  assert.ok(Math.abs(e.difference + 0.01) < 1e-9);
});

Deno.test("a method short of the tier: how far it got, and the minutes its trend predicts", () => {
  const at = (gain: number, s: number) =>
    sideOf(runNumbers(
      folder([{ seed: 0, knn: 0.35 + gain, linear: 0.39 + gain, rKnn: 0.35, rLinear: 0.39, s }]),
      "simclr",
    ))!;
  const r = {
    method: "byol",
    title: "BYOL",
    preset: true,
    tier: TIER_DEFAULT,
    epochs: 2,
    hash: "h",
    suite: null,
    peer: null,
    fidelity: null,
    budget: [{ epochs: 1, side: at(0.01, 240) }, { epochs: 2, side: at(0.02, 480) }],
    peerBudget: [{ epochs: 40, side: at(0.06, 600) }],
    folders: { suite: "s", peer: "p" },
  };
  const text = trendText(r)!;
  assert.match(text, /largest budget, 2 epochs \(8\.0 minutes\), gains kNN \+2\.0/);
  // +1 point per doubling from 2 points at 8 minutes: 5 points at 64 minutes, 16 epochs
  assert.match(
    text,
    /kNN gain grows \+1\.0 points per doubling.*at about 64 minutes \(16 epochs\)/,
  );
  assert.match(
    text,
    /PyTorch on the same recipe gains 5\.0 kNN points from 40 epochs.*160 minutes/,
  );
  assert.equal(trendText({ ...r, suite: sideOf(runNumbers(learned, "simclr")) }), null);
});

Deno.test("bench:ci's fidelity check: the suite's mean within PyTorch's interval +/- 2 points", () => {
  const suite = runNumbers(learned, "simclr");
  const peerAt = (knn: number) =>
    folder([0, 1, 2].map((seed) => ({
      seed,
      knn: knn + seed / 200,
      linear: 0.47,
      rKnn: 0.35,
      rLinear: 0.39,
      s: 60,
    })));
  const near = peerAt(0.43), far = peerAt(0.48);
  const result = (peer: RunFolder) => ({
    method: "simclr",
    title: "SimCLR",
    preset: true,
    tier: TIER_DEFAULT,
    epochs: 4,
    hash: "h1",
    suite: sideOf(suite),
    peer: sideOf(runNumbers(peer, "simclr")),
    fidelity: null,
    budget: [],
    peerBudget: [],
    folders: { suite: "s", peer: "p" },
  });
  const ok = fidelityCheck([result(near)], new Set(["simclr"]));
  assert.equal(ok.bad, 0);
  assert.match(ok.lines[0]!, /^ok SimCLR kNN on h: the suite's 42\.0 within PyTorch's 43\.5/);
  const bad = fidelityCheck([result(far)], new Set(["simclr"]));
  assert.equal(bad.bad, 1); // kNN 6.5 points off; linear the same
  assert.match(bad.lines[0]!, /^FIDELITY SimCLR kNN on h: the suite's 42\.0 outside/);
  // PyTorch runs of another recipe than the preset's: the preset changed without them
  const stale = fidelityCheck([{ ...result(near), peer: null }], new Set(["simclr"]));
  assert.equal(stale.bad, 1);
  assert.match(stale.lines[0]!, /another recipe.*deno task peer --method simclr --out p/);
  const none = fidelityCheck([{ ...result(near), peer: null }], new Set());
  assert.deepEqual(none, {
    lines: ["no method has both sides' reference runs committed yet"],
    bad: 0,
  });
});

/** Writes runs of SimCLR's reference recipe at [epochs, seed, hash or "" for the recipe's] into
 * `dir`: kNN 0.4 + epochs / 100, training 100 s an epoch (`perEpoch`). */
async function writeRuns(
  dir: string,
  runs: (readonly [number, number, string])[],
  perEpoch = 100,
  backend = "webgpu",
): Promise<void> {
  const cfg = METHODS.simclr!.resolve(["reference"], []).config;
  await Deno.mkdir(dir, { recursive: true });
  const rows: ResultRow[] = [];
  for (const [epochs, seed, hash] of runs) {
    const h = hash || configHash("simclr", { ...cfg, epochs });
    const run = `simclr-reference-seed${seed}-${h.slice(0, 8)}`;
    await Deno.mkdir(join(dir, "runs", run), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "runs", run, "log.jsonl"),
      JSON.stringify({ type: "config", config: { ...cfg, epochs } }) + "\n" +
        JSON.stringify({ type: "phases", data_s: 1, train_s: perEpoch * epochs, eval_s: 5 }) +
        "\n",
    );
    for (
      const [who, metric, value] of [
        ["simclr", "knn_accuracy", 0.4 + epochs / 100],
        ["random-init", "knn_accuracy", 0.35],
        ["simclr", "linear_accuracy", 0.45],
        ["random-init", "linear_accuracy", 0.39],
      ] as const
    ) {
      rows.push(
        resultRow({
          method: who,
          metric,
          value,
          seed,
          config_hash: h,
          features: "h",
          run_id: run,
          backend,
        }),
      );
    }
  }
  await appendResults(join(dir, "results.csv"), rows);
}

Deno.test("referenceResult takes the reference config's runs, the study's budgets and PyTorch's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const m = METHODS.simclr!;
    const E = Number(m.resolve(["reference"], []).config.epochs);
    await writeRuns(join(dir, "sweep-simclr-budget"), [[E, 0, ""], [E, 1, ""], [1, 0, ""], [
      E,
      2,
      "other",
    ]]);
    let r = await referenceResult(m, dir);
    assert.equal(r.epochs, E);
    assert.deepEqual(r.suite!.seeds, ["0", "1"]); // the "other" config's seed 2 is not the tier's
    assert.deepEqual(r.budget.map((b) => [b.epochs, b.side.seeds]), [[1, ["0"]], [E, ["0", "1"]]]);
    assert.equal(r.peer, null);
    assert.equal(equalTimeText(r), null);
    const table = resultsTable([r]).join("\n");
    const knn = (100 * (0.4 + E / 100)).toFixed(1);
    assert.ok(table.includes(`SimCLR (${E} epochs, on h) | ${knn} [${knn}, ${knn}]`), table);
    assert.match(table, /2 of 3 seeds/);

    // PyTorch: the recipe at E epochs (2 seeds) and at 10 E, each epoch 10 s
    await writeRuns(
      join(dir, "peer-simclr-reference"),
      [[E, 0, ""], [E, 1, ""], [10 * E, 0, ""]],
      10,
      "pytorch",
    );
    r = await referenceResult(m, dir);
    assert.deepEqual(r.peer!.seeds, ["0", "1"]);
    assert.deepEqual(r.peerBudget.map((b) => b.epochs), [E, 10 * E]);
    assert.equal(r.fidelity!.knn_accuracy.difference, 0);
    // the suite's E epochs take as long as PyTorch's 10 E
    const minutes = (100 * E / 60).toFixed(1);
    assert.ok(
      equalTimeText(r)!.includes(`the suite's ${E} epochs take ${minutes} minutes`) &&
        equalTimeText(r)!.includes(`PyTorch's ${10 * E} epochs`),
      equalTimeText(r)!,
    );
    const svg = budgetPlot(r)!;
    for (const name of ["suite kNN", "suite linear", "PyTorch kNN", "random kNN"]) {
      assert.ok(svg.includes(name), name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the README's results table is the one `deno task reference` makes from the committed reports", async () => {
  const repo = new URL("..", import.meta.url).pathname;
  const readme = await Deno.readTextFile(join(repo, "README.md"));
  const results = await referenceResults(join(repo, "reports"));
  assert.equal(
    replaceBetween(readme, resultsTable(results), "README.md", REFERENCE_MARKERS, "the table"),
    readme,
    "README.md's results table is stale: run `deno task reference` and commit README.md",
  );
});
