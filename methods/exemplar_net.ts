/**
 * The Exemplar CNN network (Dosovitskiy et al. 2014; TPAMI Table 2 names), and what both
 * evaluation protocols read from it: quadrant max-pooled maps of every layer (the paper's) and
 * the fully connected layer's output (the simple one), and the training folds.
 * Unconfirmed and named here: the padding, and pooling after the first two convolutions only.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ConfigError } from "../suite/config.ts";
import { Params } from "../core/layers.ts";
import { conv2dBiasAct, dropout as dropoutOp, reproducibleMatMul } from "../core/ops.ts";
import type { Rng } from "../core/rng.ts";
import type { ImageSet } from "../datasets/images.ts";
import { batchTensor } from "../datasets/splits.ts";
import type { LabelledFeatures } from "../eval/features.ts";
import { extractBatched } from "../eval/harness.ts";

// ---------------------------------------------------------------------------------------------
// Network

/** The paper's networks (TPAMI Table 2 names). */
export const EXEMPLAR_NETWORKS = [
  "64c5-64c5-128f",
  "64c5-128c5-256c5-512f",
  "92c5-256c5-512c5-1024f",
] as const;

/** Convolution widths and the fully connected width of a network name like "64c5-64c5-128f". */
export function parseNetwork(name: string): { convs: number[]; kernel: number; fc: number } {
  const parts = name.split("-");
  const convs: number[] = [];
  let kernel = 0;
  for (const p of parts.slice(0, -1)) {
    const m = /^(\d+)c(\d+)$/.exec(p);
    if (!m) throw new ConfigError(`network "${name}": "${p}" is not <channels>c<kernel>`);
    convs.push(Number(m[1]));
    if (kernel && Number(m[2]) !== kernel) {
      throw new ConfigError(`network "${name}": all convolutions must share one kernel size`);
    }
    kernel = Number(m[2]);
  }
  const f = /^(\d+)f$/.exec(parts.at(-1) ?? "");
  if (!f || convs.length < 1) {
    throw new ConfigError(`network "${name}" must be <n>c<k>-...-<n>f, e.g. 64c5-64c5-128f`);
  }
  return { convs, kernel, fc: Number(f[1]) };
}

/** An Exemplar CNN: convolutions, the fully connected layer, the surrogate softmax. */
export interface ExemplarNet {
  params: Params;
  /** widths of the convolution outputs and of the fully connected layer */
  widths: number[];
  /** surrogate classes (softmax outputs) */
  classes: number;
  /** the fully connected layer's ReLU output for patch-sized inputs */
  fc(x: tf.Tensor4D): tf.Tensor2D;
  /** logits over the surrogate classes of patch-sized inputs; dropout masks from `seed` */
  logits(x: tf.Tensor4D, dropout: { rate: number; seed: number } | null): tf.Tensor2D;
  /**
   * Every layer's ReLU output but the softmax, for any input at least patch-sized: convolutions
   * before their pooling, then the fully connected layer run as a convolution (a map of
   * outputs, one per patch-sized window at the last pooling's stride).
   */
  maps(x: tf.Tensor4D): tf.Tensor4D[];
  dispose(): void;
}

const POOLED = 2; // 2x2 max-pooling after the first two convolutions

/** Builds a network for `patch`-sized inputs of `channels` channels and `classes` outputs. */
export function createExemplarNet(
  network: string,
  patch: number,
  channels: number,
  classes: number,
  rng: Rng,
): ExemplarNet {
  const { convs, kernel, fc } = parseNetwork(network);
  const p = new Params(rng);
  const layers = convs.map((co, i) => {
    const ci = i === 0 ? channels : convs[i - 1]!;
    return {
      w: p.heNormal("conv", [kernel, kernel, ci, co], kernel * kernel * ci) as tf.Variable<
        tf.Rank.R4
      >,
      b: p.constant("conv_bias", co, 0) as tf.Variable<tf.Rank.R1>,
    };
  });
  const pools = Math.min(POOLED, convs.length);
  const side = patch >> pools;
  if (side << pools !== patch) {
    throw new ConfigError(`patch ${patch} must be divisible by ${1 << pools} (the pooling)`);
  }
  const last = convs.at(-1)!;
  const fcW = p.fanInUniform("fc", [side * side * last, fc], side * side * last);
  const fcB = p.constant("fc_bias", fc, 0);
  const outW = p.fanInUniform("softmax", [fc, classes], fc);
  const outB = p.constant("softmax_bias", classes, 0);
  const trunk = (x: tf.Tensor4D, keep?: tf.Tensor4D[]) => {
    let h = x;
    layers.forEach((l, i) => {
      h = conv2dBiasAct(h, l.w, l.b, 1, "same", "relu");
      keep?.push(h);
      if (i < POOLED) h = tf.maxPool(h, 2, 2, "valid");
    });
    return h;
  };
  const dense = (x: tf.Tensor4D) =>
    tf.relu(
      tf.add(reproducibleMatMul(tf.reshape(trunk(x), [x.shape[0], -1]) as tf.Tensor2D, fcW), fcB),
    ) as tf.Tensor2D;
  return {
    params: p,
    widths: [...convs, fc],
    classes,
    fc: dense,
    logits(x, dropout) {
      let f = dense(x);
      if (dropout && dropout.rate > 0) {
        f = dropoutOp(f, dropout.rate, dropout.seed) as tf.Tensor2D;
      }
      return tf.add(tf.matMul(f, outW), outB) as tf.Tensor2D;
    },
    maps(x) {
      const keep: tf.Tensor4D[] = [];
      const h = trunk(x, keep);
      const w = tf.reshape(fcW, [side, side, last, fc]) as tf.Tensor4D;
      keep.push(conv2dBiasAct(h, w, fcB as tf.Tensor1D, 1, "valid", "relu"));
      return keep;
    },
    dispose: () => p.dispose(),
  };
}

/**
 * Max over each of the four quadrants of every map, concatenated: [n, 4 x channels] per map.
 * An odd side shares its middle row or column between both halves.
 */
export function quadrantMaxPool(maps: tf.Tensor4D[]): tf.Tensor2D {
  return tf.concat(
    maps.map((m) => {
      const [n, h, w, c] = m.shape;
      const hs = [[0, Math.ceil(h / 2)], [Math.floor(h / 2), h]];
      const ws = [[0, Math.ceil(w / 2)], [Math.floor(w / 2), w]];
      const quads = hs.flatMap(([r0, r1]) =>
        ws.map(([c0, c1]) =>
          tf.max(tf.slice(m, [0, r0!, c0!, 0], [n, r1! - r0!, c1! - c0!, c]), [1, 2])
        )
      );
      return tf.concat(quads, 1);
    }),
    1,
  ) as tf.Tensor2D;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/**
 * Features of every image of `set` under both protocols: "paper" (quadrant max-pooled maps of
 * every layer over the image scaled by `upsample`) and "simple" (the fully connected layer's
 * output for the image scaled to the patch size).
 */
export async function exemplarFeatures(
  net: ExemplarNet,
  set: ImageSet,
  o: { upsample: number; patch: number; batch: number },
): Promise<{ paper: LabelledFeatures; simple: LabelledFeatures }> {
  const pd = 4 * net.widths.reduce((a, b) => a + b, 0), sd = net.widths.at(-1)!;
  const [paper, simple] = await extractBatched(set.n, o.batch, (s, count) => {
    const x = batchTensor(set, Array.from({ length: count }, (_, i) => s + i));
    const big = o.upsample === 1 ? x : tf.image.resizeBilinear(
      x,
      [set.height * o.upsample, set.width * o.upsample],
      false,
      true,
    );
    const small = set.height === o.patch && set.width === o.patch
      ? x
      : tf.image.resizeBilinear(x, [o.patch, o.patch], false, true);
    return [quadrantMaxPool(net.maps(big)), net.fc(small)];
  });
  return {
    paper: { x: paper ?? new Float32Array(0), y: set.labels, dim: pd },
    simple: { x: simple ?? new Float32Array(0), y: set.labels, dim: sd },
  };
}

/** The training folds: STL-10's predefined ones, else `folds` random subsets of k per class. */
export function makeFolds(
  train: ImageSet & { folds?: Int32Array[] },
  folds: number,
  perClass: number,
  rng: Rng,
): Int32Array[] {
  if (train.folds) {
    const chosen = train.folds.slice(0, folds);
    chosen.forEach((f, i) => {
      const present = new Set(Array.from(f, (j) => train.labels[j]!));
      if (present.size < train.classes.length) {
        throw new ConfigError(
          `predefined fold ${i + 1} holds ${present.size} of the ${train.classes.length} classes ` +
            `among the training images read: raise trainPerClass (0 = all)`,
        );
      }
    });
    return chosen;
  }
  const byClass = new Map<number, number[]>();
  train.labels.forEach((c, i) => {
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  });
  for (const [c, idx] of byClass) {
    if (idx.length < perClass) {
      throw new ConfigError(
        `foldPerClass=${perClass} but class ${train.classes[c] ?? c} has ${idx.length} training ` +
          `images: lower foldPerClass or raise trainPerClass`,
      );
    }
  }
  return Array.from({ length: folds }, () =>
    Int32Array.from(
      [...byClass.keys()].sort((a, b) => a - b).flatMap((c) =>
        [...rng.shuffle([...byClass.get(c)!])].slice(0, perClass)
      ),
    ));
}
