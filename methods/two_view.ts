/**
 * What the two-view methods share (SimCLR, SimSiam, and the neighbours to come: BYOL, MoCo v2,
 * Barlow Twins, VICReg): their data and augmentation keys, the loop over batches of images with
 * the learning-rate schedule and optimiser, and the evaluation of the encoder's output h (and the
 * projector's z) by weighted kNN, linear and MLP probes beside a randomly initialised encoder and
 * chance. A method supplies its model and what one step does with a batch.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { AugmentOptions } from "./augment.ts";
import { SIMCLR_CIFAR_AUGMENT } from "./augment.ts";
import { ENCODERS, HEADS, type Net } from "./encoders.ts";
import type { Rng } from "../core/rng.ts";
import type { Param } from "../core/layers.ts";
import {
  createOptimizer,
  type OptimizerKind,
  OPTIMIZERS,
  type SuiteOptimizer,
  warmupCosine,
} from "../core/optim.ts";
import type { StepAt, StepOutput, Trainer, TrainStats } from "../core/train.ts";
import type { Docs } from "../suite/config.ts";
import {
  lossPlot,
  type MetricRow,
  type RunContext,
  type RunOutput,
  trainingRows,
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
  type FeatureSpec,
  RANDOM_INIT,
} from "../eval/harness.ts";

/** The keys every two-view method has, with SimCLR's CIFAR-10 recipe as their values. */
export const twoViewDefaults = {
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
  strength: 0.5,
  cropMin: 0.08,
  blur: 0,
  logEvery: 10,
  ...evalDefaults,
  mlpHidden: 512,
  evalBatch: 500,
};

/** The shared keys' values. */
export type TwoViewConfig = typeof twoViewDefaults;

/** The shared keys' docs (a method may say more about its own paper's values). */
export const twoViewDocs: Docs<TwoViewConfig> = {
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
  logEvery: {
    help: "read the loss back every k steps (each read waits for the device)",
    integer: true,
    min: 1,
  },
  ...evalDocs,
  mlpHidden: { help: "hidden width of the MLP probe", integer: true, min: 1 },
};

/**
 * The shared keys at CPU scale: a small CNN on 3,000 images of the JPEG copy, ~280 steps. Tuned
 * for SimCLR only for a visible effect in that budget (Adam 0.01, crops of at least 20 % of the
 * image), not for the papers' numbers.
 */
export const twoViewCi: Partial<TwoViewConfig> = {
  encoder: "small",
  width: 16,
  trainPerClass: 300,
  testPerClass: 100,
  batch: 64,
  epochs: 6,
  optimizer: "adam",
  lr: 0.01,
  cropMin: 0.2,
  warmupEpochs: 0,
  probeEpochs: 20,
  mlpHidden: 256,
};

/**
 * The neighbours' ci budget (BYOL, SimSiam, MoCo v2, Barlow Twins, VICReg, and SimCLR's
 * `ci-small` beside them, so that one table compares all six at an equal budget): SimCLR's ci
 * data, encoder and optimiser on half its images (1,500) for 4 epochs, 92 steps.
 */
export const twoViewCiSmall: Partial<TwoViewConfig> = {
  ...twoViewCi,
  trainPerClass: 150,
  epochs: 4,
};

/**
 * The CI gate's size (`bench:ci`, the `gate` preset of the six two-view methods, over their own
 * ci settings): 640 images (64 a class) for 2 epochs, 20 steps, evaluated on 500 test images with
 * a 10-epoch probe. A regression check, not a learning budget (the reference tier is that): it
 * catches bugs through the training rows (the last loss, how far the weights moved;
 * reports/ci-power). Sized so that `.ci/run` stays within ~35 minutes on the CI machines, whose
 * lavapipe trains 3-5x slower than where the ci presets were sized (AVX2 only).
 */
export const twoViewGate: Partial<TwoViewConfig> = {
  trainPerClass: 64,
  testPerClass: 50,
  epochs: 2,
  probeEpochs: 10,
};

/**
 * The shared keys at the reference tier (issue 27: runs in which every method beats its random
 * encoder, on 2 cores with lavapipe, at most 15 minutes of training a seed): the small CNN at
 * width 16 on 10,000 class-balanced training images of the JPEG copy (1,000 a class), batch 128,
 * Adam without warm-up, evaluated on all 10,000 test images. Each method sets its own learning
 * rate, loss settings and epochs (the budget its study chose: `deno task sweep <method>-budget`).
 * Width 16, not the 32 of the PyTorch anchor (reports/reference/README.md): a step at width 32
 * took 3x as long here, which the 15 minutes cannot afford.
 */
export const twoViewReference: Partial<TwoViewConfig> = {
  encoder: "small",
  width: 16,
  trainPerClass: 1000,
  testPerClass: 0,
  batch: 128,
  optimizer: "adam",
  warmupEpochs: 0,
  probeEpochs: 20,
  mlpHidden: 256,
};

/** The peak learning rate a config asks for (linear scaling for lars and sgd, as the paper). */
export function peakLr(cfg: Pick<TwoViewConfig, "optimizer" | "lr" | "batch">): number {
  return cfg.optimizer === "adam" ? cfg.lr : cfg.lr * cfg.batch / 256;
}

/** Augmentation options of a config. */
export function augmentOptions(cfg: TwoViewConfig, set: ImageSet): AugmentOptions {
  return {
    ...SIMCLR_CIFAR_AUGMENT,
    strength: cfg.strength,
    cropScale: [cfg.cropMin, 1],
    blurProb: cfg.blur,
    outSize: [set.height, set.width],
  };
}

/** A method's per-view augmentation keys (BYOL's asymmetric pipeline, Grill et al. 2020, Table 6). */
export interface PerViewKeys {
  /** the second view's blur probability (`blur`: the first view's) */
  blur2: number;
  solarize: number;
  solarize2: number;
}

/**
 * The augmentation of the first and of the second views: both {@linkcode augmentOptions} unless
 * the config has per-view keys ({@linkcode PerViewKeys}), as BYOL's does.
 */
export function viewOptions(
  cfg: TwoViewConfig & Partial<PerViewKeys>,
  set: ImageSet,
): [AugmentOptions, AugmentOptions] {
  const o = augmentOptions(cfg, set);
  if (cfg.blur2 === undefined) return [o, o];
  return [
    { ...o, solarizeProb: cfg.solarize ?? 0 },
    { ...o, blurProb: cfg.blur2, solarizeProb: cfg.solarize2 ?? 0 },
  ];
}

/** A model the loop trains by gradient: its parameters (with weight-decay flags) and variables. */
export interface Trainable {
  params: Param[];
  vars: tf.Variable[];
  dispose(): void;
}

/** Gradients of `loss` over the model's variables, applied at `lr`; returns the loss. */
export function optimiserStep(
  m: Pick<Trainable, "params" | "vars">,
  opt: SuiteOptimizer,
  loss: () => tf.Scalar,
  lr: number,
): tf.Scalar {
  const { value, grads } = tf.variableGrads(loss, m.vars);
  opt.apply(m.params, grads, lr);
  tf.dispose(Object.values(grads));
  return value;
}

/** What a method does with one batch of images (x [B, H, W, C] in [0, 1], freed by the caller). */
export type BatchStep = (
  x: tf.Tensor4D,
  idx: Uint32Array,
  opt: SuiteOptimizer,
  lr: number,
  at: StepAt,
) => StepOutput;

/**
 * A two-view method's training run on the loop (core/train.ts): batches of `cfg.batch` images of
 * `set` in an order shuffled each epoch from the data stream (the last partial batch dropped, as
 * SimCLR's paper), the learning rate warmed up then cosine-decayed, the optimiser the config
 * names; `step` does the method's part. The model is the caller's, made before (from the init
 * stream), so that every method draws its streams in the same order.
 */
export function batchTrainer<M extends Pick<Trainable, "vars" | "dispose">>(
  cfg: TwoViewConfig,
  set: ImageSet,
  streams: { data: Rng },
  o: {
    name: string;
    label: string;
    model: M;
    /** network passes per image (2 for two views) */
    viewsPerImage: number;
    step: BatchStep;
    advice: string;
    collapseBelow?: number;
  },
): Trainer<M> {
  const batch = Math.min(cfg.batch, set.n - (set.n % 2));
  const opt = createOptimizer({
    kind: cfg.optimizer as OptimizerKind,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
  });
  const stepsPerEpoch = Math.floor(set.n / batch); // drop the last partial batch, as the paper
  const warmup = Math.round(cfg.warmupEpochs * stepsPerEpoch);
  const peak = peakLr(cfg);
  const order = Uint32Array.from({ length: set.n }, (_, i) => i);
  return {
    model: o.model,
    spec: {
      name: o.name,
      label: o.label,
      epochs: cfg.epochs,
      stepsPerEpoch,
      imagesPerStep: o.viewsPerImage * batch,
      logEvery: cfg.logEvery,
      lr: (step, total) => warmupCosine(step, total, warmup, peak),
      startEpoch: () => streams.data.shuffle(order),
      step: (at) => {
        const idx = order.subarray(at.index * batch, (at.index + 1) * batch);
        const x = batchTensor(set, idx);
        try {
          return o.step(x, idx, opt, at.lr, at);
        } finally {
          x.dispose();
        }
      },
      advice: o.advice,
      collapseBelow: o.collapseBelow,
      weights: o.model.vars,
    },
    dispose: () => opt.dispose(),
    disposeModel: () => o.model.dispose(),
  };
}

/** The features a two-view run is evaluated on: the encoder's output h and the head's z. */
export const ON_H: FeatureSpec = { key: "h", describe: "on h (encoder output)" };
/** {@linkcode ON_H}'s z. */
export const ON_Z: FeatureSpec = { key: "z", describe: "on z (head output)" };

/** h (encoder output) and z (head output) of every image of `set`, BatchNorm in eval mode. */
export async function features(
  m: { encoder: Net; head: Net },
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

/** A two-view run's data: both labelled splits, logged. */
export async function loadViewsData(
  ctx: RunContext<TwoViewConfig>,
  who: string,
): Promise<{ train: ImageSet; test: ImageSet; dataset: string; classes: number }> {
  const cfg = ctx.config;
  ctx.phase("data", `${who}: loading ${cfg.dataset}`);
  const train = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
  const test = await loadSplit({ ...cfg, split: "test", perClass: cfg.testPerClass });
  if (train.labels.some((l) => l < 0)) {
    throw new RangeError(`${train.name} has unlabelled images; the evaluation needs labels`);
  }
  const classes = train.classes.length;
  const dataset = train.name.replace(/ train$/, "");
  await ctx.log({ type: "data", dataset, train: train.n, test: test.n, classes });
  return { train, test, dataset, classes };
}

/**
 * A two-view run's output from its training result: kNN, linear and MLP probes on h (and on z
 * when `onZ`), the same on h of a randomly initialised encoder of the same shape (`random`, from
 * its own stream), chance, the last epoch's training loss, and the loss plot. Frees the model.
 */
export async function viewsOutput(
  ctx: RunContext<TwoViewConfig>,
  o: {
    who: string;
    result: TrainStats & { model: { encoder: Net; head: Net; dispose(): void } };
    random: () => { encoder: Net; head: Net; dispose(): void };
    onZ: boolean;
    train: ImageSet;
    test: ImageSet;
    dataset: string;
    classes: number;
    /** the loss's name ("NT-Xent"), its words in the train_loss row's protocol, the plot's title */
    loss: { name: string; words: string; title: string };
  },
): Promise<RunOutput> {
  const cfg = ctx.config, { train, test, dataset, who, result } = o;
  ctx.phase("eval", `${who}: features of ${train.n} + ${test.n} images, kNN and probes`);
  const settings = { ...cfg, classes: o.classes };
  const all: Classifier[] = ["knn", "linear", "mlp"];
  const H = ON_H, Z = ON_Z;
  const rows: MetricRow[] = [];
  const ftr = await features(result.model, train, cfg.evalBatch);
  const fte = await features(result.model, test, cfg.evalBatch);
  result.model.dispose();
  rows.push(
    ...await classifierRows(who, dataset, ftr.h, fte.h, H, all, settings, ctx.streams.eval),
  );
  if (o.onZ) {
    rows.push(
      ...await classifierRows(who, dataset, ftr.z, fte.z, Z, all, settings, ctx.streams.eval),
    );
  }
  const random = o.random();
  const rtr = await features(random, train, cfg.evalBatch),
    rte = await features(random, test, cfg.evalBatch);
  random.dispose();
  rows.push(
    ...await classifierRows(RANDOM_INIT, dataset, rtr.h, rte.h, H, all, settings, ctx.streams.eval),
    chanceRow(dataset, o.classes, "knn_accuracy"),
    ...trainingRows(who, dataset, o.loss.words, result),
  );
  return {
    rows,
    plots: [lossPlot(o.loss.name, o.loss.title, result.stepLosses)],
    imagesPerS: result.imagesPerS,
    stepLosses: result.stepLosses,
  };
}
