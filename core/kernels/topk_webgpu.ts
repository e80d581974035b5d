/**
 * Top-k along the last axis for TF.js's `webgpu` backend, with TF.js's results: the k largest
 * values of each row in descending order, equal values in ascending index order (TF.js's
 * bitonic program and its cpu backend order them so), and their indices.
 *
 * Why: the weighted kNN evaluation (eval/features.ts) takes the 200 most similar of every
 * training feature for each test feature. TF.js's bitonic top-k runs some 80 passes over the
 * whole [rows, n] matrix; on lavapipe that took ~10 s for 256 rows of 10,000 (the kNN of a
 * 10,000-image evaluation: minutes per encoder). Here one invocation keeps one row's best k in a
 * heap, reading each value once and inserting only those that beat the k-th: a few milliseconds
 * a row, and the same indices and values, bit for bit.
 *
 * The inputs must be finite (similarities are): a NaN is not ordered as TF.js orders it.
 * @module
 */
import { runFlat, type TensorInfo, type WebGPUBackendLike } from "./program.ts";

/** The largest k the kernel keeps in an invocation's array (beyond it TF.js's runs). */
export const TOPK_MAX = 256;
/** The longest row it takes: lavapipe stops a loop after 65,535 passes. */
export const TOPK_MAX_N = 65_000;

/**
 * The k largest values of each row of `x` (viewed as [rows, n], n its last dimension) and their
 * indices: [values (float32), indices (int32)], both of x's shape with the last dimension k.
 * Null where the kernel does not apply (k above {@linkcode TOPK_MAX}, k of 0, rows longer than
 * {@linkcode TOPK_MAX_N}, a non-float input): the caller then runs TF.js's.
 */
export function topK(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  k: number,
): [TensorInfo, TensorInfo] | null {
  const n = x.shape.at(-1) ?? 0;
  if (x.dtype !== "float32" || k < 1 || k > TOPK_MAX || k > n || n > TOPK_MAX_N) return null;
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const shape = [...x.shape.slice(0, -1), k];
  // one invocation a row: a min-heap of the best k so far (its root the lowest-ranked kept),
  // which a value replaces when it ranks above the root (a value equal to a kept one ranks
  // below it: its index is larger); then the heap emptied from the lowest up, last to first.
  // A heap, not a sorted array: lavapipe stops any loop after 65,535 passes summed over its
  // entries, which shifting a sorted array of 200 reaches within a few thousand values.
  const siftDown = (size: string) => `
        loop {
          let l = 2 * p + 1;
          if (l >= ${size}) { break; }
          var c = l;
          if (l + 1 < ${size} && below(vals[l + 1], ids[l + 1], vals[l], ids[l])) { c = l + 1; }
          if (!below(vals[c], ids[c], vals[p], ids[p])) { break; }
          let tv = vals[p]; vals[p] = vals[c]; vals[c] = tv;
          let ti = ids[p]; ids[p] = ids[c]; ids[c] = ti;
          p = c;
        }`;
  const indices = runFlat(
    backend,
    "ssl_topk_indices",
    [["X", x]],
    shape,
    rows,
    `
    fn below(av : f32, ai : i32, bv : f32, bi : i32) -> bool {
      return av < bv || (av == bv && ai > bi);
    }
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let base = index * ${n};
      var vals : array<f32, ${k}>;
      var ids : array<i32, ${k}>;
      for (var j = 0; j < ${k}; j = j + 1) {
        vals[j] = X[base + j];
        ids[j] = j;
        var p = j;
        loop {
          if (p == 0) { break; }
          let q = (p - 1) / 2;
          if (!below(vals[p], ids[p], vals[q], ids[q])) { break; }
          let tv = vals[p]; vals[p] = vals[q]; vals[q] = tv;
          let ti = ids[p]; ids[p] = ids[q]; ids[q] = ti;
          p = q;
        }
      }
      for (var j = ${k}; j < ${n}; j = j + 1) {
        let v = X[base + j];
        if (v > vals[0]) {
          vals[0] = v;
          ids[0] = j;
          var p = 0;
          ${siftDown(String(k))}
        }
      }
      for (var t = ${k - 1}; t >= 0; t = t - 1) {
        result[index * ${k} + t] = ids[0];
        vals[0] = vals[t];
        ids[0] = ids[t];
        var p = 0;
        ${siftDown("t")}
      }
    }`,
    undefined,
    1,
    [],
    "int32",
  );
  // the values: a gather of x at those indices (copies, so the same bits as TF.js's gather)
  const values = runFlat(
    backend,
    "ssl_topk_values",
    [["X", x], ["I", indices]],
    shape,
    rows * k,
    `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      result[index] = X[(index / ${k}) * ${n} + I[index]];
    }`,
  );
  return [values, indices];
}
