import assert from "node:assert/strict";
import { run } from "./testing.ts";
import { lossCurvePlots, sweepCost, sweepSummary, varyingKeys } from "./sweep_report.ts";

Deno.test("varyingKeys finds the swept keys and nothing for repeated seeds", () => {
  const a = run({ lr: 1, batch: 8, seedless: "x" }, []),
    b = run({ lr: 2, batch: 8, seedless: "x" }, []);
  assert.deepEqual(varyingKeys([a, b]), ["lr"]);
  assert.deepEqual(varyingKeys([a, a]), []);
  assert.deepEqual(sweepSummary([a, a]), { lines: [], plots: [] });
});

Deno.test("sweepSummary: mean +/- std over seeds per axis value, and a plot for one numeric axis", () => {
  const runs = [
    run({ batch: 32 }, [["h", 0.3]]),
    run({ batch: 32 }, [["h", 0.5]]),
    run({ batch: 64 }, [["h", 0.6]]),
  ];
  const { lines, plots } = sweepSummary(runs);
  const text = lines.join("\n");
  assert.match(text, /## Sweep over batch/);
  assert.match(text, /\| simclr \| 32 \| 0\.4000 \+\/- 0\.1414 \(2\)/);
  assert.match(text, /\| simclr \| 64 \| 0\.6000 \+\/- 0\.0000 \(1\)/);
  assert.equal(plots.length, 1);
  assert.match(plots[0]!.svg, /^<svg/);
});

Deno.test("sweepSummary: one section per method; configs of different methods are not compared", () => {
  const h = "h";
  const drlim = (margin: number) => ({
    ...run({ margin, lr: 1 }, [[h, 0.5]]),
    id: `drlim-ci-${margin}`,
    method: "drlim",
  });
  const runs = [
    drlim(1),
    drlim(2),
    run({ head: "mlp" }, [[h, 0.5]]),
    run({ head: "none" }, [[h, 0.4]]),
  ];
  const text = sweepSummary(runs).lines.join("\n");
  assert.match(text, /## Sweep over margin \(drlim\)/);
  assert.match(text, /## Sweep over head \(simclr\)/);
  assert.doesNotMatch(text, /Sweep over (margin, lr|lr)/);
  // runs of two methods that each have one config: no sweep at all
  assert.deepEqual(sweepSummary([drlim(1), run({ head: "mlp" }, [[h, 0.5]])]).lines, []);
});

Deno.test("sweepSummary: grouped bars for a categorical axis (head variants x output size)", () => {
  const h = "h";
  const runs = ["none", "linear", "mlp"].flatMap((head, i) =>
    [32, 128].map((headDim) => run({ head, headDim }, [[h, 0.3 + 0.1 * i]]))
  );
  const { lines, plots } = sweepSummary(runs);
  assert.equal(plots.length, 1);
  assert.match(plots[0]!.svg, /headDim=32, simclr, on h/);
  assert.equal(plots[0]!.svg.split("<rect x").length - 1 - 2 /* frame + legend */ >= 6, true);
  assert.match(lines.join("\n"), /!\[linear_accuracy vs head\]/);
});

Deno.test("sweep plots: 95 % intervals as error bars, baselines as reference lines, log x", () => {
  const h = "h";
  const runs = [32, 64, 128].flatMap((batch) =>
    [0, 1, 2].map((seed) => {
      const r = run({ batch }, [[h, 0.3 + batch / 1000 + 0.01 * seed]], seed);
      r.rows.push({ ...r.rows[0]!, method: "random-init", value: "0.25" });
      return r;
    })
  );
  const { plots } = sweepSummary(runs);
  const svg = plots[0]!.svg;
  assert.match(svg, /mean over seeds, bars the 95 % interval \(t\)/);
  assert.equal((svg.match(/<path d="M/g) ?? []).length, 3); // one interval per batch size
  assert.match(svg, /random-init, on h \(mean over the sweep\): 0\.25/);
  assert.match(svg, /images per step.*\(batch\), log scale/);
  assert.doesNotMatch(svg, /<polyline[^>]*#7f7f7f/); // the baseline is no curve of its own
});

Deno.test("lossCurvePlots: every seed overlaid, one plot per configuration with two or more seeds", () => {
  const runs = ["mlp", "none"].flatMap((head) =>
    [0, 1].map((seed) => run({ head, lr: 1 }, [["h", 0.5]], seed))
  );
  runs.push(run({ head: "linear", lr: 1 }, [["h", 0.5]], 0)); // one seed: its own loss.svg only
  runs[0]!.rows.push({ ...runs[0]!.rows[0]!, metric: "train_loss", protocol: "NT-Xent, mean" });
  const curves = new Map(
    runs.map((r, i) => [r.id, Array.from({ length: 250 }, (_, s) => ({ step: s + 1, loss: i }))]),
  );
  const { lines, plots } = lossCurvePlots(runs, curves);
  assert.deepEqual(plots.map((p) => p.file), [
    "sweep_loss_simclr_head-mlp.svg",
    "sweep_loss_simclr_head-none.svg",
  ]);
  assert.match(lines.join("\n"), /## Training loss of every seed/);
  assert.match(lines.join("\n"), /!\[simclr, head=mlp: training loss of every seed\]/);
  const svg = plots[0]!.svg;
  assert.match(svg, /seed 0/);
  assert.match(svg, /seed 1/);
  assert.match(svg, /training loss of 2 seeds \(means over 3 steps\)/);
  assert.match(svg, /NT-Xent/); // the loss named as the run's train_loss row names it
  assert.equal((svg.match(/<polyline/g) ?? []).length, 2);
  // runs without a curve, or every configuration run once: no section
  assert.deepEqual(lossCurvePlots(runs, new Map()), { lines: [], plots: [] });
  assert.deepEqual(lossCurvePlots(runs.slice(0, 1), curves), { lines: [], plots: [] });
});

Deno.test("sweepCost: mean training and evaluation time, throughput and peak memory per configuration", () => {
  const runs = [25, 100].flatMap((classes) =>
    [0, 1].map((seed) => {
      const r = run({ classes }, [["h", 0.3]], seed);
      r.rows[0]!.images_per_s = String(classes === 25 ? 300 : 200 + seed * 10);
      return r;
    })
  );
  const phases = new Map(runs.map((r, i) => [r.id, { data: 1, train: 10 * (i + 1), eval: 5 }]));
  const peak = new Map(runs.map((r, i) => [r.id, (i + 1) * 2 ** 20]));
  const lines = sweepCost(runs, phases, peak);
  assert.match(lines.join("\n"), /### What each configuration costs \(simclr\)/);
  assert.ok(lines.includes("| 25 | 2 | 15.0 | 5.0 | 300.0 | 1.5 |"), lines.join("\n"));
  assert.ok(lines.includes("| 100 | 2 | 35.0 | 5.0 | 205.0 | 3.5 |"), lines.join("\n"));
  // a run without the number (logged before it was measured): "-", not a mean of the others
  peak.delete(runs[3]!.id);
  assert.ok(sweepCost(runs, phases, peak).includes("| 100 | 2 | 35.0 | 5.0 | 205.0 | - |"));
  assert.deepEqual(sweepCost(runs.slice(0, 1), phases, peak), []); // no sweep, no table
});
