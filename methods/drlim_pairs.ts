/**
 * DrLIM's pair mining: the exact k-nearest-neighbour graph in pixel space, computed in row
 * chunks on the active TF.js backend (||q||^2 - 2 q.x + ||x||^2, then top-k), and the similar
 * pairs it gives (each sample with its k Euclidean nearest neighbours, and for the shifted-digit
 * experiment their translations).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { DrlimData } from "./drlim.ts";

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

/**
 * Similar pairs (i < j, deduplicated, sorted): each sample with its k nearest neighbours, and
 * for `euclidean+shift` also with its own translations and all translations of its neighbours.
 */
export function similarPairs(
  data: Pick<DrlimData, "n" | "shifts" | "base">,
  graph: Int32Array,
  k: number,
  pairing: string,
): Uint32Array {
  const set = new Set<number>();
  const add = (i: number, j: number) => {
    if (i !== j) set.add(i < j ? i * data.n + j : j * data.n + i);
  };
  const S = data.shifts.length;
  for (let i = 0; i < data.n; i++) {
    for (let t = 0; t < k; t++) {
      const j = graph[i * k + t]!;
      add(i, j);
      if (pairing === "euclidean+shift") {
        for (let s = 0; s < S; s++) add(i, data.base[j]! * S + s);
      }
    }
    if (pairing === "euclidean+shift") {
      for (let s = 0; s < S; s++) add(i, data.base[i]! * S + s);
    }
  }
  const keys = Float64Array.from(set).sort();
  const out = new Uint32Array(keys.length * 2);
  keys.forEach((key, p) => {
    out[2 * p] = Math.floor(key / data.n);
    out[2 * p + 1] = key % data.n;
  });
  return out;
}
