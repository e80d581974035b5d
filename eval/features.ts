/**
 * Labelled evaluation of frozen features, the same for every method, each protocol named on
 * every number it produces:
 * - weighted kNN on L2-normalised features (Wu et al. 2018's monitor, used by SimCLR/MoCo
 *   re-implementations): the k most cosine-similar training features vote with weight
 *   exp(similarity / T); k = 200, T = 0.1 by default;
 * - the linear and MLP probes and the fold protocol are in eval/probe.ts.
 * The features are plain arrays computed beforehand: nothing here can touch an encoder.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { unitRows } from "../core/ops.ts";

/** Features of n samples, row-major [n, dim], with integer labels 0..classes-1. */
export interface LabelledFeatures {
  x: Float32Array;
  y: Int32Array;
  dim: number;
}

/** The number of rows of `f`; throws a clear error when its shapes disagree or it is empty. */
export function checkFeatures(f: LabelledFeatures, what: string): number {
  const n = f.y.length;
  if (f.dim < 1 || f.x.length !== n * f.dim) {
    throw new RangeError(
      `${what}: ${f.x.length} feature values do not make ${n} rows of ${f.dim}`,
    );
  }
  if (n === 0) throw new RangeError(`${what}: no samples`);
  return n;
}

/** Options of {@linkcode weightedKnnAccuracy}. */
export interface KnnOptions {
  k: number;
  temperature: number;
  classes: number;
  /** test rows per chunk (bounds the [chunk, nTrain] similarity matrix) */
  chunk?: number;
}

/** Protocol label of a weighted-kNN number. */
export function knnProtocol(o: Pick<KnnOptions, "k" | "temperature">): string {
  return `weighted kNN (k=${o.k}, T=${o.temperature}) on L2-normalised frozen features`;
}

/**
 * Accuracy of the similarity-weighted kNN classifier: each test feature's k nearest training
 * features by cosine similarity vote for their labels with weight exp(sim / T).
 */
export async function weightedKnnAccuracy(
  train: LabelledFeatures,
  test: LabelledFeatures,
  o: KnnOptions,
): Promise<number> {
  const nTrain = checkFeatures(train, "kNN train features"),
    nTest = checkFeatures(test, "kNN test features");
  if (train.dim !== test.dim) {
    throw new RangeError(`kNN: train features are ${train.dim}-d but test ones ${test.dim}-d`);
  }
  const k = Math.min(o.k, nTrain);
  const chunk = o.chunk ?? 256;
  const ref = tf.tidy(() => unitRows(tf.tensor2d(train.x, [nTrain, train.dim])));
  const labels = tf.tensor1d(train.y, "int32");
  let correct = 0;
  try {
    for (let s = 0; s < nTest; s += chunk) {
      const m = Math.min(chunk, nTest - s);
      const pred = tf.tidy(() => {
        const q = unitRows(
          tf.tensor2d(test.x.subarray(s * test.dim, (s + m) * test.dim), [m, test.dim]),
        );
        const sim = tf.matMul(q, ref, false, true); // [m, nTrain]
        const { values, indices } = tf.topk(sim, k);
        const w = tf.exp(tf.div(values, o.temperature)); // [m, k]
        const votes = tf.oneHot(tf.gather(labels, indices), o.classes); // [m, k, C]
        return tf.argMax(tf.sum(tf.mul(votes, tf.expandDims(w, 2)), 1), 1);
      });
      const p = await pred.data();
      pred.dispose();
      for (let i = 0; i < m; i++) if (p[i] === test.y[s + i]) correct++;
    }
  } finally {
    tf.dispose([ref, labels]);
  }
  return correct / nTest;
}

/** Rows `idx` of labelled features, in that order. */
export function selectRows(f: LabelledFeatures, idx: ArrayLike<number>): LabelledFeatures {
  const x = new Float32Array(idx.length * f.dim), y = new Int32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!;
    x.set(f.x.subarray(i * f.dim, (i + 1) * f.dim), j * f.dim);
    y[j] = f.y[i]!;
  }
  return { x, y, dim: f.dim };
}
