import assert from "node:assert/strict";
import {
  adjustFamily,
  checkClaims,
  claimLines,
  needText,
  planText,
  pText,
  verdictLabel,
} from "./claims.ts";
import { run } from "./testing.ts";
import type { RunRecord } from "./runs.ts";

/** SimCLR runs of the head sweep: seed s adds s x 0.01 to every head (what pairing cancels). */
function heads(mlp: number, lin: number, none: number, seeds = [0, 1, 2]): RunRecord[] {
  return seeds.flatMap((s) => [
    run({ head: "mlp" }, [["h", mlp + 0.01 * s], ["z", mlp - 0.05 + 0.01 * s]], s),
    run({ head: "linear" }, [["h", lin + 0.011 * s], ["z", lin - 0.05 + 0.01 * s]], s),
    run({ head: "none" }, [["h", none + 0.012 * s]], s),
  ]);
}

Deno.test("checkClaims: effects paired by seed with intervals, verdicts and the chain's verdict", () => {
  const [head, hz] = checkClaims(heads(0.6, 0.5, 0.4));
  assert.equal(head!.claim.id, "simclr-head");
  assert.deepEqual(head!.steps.map((s) => [s.better, s.worse, s.verdict]), [
    ["mlp", "linear", "supported"],
    ["linear", "none", "supported"],
  ]);
  assert.ok(head!.steps.every((s) => s.effect.paired && s.effect.n === 3));
  assert.ok(Math.abs(head!.steps[0]!.effect.difference - (0.1 - 0.001)) < 1e-9);
  assert.equal(head!.verdict, "supported");
  assert.equal(hz!.claim.id, "simclr-h-over-z");
  assert.equal(hz!.verdict, "supported");
  // one step reversed: the chain is contradicted
  assert.equal(checkClaims(heads(0.5, 0.6, 0.4))[0]!.verdict, "contradicted");
});

Deno.test("one seed is inconclusive (1 seed); a claim with a group missing names the command", () => {
  const [one] = checkClaims(heads(0.9, 0.5, 0.1, [0]));
  assert.equal(one!.verdict, "inconclusive");
  assert.equal(verdictLabel(one!), "inconclusive (1 seed)");
  const text = claimLines([one!]).join("\n");
  assert.match(text, /no interval \(at the one seed both have\)/);
  assert.match(text, /\*\*inconclusive \(1 seed\)\*\* \| unknown \(one seed: no spread yet\)/);

  const onlyMlp = heads(0.6, 0.5, 0.4).filter((r) => r.config.head !== "none");
  const missing = checkClaims(onlyMlp).find((c) => c.claim.id === "simclr-head")!;
  assert.equal(missing.verdict, "missing");
  assert.deepEqual(missing.missing, ["none"]);
  assert.match(
    claimLines([missing]).join("\n"),
    /\(simclr-head\): no runs of none; `deno task sweep simclr-head-reference` makes them/,
  );
  // runs that bear on no claim's groups: nothing reported
  assert.deepEqual(checkClaims([run({ lr: 1 }, [["x", 1]])]), []);
});

Deno.test("an inconclusive claim says how many seeds its effect would need; mixed commits are named", () => {
  // differences 0.02, 0.05, -0.01: mean 0.02, sd 0.03
  const noisy = [0.62, 0.65, 0.59].flatMap((mlp, s) => [
    run({ head: "mlp" }, [["h", mlp]], s),
    run({ head: "linear" }, [["h", 0.6]], s),
    run({ head: "none" }, [["h", 0.3]], s),
  ]);
  noisy[0]!.rows[0]!.commit = "aaaaaaa1";
  for (const r of noisy.slice(1)) r.rows[0]!.commit = "bbbbbbb2";
  const [c] = checkClaims(noisy);
  assert.equal(c!.verdict, "inconclusive");
  assert.equal(c!.steps[0]!.verdict, "inconclusive");
  const need = c!.steps[0]!.seedsNeeded!;
  assert.ok(need > 3 && need < 30, `${need}`);
  const text = claimLines([c!]).join("\n");
  assert.match(
    text,
    new RegExp(
      `\\| ${need} to support at the observed effect \\| seeds 0, 1, 2, \\*\\*from 2 commits\\*\\* \\(aaaaaaa, bbbbbbb\\)`,
    ),
  );
});

Deno.test("DrLIM's grouping claims compare digit and shift accuracy above chance", () => {
  const drlim = (pairing: string, digit: number, shift: number, seed: number): RunRecord => ({
    id: `drlim-shifted-seed${seed}-${pairing}`,
    method: "drlim",
    config: { pairing, shifts: "-6,-3,3,6" },
    rows: [
      ["drlim", "knn_digit_accuracy", digit],
      ["drlim", "knn_shift_accuracy", shift],
      ["chance", "knn_digit_accuracy", 0.5],
      ["chance", "knn_shift_accuracy", 0.25],
      ["pca", "knn_digit_accuracy", 0.6],
    ].map(([method, metric, value]) => ({
      method: String(method),
      metric: String(metric),
      value: String(value),
      seed: String(seed),
    })),
  });
  // digit 0.9 is 0.8 of the way from chance 0.5; shift 0.4 is 0.2 of the way from 0.25
  const runs = [0, 1, 2].map((s) => drlim("euclidean+shift", 0.9 + 0.01 * s, 0.4 + 0.01 * s, s));
  const byId = new Map(checkClaims(runs).map((c) => [c.claim.id, c]));
  const shift = byId.get("drlim-shift-pairing")!;
  assert.equal(shift.verdict, "supported");
  assert.ok(Math.abs(shift.steps[0]!.effect.difference - (0.8 + 0.02 - 0.2 - 0.01 / 0.75)) < 1e-9);
  assert.equal(byId.get("drlim-over-pca")!.verdict, "supported");
  // the Euclidean claim needs runs of the other pairing: none here, so it is left out
  assert.equal(byId.has("drlim-euclidean-pairing"), false);
});

Deno.test("a claim on two changes (an interaction): each group's value is relative to its own runs", () => {
  const at = (objective: string, strength: number, value: number, seed: number): RunRecord => ({
    id: `simclr-ci-seed${seed}-${objective}${strength}`,
    method: "simclr",
    config: { objective, strength },
    rows: [{
      method: objective,
      metric: "linear_accuracy",
      features: "h",
      value: String(value),
      seed: String(seed),
    }],
  });
  // SimCLR gains 0.10 from strength 0.125 to 1, the supervised baseline 0.01; seeds shift both
  const runs = [0, 1, 2].flatMap((s) => [
    at("simclr", 0.125, 0.3 + 0.02 * s, s),
    at("simclr", 1, 0.4 + 0.021 * s, s),
    at("supervised", 0.125, 0.5 + 0.03 * s, s),
    at("supervised", 1, 0.51 + 0.029 * s, s),
  ]);
  const c = checkClaims(runs).find((c) => c.claim.id === "simclr-augmentation-vs-supervised")!;
  assert.equal(c.verdict, "supported");
  assert.ok(Math.abs(c.steps[0]!.effect.difference - (0.1 + 0.001 - 0.01 + 0.001)) < 1e-9);
  // the plain colour claim counts SimCLR's runs only
  const colour = checkClaims(runs).find((c) => c.claim.id === "simclr-colour")!;
  assert.ok(Math.abs(colour.steps[0]!.effect.difference - 0.101) < 1e-9);
  // without the supervised runs at 0.125 that group has no value: missing
  const partial = runs.filter((r) =>
    !(r.config.objective === "supervised" && r.config.strength === 0.125)
  );
  assert.equal(
    checkClaims(partial).find((c) => c.claim.id === "simclr-augmentation-vs-supervised")!.verdict,
    "missing",
  );
});

Deno.test("verdicts come from Holm-adjusted p: a family of many tests asks more of each", () => {
  // differences 0.03, 0.02, 0.04 (mlp - linear): t = 5.196 on 2 df, p = 0.0351 alone
  const runs = [0.63, 0.62, 0.64].flatMap((mlp, s) => [
    run({ head: "mlp" }, [["h", mlp]], s),
    run({ head: "linear" }, [["h", 0.6]], s),
    run({ head: "none" }, [["h", [0.57, 0.58, 0.56][s]!]], s), // linear - none: the same p
  ]);
  const [alone] = adjustFamily(checkClaims(runs).filter((c) => c.claim.id === "simclr-head"));
  const step = alone!.steps[0]!;
  assert.ok(Math.abs(step.p - 0.035098) < 1e-5, `p ${step.p}`); // scipy: 2 * t.sf(5.196, 2)
  assert.equal(alone!.family, 2);
  assert.ok(Math.abs(step.pAdjusted - 2 * step.p) < 1e-12); // two equal p: each becomes 2 p
  assert.equal(step.verdict, "inconclusive"); // 0.070 > 0.05, though the raw interval excludes 0
  assert.ok(step.effect.low > 0);
  assert.equal(alone!.verdict, "inconclusive");
  // alone in its family the same step is supported
  const [single] = adjustFamily([{ ...alone!, steps: [step] }]);
  assert.equal(single!.verdict, "supported");
  // its power for the default plan (+0.02) at sd 0.01 over 3 paired seeds, at alpha 0.05:
  // SciPy nct.sf(t.ppf(0.975, 2), 2, 0.02 / (0.01 / sqrt(3))) = 0.4707; 0.755 at 4, 0.909 at 5
  assert.ok(Math.abs(single!.steps[0]!.power - 0.47074770619294315) < 1e-8);
  assert.equal(single!.steps[0]!.seedsPlanned, 5);
  assert.equal(
    planText(single!),
    "+0.020 (minimum effect of interest, 2 points): power 0.47 at 3 seeds; 0.8 at 5",
  );
  // in the family of two, Holm's level is lower for one of the steps: less power, more seeds
  assert.ok(Math.min(...alone!.steps.map((s) => s.power)) < single!.steps[0]!.power);
  assert.match(pText(step), /^0\.035 \(Holm 0\.070\)$/);
  assert.match(claimLines([alone!]).join("\n"), /Holm-adjusted across the 2 tests of this section/);
});

Deno.test("seeds to conclude say in which direction; an effect against the claim never supports it", () => {
  // mlp below linear at every seed but noisily: the claim's first step runs the wrong way
  const runs = [0.58, 0.61, 0.55].flatMap((mlp, s) => [
    run({ head: "mlp" }, [["h", mlp]], s),
    run({ head: "linear" }, [["h", 0.6]], s),
    run({ head: "none" }, [["h", 0.3]], s),
  ]);
  const c = checkClaims(runs).find((c) => c.claim.id === "simclr-head")!;
  assert.equal(c.verdict, "inconclusive");
  assert.match(
    needText(c),
    /^no number of seeds supports it: the observed effect has the opposite sign \(\d+ would contradict it\)$/,
  );
});
