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
