/**
 * Linear and MLP probes on frozen features, trained on the host in double precision: softmax
 * regression (SimCLR's linear evaluation protocol, section 2.3 / appendix B.6, here with Adam
 * and a fixed budget) or one hidden ReLU layer (the poster's "MLP accuracy"), with an L2
 * penalty on the weight matrices.
 *
 * Why on the host: the probes are tiny (a few thousand rows, tens of classes), and on the
 * device each of their steps was some 60 kernel launches and uploads through TF.js's autodiff
 * and optimiser, ~12 ms a step for a linear probe on lavapipe; plain loops do the same step in
 * well under a millisecond, and give the same bits on every device (and in a browser tab).
 * The math is TF.js's: softmax cross-entropy averaged over the batch's rows, plus weightDecay x
 * the sum of the squared weights; Adam as `tf.train.adam` (beta 0.9 / 0.999, epsilon 1e-7,
 * bias-corrected moments).
 * @module
 */
import type { Rng } from "../core/rng.ts";
import { checkFeatures, type LabelledFeatures, selectRows } from "./features.ts";

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

/** One dense layer [rows, cols] + bias, with its gradients and Adam moments. */
interface Dense {
  rows: number;
  cols: number;
  w: Float64Array;
  b: Float64Array;
  gw: Float64Array;
  gb: Float64Array;
  /** Adam moments of w then b: [m_w, m_b], [v_w, v_b] */
  m: Float64Array;
  v: Float64Array;
}

function dense(rows: number, cols: number, rng: Rng): Dense {
  // drawn as the device probe drew them: U(-1/sqrt(rows), 1/sqrt(rows)), row-major
  const lim = 1 / Math.sqrt(rows);
  const w = Float64Array.from({ length: rows * cols }, () => Math.fround(rng.uniform(-lim, lim)));
  const n = rows * cols + cols;
  return {
    rows,
    cols,
    w,
    b: new Float64Array(cols),
    gw: new Float64Array(rows * cols),
    gb: new Float64Array(cols),
    m: new Float64Array(n),
    v: new Float64Array(n),
  };
}

/** out[r, :] = b + x[r, :] W for the rows of `x` (row-major, `rows` wide), optionally ReLU'd. */
function forward(l: Dense, x: ArrayLike<number>, n: number, out: Float64Array, relu: boolean) {
  const { rows, cols, w, b } = l;
  for (let r = 0; r < n; r++) {
    const o = r * cols, xo = r * rows;
    for (let j = 0; j < cols; j++) out[o + j] = b[j]!;
    for (let k = 0; k < rows; k++) {
      const xk = x[xo + k]!;
      if (xk === 0) continue;
      const wo = k * cols;
      for (let j = 0; j < cols; j++) out[o + j]! += xk * w[wo + j]!;
    }
    if (relu) { for (let j = 0; j < cols; j++) if (out[o + j]! < 0) out[o + j] = 0; }
  }
}

/** Gradients of the layer from its input rows `x` and output gradient `g` (both n rows). */
function backward(l: Dense, x: ArrayLike<number>, g: Float64Array, n: number, decay: number) {
  const { rows, cols, w, gw, gb } = l;
  // d/dW of decay * sum(W^2) is 2 decay W
  for (let i = 0; i < gw.length; i++) gw[i] = 2 * decay * w[i]!;
  gb.fill(0);
  for (let r = 0; r < n; r++) {
    const go = r * cols, xo = r * rows;
    for (let j = 0; j < cols; j++) gb[j]! += g[go + j]!;
    for (let k = 0; k < rows; k++) {
      const xk = x[xo + k]!;
      if (xk === 0) continue;
      const wo = k * cols;
      for (let j = 0; j < cols; j++) gw[wo + j]! += xk * g[go + j]!;
    }
  }
}

const B1 = 0.9, B2 = 0.999, EPS = 1e-7;

/** One Adam step on the layer (tf.train.adam's update), `t` counting from 1. */
function adam(l: Dense, lr: number, t: number) {
  const c1 = 1 - B1 ** t, c2 = 1 - B2 ** t, nw = l.w.length;
  const { m, v } = l;
  const update = (p: Float64Array, g: Float64Array, at: number) => {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!, s = at + i;
      m[s] = B1 * m[s]! + (1 - B1) * gi;
      v[s] = B2 * v[s]! + (1 - B2) * gi * gi;
      p[i]! -= lr * (m[s]! / c1) / (Math.sqrt(v[s]! / c2) + EPS);
    }
  };
  update(l.w, l.gw, 0);
  update(l.b, l.gb, nw);
}

/** A probe trained on standardised rows: its layers and a predictor. */
interface Probe {
  layers: Dense[];
  predict(x: Float32Array, n: number): Int32Array;
}

/**
 * Trains the probe on `x` (n standardised rows of `d`) with labels `y`: weights drawn from `rng`
 * (the hidden layer's, then the output layer's), the rows shuffled by `rng` every epoch.
 */
export function fitProbe(
  x: Float32Array,
  y: Int32Array,
  d: number,
  o: ProbeOptions,
  rng: Rng,
): Probe {
  const n = y.length, C = o.classes, H = o.hidden;
  for (let i = 0; i < n; i++) {
    if (!(y[i]! >= 0 && y[i]! < C)) {
      throw new RangeError(`probe: label ${y[i]} of row ${i} is not in 0..${C - 1}`);
    }
  }
  const layers = H > 0 ? [dense(d, H, rng), dense(H, C, rng)] : [dense(d, C, rng)];
  const out = layers.at(-1)!;
  const bx = new Float32Array(o.batch * d);
  const hid = new Float64Array(o.batch * H), dHid = new Float64Array(o.batch * H);
  const logits = new Float64Array(o.batch * C);
  const run = (input: ArrayLike<number>, m: number, act: Float64Array, z: Float64Array) => {
    if (H > 0) {
      forward(layers[0]!, input, m, act, true);
      forward(out, act, m, z, false);
    } else forward(out, input, m, z, false);
  };
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let t = 0;
  for (let e = 0; e < o.epochs; e++) {
    rng.shuffle(order);
    for (let s = 0; s < n; s += o.batch) {
      const m = Math.min(o.batch, n - s);
      for (let r = 0; r < m; r++) {
        const i = order[s + r]!;
        bx.set(x.subarray(i * d, (i + 1) * d), r * d);
      }
      run(bx, m, hid, logits);
      // d(mean cross-entropy)/d logits = (softmax - one-hot) / m
      for (let r = 0; r < m; r++) {
        const o0 = r * C;
        let max = -Infinity, sum = 0;
        for (let c = 0; c < C; c++) max = Math.max(max, logits[o0 + c]!);
        for (let c = 0; c < C; c++) sum += logits[o0 + c] = Math.exp(logits[o0 + c]! - max);
        for (let c = 0; c < C; c++) logits[o0 + c] = logits[o0 + c]! / sum / m;
        logits[o0 + y[order[s + r]!]!]! -= 1 / m;
      }
      if (H > 0) {
        backward(out, hid, logits, m, o.weightDecay);
        // through the output layer and the ReLU
        const w = out.w;
        for (let r = 0; r < m; r++) {
          for (let j = 0; j < H; j++) {
            let acc = 0;
            if (hid[r * H + j]! > 0) {
              for (let c = 0; c < C; c++) acc += logits[r * C + c]! * w[j * C + c]!;
            }
            dHid[r * H + j] = acc;
          }
        }
        backward(layers[0]!, bx, dHid, m, o.weightDecay);
      } else backward(out, bx, logits, m, o.weightDecay);
      t++;
      for (const l of layers) adam(l, o.lr, t);
    }
  }
  return {
    layers,
    predict(xs, rows) {
      const pred = new Int32Array(rows);
      const chunk = 256, a = new Float64Array(chunk * H), z = new Float64Array(chunk * C);
      for (let s = 0; s < rows; s += chunk) {
        const m = Math.min(chunk, rows - s);
        run(xs.subarray(s * d, (s + m) * d), m, a, z);
        for (let r = 0; r < m; r++) {
          let best = 0;
          for (let c = 1; c < C; c++) if (z[r * C + c]! > z[r * C + best]!) best = c;
          pred[s + r] = best;
        }
      }
      return pred;
    },
  };
}

/**
 * Trains a classifier on frozen, standardised training features (mean and std from the
 * training set) and returns its test accuracy. Weights, batch order: from `rng`.
 */
export function probeAccuracy(
  train: LabelledFeatures,
  test: LabelledFeatures,
  o: ProbeOptions,
  rng: Rng,
): number {
  const nTrain = checkFeatures(train, "probe train features");
  const nTest = checkFeatures(test, "probe test features");
  const d = train.dim;
  if (test.dim !== d) throw new RangeError(`probe: train features ${d}-d, test ${test.dim}-d`);
  // standardise with the training set's statistics
  const mean = new Float64Array(d), sd = new Float64Array(d);
  for (let i = 0; i < nTrain; i++) for (let j = 0; j < d; j++) mean[j]! += train.x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= nTrain;
  for (let i = 0; i < nTrain; i++) {
    for (let j = 0; j < d; j++) sd[j]! += (train.x[i * d + j]! - mean[j]!) ** 2;
  }
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]! / nTrain) + 1e-6;
  const standardise = (x: Float32Array) => x.map((v, i) => (v - mean[i % d]!) / sd[i % d]!);
  const probe = fitProbe(standardise(train.x), train.y, d, o, rng);
  const p = probe.predict(standardise(test.x), nTest);
  let correct = 0;
  for (let i = 0; i < nTest; i++) if (p[i] === test.y[i]) correct++;
  return correct / nTest;
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
export function foldAccuracies(
  train: LabelledFeatures,
  test: LabelledFeatures,
  folds: ArrayLike<number>[],
  o: FoldOptions,
  rng: Rng,
): { accuracies: number[]; decays: number[] } {
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
      const acc = probeAccuracy(fit, val, { ...o, hidden: 0, weightDecay: wd }, rng);
      if (acc > bestAcc) [best, bestAcc] = [wd, acc];
    }
    const all = selectRows(train, fold);
    accuracies.push(probeAccuracy(all, test, { ...o, hidden: 0, weightDecay: best }, rng));
    decays.push(best);
  }
  return { accuracies, decays };
}
