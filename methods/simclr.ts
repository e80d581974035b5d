/**
 * SimCLR (Chen, Kornblith, Norouzi, Hinton 2020, arXiv 2002.05709): two augmented views of each
 * image, an encoder f giving the representation h, a projection head g giving z, and the NT-Xent
 * loss on z.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ntXentLoss } from "./nt_xent.ts";
import {
  createEncoder,
  createHead,
  type EncoderKind,
  type HeadKind,
  type Net,
} from "./encoders.ts";
import type { Rng } from "../core/rng.ts";

/** Encoder f and head g. */
export interface SimclrModel {
  encoder: Net;
  head: Net;
  /** all trainable variables, encoder first */
  vars: tf.Variable[];
  dispose(): void;
}

/** What {@linkcode createSimclrModel} builds. */
export interface SimclrModelConfig {
  encoder: EncoderKind;
  stem: "cifar" | "imagenet";
  width: number;
  head: HeadKind;
  headDim: number;
  channels: number;
}

/** Builds f and g with weights from the init stream. */
export function createSimclrModel(cfg: SimclrModelConfig, init: Rng): SimclrModel {
  const encoder = createEncoder(cfg.encoder, init, {
    stem: cfg.stem,
    width: cfg.width,
    channels: cfg.channels,
  });
  const head = createHead(cfg.head, init, encoder.outDim, cfg.headDim);
  return {
    encoder,
    head,
    vars: [...encoder.params.vars, ...head.params.vars],
    dispose: () => {
      encoder.params.dispose();
      head.params.dispose();
    },
  };
}

/**
 * NT-Xent of a batch of views [2N, H, W, C], laid out as N first views then N second views, with
 * BatchNorm in training mode (so its running statistics move). Call inside a gradient scope.
 */
export function simclrLoss(m: SimclrModel, views: tf.Tensor4D, temperature: number): tf.Scalar {
  return tf.tidy(() => {
    const n = views.shape[0] / 2;
    const z = m.head.apply(m.encoder.apply(views, true), true);
    const z1 = tf.slice(z, [0, 0], [n, -1]) as tf.Tensor2D;
    const z2 = tf.slice(z, [n, 0], [n, -1]) as tf.Tensor2D;
    return ntXentLoss(z1, z2, { temperature });
  });
}

/** One optimiser step on a batch of views; returns the loss (the caller disposes it). */
export function simclrStep(
  m: SimclrModel,
  opt: tf.Optimizer,
  views: tf.Tensor4D,
  temperature: number,
): tf.Scalar {
  return opt.minimize(() => simclrLoss(m, views, temperature), true, m.vars)!;
}
