import assert from "node:assert/strict";
import { run } from "./testing.ts";
import { sweepSummary, trendChecks, trendLines, varyingKeys } from "./sweep_report.ts";

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

Deno.test("trends state whether the runs agree with the papers' orderings", () => {
  const h = "h", z = "z";
  const agree = [
    run({ head: "mlp" }, [[h, 0.6], [z, 0.4]]),
    run({ head: "linear" }, [[h, 0.5], [z, 0.45]]),
    run({ head: "none" }, [[h, 0.4], [z, 0.4]]),
  ];
  const t = trendLines(trendChecks(agree)).join("\n");
  assert.match(
    t,
    /SimCLR claims MLP head > linear head > no head \(.*\), on linear-probe accuracy on h: mlp 0\.6000, linear 0\.5000, none 0\.4000 .*\*\*agrees\*\*/,
  );
  // h > z over the runs with a head only: (0.6 + 0.5) / 2 against (0.4 + 0.45) / 2
  assert.match(t, /h \(before the head\) > z .*h 0\.5500, z 0\.4250 .*\*\*agrees\*\*/);
  const flipped = [
    run({ head: "mlp" }, [[h, 0.4]]),
    run({ head: "linear" }, [[h, 0.5]]),
    run({ head: "none" }, [[h, 0.6]]),
  ];
  assert.match(trendLines(trendChecks(flipped)).join("\n"), /\*\*does not agree\*\*/);
  assert.deepEqual(trendChecks([run({ lr: 1 }, [["x", 1]])]), []);
});

Deno.test("trends compare only the seeds every group has", () => {
  const h = "h";
  const runs = [
    run({ head: "mlp" }, [[h, 0.5]], 0),
    run({ head: "mlp" }, [[h, 0.1]], 1), // a seed the other heads lack: left out
    run({ head: "linear" }, [[h, 0.45]], 0),
    run({ head: "none" }, [[h, 0.4]], 0),
  ];
  const [byHead] = trendChecks(runs);
  assert.deepEqual(byHead!.seeds, ["0"]);
  assert.deepEqual(byHead!.values, [0.5, 0.45, 0.4]);
  assert.ok(byHead!.agrees);
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
