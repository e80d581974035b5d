/** Statistics over seeds (and folds) that methods and reports share. @module */

/** Mean, sample standard deviation and count of one metric over seeds. */
export interface Stat {
  mean: number;
  std: number;
  n: number;
}

/** Mean and sample standard deviation (0 for one value). */
export function meanStd(vs: number[]): Stat {
  const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
  const std = vs.length > 1
    ? Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / (vs.length - 1))
    : 0;
  return { mean, std, n: vs.length };
}

/**
 * A loss curve cut to at most `max` points: the mean of each window of `every` consecutive steps,
 * at the window's last step (a run's log keeps a long run's curve small; a plot stays readable).
 */
export function windowMeans(
  points: { step: number; loss: number }[],
  max: number,
): { every: number; points: { step: number; loss: number }[] } {
  const every = Math.max(1, Math.ceil(points.length / Math.max(1, max)));
  const out: { step: number; loss: number }[] = [];
  for (let i = 0; i < points.length; i += every) {
    const w = points.slice(i, i + every);
    out.push({ step: w.at(-1)!.step, loss: w.reduce((a, p) => a + p.loss, 0) / w.length });
  }
  return { every, points: out };
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * The regularised incomplete beta function I_x(a, b), by its continued fraction (Lentz's
 * method, as in Numerical Recipes 6.4); used for Student's t distribution below.
 */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  // the fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry otherwise
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const tiny = 1e-300;
  let c = 1, d = 1 - (a + b) * x / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let f = d;
  for (let m = 1; m <= 300; m++) {
    for (
      const num of [
        m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
        -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
      ]
    ) {
      d = 1 + num * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + num / c;
      if (Math.abs(c) < tiny) c = tiny;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return Math.exp(lnFront) * f / a;
}

/** ln Gamma(x) for x > 0 (Lanczos, g = 7, 9 terms: ~1e-15 relative). */
function lgamma(x: number): number {
  const g = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61503916999185,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let s = g[0]!;
  for (let i = 1; i < 9; i++) s += g[i]! / (x + i);
  const t = x + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(s);
}

/** P(T <= t) for Student's t distribution with `df` degrees of freedom (df > 0, not integer too). */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom, e.g. tQuantile(0.975, 2) = 4.303. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) {
    throw new RangeError(`tQuantile(${p}, ${df}): need 0 < p < 1 and df > 0`);
  }
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** A mean with its two-sided 95 % confidence interval (Student's t over n values). */
export interface Interval extends Stat {
  /** half the interval's width; NaN for one value (no interval) */
  half: number;
  low: number;
  high: number;
}

/** Mean +/- t(0.975, n - 1) x std / sqrt(n): the 95 % interval of the mean over seeds. */
export function interval95(vs: number[]): Interval {
  return intervalOf(meanStd(vs));
}

/** The 95 % interval of a mean already summarised as mean, std and n (NaN bounds for n = 1). */
export function intervalOf(s: Stat): Interval {
  const half = s.n > 1 ? tQuantile(0.975, s.n - 1) * s.std / Math.sqrt(s.n) : NaN;
  return { mean: s.mean, std: s.std, n: s.n, half, low: s.mean - half, high: s.mean + half };
}

/** The effect of a claim: the difference of two groups' means with its 95 % interval. */
export interface Effect {
  /** mean of the first group minus mean of the second */
  difference: number;
  low: number;
  high: number;
  /** paired: the differences of seeds both groups ran; else Welch's interval over all values */
  paired: boolean;
  /** seeds (pairs when paired) the interval rests on: for Welch, the smaller group's count */
  n: number;
  /** each group's value count */
  counts: [number, number];
  /** standard deviation of one seed's difference: of the paired differences, or for two
   * independent groups sqrt(std_a^2 + std_b^2); NaN where a group has one value */
  sd: number;
}

/** A claim's verdict from its effect's interval (a one-seed effect has none). */
export type Verdict = "supported" | "contradicted" | "inconclusive";

/**
 * The effect of group a over group b, each a map from seed to value. Paired by seed where at least
 * two seeds are in both (the seed sets the noise that pairing cancels); otherwise Welch's interval
 * over every value when each group has two or more. With fewer, the interval is NaN, and the
 * difference is taken at the one shared seed if there is one.
 */
export function effectOf(a: Map<string, number>, b: Map<string, number>): Effect {
  const shared = [...a.keys()].filter((s) => b.has(s));
  const counts: [number, number] = [a.size, b.size];
  if (shared.length >= 2) {
    const d = interval95(shared.map((s) => a.get(s)! - b.get(s)!));
    return {
      difference: d.mean,
      low: d.low,
      high: d.high,
      paired: true,
      n: d.n,
      counts,
      sd: d.std,
    };
  }
  const x = meanStd([...a.values()]), y = meanStd([...b.values()]);
  const difference = x.mean - y.mean, n = Math.min(x.n, y.n);
  if (x.n < 2 || y.n < 2) {
    // no interval; where one seed is shared, the difference at that seed (as pairing would take)
    const [s] = shared;
    return s === undefined
      ? { difference, low: NaN, high: NaN, paired: false, n, counts, sd: NaN }
      : {
        difference: a.get(s)! - b.get(s)!,
        low: NaN,
        high: NaN,
        paired: true,
        n: 1,
        counts,
        sd: NaN,
      };
  }
  const va = x.std ** 2 / x.n, vb = y.std ** 2 / y.n, se = Math.sqrt(va + vb);
  const df = se === 0 ? 1 : (va + vb) ** 2 / (va ** 2 / (x.n - 1) + vb ** 2 / (y.n - 1));
  const half = tQuantile(0.975, df) * se;
  return {
    difference,
    low: difference - half,
    high: difference + half,
    paired: false,
    n,
    counts,
    sd: Math.sqrt(x.std ** 2 + y.std ** 2),
  };
}

/** supported: the interval lies above 0; contradicted: below 0; else (or no interval) neither. */
export function verdictOf(e: Effect): Verdict {
  if (!(e.low > 0 || e.high < 0)) return "inconclusive"; // NaN bounds land here too
  return e.low > 0 ? "supported" : "contradicted";
}

/**
 * Seeds the observed effect would need for its interval to exclude 0, if the difference and the
 * spread stayed as observed: the smallest n with t(0.975, df(n)) x sd / sqrt(n) < |difference|
 * (df = n - 1 paired, 2n - 2 for two groups of n). null: no spread measured yet (one seed), or no
 * difference, or more than `max`.
 */
export function seedsNeeded(e: Effect, max = 10_000): number | null {
  if (!(e.sd >= 0) || e.difference === 0 || !Number.isFinite(e.difference)) return null;
  const need = (n: number) => {
    const df = e.paired ? n - 1 : 2 * n - 2;
    return tQuantile(0.975, df) * e.sd / Math.sqrt(n) < Math.abs(e.difference);
  };
  if (need(2)) return 2;
  let lo = 2, hi = 4;
  while (!need(hi)) {
    if (hi >= max) return null;
    [lo, hi] = [hi, Math.min(2 * hi, max)];
  }
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (need(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
