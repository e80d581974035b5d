/**
 * Labelled evaluation of frozen features, the same for every method, each protocol named on
 * every number it produces:
 * - weighted kNN on L2-normalised features (Wu et al. 2018's monitor, used by SimCLR/MoCo
 *   re-implementations): the k most cosine-similar training features vote with weight
 *   exp(similarity / T); k = 200, T = 0.1 by default;
 * - linear probe: softmax regression on standardised features (SimCLR's linear evaluation
 *   protocol, section 2.3 / appendix B.6, here with Adam and a fixed budget);
 * - MLP probe: the same with one hidden ReLU layer (the poster's "MLP accuracy").
 * The features are plain arrays computed beforehand: nothing here can touch an encoder.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/rng.ts";
import { reproducibleMatMul } from "../core/ops.ts";

/** Features of n samples, row-major [n, dim], with integer labels 0..classes-1. */
export interface LabelledFeatures {
  x: Float32Array;
  y: Int32Array;
  dim: number;
}

function check(f: LabelledFeatures, what: string): number {
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
  const nTrain = check(train, "kNN train features"), nTest = check(test, "kNN test features");
  if (train.dim !== test.dim) {
    throw new RangeError(`kNN: train features are ${train.dim}-d but test ones ${test.dim}-d`);
  }
  const k = Math.min(o.k, nTrain);
  const chunk = o.chunk ?? 256;
  const unit = (t: tf.Tensor2D) => tf.div(t, tf.maximum(tf.norm(t, 2, 1, true), 1e-12));
  const ref = tf.tidy(() => unit(tf.tensor2d(train.x, [nTrain, train.dim])));
  const labels = tf.tensor1d(train.y, "int32");
  let correct = 0;
  try {
    for (let s = 0; s < nTest; s += chunk) {
      const m = Math.min(chunk, nTest - s);
      const pred = tf.tidy(() => {
        const q = unit(
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

/** Options of {@linkcode probeAccuracy}. */
export interface ProbeOptions {
  classes: number;
  /** 0: linear (softmax regression); > 0: one hidden ReLU layer of this width */
  hidden: number;
  epochs: number;
  batch: number;
  lr: number;
  /** L2 penalty on the weights */
  weightDecay: number;
}

/** Protocol label of a probe number. */
export function probeProtocol(o: Pick<ProbeOptions, "hidden" | "epochs" | "batch">): string {
  const fit = `Adam, ${o.epochs} epochs of batch ${o.batch}`;
  return o.hidden === 0
    ? `linear probe (softmax regression, ${fit}) on standardised frozen features`
    : `MLP probe (1 hidden layer of ${o.hidden}, ReLU, ${fit}) on standardised frozen features`;
}

/**
 * Trains a classifier on frozen, standardised training features (mean and std from the
 * training set) and returns its test accuracy. Weights, batch order: from `rng`.
 */
export async function probeAccuracy(
  train: LabelledFeatures,
  test: LabelledFeatures,
  o: ProbeOptions,
  rng: Rng,
): Promise<number> {
  const nTrain = check(train, "probe train features"), nTest = check(test, "probe test features");
  const d = train.dim;
  if (test.dim !== d) throw new RangeError(`probe: train features ${d}-d, test ${test.dim}-d`);
  // standardise with the training set's statistics (on the host: exact and cheap)
  const mean = new Float64Array(d), sd = new Float64Array(d);
  for (let i = 0; i < nTrain; i++) for (let j = 0; j < d; j++) mean[j]! += train.x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= nTrain;
  for (let i = 0; i < nTrain; i++) {
    for (let j = 0; j < d; j++) sd[j]! += (train.x[i * d + j]! - mean[j]!) ** 2;
  }
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]! / nTrain) + 1e-6;
  const standardise = (x: Float32Array) => x.map((v, i) => (v - mean[i % d]!) / sd[i % d]!);
  const xs = tf.tensor2d(standardise(train.x), [nTrain, d]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(train.y, "int32"), o.classes));
  const own = (t: tf.Tensor) => {
    const v = tf.variable(t); // keeps its own copy of t's data
    t.dispose();
    return v;
  };
  const init = (rows: number, cols: number) => {
    const lim = 1 / Math.sqrt(rows);
    const w = Float32Array.from({ length: rows * cols }, () => rng.uniform(-lim, lim));
    return own(tf.tensor2d(w, [rows, cols]));
  };
  const layers = o.hidden > 0
    ? [init(d, o.hidden), own(tf.zeros([o.hidden])), init(o.hidden, o.classes)]
    : [init(d, o.classes)];
  const bias = own(tf.zeros([o.classes]));
  const vars = [...layers, bias];
  const forward = (x: tf.Tensor2D) =>
    tf.tidy(() => {
      let h: tf.Tensor2D = x;
      // wide features (>= 2,000) would get TF.js's non-reproducible split-K matmul
      if (o.hidden > 0) h = tf.relu(tf.add(reproducibleMatMul(h, layers[0]!), layers[1]!));
      return tf.add(reproducibleMatMul(h, layers[layers.length - 1]!), bias) as tf.Tensor2D;
    });
  const opt = tf.train.adam(o.lr);
  const order = Int32Array.from({ length: nTrain }, (_, i) => i);
  try {
    for (let e = 0; e < o.epochs; e++) {
      rng.shuffle(order);
      for (let s = 0; s < nTrain; s += o.batch) {
        const idx = tf.tensor1d(order.subarray(s, Math.min(nTrain, s + o.batch)), "int32");
        const loss = opt.minimize(
          () =>
            tf.tidy(() => {
              const logits = forward(tf.gather(xs, idx) as tf.Tensor2D);
              const ce = tf.losses.softmaxCrossEntropy(tf.gather(ys, idx), logits);
              const l2 = tf.addN(
                layers.filter((v) => v.rank === 2).map((v) => tf.sum(tf.square(v))),
              );
              return tf.add(ce, tf.mul(l2, o.weightDecay)) as tf.Scalar;
            }),
          false,
          vars,
        );
        loss?.dispose();
        idx.dispose();
      }
    }
    const pred = tf.tidy(() => tf.argMax(forward(tf.tensor2d(standardise(test.x), [nTest, d])), 1));
    const p = await pred.data();
    pred.dispose();
    let correct = 0;
    for (let i = 0; i < nTest; i++) if (p[i] === test.y[i]) correct++;
    return correct / nTest;
  } finally {
    opt.dispose();
    tf.dispose([xs, ys, ...vars]);
  }
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

/** Options of {@linkcode foldAccuracies}: a linear probe whose L2 penalty is chosen per fold. */
export interface FoldOptions extends Omit<ProbeOptions, "weightDecay" | "hidden"> {
  /** candidate L2 penalties; each fold keeps the best on its validation split */
  decays: number[];
  /** fraction of each fold held out to choose the penalty */
  validation: number;
}

/** Protocol label of a fold number. */
export function foldProtocol(
  o: Pick<FoldOptions, "epochs" | "batch" | "decays" | "validation">,
): string {
  return `linear probe (softmax regression, Adam, ${o.epochs} epochs of batch ${o.batch}, L2 penalty from ` +
    `{${o.decays.join(", ")}} chosen on ${Math.round(o.validation * 100)} % of each fold) ` +
    `on standardised frozen features`;
}

/**
 * The paper-style evaluation on predefined training folds (STL-10's ten folds of 1,000 images;
 * Exemplar CNN, Sec. 4): for each fold, the L2 penalty is chosen on a held-out part of the fold
 * (as the paper chooses its SVM's C on validation data), the probe is retrained on the whole
 * fold with it and tested on all of `test`. Returns each fold's test accuracy and penalty.
 */
export async function foldAccuracies(
  train: LabelledFeatures,
  test: LabelledFeatures,
  folds: ArrayLike<number>[],
  o: FoldOptions,
  rng: Rng,
): Promise<{ accuracies: number[]; decays: number[] }> {
  if (folds.length === 0) throw new RangeError("foldAccuracies: no folds");
  if (!(o.validation > 0 && o.validation < 1)) {
    throw new RangeError(`foldAccuracies: validation must be in (0, 1), got ${o.validation}`);
  }
  const accuracies: number[] = [], decays: number[] = [];
  for (const fold of folds) {
    const idx = rng.shuffle(Int32Array.from(fold));
    const nVal = Math.max(1, Math.round(idx.length * o.validation));
    const fit = selectRows(train, idx.subarray(nVal)),
      val = selectRows(train, idx.subarray(0, nVal));
    let best = o.decays[0]!, bestAcc = -1;
    for (const wd of o.decays) {
      const acc = await probeAccuracy(fit, val, { ...o, hidden: 0, weightDecay: wd }, rng);
      if (acc > bestAcc) [best, bestAcc] = [wd, acc];
    }
    const all = selectRows(train, fold);
    accuracies.push(await probeAccuracy(all, test, { ...o, hidden: 0, weightDecay: best }, rng));
    decays.push(best);
  }
  return { accuracies, decays };
}
