/**
 * Methods that train the encoder f and projector g by a loss on the two views' projections alone
 * (Barlow Twins, VICReg): the same model as SimCLR's, the shared loop and evaluation
 * (methods/two_view.ts), the loop's collapse watch on the projections; a method declares its
 * defaults, docs, presets, loss and sweeps.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { twoViews } from "./augment.ts";
import type { EncoderKind, HeadKind } from "./encoders.ts";
import { createSimclrModel, type SimclrModel, type SimclrModelConfig } from "./simclr.ts";
import { deriveStreams, type Rng, type Streams } from "../core/rng.ts";
import { normalisedSpread, runTrainer, type StepAt, stepper, type Trainer } from "../core/train.ts";
import { type Docs, resolveConfig } from "../suite/config.ts";
import { loadSplit } from "../datasets/splits.ts";
import {
  defineMethod,
  gateGrid,
  loopOf,
  type Method,
  type MethodSpec,
  type PerfWorkload,
  type RunContext,
  type RunOutput,
  type SweepSpec,
} from "../suite/method.ts";
import type { ImageSet } from "../datasets/images.ts";
import {
  batchTrainer,
  loadViewsData,
  optimiserStep,
  type Trainable,
  twoViewCiSmall,
  type TwoViewConfig,
  twoViewGate,
  twoViewReference,
  viewOptions,
  viewsOutput,
} from "./two_view.ts";

/**
 * The `deno task perf` row of a two-view method's ci step as its ci preset trains it (augmented
 * views of the JPEG copy, the model, the loss, the optimiser and the method's after-step update),
 * beside the same step in PyTorch: bench/peers/simclr_step.py with `--method` (its networks,
 * loss, EMA copies and queue are written out there) and the config's sizes.
 */
export function viewsCiPerf<C extends TwoViewConfig>(o: {
  /** the method's name, and the peer's `--method` */
  name: string;
  /** what its step adds to SimCLR's, e.g. "predictor, EMA target, 2 - 2 cos" */
  what: string;
  defaults: C;
  docs: Docs<C>;
  presets: Record<string, Partial<C>>;
  trainer: (cfg: C, set: ImageSet, streams: Streams) => Trainer<unknown>;
  /** the peer's method options, from the resolved config */
  peer: (cfg: C) => string[];
}): PerfWorkload {
  const cfg = resolveConfig(o.defaults, o.docs, o.presets, ["ci"], []);
  // the peer writes out Adam only: a ci preset on another optimiser would time unlike steps
  if (cfg.optimizer !== "adam") {
    throw new TypeError(`${o.name}'s ci preset trains with ${cfg.optimizer}; its peer with Adam`);
  }
  return {
    label: `${o.name} ci step as trained: ${cfg.batch} images of the JPEG copy, 2 augmented ` +
      `views, ${cfg.encoder} CNN (width ${cfg.width}) + MLP head to ${cfg.headDim}, ${o.what}, ` +
      `${cfg.optimizer}`,
    ci: true,
    images: cfg.batch,
    setup: async () => {
      const set = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
      return stepper(o.trainer(cfg, set, deriveStreams(0)));
    },
    peer: {
      script: "bench/peers/simclr_step.py",
      args: [
        ...["--method", o.name, "--encoder", cfg.encoder, "--width", String(cfg.width)],
        ...["--batch", String(cfg.batch), "--head-dim", String(cfg.headDim)],
        ...["--lr", String(cfg.lr), "--augment", "--crop-min", String(cfg.cropMin)],
        ...["--strength", String(cfg.strength), ...o.peer(cfg)],
      ],
    },
  };
}

/** The collapse watch's key: a run whose projections stop spreading is stopped. */
export const collapseDefaults = { collapseFraction: 0.1 };

/** Its doc. */
export const collapseDocs: Docs<typeof collapseDefaults> = {
  collapseFraction: {
    help: "stop the run as collapsed when the spread of the normalised projections falls below " +
      "this fraction of 1/sqrt(headDim), their spread when spread out; 0 = never",
    min: 0,
    max: 1,
  },
};

/** The loop's collapse threshold for projections of `dim` dimensions (none at fraction 0). */
export function collapseBelow(fraction: number, dim: number): number | undefined {
  return fraction > 0 ? fraction / Math.sqrt(dim) : undefined;
}

/** f and g as a two-view config describes them (g: `head`, to `headDim`). */
export function viewsModelConfig(
  cfg: TwoViewConfig,
  channels: number,
  head = cfg.head,
): SimclrModelConfig {
  return {
    encoder: cfg.encoder as EncoderKind,
    stem: cfg.stem as "cifar" | "imagenet",
    width: cfg.width,
    head: head as HeadKind,
    headDim: cfg.headDim,
    channels,
  };
}

/** The keys every method with the collapse watch has. */
export type ProjectionConfig = TwoViewConfig & typeof collapseDefaults;

/** What a projection method declares: its method contract's data, its loss, its advice. */
export interface ProjectionSpec<C extends ProjectionConfig>
  extends Pick<MethodSpec<C>, "name" | "title" | "summary" | "defaults" | "docs" | "presets"> {
  /** the loss of a batch's projections z1, z2 [N, d] (the first and the second views) */
  loss: (z1: tf.Tensor2D, z2: tf.Tensor2D, cfg: C) => tf.Scalar;
  /** the loss's name in plots and in the train_loss row's protocol */
  lossName: string;
  /** what to try when the loss stops being finite or the projections collapse */
  advice: (cfg: C) => string;
  sweeps: SweepSpec[];
  /** its `deno task perf` row: the peer's options for the loss ({@linkcode viewsCiPerf}) */
  perfPeer: (cfg: C) => string[];
}

/**
 * A two-view method's training run on the loop: its model from the init stream, then each step
 * the batch's two augmented views, `loss` of them (with the spread the loop watches against
 * collapseFraction) under the gradient, the optimiser's update, and `after` (a momentum
 * encoder's update, a queue's).
 */
export function viewsTrainer<C extends ProjectionConfig, M extends Trainable & SimclrModel>(
  cfg: C,
  set: ImageSet,
  streams: { init: Rng; data: Rng; augment: Rng },
  o: {
    name: string;
    title: string;
    model: (init: Rng) => M;
    loss: (m: M, views: tf.Tensor4D) => { loss: tf.Scalar; spread: tf.Scalar };
    after?: (m: M, at: StepAt) => void;
    advice: string;
  },
): Trainer<M> {
  if (set.n < 4) {
    throw new RangeError(`${o.title} needs at least 4 training images, got ${set.n}`);
  }
  const model = o.model(streams.init);
  const [aug, aug2] = viewOptions(cfg, set);
  return batchTrainer(cfg, set, streams, {
    name: o.title,
    label: `${o.name} train`,
    model,
    viewsPerImage: 2,
    step: (x, _idx, opt, lr, at) => {
      const views = twoViews(x, streams.augment, aug, aug2);
      x.dispose();
      let spread: tf.Scalar | null = null;
      const value = optimiserStep(model, opt, () => {
        const r = o.loss(model, views);
        spread = r.spread;
        return r.loss;
      }, lr);
      views.dispose();
      o.after?.(model, at);
      return { loss: value, spread: spread! };
    },
    advice: o.advice,
    collapseBelow: collapseBelow(cfg.collapseFraction, model.head.outDim),
  });
}

/** A projection method's training run on the loop. */
export function projectionTrainer<C extends ProjectionConfig>(
  spec: ProjectionSpec<C>,
  cfg: C,
  set: ImageSet,
  streams: { init: Rng; data: Rng; augment: Rng },
): Trainer<SimclrModel> {
  return viewsTrainer(cfg, set, streams, {
    name: spec.name,
    title: spec.title,
    model: (init) => createSimclrModel(viewsModelConfig(cfg, set.channels), init),
    loss: (model, views) => {
      let spread: tf.Scalar | null = null;
      const loss = tf.tidy(() => {
        const n = views.shape[0] / 2;
        const z = model.head.apply(model.encoder.apply(views, true), true);
        const z1 = tf.slice(z, [0, 0], [n, -1]) as tf.Tensor2D;
        const z2 = tf.slice(z, [n, 0], [n, -1]) as tf.Tensor2D;
        spread = tf.keep(normalisedSpread(z1));
        return spec.loss(z1, z2, cfg);
      });
      return { loss, spread: spread! };
    },
    advice: spec.advice(cfg),
  });
}

/**
 * A two-view run from data to output: the labelled splits, the method's trainer on the loop, the
 * evaluation of h and z beside an encoder of the same shape with random weights (its own stream).
 */
export async function runViews<C extends TwoViewConfig>(
  ctx: RunContext<C>,
  o: {
    name: string;
    title: string;
    /** the loss's name (plots) and its words in the train_loss row's protocol */
    lossName: string;
    lossWords: string;
    trainer: (
      cfg: C,
      set: ImageSet,
      streams: { init: Rng; data: Rng; augment: Rng },
    ) => Trainer<SimclrModel>;
  },
): Promise<RunOutput> {
  const cfg = ctx.config;
  const { train, test, dataset, classes } = await loadViewsData(ctx, o.name);
  ctx.phase("train", `${o.name}: training on ${train.n} images, ${cfg.epochs} epochs`);
  const result = await runTrainer(o.trainer(cfg, train, ctx.streams), loopOf(ctx));
  return await viewsOutput(ctx, {
    who: o.name,
    result,
    random: () =>
      createSimclrModel(viewsModelConfig(cfg, train.channels, "none"), ctx.streams.randomInit),
    onZ: cfg.head !== "none",
    train,
    test,
    dataset,
    classes,
    loss: {
      name: o.lossName,
      words: o.lossWords,
      title: `${o.title} training loss (${dataset}, ${cfg.encoder}, batch ${cfg.batch})`,
    },
  });
}

/**
 * The CIFAR-10 recipe solo-learn publishes for Barlow Twins and VICReg (their papers train on
 * ImageNet only): a 2048-d projection, LARS at 0.3 x batch / 256, batch 256, weight decay 1e-4,
 * 10 warm-up epochs (the shared default), 1000 epochs.
 */
export const SOLO_LEARN_CIFAR = {
  headDim: 2048,
  batch: 256,
  epochs: 1000,
  optimizer: "lars",
  lr: 0.3,
  weightDecay: 1e-4,
};

/** The projector's output dimension, as the papers and solo-learn set it. */
export const projectionHeadDoc = {
  help: "output dimension of the projector g (papers: 8192; solo-learn CIFAR: 2048)",
  integer: true,
  min: 1,
};

/**
 * The presets of a projection method: defaults, the paper's data, CPU scale (ci), the CI gate, and the
 * reference tier (two_view.ts twoViewReference with a 128-d projection, crops of at least 20 %,
 * and the method's own Adam learning rate, epochs and batch).
 */
export function projectionPresets(reference: { lr: number; epochs: number; batch?: number }) {
  return {
    default: {},
    "paper-cifar10": { dataset: "cifar10" },
    // CPU scale: the neighbours' ci budget on SimCLR's ci data and encoder (two_view.ts), a 128-d
    // projection
    ci: { ...twoViewCiSmall, headDim: 128 },
    // the CI gate (bench:ci): the ci settings at two_view.ts twoViewGate's size
    gate: { ...twoViewCiSmall, headDim: 128, ...twoViewGate },
    reference: { ...twoViewReference, headDim: 128, cropMin: 0.2, ...reference },
  };
}

/** The method a projection spec declares. */
export function projectionMethod<C extends ProjectionConfig>(spec: ProjectionSpec<C>): Method {
  const run = (ctx: RunContext<C>) =>
    runViews(ctx, {
      name: spec.name,
      title: spec.title,
      lossName: spec.lossName,
      lossWords: spec.lossName,
      trainer: (cfg, set, streams) => projectionTrainer(spec, cfg, set, streams),
    });
  const { name, title, summary, defaults, docs, presets } = spec;
  return defineMethod<C>({
    ...{ name, title, summary, defaults, docs, presets },
    run,
    ci: gateGrid(spec.title),
    sweeps: spec.sweeps,
    perf: [viewsCiPerf({
      name,
      what: spec.lossName,
      ...{ defaults, docs, presets },
      trainer: (cfg, set, streams) => projectionTrainer(spec, cfg, set, streams),
      peer: spec.perfPeer,
    })],
    claims: [],
  });
}
