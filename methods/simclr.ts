/**
 * SimCLR (Chen, Kornblith, Norouzi, Hinton 2020, arXiv 2002.05709): two augmented views of each
 * image, an encoder f giving the representation h, a projection head g giving z, and the NT-Xent
 * loss on z. After pre-training, h and z of labelled images are evaluated with frozen weights by
 * weighted kNN, a linear probe and an MLP probe, beside a randomly initialised encoder of the
 * same shape and chance.
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
import { augmentBatch, twoViews } from "./augment.ts";
import { deriveStreams, Rng } from "../core/rng.ts";
import { simclrClaims } from "./simclr_claims.ts";
import { simclrSweeps } from "./simclr_sweeps.ts";
import type { Param } from "../core/layers.ts";
import { createOptimizer, type SuiteOptimizer } from "../core/optim.ts";
import { type Docs, resolveConfig } from "../suite/config.ts";
import {
  defineMethod,
  gateGrid,
  loopOf,
  type RunContext,
  type RunOutput,
} from "../suite/method.ts";
import type { ImageSet } from "../datasets/images.ts";
import { batchTensor, loadSplit } from "../datasets/splits.ts";
import {
  type LoopOptions,
  runTrainer,
  stepper,
  type Trainer,
  type TrainStats,
} from "../core/train.ts";
import {
  augmentOptions,
  batchTrainer,
  features,
  loadViewsData,
  optimiserStep,
  peakLr,
  twoViewCi,
  twoViewCiSmall,
  twoViewDefaults,
  twoViewDocs,
  twoViewGate,
  twoViewReference,
  viewsOutput,
} from "./two_view.ts";

export { augmentOptions, features, peakLr };

/** What trains the encoder (the `objective` key). */
export const OBJECTIVES = ["simclr", "supervised"] as const;

/** Encoder f and head g. */
export interface SimclrModel {
  encoder: Net;
  head: Net;
  /** all trainable parameters with their weight-decay flags, encoder first */
  params: Param[];
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
    params: [...encoder.params.params, ...head.params.params],
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

/**
 * The supervised baseline's loss: softmax cross-entropy of the head's output (a linear layer on h
 * to one logit per class) against the labels, BatchNorm in training mode.
 */
export function supervisedLoss(
  m: SimclrModel,
  views: tf.Tensor4D,
  labels: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const logits = m.head.apply(m.encoder.apply(views, true), true);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, logits.shape[1]!), logits) as tf.Scalar;
  });
}

/**
 * One optimiser step on a batch of views at learning rate `lr`; returns the loss (the caller
 * disposes it). Training and `deno task perf` both run this.
 */
export function simclrStep(
  m: SimclrModel,
  opt: SuiteOptimizer,
  views: tf.Tensor4D,
  temperature: number,
  lr: number,
): tf.Scalar {
  return optimiserStep(m, opt, () => simclrLoss(m, views, temperature), lr);
}

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * SimCLR's typed defaults: the paper's CIFAR-10 recipe (appendix B.9) with ResNet-18 (the
 * paper's is ResNet-50): CIFAR stem, MLP head to 128-d, LARS at 0.3 x batch / 256, weight decay
 * 1e-6, 10 warm-up epochs then cosine, temperature 0.5, colour strength 0.5, no blur. GPU scale.
 */
export const simclrDefaults = {
  ...twoViewDefaults,
  temperature: 0.5,
  objective: "simclr",
};
/** SimCLR's resolved configuration. */
export type SimclrConfig = typeof simclrDefaults;

const simclrDocs: Docs<SimclrConfig> = {
  ...twoViewDocs,
  temperature: { help: "NT-Xent temperature tau (paper, CIFAR-10: 0.5)", min: 1e-6 },
  objective: {
    help: "what trains the encoder: simclr (NT-Xent on two views through the head g) or " +
      "supervised (the supervised baseline: cross-entropy on the labels through a linear layer " +
      "on h, one view per image under the same augmentations, batch, epochs and optimiser; " +
      "head, headDim and temperature unused)",
    choices: OBJECTIVES,
  },
};

const simclrPresets: Record<string, Partial<SimclrConfig>> = {
  default: {},
  // GPU scale: the paper's CIFAR-10 recipe on the official binaries.
  "paper-cifar10": { dataset: "cifar10" },
  // CPU scale: a small CNN on 3,000 images of the JPEG copy, ~280 steps, ~4 minutes on 2 cores
  // with lavapipe. Tuned only for a visible effect in that budget (Adam 0.01, tau 0.2, crops of
  // at least 20 % of the image), not for the paper's numbers.
  ci: { ...twoViewCi, temperature: 0.2 },
  // the neighbours' ci budget (BYOL, SimSiam, MoCo v2, Barlow Twins, VICReg): 1,500 images, 92
  // steps, so the cross-method table compares SimCLR with them at an equal budget
  "ci-small": { ...twoViewCiSmall, temperature: 0.2 },
  // the CI gate (bench:ci): the ci settings at two_view.ts twoViewGate's size
  gate: { ...twoViewCi, temperature: 0.2, ...twoViewGate },
  // the reference tier (two_view.ts twoViewReference): solo-learn's CIFAR temperature 0.2; Adam
  // at 0.01 and crops of at least 20 %, which learned fastest of the recipes the PyTorch peer ran
  // at this budget (reports/peer-simclr-recipes: lightly's SGD, Adam 1e-3 at tau 0.5, ...); the
  // epochs its budget study chose (sweep simclr-budget: an epoch takes about 3 minutes here)
  reference: { ...twoViewReference, lr: 0.01, temperature: 0.2, cropMin: 0.2, epochs: 4 },
};

// ---------------------------------------------------------------------------------------------
// Training

/**
 * The model a config describes, for images of `channels` channels. The supervised baseline's head
 * is a linear layer to `classes` logits.
 */
function modelConfig(
  cfg: SimclrConfig,
  channels: number,
  head = cfg.head,
  classes = 0,
): SimclrModelConfig {
  const supervised = cfg.objective === "supervised" && head !== "none";
  return {
    encoder: cfg.encoder as EncoderKind,
    stem: cfg.stem as "cifar" | "imagenet",
    width: cfg.width,
    head: (supervised ? "linear" : head) as HeadKind,
    headDim: supervised ? classes : cfg.headDim,
    channels,
  };
}

/** What {@linkcode trainSimclr} returns: the model and the loop's measurements. */
export interface SimclrTrainResult extends TrainStats {
  model: SimclrModel;
}

/**
 * Pre-trains f and g on `set` (labels unused) on the suite's loop (core/train.ts): the loss is
 * read back every `logEvery` steps; a non-finite loss stops training with an error.
 */
export async function trainSimclr(
  cfg: SimclrConfig,
  set: ImageSet,
  streams: { init: Rng; data: Rng; augment: Rng },
  loop: LoopOptions = { quiet: true },
): Promise<SimclrTrainResult> {
  return await runTrainer(simclrTrainer(cfg, set, streams), loop);
}

/** SimCLR's training run set up on the loop (what trainSimclr runs and `deno task perf` times). */
export function simclrTrainer(
  cfg: SimclrConfig,
  set: ImageSet,
  streams: { init: Rng; data: Rng; augment: Rng },
): Trainer<SimclrModel> {
  if (set.n < 2 * 2) throw new RangeError(`SimCLR needs at least 4 training images, got ${set.n}`);
  const supervised = cfg.objective === "supervised";
  if (supervised && set.labels.some((l) => l < 0)) {
    throw new RangeError(`objective=supervised needs labels; ${set.name} has unlabelled images`);
  }
  const model = createSimclrModel(
    modelConfig(cfg, set.channels, cfg.head, set.classes.length),
    streams.init,
  );
  const aug = augmentOptions(cfg, set);
  return batchTrainer(cfg, set, streams, {
    name: supervised ? "supervised baseline" : "SimCLR",
    label: supervised ? "supervised train" : "simclr train",
    model,
    viewsPerImage: supervised ? 1 : 2,
    step: (x, idx, opt, lr) => {
      if (supervised) {
        // one view per image, the same augmentations (Chen et al. 2020, Sec. 3: the supervised
        // models are trained under the same augmentation policy)
        const view = augmentBatch(x, streams.augment, aug);
        x.dispose();
        const y = tf.tensor1d(Int32Array.from(idx, (i) => set.labels[i]!), "int32");
        const loss = optimiserStep(model, opt, () => supervisedLoss(model, view, y), lr);
        tf.dispose([view, y]);
        return { loss };
      }
      const views = twoViews(x, streams.augment, aug);
      x.dispose();
      const loss = simclrStep(model, opt, views, cfg.temperature, lr);
      views.dispose();
      return { loss };
    },
    advice: supervised
      ? `lower lr (now ${cfg.lr})`
      : `lower lr (now ${cfg.lr}) or raise temperature`,
  });
}

// ---------------------------------------------------------------------------------------------
// Evaluation

async function runSimclr(ctx: RunContext<SimclrConfig>): Promise<RunOutput> {
  const cfg = ctx.config;
  const { train, test, dataset, classes } = await loadViewsData(ctx, "simclr");
  // the supervised baseline's rows are named "supervised": the reports and claims tell them apart
  const who = cfg.objective === "supervised" ? "supervised" : "simclr";
  ctx.phase("train", `${who}: training on ${train.n} images, ${cfg.epochs} epochs`);
  const result = await trainSimclr(cfg, train, ctx.streams, loopOf(ctx));
  return await viewsOutput(ctx, {
    who,
    result,
    // the same encoder shape with random weights (its own stream), under the same protocols
    random: () =>
      createSimclrModel(modelConfig(cfg, train.channels, "none"), ctx.streams.randomInit),
    onZ: cfg.head !== "none" && who === "simclr",
    train,
    test,
    dataset,
    classes,
    loss: {
      name: who === "simclr" ? "NT-Xent" : "cross-entropy",
      words: who === "simclr" ? "NT-Xent" : "cross-entropy on the labels",
      title: `${
        who === "simclr" ? "SimCLR" : "Supervised baseline"
      } training loss (${dataset}, ${cfg.encoder}, batch ${cfg.batch})`,
    },
  });
}

/** The SimCLR method as the suite runs it. */
export const simclr = defineMethod<SimclrConfig>({
  name: "simclr",
  title: "SimCLR",
  summary: "SimCLR (Chen et al. 2020): two augmented views, encoder + projection head, NT-Xent",
  defaults: simclrDefaults,
  docs: simclrDocs,
  presets: simclrPresets,
  run: runSimclr,
  // three seeds: the regression check needs each side's seed spread (the head claims have their
  // own sweep, simclr-head-cpu)
  ci: gateGrid("SimCLR"),
  sweeps: simclrSweeps,
  perf: [
    {
      label:
        "simclr ci step as trained: 64 images of the JPEG copy, 2 augmented views, small CNN " +
        "(width 16) + MLP head, NT-Xent, Adam",
      ci: true,
      images: 64,
      setup: async () => {
        const cfg = resolveConfig(simclrDefaults, simclrDocs, simclrPresets, ["ci"], []);
        const set = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
        const t = simclrTrainer(cfg, set, deriveStreams(0));
        return stepper(t);
      },
      peer: {
        script: "bench/peers/simclr_step.py",
        args: [
          ...["--encoder", "small", "--width", "16", "--batch", "64", "--temperature", "0.2"],
          ...["--lr", "0.01", "--augment", "--crop-min", "0.2", "--strength", "0.5"],
        ],
      },
    },
    {
      // the augmentation's share of the ci step above (it runs inside each training step)
      label: "simclr ci augmentation alone: 64 images of the JPEG copy to 2 augmented views " +
        "(the ci step's first part)",
      images: 64,
      setup: async () => {
        const cfg = resolveConfig(simclrDefaults, simclrDocs, simclrPresets, ["ci"], []);
        const set = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
        const aug = augmentOptions(cfg, set), rng = deriveStreams(0).augment;
        const x = batchTensor(set, Uint32Array.from({ length: cfg.batch }, (_, i) => i));
        return {
          // one value read back, as the peer does: the views are all computed
          step: () =>
            tf.tidy(() =>
              tf.reshape(tf.slice(twoViews(x, rng, aug), [0, 0, 0, 0], [1, 1, 1, 1]), [])
            ),
          dispose: () => x.dispose(),
        };
      },
      peer: {
        script: "bench/peers/simclr_step.py",
        args: [
          ...["--batch", "64", "--augment-only", "--crop-min", "0.2", "--strength", "0.5"],
        ],
      },
    },
    ...[32, 128, 256, 512].map((n) => ({
      label: "simclr resnet18-cifar + mlp head, NT-Xent, 2 views (fwd+bwd+Adam)",
      images: n,
      gpuOnly: n > 32, // minutes per step on a CPU
      setup: () => simclrPerfStep(n),
      peer: { script: "bench/peers/simclr_step.py", args: ["--batch", String(n)] },
    })),
  ],
  claims: simclrClaims,
});

/**
 * The SimCLR step `deno task perf` times: ResNet-18 (CIFAR stem, width 64) + MLP head
 * (512-512-128), NT-Xent at temperature 0.5 over 2 x n random views of 32x32x3, Adam 1e-3.
 */
export function simclrPerfStep(n: number): { step: () => tf.Scalar; dispose: () => void } {
  const rng = new Rng(0, "perf-simclr");
  const m = createSimclrModel({
    encoder: "resnet18",
    stem: "cifar",
    width: 64,
    head: "mlp",
    headDim: 128,
    channels: 3,
  }, rng);
  const opt = createOptimizer({ kind: "adam", momentum: 0, weightDecay: 0 });
  const views = tf.tensor4d(
    Float32Array.from({ length: 2 * n * 32 * 32 * 3 }, () => rng.float()),
    [2 * n, 32, 32, 3],
  );
  return {
    step: () => simclrStep(m, opt, views, 0.5, 1e-3),
    dispose: () => {
      views.dispose();
      m.dispose();
      opt.dispose();
    },
  };
}
