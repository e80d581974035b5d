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

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
