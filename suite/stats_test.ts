import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import {
  effectOf,
  interval95,
  meanStd,
  median,
  seedsNeeded,
  studentTCdf,
  tQuantile,
  verdictOf,
  windowMeans,
} from "./stats.ts";

Deno.test("median handles odd and even lengths and rejects empty lists", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /empty/);
});

Deno.test("meanStd: sample standard deviation, 0 for one value", () => {
  assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(meanStd([5]), { mean: 5, std: 0, n: 1 });
});

Deno.test("tQuantile matches the t table (two-sided 95 %) and tends to the normal", () => {
  const table: [number, number][] = [[1, 12.706], [2, 4.303], [4, 2.776], [9, 2.262], [30, 2.042]];
  for (const [df, t] of table) assert.ok(Math.abs(tQuantile(0.975, df) - t) < 1e-3, `df ${df}`);
  assert.ok(Math.abs(tQuantile(0.975, 1e6) - 1.95996) < 1e-4);
  assert.ok(Math.abs(tQuantile(0.025, 4) + 2.776) < 1e-3);
  assert.ok(Math.abs(studentTCdf(0, 3) - 0.5) < 1e-12);
  assert.throws(() => tQuantile(1, 3), /0 < p < 1/);
});

Deno.test("interval95: mean +/- t x std / sqrt(n), none for one value", () => {
  const i = interval95([1, 2, 3]);
  assert.ok(Math.abs(i.half - 4.303 / Math.sqrt(3)) < 1e-3);
  assert.ok(Math.abs(i.low - (2 - i.half)) < 1e-12);
  assert.ok(Number.isNaN(interval95([5]).half));
});

Deno.test("effectOf pairs by seed when two seeds are shared, else Welch, else no interval", () => {
  const m = (o: Record<string, number>) => new Map(Object.entries(o));
  // paired: the seeds' common offsets cancel, the differences are 0.1, 0.12, 0.08
  const p = effectOf(m({ 0: 0.6, 1: 0.72, 2: 0.48 }), m({ 0: 0.5, 1: 0.6, 2: 0.4 }));
  assert.equal(p.paired, true);
  assert.ok(Math.abs(p.difference - 0.1) < 1e-12);
  assert.ok(Math.abs(p.high - p.low - 2 * 4.303 * 0.02 / Math.sqrt(3)) < 1e-3);
  assert.equal(verdictOf(p), "supported");
  // the same values unpaired (different seeds) do not separate
  const w = effectOf(m({ 0: 0.6, 1: 0.72, 2: 0.48 }), m({ 3: 0.5, 4: 0.6, 5: 0.4 }));
  assert.equal(w.paired, false);
  assert.equal(verdictOf(w), "inconclusive");
  // one seed: no interval, always inconclusive, and no seed count can be computed
  const one = effectOf(m({ 0: 0.9 }), m({ 0: 0.1 }));
  assert.ok(Number.isNaN(one.low));
  assert.equal(verdictOf(one), "inconclusive");
  assert.equal(seedsNeeded(one), null);
  assert.equal(verdictOf(effectOf(m({ 0: 0.1, 1: 0.2 }), m({ 0: 0.5, 1: 0.65 }))), "contradicted");
});

Deno.test("seedsNeeded: the smallest n whose interval would exclude 0", () => {
  const e = effectOf(
    new Map([["0", 0.5], ["1", 0.7], ["2", 0.45]]),
    new Map([["0", 0.5], ["1", 0.6], ["2", 0.4]]),
  );
  const n = seedsNeeded(e)!;
  const ok = (k: number) => tQuantile(0.975, k - 1) * e.sd / Math.sqrt(k) < e.difference;
  assert.ok(ok(n) && !ok(n - 1), `n = ${n}`);
  assert.equal(seedsNeeded({ ...e, difference: 0 }), null);
});

/** Verdicts on synthetic seeds with a known effect: how often each verdict comes out. */
function verdictRates(effect: number, seeds: number, paired: boolean, trials = 4000) {
  const rng = new Rng(7, "verdict-rates");
  const normal = () =>
    Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
  const counts = { supported: 0, contradicted: 0, inconclusive: 0 };
  for (let t = 0; t < trials; t++) {
    const a = new Map<string, number>(), b = new Map<string, number>();
    for (let s = 0; s < seeds; s++) {
      const seedOffset = 0.05 * normal(); // what a seed does to both arms alike
      a.set(String(s), 0.5 + effect + seedOffset + 0.01 * normal());
      b.set(
        String(paired ? s : s + seeds),
        0.5 + (paired ? seedOffset : 0.05 * normal()) +
          0.01 * normal(),
      );
    }
    counts[verdictOf(effectOf(a, b))]++;
  }
  return { supported: counts.supported / trials, contradicted: counts.contradicted / trials };
}

Deno.test("a zero effect is called at no more than the nominal 5 %, a large one is supported", () => {
  for (const [seeds, paired] of [[3, true], [5, true], [3, false], [8, false]] as const) {
    const zero = verdictRates(0, seeds, paired);
    // 5 % nominal, split between the two tails; 4,000 trials: binomial sd 0.35 %
    assert.ok(
      zero.supported + zero.contradicted <= 0.065,
      `${seeds} ${paired} ${JSON.stringify(zero)}`,
    );
    assert.ok(
      zero.supported + zero.contradicted >= 0.035,
      `${seeds} ${paired} ${JSON.stringify(zero)}`,
    );
  }
  // paired: the seed offsets cancel, a 0.05 effect against 0.014 noise per difference
  assert.ok(verdictRates(0.05, 3, true, 1000).supported >= 0.8);
  assert.ok(verdictRates(0.5, 3, false, 1000).supported >= 0.99);
  assert.equal(verdictRates(-0.5, 3, false, 1000).contradicted >= 0.99, true);
});

Deno.test("effectOf with one seed shared takes the difference at that seed, without an interval", () => {
  const e = effectOf(new Map([["0", 0.5], ["1", 0.7]]), new Map([["0", 0.45]]));
  assert.ok(Math.abs(e.difference - 0.05) < 1e-12);
  assert.ok(Number.isNaN(e.low));
  assert.equal(verdictOf(e), "inconclusive");
});

Deno.test("windowMeans: a curve of at most max points, each the mean of its window of steps", () => {
  const pts = Array.from({ length: 10 }, (_, i) => ({ step: i + 1, loss: i }));
  assert.deepEqual(windowMeans(pts, 20), { every: 1, points: pts });
  const cut = windowMeans(pts, 4); // windows of 3: steps 1-3, 4-6, 7-9, 10
  assert.equal(cut.every, 3);
  assert.deepEqual(cut.points, [
    { step: 3, loss: 1 },
    { step: 6, loss: 4 },
    { step: 9, loss: 7 },
    { step: 10, loss: 9 },
  ]);
  assert.deepEqual(windowMeans([], 5), { every: 1, points: [] });
});
