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
import { type AugmentOptions, SIMCLR_CIFAR_AUGMENT, twoViews } from "./augment.ts";
import type { Rng } from "../core/rng.ts";
import type { Param } from "../core/layers.ts";
import {
  createOptimizer,
  type OptimizerKind,
  OPTIMIZERS,
  type SuiteOptimizer,
  warmupCosine,
} from "../core/optim.ts";
import { type Docs } from "../bench/config.ts";
import {
  lossPlot,
  type MethodSpec,
  type MetricRow,
  NonFiniteLossError,
  type RunContext,
  type RunOutput,
} from "../bench/method.ts";
import type { ImageSet } from "../datasets/images.ts";
import { batchTensor, DATASETS, loadSplit } from "../datasets/splits.ts";
import { evalDefaults, evalDocs } from "../eval/config.ts";
import {
  knnProtocol,
  type LabelledFeatures,
  probeAccuracy,
  probeProtocol,
  weightedKnnAccuracy,
} from "../eval/features.ts";

import { Progress } from "../core/progress.ts";

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
  const { value, grads } = tf.variableGrads(() => simclrLoss(m, views, temperature), m.vars);
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

/** The model a config describes, for images of `channels` channels. */
function modelConfig(cfg: SimclrConfig, channels: number, head = cfg.head): SimclrModelConfig {
  return {
    encoder: cfg.encoder as EncoderKind,
    stem: cfg.stem as "cifar" | "imagenet",
    width: cfg.width,
    head: head as HeadKind,
    headDim: cfg.headDim,
    channels,
  };
}

/** The peak learning rate a config asks for (linear scaling for lars and sgd, as the paper). */
export function peakLr(cfg: Pick<SimclrConfig, "optimizer" | "lr" | "batch">): number {
  return cfg.optimizer === "adam" ? cfg.lr : cfg.lr * cfg.batch / 256;
}

/** What {@linkcode trainSimclr} returns. */
export interface SimclrTrainResult {
  model: SimclrModel;
  stepLosses: { step: number; loss: number }[];
  epochLosses: number[];
  imagesPerS: number;
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
 * Pre-trains f and g on `set` (labels unused). The loss is read back every `logEvery` steps
 * (a read waits for the device); a non-finite loss stops training with an error.
 */
export async function trainSimclr(
  cfg: SimclrConfig,
  set: ImageSet,
  streams: { init: Rng; data: Rng; augment: Rng },
  hooks: {
    onStep?: (step: number, total: number, loss: number) => void;
    onEpoch?: (rec: { epoch: number; loss: number; lr: number; seconds: number }) => void;
  } = {},
): Promise<SimclrTrainResult> {
  if (set.n < 2 * 2) throw new RangeError(`SimCLR needs at least 4 training images, got ${set.n}`);
  const batch = Math.min(cfg.batch, set.n - (set.n % 2));
  const model = createSimclrModel(modelConfig(cfg, set.channels), streams.init);
  const opt = createOptimizer({
    kind: cfg.optimizer as OptimizerKind,
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
  });
  const aug = augmentOptions(cfg, set);
  const stepsPerEpoch = Math.floor(set.n / batch); // drop the last partial batch, as the paper
  const total = stepsPerEpoch * cfg.epochs;
  const warmup = Math.round(cfg.warmupEpochs * stepsPerEpoch);
  const peak = peakLr(cfg);
  const order = Uint32Array.from({ length: set.n }, (_, i) => i);
  const stepLosses: { step: number; loss: number }[] = [], epochLosses: number[] = [];
  const pending: { step: number; loss: tf.Scalar }[] = [];
  let step = 0, epochSum = 0, epochCount = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const all = tf.stack(pending.map((p) => p.loss));
    const v = await all.data();
    all.dispose();
    pending.forEach((p, i) => {
      const loss = v[i]!;
      if (!Number.isFinite(loss)) {
        throw new NonFiniteLossError(
          `SimCLR loss became ${loss} at step ${p.step}: lower lr (now ${cfg.lr}) or raise temperature`,
        );
      }
      stepLosses.push({ step: p.step, loss });
      epochSum += loss;
      epochCount++;
      p.loss.dispose();
    });
    pending.length = 0;
    hooks.onStep?.(step, total, stepLosses.at(-1)!.loss);
  };
  const t0 = performance.now();
  try {
    for (let epoch = 1; epoch <= cfg.epochs; epoch++) {
      const te = performance.now();
      streams.data.shuffle(order);
      epochSum = 0;
      epochCount = 0;
      let lr = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        lr = warmupCosine(step, total, warmup, peak);
        const x = batchTensor(set, order.subarray(b * batch, (b + 1) * batch));
        const views = twoViews(x, streams.augment, aug);
        x.dispose();
        const loss = simclrStep(model, opt, views, cfg.temperature, lr);
        views.dispose();
        step++;
        pending.push({ step, loss });
        if (pending.length >= cfg.logEvery) await flush();
      }
      await flush();
      const loss = epochSum / Math.max(1, epochCount);
      epochLosses.push(loss);
      hooks.onEpoch?.({ epoch, loss, lr, seconds: (performance.now() - te) / 1000 });
    }
  } catch (e) {
    tf.dispose(pending.map((p) => p.loss));
    model.dispose();
    throw e;
  } finally {
    opt.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return { model, stepLosses, epochLosses, imagesPerS: (2 * batch * total) / seconds };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

/** h (encoder output) and z (head output) of every image of `set`, BatchNorm in eval mode. */
export async function features(
  m: Pick<SimclrModel, "encoder" | "head">,
  set: ImageSet,
  batch: number,
): Promise<{ h: LabelledFeatures; z: LabelledFeatures }> {
  const hd = m.encoder.outDim, zd = m.head.outDim;
  const h = new Float32Array(set.n * hd), z = new Float32Array(set.n * zd);
  for (let s = 0; s < set.n; s += batch) {
    const idx = Array.from({ length: Math.min(batch, set.n - s) }, (_, i) => s + i);
    const [ht, zt] = tf.tidy(() => {
      const hh = m.encoder.apply(batchTensor(set, idx), false);
      return [hh, m.head.apply(hh, false)];
    });
    h.set(await ht.data() as Float32Array, s * hd);
    z.set(await zt.data() as Float32Array, s * zd);
    tf.dispose([ht, zt]);
  }
  return { h: { x: h, y: set.labels, dim: hd }, z: { x: z, y: set.labels, dim: zd } };
}

async function runSimclr(ctx: RunContext<SimclrConfig>): Promise<RunOutput> {
  const cfg = ctx.config;
  const train = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
  const test = await loadSplit({ ...cfg, split: "test", perClass: cfg.testPerClass });
  if (train.labels.some((l) => l < 0)) {
    throw new RangeError(`${train.name} has unlabelled images; the evaluation needs labels`);
  }
  const classes = train.classes.length;
  const dataset = train.name.replace(/ train$/, "");
  await ctx.log({ type: "data", dataset, train: train.n, test: test.n, classes });

  const bar: { p?: Progress } = {};
  const result = await trainSimclr(cfg, train, ctx.streams, {
    onStep: (step, total, loss) => {
      if (!ctx.quiet) bar.p ??= new Progress({ total, label: "simclr train", unit: "step" });
      bar.p?.update(step, { loss });
    },
    onEpoch: (rec) => {
      void ctx.log({ type: "epoch", ...rec });
    },
  });
  bar.p?.done();

  const rows: MetricRow[] = [];
  const add = (method: string, protocol: string, metric: string, value: number) =>
    rows.push({ method, dataset, protocol, metric, value });
  const knn = { k: cfg.knnK, temperature: cfg.knnT, classes };
  const probe = (hidden: number) => ({
    classes,
    hidden,
    epochs: cfg.probeEpochs,
    batch: 256,
    lr: cfg.probeLr,
    weightDecay: 1e-5,
  });
  const evaluate = async (
    method: string,
    fTrain: LabelledFeatures,
    fTest: LabelledFeatures,
    on: string,
  ) => {
    add(
      method,
      `${knnProtocol(knn)}, ${on}`,
      "knn_accuracy",
      await weightedKnnAccuracy(fTrain, fTest, knn),
    );
    for (
      const [metric, hidden] of [["linear_accuracy", 0], ["mlp_accuracy", cfg.mlpHidden]] as const
    ) {
      const o = probe(hidden);
      add(
        method,
        `${probeProtocol(o)}, ${on}`,
        metric,
        await probeAccuracy(fTrain, fTest, o, ctx.streams.eval),
      );
    }
  };
  const ftr = await features(result.model, train, cfg.evalBatch);
  const fte = await features(result.model, test, cfg.evalBatch);
  result.model.dispose();
  await evaluate("simclr", ftr.h, fte.h, "on h (encoder output)");
  if (cfg.head !== "none") await evaluate("simclr", ftr.z, fte.z, "on z (head output)");
  // the same encoder shape with random weights, under the same protocols
  const random = createSimclrModel(modelConfig(cfg, train.channels, "none"), ctx.streams.eval);
  const rtr = await features(random, train, cfg.evalBatch),
    rte = await features(random, test, cfg.evalBatch);
  random.dispose();
  await evaluate("random-init encoder", rtr.h, rte.h, "on h (encoder output)");
  add("chance", "1 / number of classes", "knn_accuracy", 1 / classes);
  add(
    "simclr",
    "NT-Xent, mean over the last epoch's steps",
    "train_loss",
    result.epochLosses.at(-1)!,
  );

  const plots = [
    lossPlot(
      "NT-Xent",
      `SimCLR training loss (${dataset}, ${cfg.encoder}, batch ${cfg.batch})`,
      result.stepLosses,
    ),
  ];
  return { rows, plots, imagesPerS: result.imagesPerS, epochLosses: result.epochLosses };
}

/** The SimCLR method for the benchmark runner. */
export const simclr: MethodSpec<SimclrConfig> = {
  name: "simclr",
  summary: "SimCLR (Chen et al. 2020): two augmented views, encoder + projection head, NT-Xent",
  defaults: simclrDefaults,
  docs: simclrDocs,
  presets: simclrPresets,
  run: runSimclr,
};
