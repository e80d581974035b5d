/** Comparisons of numeric results the suite's tests share. @module */

/** The largest absolute difference between two equally long lists, and its index (-1: none). */
export function largestDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
): { value: number; at: number } {
  let value = 0, at = -1;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (d > value) [value, at] = [d, i];
  }
  return { value, at };
}
