/**
 * Encoders f and projection heads g for SimCLR-style methods (Chen et al. 2020, section 2.1 and
 * appendix B.9): ResNet-18 and ResNet-50 (He et al. 2016) with a choice of stem, and a small CNN
 * for CPU-scale runs (with a deeper variant, for the paper's "bigger models" ablation at CPU scale,
 * Sec. 4.1, Fig. 7). NHWC.
 *
 * The CIFAR stem (3x3 stride-1 first convolution, no max-pool) is the paper's for CIFAR-10; with
 * the ImageNet stem (7x7 stride 2 + max-pool) a 32x32 image is 8x8 after the stem and CIFAR
 * accuracy collapses, a common reproduction failure.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BatchNorm, batchNorm, batchNormParams, Params } from "../core/layers.ts";
import type { Rng } from "../core/rng.ts";
import { spatialMean } from "../core/ops.ts";

/** Encoders the suite builds. */
export const ENCODERS = ["resnet18", "resnet50", "small", "small-deep"] as const;
export type EncoderKind = (typeof ENCODERS)[number];
/** Projection heads: identity, one linear layer, or Linear-BN-ReLU-Linear (the paper's). */
export const HEADS = ["none", "linear", "mlp"] as const;
export type HeadKind = (typeof HEADS)[number];

/** A network: its parameters and a forward function (call inside tf.tidy). */
export interface Net {
  params: Params;
  /** width of the output */
  outDim: number;
  apply(x: tf.Tensor, training: boolean): tf.Tensor2D;
}

type Fn = (x: tf.Tensor, training: boolean) => tf.Tensor;

function conv(p: Params, k: number, ci: number, co: number, stride: number): Fn {
  const w = p.heNormal("conv", [k, k, ci, co], k * k * ci);
  return (x) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, "same");
}

function convBn(p: Params, k: number, ci: number, co: number, stride: number, relu: boolean): Fn {
  const c = conv(p, k, ci, co, stride);
  const bn: BatchNorm = batchNormParams(p, co);
  return (x, training) => batchNorm(c(x, training), bn, training, relu);
}

function shortcut(p: Params, ci: number, co: number, stride: number): Fn {
  return stride === 1 && ci === co ? (x) => x : convBn(p, 1, ci, co, stride, false);
}

function basicBlock(p: Params, ci: number, co: number, stride: number): Fn {
  const a = convBn(p, 3, ci, co, stride, true), b = convBn(p, 3, co, co, 1, false);
  const s = shortcut(p, ci, co, stride);
  return (x, t) => tf.relu(tf.add(b(a(x, t), t), s(x, t)));
}

function bottleneck(p: Params, ci: number, planes: number, stride: number): Fn {
  const co = 4 * planes;
  const a = convBn(p, 1, ci, planes, 1, true), b = convBn(p, 3, planes, planes, stride, true);
  const c = convBn(p, 1, planes, co, 1, false), s = shortcut(p, ci, co, stride);
  return (x, t) => tf.relu(tf.add(c(b(a(x, t), t), t), s(x, t)));
}

/** Options of {@linkcode createEncoder}. */
export interface EncoderOptions {
  /** "cifar": 3x3 stride-1 first conv, no max-pool; "imagenet": 7x7 stride 2 + 3x3 max-pool */
  stem: "cifar" | "imagenet";
  /** channels of the first stage (64 in the paper); smaller widths make CPU-sized ResNets */
  width: number;
  /** input channels */
  channels: number;
}

/** Builds an encoder f; its output h is the representation evaluated downstream. */
export function createEncoder(kind: EncoderKind, rng: Rng, opts: EncoderOptions): Net {
  const p = new Params(rng);
  const w = opts.width;
  if (kind === "small" || kind === "small-deep") {
    // conv3x3 w -> pool -> conv3x3 2w -> pool -> conv3x3 4w -> global average: h of 4w;
    // small-deep adds a fourth conv3x3 4w -> 4w before the average (the same h, one layer deeper,
    // about 1.9x the multiply-adds)
    const l1 = convBn(p, 3, opts.channels, w, 1, true), l2 = convBn(p, 3, w, 2 * w, 1, true);
    const l3 = convBn(p, 3, 2 * w, 4 * w, 1, true);
    const l4 = kind === "small-deep" ? convBn(p, 3, 4 * w, 4 * w, 1, true) : null;
    return {
      params: p,
      outDim: 4 * w,
      apply: (x, t) => {
        let h = tf.maxPool(l1(x, t) as tf.Tensor4D, 2, 2, "same");
        h = tf.maxPool(l2(h, t) as tf.Tensor4D, 2, 2, "same");
        const h3 = l3(h, t);
        return spatialMean((l4 ? l4(h3, t) : h3) as tf.Tensor4D);
      },
    };
  }
  const stem = opts.stem === "cifar"
    ? convBn(p, 3, opts.channels, w, 1, true)
    : ((c: Fn): Fn => (x, t) => tf.maxPool(c(x, t) as tf.Tensor4D, 3, 2, "same"))(
      convBn(p, 7, opts.channels, w, 2, true),
    );
  const blocks: Fn[] = [];
  let ci = w;
  const depths = kind === "resnet18" ? [2, 2, 2, 2] : [3, 4, 6, 3];
  depths.forEach((n, stage) => {
    const planes = w << stage;
    for (let i = 0; i < n; i++) {
      const stride = i === 0 && stage > 0 ? 2 : 1;
      if (kind === "resnet18") {
        blocks.push(basicBlock(p, ci, planes, stride));
        ci = planes;
      } else {
        blocks.push(bottleneck(p, ci, planes, stride));
        ci = 4 * planes;
      }
    }
  });
  return {
    params: p,
    outDim: ci,
    apply: (x, t) => {
      let h = stem(x, t);
      for (const b of blocks) h = b(h, t);
      return spatialMean(h as tf.Tensor4D); // global average pooling
    },
  };
}

function dense(p: Params, ci: number, co: number): (x: tf.Tensor) => tf.Tensor2D {
  const w = p.fanInUniform("dense", [ci, co], ci), b = p.constant("dense_bias", co, 0);
  return (x) => tf.add(tf.matMul(x as tf.Tensor2D, w), b) as tf.Tensor2D;
}

/**
 * Builds a projection head g on inputs of width `inDim`: `none` is the identity (outDim = inDim),
 * `linear` one Linear layer, `mlp` Linear(inDim, hidden)-BN-ReLU-Linear(hidden, outDim).
 */
export function createHead(
  kind: HeadKind,
  rng: Rng,
  inDim: number,
  outDim: number,
  hidden = inDim,
): Net {
  const p = new Params(rng);
  if (kind === "none") return { params: p, outDim: inDim, apply: (x) => x as tf.Tensor2D };
  if (kind === "linear") return { params: p, outDim, apply: dense(p, inDim, outDim) };
  const l1 = dense(p, inDim, hidden),
    bn = batchNormParams(p, hidden),
    l2 = dense(p, hidden, outDim);
  return {
    params: p,
    outDim,
    apply: (x, t) => l2(tf.relu(batchNorm(l1(x), bn, t))),
  };
}
