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
  ENCODERS,
  type HeadKind,
  HEADS,
  type Net,
} from "./encoders.ts";
import { augmentBatch, type AugmentOptions, SIMCLR_CIFAR_AUGMENT, twoViews } from "./augment.ts";
import { deriveStreams, Rng } from "../core/rng.ts";
import { simclrClaims } from "./simclr_claims.ts";
import { simclrSweeps } from "./simclr_sweeps.ts";
import type { Param } from "../core/layers.ts";
import {
  createOptimizer,
  type OptimizerKind,
  OPTIMIZERS,
  type SuiteOptimizer,
  warmupCosine,
} from "../core/optim.ts";
import { type Docs, resolveConfig } from "../suite/config.ts";
import {
  defineMethod,
  loopOf,
  lossPlot,
  type MetricRow,
  type RunContext,
  type RunOutput,
} from "../suite/method.ts";
import type { ImageSet } from "../datasets/images.ts";
import { batchTensor, DATASETS, loadSplit } from "../datasets/splits.ts";
import { evalDefaults, evalDocs } from "../eval/config.ts";
import type { LabelledFeatures } from "../eval/features.ts";
import {
  chanceRow,
  type Classifier,
  classifierRows,
  extractBatched,
  RANDOM_INIT,
} from "../eval/harness.ts";
import {
  type LoopOptions,
  runTrainer,
  stepper,
  type Trainer,
  type TrainStats,
} from "../core/train.ts";

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

/** Gradients of `loss` over the model's variables, applied at `lr`; returns the loss. */
function optimiserStep(
  m: SimclrModel,
  opt: SuiteOptimizer,
  loss: () => tf.Scalar,
  lr: number,
): tf.Scalar {
  const { value, grads } = tf.variableGrads(loss, m.vars);
  opt.apply(m.params, grads, lr);
  tf.dispose(Object.values(grads));
  return value;
}

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * SimCLR's typed defaults: the paper's CIFAR-10 recipe (appendix B.9) with ResNet-18 (the
 * paper's is ResNet-50): CIFAR stem, MLP head to 128-d, LARS at 0.3 x batch / 256, weight decay
 * 1e-6, 10 warm-up epochs then cosine, temperature 0.5, colour strength 0.5, no blur. GPU scale.
 */
export const simclrDefaults = {
  dataset: "cifar10-jpeg",
  dataDir: "",
  trainPerClass: 0,
  testPerClass: 0,
  encoder: "resnet18",
  stem: "cifar",
  width: 64,
  head: "mlp",
  headDim: 128,
  batch: 512,
  epochs: 500,
  optimizer: "lars",
  lr: 0.3,
  momentum: 0.9,
  weightDecay: 1e-6,
  warmupEpochs: 10,
  temperature: 0.5,
  strength: 0.5,
  cropMin: 0.08,
  blur: 0,
  objective: "simclr",
  logEvery: 10,
  ...evalDefaults,
  mlpHidden: 512,
  evalBatch: 500,
};
/** SimCLR's resolved configuration. */
export type SimclrConfig = typeof simclrDefaults;

const simclrDocs: Docs<SimclrConfig> = {
  dataset: {
    help:
      "cifar10-jpeg (the offline lossy copy), cifar10 (official binaries), stl10 (its labelled " +
      "splits, downloaded), folder (dataDir/{train,test}/<class>/*.png|jpg)",
    choices: DATASETS,
  },
  dataDir: {
    help: 'data folder; "" = the default (cifar10-jpeg: ../shared/datasets/cifar10-jpeg; ' +
      "cifar10: download into ~/.cache/ssl-bench/cifar10, or a folder of the extracted .bin files)",
  },
  trainPerClass: {
    help: "pre-training (and probe training) images per class, 0 = all",
    integer: true,
    min: 0,
  },
  testPerClass: { help: "test images per class, 0 = all", integer: true, min: 0 },
  encoder: { help: "encoder f", choices: ENCODERS },
  stem: {
    help: "cifar: 3x3 stride-1 first conv, no max-pool (paper, CIFAR); imagenet: 7x7/2 + max-pool",
    choices: ["cifar", "imagenet"],
  },
  width: { help: "channels of the first stage (ResNet paper: 64)", integer: true, min: 1 },
  head: {
    help: "projection head g: none, linear or mlp (Linear-BN-ReLU-Linear, paper)",
    choices: HEADS,
  },
  headDim: { help: "output dimension of g (paper: 128)", integer: true, min: 1 },
  batch: {
    help: "images per step, 2 views each (paper CIFAR-10: 256-4096)",
    integer: true,
    min: 2,
  },
  epochs: { help: "passes over the pre-training images", integer: true, min: 1 },
  optimizer: { help: "lars (paper), sgd (momentum) or adam", choices: OPTIMIZERS },
  lr: {
    help:
      "learning rate at batch 256: lars and sgd use lr x batch / 256 (paper: 0.3); adam uses lr as is",
    min: 0,
  },
  momentum: { help: "momentum of lars and sgd", min: 0, max: 1 },
  weightDecay: { help: "L2 weight decay, not on biases and BatchNorm (paper: 1e-6)", min: 0 },
  warmupEpochs: { help: "linear warm-up epochs before cosine decay (paper: 10)", min: 0 },
  temperature: { help: "NT-Xent temperature tau (paper, CIFAR-10: 0.5)", min: 1e-6 },
  strength: {
    help: "colour distortion strength s (paper, CIFAR-10: 0.5); 0 = no colour jitter",
    min: 0,
  },
  cropMin: {
    help: "smallest area fraction of the random resized crop (paper: 0.08)",
    min: 0.01,
    max: 1,
  },
  blur: {
    help: "probability of Gaussian blur (paper: 0.5 on ImageNet, 0 on CIFAR-10)",
    min: 0,
    max: 1,
  },
  objective: {
    help: "what trains the encoder: simclr (NT-Xent on two views through the head g) or " +
      "supervised (the supervised baseline: cross-entropy on the labels through a linear layer " +
      "on h, one view per image under the same augmentations, batch, epochs and optimiser; " +
      "head, headDim and temperature unused)",
    choices: OBJECTIVES,
  },
  logEvery: {
    help: "read the loss back every k steps (each read waits for the device)",
    integer: true,
    min: 1,
  },
  ...evalDocs,
  mlpHidden: { help: "hidden width of the MLP probe", integer: true, min: 1 },
};

const simclrPresets: Record<string, Partial<SimclrConfig>> = {
  default: {},
  // GPU scale: the paper's CIFAR-10 recipe on the official binaries.
  "paper-cifar10": { dataset: "cifar10" },
  // CPU scale: a small CNN on 3,000 images of the JPEG copy, ~280 steps, ~4 minutes on 2 cores
  // with lavapipe. Tuned only for a visible effect in that budget (Adam 0.01, tau 0.2, crops of
  // at least 20 % of the image), not for the paper's numbers.
  ci: {
    encoder: "small",
    width: 16,
    trainPerClass: 300,
    testPerClass: 100,
    batch: 64,
    epochs: 6,
    optimizer: "adam",
    lr: 0.01,
    temperature: 0.2,
    cropMin: 0.2,
    warmupEpochs: 0,
    probeEpochs: 20,
    mlpHidden: 256,
  },
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

/** The peak learning rate a config asks for (linear scaling for lars and sgd, as the paper). */
export function peakLr(cfg: Pick<SimclrConfig, "optimizer" | "lr" | "batch">): number {
  return cfg.optimizer === "adam" ? cfg.lr : cfg.lr * cfg.batch / 256;
}

/** What {@linkcode trainSimclr} returns: the model and the loop's measurements. */
export interface SimclrTrainResult extends TrainStats {
  model: SimclrModel;
}

/** Augmentation options of a config. */
export function augmentOptions(cfg: SimclrConfig, set: ImageSet): AugmentOptions {
  return {
    ...SIMCLR_CIFAR_AUGMENT,
    strength: cfg.strength,
    cropScale: [cfg.cropMin, 1],
    blurProb: cfg.blur,
    outSize: [set.height, set.width],
  };
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
  const batch = Math.min(cfg.batch, set.n - (set.n % 2));
  const model = createSimclrModel(
    modelConfig(cfg, set.channels, cfg.head, set.classes.length),
    streams.init,
  );
  const opt = createOptimizer({
    kind: cfg.optimizer as OptimizerKind,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
  });
  const aug = augmentOptions(cfg, set);
  const stepsPerEpoch = Math.floor(set.n / batch); // drop the last partial batch, as the paper
  const warmup = Math.round(cfg.warmupEpochs * stepsPerEpoch);
  const peak = peakLr(cfg);
  const order = Uint32Array.from({ length: set.n }, (_, i) => i);
  return {
    model,
    spec: {
      name: supervised ? "supervised baseline" : "SimCLR",
      label: supervised ? "supervised train" : "simclr train",
      epochs: cfg.epochs,
      stepsPerEpoch,
      imagesPerStep: supervised ? batch : 2 * batch,
      logEvery: cfg.logEvery,
      lr: (step, total) => warmupCosine(step, total, warmup, peak),
      startEpoch: () => streams.data.shuffle(order),
      step: ({ index, lr }) => {
        const idx = order.subarray(index * batch, (index + 1) * batch);
        const x = batchTensor(set, idx);
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
    },
    dispose: () => opt.dispose(),
    disposeModel: () => model.dispose(),
  };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** h (encoder output) and z (head output) of every image of `set`, BatchNorm in eval mode. */
export async function features(
  m: Pick<SimclrModel, "encoder" | "head">,
  set: ImageSet,
  batch: number,
): Promise<{ h: LabelledFeatures; z: LabelledFeatures }> {
  const [h, z] = await extractBatched(set.n, batch, (s, count) => {
    const hh = m.encoder.apply(
      batchTensor(set, Array.from({ length: count }, (_, i) => s + i)),
      false,
    );
    return [hh, m.head.apply(hh, false)];
  });
  return {
    h: { x: h!, y: set.labels, dim: m.encoder.outDim },
    z: { x: z!, y: set.labels, dim: m.head.outDim },
  };
}

async function runSimclr(ctx: RunContext<SimclrConfig>): Promise<RunOutput> {
  const cfg = ctx.config;
  ctx.phase("data", `simclr: loading ${cfg.dataset}`);
  const train = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
  const test = await loadSplit({ ...cfg, split: "test", perClass: cfg.testPerClass });
  if (train.labels.some((l) => l < 0)) {
    throw new RangeError(`${train.name} has unlabelled images; the evaluation needs labels`);
  }
  const classes = train.classes.length;
  const dataset = train.name.replace(/ train$/, "");
  await ctx.log({ type: "data", dataset, train: train.n, test: test.n, classes });

  // the supervised baseline's rows are named "supervised": the reports and claims tell them apart
  const who = cfg.objective === "supervised" ? "supervised" : "simclr";
  ctx.phase("train", `${who}: training on ${train.n} images, ${cfg.epochs} epochs`);
  const result = await trainSimclr(cfg, train, ctx.streams, loopOf(ctx));

  ctx.phase("eval", `simclr: features of ${train.n} + ${test.n} images, kNN and probes`);
  const settings = { ...cfg, classes };
  const all: Classifier[] = ["knn", "linear", "mlp"];
  const H = { key: "h", describe: "on h (encoder output)" };
  const Z = { key: "z", describe: "on z (head output)" };
  const rows: MetricRow[] = [];
  const ftr = await features(result.model, train, cfg.evalBatch);
  const fte = await features(result.model, test, cfg.evalBatch);
  result.model.dispose();
  rows.push(
    ...await classifierRows(who, dataset, ftr.h, fte.h, H, all, settings, ctx.streams.eval),
  );
  if (cfg.head !== "none" && who === "simclr") {
    rows.push(
      ...await classifierRows("simclr", dataset, ftr.z, fte.z, Z, all, settings, ctx.streams.eval),
    );
  }
  // the same encoder shape with random weights (its own stream), under the same protocols
  const random = createSimclrModel(
    modelConfig(cfg, train.channels, "none"),
    ctx.streams.randomInit,
  );
  const rtr = await features(random, train, cfg.evalBatch),
    rte = await features(random, test, cfg.evalBatch);
  random.dispose();
  rows.push(
    ...await classifierRows(RANDOM_INIT, dataset, rtr.h, rte.h, H, all, settings, ctx.streams.eval),
    chanceRow(dataset, classes, "knn_accuracy"),
    {
      method: who,
      dataset,
      protocol: `${
        who === "simclr" ? "NT-Xent" : "cross-entropy on the labels"
      }, mean over the last epoch's steps`,
      metric: "train_loss",
      value: result.epochLosses.at(-1)!,
    },
  );

  const plots = [
    lossPlot(
      who === "simclr" ? "NT-Xent" : "cross-entropy",
      `${
        who === "simclr" ? "SimCLR" : "Supervised baseline"
      } training loss (${dataset}, ${cfg.encoder}, batch ${cfg.batch})`,
      result.stepLosses,
    ),
  ];
  return { rows, plots, imagesPerS: result.imagesPerS, stepLosses: result.stepLosses };
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
  ci: [{ summary: "SimCLR ci", presets: ["ci"], axes: [], seeds: [0, 1, 2] }],
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
