/**
 * Exact k-nearest-neighbour graph in a high-dimensional space (MNIST pixels), computed in
 * row chunks on the active TF.js backend: ||q||^2 - 2 q.x + ||x||^2, then top-k. Used to build
 * DrLIM's similar pairs (each sample with its k Euclidean nearest neighbours).
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * For each of the n rows of `x` ([n, d]), the indices of its k nearest other rows, nearest
 * first: [n, k]. The row itself is excluded even when exact duplicates exist.
 */
export async function neighbourGraph(
  x: Float32Array,
  d: number,
  k: number,
  chunk = 512,
): Promise<Int32Array> {
  const n = x.length / d;
  if (!Number.isInteger(n)) {
    throw new RangeError(`neighbourGraph: length ${x.length} is not a multiple of ${d}`);
  }
  if (k < 1 || k >= n) throw new RangeError(`Cannot find ${k} neighbours among ${n} points`);
  const all = tf.tensor2d(x, [n, d]);
  const sq = tf.tidy(() => tf.sum(tf.square(all), 1)); // [n]
  const out = new Int32Array(n * k);
  try {
    for (let start = 0; start < n; start += chunk) {
      const m = Math.min(chunk, n - start);
      const top = tf.tidy(() => {
        const q = tf.slice(all, [start, 0], [m, d]);
        const qsq = tf.slice(sq, [start], [m]);
        const d2 = tf.add(
          tf.sub(tf.reshape(qsq, [m, 1]), tf.mul(2, tf.matMul(q, all, false, true))),
          sq,
        ); // [m, n]
        return tf.topk(tf.neg(d2), k + 1, true).indices; // [m, k+1]
      });
      const idx = await top.data();
      top.dispose();
      for (let r = 0; r < m; r++) {
        const i = start + r;
        let w = 0;
        for (let j = 0; j <= k && w < k; j++) {
          const c = idx[r * (k + 1) + j]!;
          if (c !== i) out[i * k + w++] = c;
        }
      }
    }
  } finally {
    tf.dispose([all, sq]);
  }
  return out;
}
