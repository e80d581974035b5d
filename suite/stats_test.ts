import assert from "node:assert/strict";
import { Rng } from "../core/rng.ts";
import {
  detectableEffect,
  effectOf,
  holm,
  interval95,
  meanStd,
  median,
  noncentralTCdf,
  normalCdf,
  powerToSupport,
  pValueOf,
  seedsForPower,
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

// Fixtures from SciPy 1.17.1 (Debian's python3-scipy), computed independently of this module:
//   stats.norm.cdf(x); stats.nct.cdf(t, df, delta); power = stats.nct.sf(stats.t.ppf(0.975, df),
//   df, effect / (sd / sqrt(n))); detectable delta = brentq(lambda d: stats.nct.sf(stats.t.ppf(
//   0.975, df), df, d) - 0.8, 0.1, 50); p = 2 * stats.t.sf(abs(t), df).
Deno.test("normalCdf and noncentralTCdf match SciPy", () => {
  const close = (a: number, b: number, tol: number, what: string) =>
    assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} against SciPy's ${b}`);
  for (
    const [x, want] of [[-3, 0.0013498980316300933], [0.5, 0.6914624612740131], [
      1.96,
      0.9750021048517795,
    ]]
  ) close(normalCdf(x!), want!, 1e-11, `Phi(${x})`);
  close(normalCdf(-8), 6.22096057427174e-16, 1e-25, "Phi(-8)");
  for (
    const [t, df, delta, want] of [
      [2.776, 4, 1, 0.8805016859707714],
      [1.5, 1, 2, 0.26293509619812555],
      [-0.5, 2, 0.7, 0.1326449669503116],
      [2.0, 10, 3.5, 0.07856623773162004],
      [2.228, 10, 2.5, 0.383428377988414],
      [4.303, 2, 5, 0.280871533596404],
      [1.7, 1.5, 1.2, 0.5601769104343709], // a Welch df: S's density is steep at 0
    ]
  ) {
    close(noncentralTCdf(t!, df!, delta!), want!, 1e-9, `F(${t}; ${df}, ${delta})`);
  }
  assert.equal(noncentralTCdf(1.3, 4, 0), studentTCdf(1.3, 4));
  assert.throws(() => noncentralTCdf(1, 0.5, 1), /df >= 1/);
});

Deno.test("power, seeds for power and the detectable effect come from the noncentral t (SciPy)", () => {
  const close = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) <= 1e-6, `${what}: ${a} against SciPy's ${b}`);
  close(powerToSupport(1, 1, 5, true), 0.4013202851995053, "paired, 5 seeds");
  close(powerToSupport(2, 1.5, 3, true), 0.26738334683807247, "paired, 3 seeds");
  close(powerToSupport(1, 1, 10, false), 0.8484471230997169, "two groups of 10");
  // 4 df: the normal approximation (t(0.975) + t(0.8)) x se = 3.717 se finds less than 80 %
  close(detectableEffect(1, 4, 0.025, 0.8), 3.761060261004303, "df 4");
  close(detectableEffect(2, 10, 0.025, 0.8), 2 * 3.1099710408565775, "df 10");
  assert.ok(powerToSupport(tQuantile(0.975, 4) + tQuantile(0.8, 4), Math.sqrt(5), 5, true) < 0.8);
  const n = seedsForPower(1, 1, true)!;
  assert.ok(powerToSupport(1, 1, n, true) >= 0.8 && powerToSupport(1, 1, n - 1, true) < 0.8);
  assert.equal(n, 10);
  assert.equal(seedsForPower(-1, 1, true), null);
  assert.throws(() => powerToSupport(1, 1, 1, true), /n >= 2/);
});

Deno.test("pValueOf is the t test's two-sided p; below 0.05 exactly when the interval excludes 0", () => {
  const a = new Map([["0", 0.50], ["1", 0.52], ["2", 0.49], ["3", 0.53]]);
  const b = new Map([["0", 0.47], ["1", 0.50], ["2", 0.48], ["3", 0.49]]);
  const e = effectOf(a, b); // differences 0.03, 0.02, 0.01, 0.04: t = 0.025 / (0.0129 / 2)
  assert.ok(Math.abs(pValueOf(e) - 0.030466291662170977) < 1e-9, `p ${pValueOf(e)}`); // 2 t.sf(3.873, 3)
  assert.equal(pValueOf(e) < 0.05, verdictOf(e) === "supported");
  const noisy = effectOf(a, new Map([["0", 0.55], ["1", 0.45], ["2", 0.52], ["3", 0.44]]));
  assert.equal(pValueOf(noisy) < 0.05, verdictOf(noisy) !== "inconclusive");
  assert.ok(Number.isNaN(pValueOf(effectOf(new Map([["0", 1]]), new Map([["0", 0]])))));
});

Deno.test("holm: step-down adjusted p-values, monotone, untested entries left out", () => {
  // m = 4 tested: sorted 0.005, 0.01, 0.03, 0.04 -> 4 x 0.005, 3 x 0.01, max(.03, 2 x .03), 0.06
  const { adjusted: adj, factors } = holm([0.01, 0.04, NaN, 0.03, 0.005]);
  const want = [0.03, 0.06, NaN, 0.06, 0.02];
  adj.forEach((p, i) =>
    Number.isNaN(want[i]!) ? assert.ok(Number.isNaN(p)) : assert.ok(Math.abs(p - want[i]!) < 1e-15)
  );
  assert.deepEqual(holm([0.5, 0.9]).adjusted, [1, 1]); // 2 x 0.5 caps at 1; the larger keeps the max
  assert.deepEqual(holm([]).adjusted, []);
  assert.deepEqual(factors.map((f) => Number.isNaN(f) ? 0 : f), [3, 1, 0, 2, 4]);
});
