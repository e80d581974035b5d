/**
 * PCA to a few dimensions: the classical linear baseline for a 2-D map. The covariance is formed
 * with one matrix product on the active TF.js backend; the leading eigenvectors come from power
 * iteration with deflation on the host (deterministic: fixed start vectors).
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** A fitted PCA: mean and components ([k, d], row-major). */
export interface Pca {
  dim: number;
  mean: Float32Array;
  components: Float32Array;
  k: number;
  /** variance along each component */
  variances: number[];
}

/** Fits a k-component PCA to n rows of d features. */
export async function fitPca(x: Float32Array, d: number, k = 2, iters = 300): Promise<Pca> {
  const n = x.length / d;
  if (!Number.isInteger(n) || n < 2) {
    throw new RangeError(`fitPca needs at least 2 rows of ${d} features`);
  }
  const mean = new Float32Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const covT = tf.tidy(() => {
    const xc = tf.sub(tf.tensor2d(x, [n, d]), tf.tensor1d(mean));
    return tf.div(tf.matMul(xc, xc, true, false), n - 1); // [d, d]
  });
  const cov = Float64Array.from(await covT.data());
  covT.dispose();
  const components = new Float32Array(k * d);
  const variances: number[] = [];
  for (let c = 0; c < k; c++) {
    // deterministic start vector that is not orthogonal to typical leading directions
    let v = Float64Array.from({ length: d }, (_, j) => 1 + ((j * 7919 + c * 104729) % 13) / 13);
    let lambda = 0;
    for (let it = 0; it < iters; it++) {
      const w = new Float64Array(d);
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += cov[i * d + j]! * v[j]!;
        w[i] = s;
      }
      const norm = Math.hypot(...w);
      if (norm === 0) break;
      lambda = norm;
      v = w.map((t) => t / norm);
    }
    // fix the sign so that the largest-magnitude entry is positive (stable plots)
    let big = 0;
    for (let j = 0; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[big]!)) big = j;
    if (v[big]! < 0) v = v.map((t) => -t);
    components.set(v, c * d);
    variances.push(lambda);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) cov[i * d + j]! -= lambda * v[i]! * v[j]!;
    }
  }
  return { dim: d, mean, components, k, variances };
}

/** Projects n rows onto the PCA's components: [n, k]. */
export function projectPca(p: Pca, x: Float32Array): Float32Array {
  const d = p.dim, n = x.length / d, out = new Float32Array(n * p.k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < p.k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (x[i * d + j]! - p.mean[j]!) * p.components[c * d + j]!;
      out[i * p.k + c] = s;
    }
  }
  return out;
}
