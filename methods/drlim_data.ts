/**
 * DrLIM's data: MNIST digits padded to 32x32 (and their shifted copies), and the pair mining: the exact k-nearest-neighbour graph in pixel space, computed in row
 * chunks on the active TF.js backend (||q||^2 - 2 q.x + ||x||^2, then top-k), and the similar
 * pairs it gives (each sample with its k Euclidean nearest neighbours, and for the shifted-digit
 * experiment their translations).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/rng.ts";
import type { MnistSplit } from "../suite/data.ts";

/** Side of the network's input: MNIST's 28x28 zero-padded to 32x32, as in the paper. */
export const SIDE = 32;
/** Pixels of one padded image. */
export const PIXELS = SIDE * SIDE;

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

// ---------------------------------------------------------------------------------------------
// Data

/** Samples for DrLIM: padded images plus, per sample, its digit, shift and source image. */
export interface DrlimData {
  n: number;
  /** [n, 32, 32] in [0, 1] */
  x: Float32Array;
  digit: Int32Array;
  /** the shift in pixels of this copy (0 for originals) */
  shift: Int32Array;
  /** index of the source image, shared by all shifted copies of one image */
  base: Int32Array;
  /** shifts used, 0 first; sample b * shifts.length + s is copy s of image b */
  shifts: number[];
}

/** Chooses up to `perDigit` images of each wanted digit (all when 0), in a seeded random order. */
export function selectIndices(
  labels: Uint8Array,
  digits: number[],
  perDigit: number,
  rng: Rng,
): number[] {
  const out: number[] = [];
  for (const dgt of digits) {
    const idx: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === dgt) idx.push(i);
    rng.shuffle(idx);
    const take = perDigit === 0 ? idx.length : Math.min(perDigit, idx.length);
    out.push(...idx.slice(0, take).sort((a, b) => a - b));
  }
  return out;
}

/** Pads a 28x28 image into 32x32 shifted right by `shift` pixels (left when negative), zero fill. */
export function padShift(
  src: Uint8Array,
  rows: number,
  cols: number,
  shift: number,
  dst: Float32Array,
  off: number,
): void {
  const py = (SIDE - rows) >> 1, px = (SIDE - cols) >> 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const x = c + px + shift;
      if (x >= 0 && x < SIDE) dst[off + (r + py) * SIDE + x] = src[r * cols + c]! / 255;
    }
  }
}

/** Builds the samples: each chosen image and its shifted copies. */
export function buildData(split: MnistSplit, indices: number[], shifts: number[]): DrlimData {
  const all = [0, ...shifts];
  const n = indices.length * all.length, img = split.rows * split.cols;
  const x = new Float32Array(n * PIXELS);
  const digit = new Int32Array(n), shift = new Int32Array(n), base = new Int32Array(n);
  indices.forEach((src, b) => {
    all.forEach((s, j) => {
      const i = b * all.length + j;
      padShift(
        split.images.subarray(src * img, (src + 1) * img),
        split.rows,
        split.cols,
        s,
        x,
        i * PIXELS,
      );
      digit[i] = split.labels[src]!;
      shift[i] = s;
      base[i] = b;
    });
  });
  return { n, x, digit, shift, base, shifts: all };
}
