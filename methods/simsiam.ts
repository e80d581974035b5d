/**
 * SimSiam (Chen & He 2021, arXiv 2011.10566): two augmented views through one encoder f and
 * projector g, a predictor h on top, and the symmetrised negative cosine between each view's
 * prediction and the other view's projection with the gradient stopped there (Algorithm 1). No
 * negatives, no momentum encoder: the stop-gradient alone keeps it from collapsing, which the
 * loop watches (the spread of the normalised projections; CollapseError below a tenth of the
 * spread-out value). Evaluated as SimCLR is (methods/two_view.ts).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { simsiamLoss } from "./cosine_loss.ts";
import { createHead, type Net } from "./encoders.ts";
import { createSimclrModel, type SimclrModel } from "./simclr.ts";
import {
  collapseDefaults,
  collapseDocs,
  runViews,
  viewsCiPerf,
  viewsModelConfig,
  viewsTrainer,
} from "./projection.ts";
import type { Rng } from "../core/rng.ts";
import { stopGradient } from "../core/ops.ts";
import { normalisedSpread, type Trainer } from "../core/train.ts";
import type { Docs } from "../suite/config.ts";
import { budgetSweep, defineMethod, gateGrid } from "../suite/method.ts";
import type { ImageSet } from "../datasets/images.ts";
import {
  twoViewCiSmall,
  type TwoViewConfig,
  twoViewDefaults,
  twoViewDocs,
  twoViewGate,
  twoViewReference,
} from "./two_view.ts";

/**
 * SimSiam's defaults: the paper's CIFAR-10 setting (Sec. 5 and Appendix D, ResNet-18 variant):
 * SGD at 0.03 x batch / 256, momentum 0.9, weight decay 5e-4, batch 512, 800 epochs, cosine
 * decay without warm-up, a 2-layer projector to 2048-d and a predictor with a 512-d bottleneck.
 * The paper puts BatchNorm on the projector's output too and keeps the predictor's learning rate
 * fixed; here both heads are the suite's Linear-BN-ReLU-Linear and share the schedule.
 */
export const simsiamDefaults = {
  ...twoViewDefaults,
  headDim: 2048,
  batch: 512,
  epochs: 800,
  optimizer: "sgd",
  lr: 0.03,
  weightDecay: 5e-4,
  warmupEpochs: 0,
  predHidden: 512,
  stopGradient: true,
  ...collapseDefaults,
};
/** SimSiam's resolved configuration. */
export type SimsiamConfig = typeof simsiamDefaults;

const simsiamDocs: Docs<SimsiamConfig> = {
  ...twoViewDocs,
  headDim: {
    help: "output dimension of the projector g (paper, CIFAR-10: 2048)",
    integer: true,
    min: 1,
  },
  predHidden: {
    help: "bottleneck width of the predictor h (paper: 512 for a 2048-d projection)",
    integer: true,
    min: 1,
  },
  stopGradient: {
    help: "stop the gradient on the target branch (paper; false is its collapse ablation, Fig. 2)",
  },
  ...collapseDocs,
};

// CPU scale: SimCLR's ci data, encoder and budget, a 128-d projection and a 32-d bottleneck
const simsiamCi = { ...twoViewCiSmall, headDim: 128, predHidden: 32 };

const simsiamPresets: Record<string, Partial<SimsiamConfig>> = {
  default: {},
  // GPU scale: the paper's CIFAR-10 setting on the official binaries
  "paper-cifar10": { dataset: "cifar10" },
  ci: simsiamCi,
  // the CI gate (bench:ci): the ci settings at two_view.ts twoViewGate's size
  gate: { ...simsiamCi, ...twoViewGate },
  // the reference tier (two_view.ts twoViewReference): the paper's CIFAR-10 optimiser (SGD,
  // momentum 0.9, weight decay 5e-4) at lightly's 0.06 for batch 128 (0.12 at batch 256 here),
  // no warm-up, a 128-d projection and a 32-wide predictor, crops of at least 20 %, 4 epochs
  // (sweep simsiam-budget). SimSiam learns slowly: reports/reference/README.md shows how far
  reference: {
    ...twoViewReference,
    optimizer: "sgd",
    lr: 0.12,
    weightDecay: 5e-4,
    headDim: 128,
    predHidden: 32,
    cropMin: 0.2,
    epochs: 4,
  },
};

/** f and g (SimCLR's model), and the predictor h. */
export interface SimsiamModel extends SimclrModel {
  predictor: Net;
}

/** Builds f, g and h with weights from the init stream, in that order. */
export function createSimsiamModel(
  cfg: TwoViewConfig & { predHidden: number },
  channels: number,
  init: Rng,
): SimsiamModel {
  const base = createSimclrModel(viewsModelConfig(cfg, channels), init);
  const predictor = createHead("mlp", init, base.head.outDim, base.head.outDim, cfg.predHidden);
  return {
    ...base,
    predictor,
    params: [...base.params, ...predictor.params.params],
    vars: [...base.vars, ...predictor.params.vars],
    dispose: () => {
      base.dispose();
      predictor.params.dispose();
    },
  };
}

/**
 * The symmetrised loss of a batch of views [2N, H, W, C] (N first views, then N second ones):
 * 0.5 (D(p1, sg(z2)) + D(p2, sg(z1))) with D SimSiam's negative cosine, BatchNorm in training
 * mode; and the spread of the first views' normalised projections, kept for the loop's collapse
 * watch. Call inside a gradient scope.
 */
export function simsiamBatchLoss(
  m: SimsiamModel,
  views: tf.Tensor4D,
  stop: boolean,
): { loss: tf.Scalar; spread: tf.Scalar } {
  let spread: tf.Scalar | null = null;
  const loss = tf.tidy(() => {
    const n = views.shape[0] / 2;
    const z = m.head.apply(m.encoder.apply(views, true), true);
    const p = m.predictor.apply(z, true);
    const half = (t: tf.Tensor2D, i: number) => tf.slice(t, [i * n, 0], [n, -1]) as tf.Tensor2D;
    const target = (t: tf.Tensor2D) => (stop ? stopGradient(t) as tf.Tensor2D : t);
    spread = tf.keep(normalisedSpread(half(z, 0)));
    return tf.mul(
      0.5,
      tf.add(
        simsiamLoss(half(p, 0), target(half(z, 1))),
        simsiamLoss(half(p, 1), target(half(z, 0))),
      ),
    ) as tf.Scalar;
  });
  return { loss, spread: spread! };
}

/** SimSiam's training run on the loop (what `deno task perf` would time). */
export function simsiamTrainer(
  cfg: SimsiamConfig,
  set: ImageSet,
  streams: { init: Rng; data: Rng; augment: Rng },
): Trainer<SimsiamModel> {
  return viewsTrainer(cfg, set, streams, {
    name: "simsiam",
    title: "SimSiam",
    model: (init) => createSimsiamModel(cfg, set.channels, init),
    loss: (model, views) => simsiamBatchLoss(model, views, cfg.stopGradient),
    advice: `lower lr (now ${cfg.lr})${
      cfg.stopGradient ? "" : " or stop the gradient (stopGradient=true)"
    }`,
  });
}

/** The SimSiam method as the suite runs it. */
export const simsiam = defineMethod<SimsiamConfig>({
  name: "simsiam",
  title: "SimSiam",
  summary: "SimSiam (Chen & He 2021): two views, a predictor and a stop-gradient, no negatives",
  defaults: simsiamDefaults,
  docs: simsiamDocs,
  presets: simsiamPresets,
  run: (ctx) =>
    runViews(ctx, {
      name: "simsiam",
      title: "SimSiam",
      lossName: "negative cosine",
      lossWords: "symmetrised negative cosine of prediction and stopped projection",
      trainer: simsiamTrainer,
    }),
  ci: gateGrid("SimSiam"),
  sweeps: [budgetSweep("simsiam", [1, 2, 4], "10,000 images"), {
    name: "simsiam-predictor-cpu",
    summary: "predictor bottleneck width, ci preset",
    presets: ["ci"],
    axes: [["predHidden", [8, 32, 128]]],
    seeds: [0, 1, 2],
  }, {
    name: "simsiam-stop-gradient-cpu",
    summary: "with and without the stop-gradient (the paper's Fig. 2: without it, collapse)",
    presets: ["ci"],
    axes: [["stopGradient", [true, false]]],
    seeds: [0, 1, 2],
  }],
  perf: [viewsCiPerf({
    name: "simsiam",
    what: "predictor, stop-gradient, negative cosine",
    ...{ defaults: simsiamDefaults, docs: simsiamDocs, presets: simsiamPresets },
    trainer: simsiamTrainer,
    peer: (cfg) => ["--pred-hidden", String(cfg.predHidden)],
  })],
  claims: [],
});
