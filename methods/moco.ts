/**
 * MoCo v2 (Chen, Fan, Girshick, He 2020, arXiv 2003.04297; MoCo: He et al. 2020, arXiv
 * 1911.05722, Algorithm 1): a query encoder (f and an MLP head) and a key encoder, its momentum
 * average; each query's positive is the key of the other view of its image, its negatives a queue
 * of earlier keys; InfoNCE at temperature 0.2 (methods/infonce_loss.ts); after each step the key
 * encoder moves towards the query encoder and the batch's keys replace the queue's oldest. MoCo's
 * shuffled BatchNorm (for many devices) has no counterpart on one device.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { infoNceLoss } from "./infonce_loss.ts";
import { safeRowNorms } from "./cosine_loss.ts";
import { copyWeights, emaUpdate } from "./momentum.ts";
import { createSimclrModel, type SimclrModel } from "./simclr.ts";
import type { Rng } from "../core/rng.ts";
import { normalisedSpread, type Trainer } from "../core/train.ts";
import type { Docs } from "../suite/config.ts";
import { budgetSweep, defineMethod, gateGrid } from "../suite/method.ts";
import type { ImageSet } from "../datasets/images.ts";
import {
  collapseDefaults,
  collapseDocs,
  runViews,
  viewsCiPerf,
  viewsModelConfig,
  viewsTrainer,
} from "./projection.ts";
import {
  twoViewCiSmall,
  twoViewDefaults,
  twoViewDocs,
  twoViewGate,
  twoViewReference,
} from "./two_view.ts";

/**
 * MoCo v2's defaults: the paper's (an MLP head 2048 hidden to 128, temperature 0.2, key momentum
 * 0.999, a queue of 65,536, SGD at 0.03 x batch / 256, momentum 0.9, weight decay 1e-4, batch 256,
 * cosine decay, 800 epochs on ImageNet), on CIFAR-10 data. The head's hidden layer here is the
 * encoder's width.
 */
export const mocoDefaults = {
  ...twoViewDefaults,
  headDim: 128,
  batch: 256,
  epochs: 800,
  optimizer: "sgd",
  lr: 0.03,
  weightDecay: 1e-4,
  warmupEpochs: 0,
  temperature: 0.2,
  keyMomentum: 0.999,
  queue: 65536,
  ...collapseDefaults,
};
/** MoCo v2's resolved configuration. */
export type MocoConfig = typeof mocoDefaults;

const mocoDocs: Docs<MocoConfig> = {
  ...twoViewDocs,
  temperature: { help: "InfoNCE temperature tau (MoCo v2: 0.2)", min: 1e-6 },
  keyMomentum: {
    help: "the key encoder's EMA decay m per step (paper: 0.999); 1 = a frozen key encoder",
    min: 0,
    max: 1,
  },
  queue: { help: "negatives kept from earlier batches K (paper: 65,536)", integer: true, min: 1 },
  ...collapseDocs,
};

/** The query network (f, g), the key network (its momentum average) and the queue of keys. */
export interface MocoModel extends SimclrModel {
  key: SimclrModel;
  /** [K, d] earlier keys, newest first */
  queue: tf.Variable;
}

/**
 * Builds the query network from the init stream, the key network as its copy, and the queue from
 * the init stream's normal draws (MoCo starts its queue with random unit vectors).
 */
export function createMocoModel(cfg: MocoConfig, channels: number, init: Rng): MocoModel {
  const query = createSimclrModel(viewsModelConfig(cfg, channels), init);
  const key = createSimclrModel(viewsModelConfig(cfg, channels), init);
  copyWeights(key.vars, query.vars);
  const d = query.head.outDim;
  const q0 = tf.tensor2d(Float32Array.from({ length: cfg.queue * d }, () => init.normal()), [
    cfg.queue,
    d,
  ]);
  const queue = tf.variable(q0, false);
  q0.dispose();
  return {
    ...query,
    key,
    queue,
    dispose: () => {
      query.dispose();
      key.dispose();
      queue.dispose();
    },
  };
}

/**
 * MoCo's loss of a batch of views [2N, H, W, C] (N first views, the queries; N second ones, the
 * keys): InfoNCE of the queries against their keys and the queue, the key encoder outside the
 * gradient; the keys, kept for the queue; the spread of the queries' projections.
 */
export function mocoBatchLoss(
  m: MocoModel,
  views: tf.Tensor4D,
  temperature: number,
): { loss: tf.Scalar; spread: tf.Scalar; keys: tf.Tensor2D } {
  let spread: tf.Scalar | null = null, keys: tf.Tensor2D | null = null;
  const loss = tf.tidy(() => {
    const n = views.shape[0] / 2;
    const first = tf.slice(views, [0, 0, 0, 0], [n, -1, -1, -1]);
    const second = tf.slice(views, [n, 0, 0, 0], [n, -1, -1, -1]);
    const q = m.head.apply(m.encoder.apply(first, true), true);
    const k = m.key.head.apply(m.key.encoder.apply(second, true), true);
    spread = tf.keep(normalisedSpread(q));
    keys = tf.keep(tf.div(k, safeRowNorms(k, true)) as tf.Tensor2D);
    return infoNceLoss(q, k, m.queue as tf.Tensor as tf.Tensor2D, { temperature });
  });
  return { loss, spread: spread!, keys: keys! };
}

/** MoCo v2's training run on the loop: the query step, the key encoder's update, the queue's. */
export function mocoTrainer(
  cfg: MocoConfig,
  set: ImageSet,
  streams: { init: Rng; data: Rng; augment: Rng },
): Trainer<MocoModel> {
  let keys: tf.Tensor2D | null = null;
  return viewsTrainer(cfg, set, streams, {
    name: "moco",
    title: "MoCo v2",
    model: (init) => createMocoModel(cfg, set.channels, init),
    loss: (model, views) => {
      const r = mocoBatchLoss(model, views, cfg.temperature);
      keys = r.keys;
      return r;
    },
    after: (model) => {
      emaUpdate(model.key.vars, model.vars, cfg.keyMomentum);
      // the batch's keys in front, the oldest out
      const k = keys!;
      tf.tidy(() => {
        const kept = cfg.queue - Math.min(k.shape[0], cfg.queue);
        const newest = tf.slice(k, [0, 0], [Math.min(k.shape[0], cfg.queue), -1]);
        model.queue.assign(
          kept > 0 ? tf.concat([newest, tf.slice(model.queue, [0, 0], [kept, -1])]) : newest,
        );
      });
      k.dispose();
    },
    advice: `lower lr (now ${cfg.lr}) or raise temperature`,
  });
}

// CPU scale: the neighbours' ci budget on SimCLR's ci data and encoder (two_view.ts); a queue
// of 1,024 (16 batches)
const mocoCi = { ...twoViewCiSmall, queue: 1024, keyMomentum: 0.99 };

const mocoPresets: Record<string, Partial<MocoConfig>> = {
  default: {},
  "paper-cifar10": { dataset: "cifar10" },
  ci: mocoCi,
  // the CI gate (bench:ci): the ci settings at two_view.ts twoViewGate's size
  gate: { ...mocoCi, ...twoViewGate },
  // the reference tier (two_view.ts twoViewReference): lightly's CIFAR-10 MoCo (temperature 0.1,
  // key momentum 0.99), Adam at 0.003 and crops of at least 20 %, which learned fastest of the
  // recipes the PyTorch peer ran (reports/peer-moco-recipes); batch 64, twice the steps of 128 in
  // the same epochs (there at seed 0 and 4 epochs: kNN +4.4 and linear +4.8 points over the
  // random encoder, against +3.2 and +3.8 at batch 128 and +4.7 and +4.1 at 32), and a queue of
  // 1,024 keys: 16 batches old at most, as lightly's 4,096 are 8 of its 512 (+6.2 and +4.9
  // there). 5 epochs: at 4 the suite's seed 0 gained +5.9 and +4.8 (sweep moco-budget); an epoch
  // takes about 2.5 minutes here
  reference: {
    ...twoViewReference,
    lr: 0.003,
    cropMin: 0.2,
    temperature: 0.1,
    batch: 64,
    queue: 1024,
    keyMomentum: 0.99,
    epochs: 5,
  },
};

/** The MoCo v2 method. */
export const moco = defineMethod<MocoConfig>({
  name: "moco",
  title: "MoCo v2",
  summary: "MoCo v2 (Chen et al. 2020): a momentum key encoder and a queue of negatives, InfoNCE",
  defaults: mocoDefaults,
  docs: mocoDocs,
  presets: mocoPresets,
  run: (ctx) =>
    runViews(ctx, {
      name: "moco",
      title: "MoCo v2",
      lossName: "InfoNCE",
      lossWords: "InfoNCE of queries against their keys and the queue",
      trainer: mocoTrainer,
    }),
  ci: gateGrid("MoCo v2"),
  sweeps: [budgetSweep("moco", [1, 2, 4, 5], "10,000 images"), {
    name: "moco-queue-cpu",
    summary: "the queue of negatives K, ci preset",
    presets: ["ci"],
    axes: [["queue", [128, 1024, 2816]]],
    seeds: [0, 1, 2],
  }],
  perf: [viewsCiPerf({
    name: "moco",
    what: "EMA key encoder, a queue of negatives, InfoNCE",
    ...{ defaults: mocoDefaults, docs: mocoDocs, presets: mocoPresets, trainer: mocoTrainer },
    peer: (cfg) => [
      ...["--tau", String(cfg.keyMomentum), "--queue", String(cfg.queue)],
      ...["--temperature", String(cfg.temperature)],
    ],
  })],
  claims: [],
});
