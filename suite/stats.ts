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

/**
 * ln Gamma(x) for x > 0: Numerical Recipes 3rd ed. 6.1's gammln (Lanczos, g = 671/128, 14 terms:
 * ~2e-15 relative against Python's math.lgamma over (0, 50); the common g = 7, 9-term set errs
 * by up to 6e-8 there).
 */
function lgamma(x: number): number {
  const cof = [
    57.1562356658629235,
    -59.5979603554754912,
    14.1360979747417471,
    -0.491913816097620199,
    .339946499848118887e-4,
    .465236289270485756e-4,
    -.983744753048795646e-4,
    .158088703224912494e-3,
    -.210264441724104883e-3,
    .217439618115212643e-3,
    -.164318106536763890e-3,
    .844182239838527433e-4,
    -.261908384015814087e-4,
    .368991826595316234e-5,
  ];
  let y = x, ser = 0.999999999999997092;
  const t = x + 5.2421875;
  for (const c of cof) ser += c / ++y;
  return (x + 0.5) * Math.log(t) - t + Math.log(2.5066282746310005 * ser / x);
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
  /** the difference's standard error and the t test's degrees of freedom (n - 1 paired,
   * Welch-Satterthwaite for two groups); NaN without an interval */
  se: number;
  df: number;
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
      se: d.std / Math.sqrt(d.n),
      df: d.n - 1,
    };
  }
  const x = meanStd([...a.values()]), y = meanStd([...b.values()]);
  if (x.n < 2 || y.n < 2) {
    const difference = x.mean - y.mean, n = Math.min(x.n, y.n);
    // no interval; where one seed is shared, the difference at that seed (as pairing would take)
    const [s] = shared;
    return s === undefined
      ? { difference, low: NaN, high: NaN, paired: false, n, counts, sd: NaN, se: NaN, df: NaN }
      : {
        difference: a.get(s)! - b.get(s)!,
        low: NaN,
        high: NaN,
        paired: true,
        n: 1,
        counts,
        sd: NaN,
        se: NaN,
        df: NaN,
      };
  }
  return welchOf(x, y);
}

/**
 * Welch's 95 % interval of x's mean minus y's, from the two summaries (each of at least 2 values:
 * independent draws, such as two implementations' seeds or a published mean +/- std over n runs).
 */
export function welchOf(x: Stat, y: Stat): Effect {
  const difference = x.mean - y.mean, n = Math.min(x.n, y.n);
  const va = x.std ** 2 / x.n, vb = y.std ** 2 / y.n, se = Math.sqrt(va + vb);
  const df = se === 0 ? 1 : (va + vb) ** 2 / (va ** 2 / (x.n - 1) + vb ** 2 / (y.n - 1));
  const half = tQuantile(0.975, df) * se;
  return {
    difference,
    low: difference - half,
    high: difference + half,
    paired: false,
    n,
    counts: [x.n, y.n],
    sd: Math.sqrt(x.std ** 2 + y.std ** 2),
    se,
    df,
  };
}

/** supported: the interval lies above 0; contradicted: below 0; else (or no interval) neither. */
export function verdictOf(e: Effect): Verdict {
  if (!(e.low > 0 || e.high < 0)) return "inconclusive"; // NaN bounds land here too
  return e.low > 0 ? "supported" : "contradicted";
}

/**
 * Seeds the observed effect would need for its interval to exclude 0, if the difference and the
 * spread stayed as observed: the smallest n with t(1 - alpha / 2, df(n)) x sd / sqrt(n) <
 * |difference| (df = n - 1 paired, 2n - 2 for two groups of n; alpha 0.05: the 95 % interval; a
 * smaller alpha where a correction for many tests asks it). null: no spread measured yet (one
 * seed), or no difference, or more than `max`.
 */
export function seedsNeeded(e: Effect, max = 10_000, alpha = 0.05): number | null {
  if (!(e.sd >= 0) || e.difference === 0 || !Number.isFinite(e.difference)) return null;
  const need = (n: number) =>
    tQuantile(1 - alpha / 2, dfOf(n, e.paired)) * e.sd / Math.sqrt(n) < Math.abs(e.difference);
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

/**
 * The regularised upper incomplete gamma function Q(a, x) = Gamma(a, x) / Gamma(a): its series
 * below x = a + 1, its continued fraction above (Numerical Recipes 6.2); for the normal cdf.
 */
function upperGamma(a: number, x: number): number {
  if (x <= 0) return 1;
  const front = Math.exp(-x + a * Math.log(x) - lgamma(a));
  if (x < a + 1) {
    let term = 1 / a, sum = term;
    for (let n = 1; n < 500 && Math.abs(term) > Math.abs(sum) * 1e-17; n++) {
      term *= x / (a + n);
      sum += term;
    }
    return 1 - front * sum;
  }
  const tiny = 1e-300;
  let b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (let i = 1; i < 500; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    h *= d * c;
    if (Math.abs(d * c - 1) < 1e-16) break;
  }
  return front * h;
}

/** The standard normal distribution's cdf Phi(x) (erfc(z) = Q(1/2, z^2)). */
export function normalCdf(x: number): number {
  const tail = 0.5 * upperGamma(0.5, x * x / 2); // Phi(-|x|)
  return x < 0 ? tail : 1 - tail;
}

/**
 * P(T <= t) for the noncentral t with `df` >= 1 degrees of freedom and noncentrality `delta`:
 * T = (Z + delta) / S with S = sqrt(chi2_df / df), so P(T <= t) = E[Phi(t S - delta)], integrated
 * over S's density by Simpson's rule in u = sqrt(S) (which smooths the density's s^(df - 1) at 0
 * for df < 2); S lies within 14 / sqrt(2 df) of 1 but for ~1e-40. About 1e-10 against SciPy.
 */
export function noncentralTCdf(t: number, df: number, delta: number): number {
  if (!(df >= 1) || !Number.isFinite(t) || !Number.isFinite(delta)) {
    throw new RangeError(`noncentralTCdf(${t}, ${df}, ${delta}): need df >= 1, finite t, delta`);
  }
  if (delta === 0) return studentTCdf(t, df);
  const k = df / 2, lnC = Math.log(2) + k * Math.log(k) - lgamma(k);
  // S's density times ds = 2u du, at s = u^2: 2 C u^(2 df - 1) exp(-k u^4)
  const weight = (u: number) =>
    u > 0 ? 2 * Math.exp(lnC + (2 * df - 1) * Math.log(u) - k * u ** 4) : 0;
  const reach = 14 / Math.sqrt(2 * df);
  const lo = Math.sqrt(Math.max(0, 1 - reach)), hi = Math.sqrt(1 + reach);
  const steps = 300, h = (hi - lo) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const u = lo + i * h, w = i === 0 || i === steps ? 1 : i % 2 ? 4 : 2;
    sum += w * normalCdf(t * u * u - delta) * weight(u);
  }
  return Math.min(1, Math.max(0, sum * h / 3));
}

/** Degrees of freedom of n seeds' t test: n - 1 for paired differences, 2n - 2 for two groups. */
function dfOf(n: number, paired: boolean): number {
  return paired ? n - 1 : 2 * n - 2;
}

/**
 * The probability that n seeds' two-sided 1 - alpha interval (95 % by default; Holm's level for a
 * test in a family) lies above 0, so the claim is supported, when the true effect is `effect` > 0
 * and one seed's difference has standard deviation `sd`: 1 - F(t(1 - alpha / 2, df); df, delta) of
 * the noncentral t with delta = effect / (sd / sqrt(n)), df = n - 1 paired, 2n - 2 for two groups
 * of n seeds each (Welch's df at equal spreads).
 */
export function powerToSupport(
  effect: number,
  sd: number,
  n: number,
  paired: boolean,
  alpha = 0.05,
): number {
  if (!(n >= 2) || !(sd > 0)) {
    throw new RangeError(`powerToSupport: need n >= 2 seeds and sd > 0 (got n ${n}, sd ${sd})`);
  }
  const df = dfOf(n, paired);
  return 1 - noncentralTCdf(tQuantile(1 - alpha / 2, df), df, effect / (sd / Math.sqrt(n)));
}

/** The fewest seeds whose power to support `effect` reaches `power`; null beyond `max`. */
export function seedsForPower(
  effect: number,
  sd: number,
  paired: boolean,
  power = 0.8,
  max = 1000,
  alpha = 0.05,
): number | null {
  if (!(effect > 0) || !(sd > 0)) return null;
  const reaches = (n: number) => powerToSupport(effect, sd, n, paired, alpha) >= power;
  for (let n = 2; n <= max; n = n < 64 ? n + 1 : Math.ceil(n * 1.05)) {
    if (reaches(n)) {
      // past 64 the search strides; walk back to the first n that reaches the power
      let m = n;
      while (m > 2 && reaches(m - 1)) m--;
      return m;
    }
  }
  return null;
}

/**
 * The smallest true effect a t test with standard error `se` and `df` degrees of freedom finds
 * (its two-sided 1 - 2 alpha interval excluding 0 on that side) with probability `power`: delta x se
 * where 1 - F(t(1 - alpha, df); df, delta) = power, by bisection on the noncentral t.
 */
export function detectableEffect(se: number, df: number, alpha: number, power: number): number {
  const key = `${df} ${alpha} ${power}`;
  let delta = detectableDeltas.get(key);
  if (delta === undefined) {
    const crit = tQuantile(1 - alpha, df);
    const reach = (d: number) => 1 - noncentralTCdf(crit, df, d);
    let lo = 0, hi = Math.max(1, crit);
    while (reach(hi) < power) hi *= 2;
    for (let i = 0; i < 60 && hi - lo > 1e-9 * hi; i++) {
      const mid = (lo + hi) / 2;
      if (reach(mid) < power) lo = mid;
      else hi = mid;
    }
    delta = (lo + hi) / 2;
    detectableDeltas.set(key, delta);
  }
  return delta * se;
}

/** delta depends on df, alpha and power alone: a check over many metrics asks for few of them. */
const detectableDeltas = new Map<string, number>();

/** The two-sided p-value of an effect's t test (difference / se on df); NaN without an interval. */
export function pValueOf(e: Effect): number {
  if (!(e.df >= 1) || !(e.se >= 0) || !Number.isFinite(e.difference)) return NaN;
  if (e.se === 0) return e.difference === 0 ? 1 : 0;
  return 2 * studentTCdf(-Math.abs(e.difference) / e.se, e.df);
}

/**
 * Holm's step-down adjustment of a family's p-values (Holm 1979): the k-th smallest of m becomes
 * max over j <= k of min(1, (m - j + 1) p_(j)); with each test's multiplier m - k + 1 (its level is
 * alpha over that: what a test must reach, at its rank, to be called). NaN entries (effects with no
 * interval) are no test, stay NaN and do not count in m.
 */
export function holm(ps: number[]): { adjusted: number[]; factors: number[] } {
  const tested = ps.map((p, i) => ({ p, i })).filter((x) => Number.isFinite(x.p));
  tested.sort((a, b) => a.p - b.p);
  const adjusted = ps.map(() => NaN), factors = ps.map(() => NaN);
  let running = 0;
  tested.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (tested.length - k) * p));
    adjusted[i] = running;
    factors[i] = tested.length - k;
  });
  return { adjusted, factors };
}
