/**
 * Exemplar CNN (Dosovitskiy, Springenberg, Riedmiller, Brox, NIPS 2014; TPAMI 2016, arXiv
 * 1406.6909): N seed patches, each with K random transformations of itself, form N surrogate
 * classes; a CNN is trained to tell them apart (softmax over N), and its features are evaluated
 * on labelled data.
 *
 * Networks "64c5-64c5-128f", "64c5-128c5-256c5-512f" and "92c5-256c5-512c5-1024f": 5x5
 * convolutions (padding 2) with ReLU, 2x2 max-pooling after the first two, a fully connected
 * layer with ReLU and dropout, and the softmax over the surrogate classes. Unconfirmed and named
 * here: the padding, and pooling after the first two convolutions only.
 *
 * Evaluation, two protocols side by side, each named on its numbers, with the same network's
 * random initialisation under the same protocol beside them:
 * - "paper" (Sec. 4): the network run convolutionally over the whole image (CIFAR-10 upsampled
 *   to 64x64, as the paper; STL-10 at 96x96; the fully connected layer as a convolution), the
 *   output of every layer but the softmax max-pooled over the four quadrants and concatenated,
 *   and a linear classifier trained on each predefined fold (STL-10: its 10 folds of 1,000
 *   images; CIFAR-10: random folds of `foldPerClass` images per class, the paper's "400 per
 *   class" protocol), mean +/- std over folds. The paper's classifier is a one-vs-all linear SVM
 *   with C chosen on validation data; here it is L2-regularised softmax regression with the
 *   penalty chosen on 20 % of each fold (eval/probe.ts), named on every number.
 * - "simple" (what a re-implementation typically does): the fully connected layer's 128-d (or
 *   wider) output for the image at the training patch size (32x32), with the suite's linear probe
 *   and weighted kNN, no folds. Their gap to the paper protocol is the part of the 74.2 vs 42.10
 *   difference that protocol alone explains.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ConfigError, type Docs, resolveConfig } from "../suite/config.ts";
import {
  defineMethod,
  gateGrid,
  loopOf,
  lossPlot,
  type MetricRow,
  type RunContext,
  type RunOutput,
  trainingRows,
} from "../suite/method.ts";
import {
  type LoopOptions,
  runTrainer,
  stepper,
  type Trainer,
  type TrainStats,
} from "../core/train.ts";
import { chanceRow, classifierRows, extractBatched, RANDOM_INIT } from "../eval/harness.ts";
import { exemplarClaims } from "./exemplar_claims.ts";
import { exemplarSweeps } from "./exemplar_sweeps.ts";
import {
  createExemplarNet,
  EXEMPLAR_NETWORKS,
  exemplarFeatures,
  type ExemplarNet,
  makeFolds,
  parseNetwork,
} from "./exemplar_net.ts";
import { meanStd } from "../suite/stats.ts";
import { evalDefaults, evalDocs } from "../eval/config.ts";
import { createOptimizer, type SuiteOptimizer, warmupCosine } from "../core/optim.ts";
import { deriveStreams, Rng, type Streams } from "../core/rng.ts";
import { imageGridSvg } from "../io/image_grid.ts";
import type { ImageSet } from "../datasets/images.ts";
import { batchTensor, DATASETS, loadSplit, stl10Dir, subset } from "../datasets/splits.ts";
import { streamStl10Unlabeled } from "../datasets/stl10.ts";
import { foldAccuracies, type FoldOptions, foldProtocol } from "../eval/probe.ts";
import {
  checkTransformOptions,
  type ColourPca,
  colourPca,
  IDENTITY,
  PAPER_TRANSFORMS,
  renderSamples,
  sampleParams,
  sampleSeedPatches,
  SEED_SAMPLING,
  type SeedPatch,
  type TransformName,
  type TransformOptions,
  TRANSFORMS,
} from "./exemplar_transforms.ts";

// ---------------------------------------------------------------------------------------------
// Configuration

/**
 * Exemplar CNN's typed defaults: the paper's setting at GPU scale (8,000 surrogate classes,
 * near the paper's best for its small network; 100 samples each, where the paper's gains level
 * off), the small network, SGD with the released code's lr 0.01, momentum 0.9, weight decay
 * 0.004, batch 128, dropout 0.5. Offline the seed patches come from the CIFAR-10 JPEG copy
 * (upsampled to 64x64, as the paper upsamples CIFAR-10 for evaluation), not STL-10.
 */
export const exemplarDefaults = {
  dataset: "cifar10-jpeg",
  dataDir: "",
  trainPerClass: 0,
  testPerClass: 0,
  upsample: 2,
  network: "64c5-64c5-128f",
  classes: 8000,
  perClass: 100,
  patch: 32,
  without: "",
  seedSampling: "gradient",
  batch: 128,
  epochs: 30,
  optimizer: "sgd",
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 0.004,
  dropout: 0.5,
  logEvery: 20,
  folds: 10,
  foldPerClass: 400,
  ...evalDefaults,
  evalBatch: 50,
  probeBatch: 128,
};

/** Exemplar CNN's resolved configuration. */
export type ExemplarConfig = typeof exemplarDefaults;

const exemplarDocs: Docs<ExemplarConfig> = {
  dataset: {
    help: "seed patches from its train split, evaluation on its folds and test split: " +
      "cifar10-jpeg (offline copy), cifar10, stl10 (patches from its unlabeled split, its 10 " +
      "predefined folds), folder",
    choices: DATASETS,
  },
  dataDir: { help: "data folder; \"\" = the dataset's default (see simclr's dataDir)" },
  trainPerClass: {
    help: "labelled train images per class read (seed sources and folds), 0 = all; STL-10's " +
      "predefined folds are kept, restricted to the images read",
    integer: true,
    min: 0,
  },
  testPerClass: { help: "test images per class, 0 = all", integer: true, min: 0 },
  upsample: {
    help: "source images are scaled by this before patches are taken and features computed " +
      "(paper: CIFAR-10 to 64x64 = 2; STL-10: 1)",
    integer: true,
    min: 1,
    max: 4,
  },
  network: {
    help: `<n>c<k>-...-<n>f; the paper's: ${EXEMPLAR_NETWORKS.join(", ")}`,
    check: (v) => {
      try {
        parseNetwork(v);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    },
  },
  classes: { help: "N surrogate classes (paper: 50-32,000; best ~8,000)", integer: true, min: 2 },
  perClass: {
    help: "K transformed samples per class (paper: levels off near 100)",
    integer: true,
    min: 1,
  },
  patch: { help: "seed patch side in pixels (paper: 32)", integer: true, min: 8 },
  seedSampling: {
    help: "where seed patches are cut: gradient (with probability proportional to the patch's " +
      "gradient magnitude, paper) or uniform (anywhere: the ablation of the patch extraction " +
      "strategy, a limitation the poster names)",
    choices: SEED_SAMPLING,
  },
  without: {
    help: `comma-separated transformations left out (ablation): ${TRANSFORMS.join(", ")}`,
    check: (v) => {
      const bad = v.split(",").map((s) => s.trim()).filter((s) =>
        s && !TRANSFORMS.includes(s as TransformName)
      );
      return bad.length
        ? `unknown transformation(s) ${bad.join(", ")}; known: ${TRANSFORMS}`
        : null;
    },
  },
  batch: { help: "samples per SGD step", integer: true, min: 2 },
  epochs: { help: "passes over the N x K surrogate samples", integer: true, min: 1 },
  optimizer: { help: "sgd (momentum; the paper's) or adam", choices: ["sgd", "adam"] },
  lr: { help: "learning rate, cosine-decayed to 0 (released code: 0.01 with SGD)", min: 0 },
  momentum: { help: "SGD momentum", min: 0, max: 1 },
  weightDecay: { help: "L2 weight decay (released code: 0.004)", min: 0 },
  dropout: { help: "dropout rate on the fully connected layer", min: 0, max: 0.95 },
  logEvery: { help: "steps between loss read-backs", integer: true, min: 1 },
  folds: {
    help: "training folds of the paper protocol (STL-10: its predefined ones, at most 10)",
    integer: true,
    min: 1,
  },
  foldPerClass: {
    help: "images per class in a fold (CIFAR-10: paper 400; STL-10 folds are fixed: 100)",
    integer: true,
    min: 2,
  },
  ...evalDocs,
};

/** CPU scale: the paper's small network at a quarter width, 100 surrogate classes x 64 samples. */
const exemplarCi: Partial<ExemplarConfig> = {
  trainPerClass: 100,
  testPerClass: 100,
  network: "16c5-16c5-32f",
  classes: 100,
  perClass: 64,
  batch: 64,
  epochs: 8,
  lr: 0.05,
  folds: 3,
  foldPerClass: 40,
  probeEpochs: 40,
};

const exemplarPresets: Record<string, Partial<ExemplarConfig>> = {
  default: {},
  // the released code's budget (papers.md): 16,000 classes x 150 samples, 1.2M SGD steps of 128
  // = 64 epochs, lr 0.01, momentum 0.9, weight decay 0.004 (its step schedule is not confirmed:
  // the lr is cosine-decayed here). Combine with paper-stl10 and a network, e.g.
  // --preset paper,paper-stl10 network=92c5-256c5-512c5-1024f for the 74.2 % setting.
  paper: { classes: 16000, perClass: 150, epochs: 64 },
  // the paper's STL-10 setting (needs the 2.7 GB download): patches from the unlabeled split,
  // features at 96x96, the 10 predefined folds
  "paper-stl10": { dataset: "stl10", upsample: 1, foldPerClass: 100 },
  "paper-large": { network: "64c5-128c5-256c5-512f" },
  // CPU scale, ~5.5 minutes on 2 cores with lavapipe: the paper's small network at a quarter
  // width, 100 surrogate classes x 64 samples, 800 SGD steps; 3 folds of 40 images per class.
  // Chosen for a visible effect in that budget, not for the paper's numbers.
  ci: exemplarCi,
  // ~10-14 minutes: the same at half width, where the trained features pass the random ones
  // under the paper protocol by more than the fold spread
  // (use it after ci: --preset ci,cpu-long)
  "cpu-long": { network: "32c5-32c5-64f" },
  // the CI gate (bench:ci), ~70 s a seed on the CI machines: the ci recipe on 50 surrogate
  // classes for 100 steps (the loss leaves chance, ln 50, within them; 100 classes need several
  // hundred), evaluated on 500 + 500 images at 32x32, 2 folds of 20 a class
  gate: {
    ...exemplarCi,
    classes: 50,
    epochs: 2,
    trainPerClass: 50,
    testPerClass: 50,
    upsample: 1,
    folds: 2,
    foldPerClass: 20,
    probeEpochs: 20,
  },
  // the reference tier (issue 27): the ci recipe with 3,000 labelled images (300 a class) for the
  // simple protocol's probe and kNN, whose random-encoder numbers spread widely over 1,000 (its
  // measures: kNN and linear on the fully connected layer); 8 epochs (800 steps of 64, about 6
  // minutes here): at 4, seeds 0-2 gained kNN +6.7 [-2.3, +15.7] and linear +3.7 [-5.8, +13.3]
  // points over the random network, whose accuracy spreads widely over seeds; seed 0 gained +13.4
  // and +8.7 at 8 (sweep exemplar-budget)
  reference: { ...exemplarCi, trainPerClass: 300, epochs: 8 },
};

function transformOptions(cfg: ExemplarConfig): TransformOptions {
  const o = {
    ...PAPER_TRANSFORMS,
    without: cfg.without.split(",").map((s) => s.trim()).filter(Boolean) as TransformName[],
  };
  checkTransformOptions(o);
  return o;
}

// ---------------------------------------------------------------------------------------------
// Data

/** `set` scaled by `factor` (bilinear, on the device), back to bytes. */
export async function upsampleSet(set: ImageSet, factor: number, chunk = 256): Promise<ImageSet> {
  if (factor === 1) return set;
  const h = set.height * factor, w = set.width * factor;
  const [scaled] = await extractBatched(set.n, chunk, (s, count) => [
    tf.clipByValue(
      tf.round(tf.mul(
        tf.image.resizeBilinear(
          batchTensor(set, Array.from({ length: count }, (_, i) => s + i)),
          [h, w],
          false,
          true,
        ),
        255,
      )),
      0,
      255,
    ),
  ]);
  return { ...set, height: h, width: w, images: Uint8Array.from(scaled ?? []) };
}

/** The images seed patches are taken from: an unlabeled pool at the configured scale. */
async function sourcePool(cfg: ExemplarConfig, train: ImageSet, rng: Rng): Promise<ImageSet> {
  let pool: ImageSet;
  if (cfg.dataset === "stl10") {
    // the paper's source: STL-10's unlabeled split, streamed; the first 2N images are enough
    const parts: ImageSet[] = [];
    const dir = await stl10Dir(cfg.dataDir);
    for await (const b of streamStl10Unlabeled(dir, { batch: 1000, limit: 2 * cfg.classes })) {
      parts.push(b);
    }
    const n = parts.reduce((a, b) => a + b.n, 0);
    const images = new Uint8Array(parts.reduce((a, b) => a + b.images.length, 0));
    let at = 0;
    for (const p of parts) {
      images.set(p.images, at);
      at += p.images.length;
    }
    pool = {
      ...parts[0]!,
      name: "STL-10 unlabeled",
      n,
      images,
      labels: new Int32Array(n).fill(-1),
    };
  } else pool = train;
  if (cfg.classes > pool.n) {
    throw new ConfigError(
      `classes=${cfg.classes} needs ${cfg.classes} different source images, but ${pool.name} has ` +
        `${pool.n}: lower classes or raise trainPerClass`,
    );
  }
  // the N images, chosen by the data stream, then scaled
  const chosen = rng.shuffle(Int32Array.from({ length: pool.n }, (_, i) => i)).subarray(
    0,
    cfg.classes,
  );
  return await upsampleSet(subset(pool, chosen), cfg.upsample);
}

// ---------------------------------------------------------------------------------------------
// Training

/** What {@linkcode trainExemplar} returns: the network, its data and the loop's measurements. */
export interface ExemplarTrainResult extends TrainStats {
  net: ExemplarNet;
  seeds: SeedPatch[];
  /** the colour PCA of the pool's pixels that contrast 1 used */
  pca: ColourPca;
  /** surrogate-task accuracy on the last epoch's training batches (dropout on) */
  surrogateAccuracy: number;
}

/** The optimiser a config trains with (SGD with momentum, or Adam), weight decay included. */
export function exemplarOptimizer(
  cfg: Pick<ExemplarConfig, "optimizer" | "momentum" | "weightDecay">,
): SuiteOptimizer {
  return createOptimizer({
    kind: cfg.optimizer as "sgd" | "adam",
    momentum: cfg.momentum,
    weightDecay: cfg.weightDecay,
  });
}

/**
 * One training step on a batch of samples `x` with surrogate labels `labels` (int32): softmax
 * cross-entropy over the net's classes, dropout on the fully connected layer, one update at `lr`.
 * Returns the loss and the number of correct predictions (dropout on), both kept for the caller.
 * bench/perf.ts times exactly this against its PyTorch peer.
 */
export function exemplarStep(
  net: ExemplarNet,
  opt: SuiteOptimizer,
  x: tf.Tensor4D,
  labels: tf.Tensor1D,
  dropout: { rate: number; seed: number } | null,
  lr: number,
): { loss: tf.Scalar; hits: tf.Scalar } {
  let hits: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const logits = net.logits(x, dropout);
    hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")));
    return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, net.classes), logits) as tf.Scalar;
  }, net.params.vars);
  opt.apply(net.params.params, grads, lr);
  tf.dispose(Object.values(grads));
  return { loss: value, hits: hits! };
}

/**
 * Trains an Exemplar CNN on the surrogate classes of `pool` (the N seed images, already scaled)
 * on the suite's loop (core/train.ts): sample j of the N x K set is transformation k = j mod K of
 * seed c = floor(j / K).
 */
export async function trainExemplar(
  cfg: ExemplarConfig,
  pool: ImageSet,
  seed: number,
  streams: Streams,
  loop: LoopOptions = { quiet: true },
): Promise<ExemplarTrainResult> {
  const t = exemplarTrainer(cfg, pool, seed, streams);
  const { model: net, ...stats } = await runTrainer(t, loop);
  const hits = stats.epochCounts.at(-1)?.[0] ?? 0;
  return {
    ...stats,
    net,
    seeds: t.seeds,
    pca: t.pca,
    surrogateAccuracy: hits / Math.max(1, t.spec.stepsPerEpoch * t.batch),
  };
}

/**
 * Exemplar CNN's training run set up on the loop (what trainExemplar runs and `deno task perf`
 * times): the seed patches, the colour PCA, the network and its optimiser.
 */
export function exemplarTrainer(
  cfg: ExemplarConfig,
  pool: ImageSet,
  seed: number,
  streams: Streams,
): Trainer<ExemplarNet> & { seeds: SeedPatch[]; pca: ColourPca; batch: number } {
  const N = cfg.classes, K = cfg.perClass, P = cfg.patch;
  const seeds = sampleSeedPatches(
    pool,
    N,
    P,
    streams.data,
    cfg.seedSampling as (typeof SEED_SAMPLING)[number],
  );
  const pca = colourPca(pool);
  const topts = transformOptions(cfg);
  const net = createExemplarNet(cfg.network, P, pool.channels, N, streams.init);
  const opt = exemplarOptimizer(cfg);
  const sources = batchTensor(pool, Array.from({ length: pool.n }, (_, i) => i));
  const order = Uint32Array.from({ length: N * K }, (_, i) => i);
  const batch = Math.min(cfg.batch, N * K);
  return {
    model: net,
    seeds,
    pca,
    batch,
    spec: {
      name: "Exemplar CNN",
      label: "exemplar train",
      epochs: cfg.epochs,
      stepsPerEpoch: Math.floor(N * K / batch),
      imagesPerStep: batch,
      logEvery: cfg.logEvery,
      lr: (step, total) => warmupCosine(step, total, 0, cfg.lr),
      startEpoch: () => streams.data.shuffle(order),
      step: ({ index, lr }) => {
        const js = order.subarray(index * batch, (index + 1) * batch);
        const cs = Array.from(js, (j) => Math.floor(j / K));
        const params = Array.from(js, (j, i) => sampleParams(seed, cs[i]!, j % K, P, topts));
        const x = tf.tidy(() =>
          renderSamples(
            sources,
            cs.map((c) => seeds[c]!.image),
            cs.map((c) => seeds[c]!),
            params,
            P,
            pca,
          )
        );
        const labels = tf.tensor1d(cs, "int32");
        const dropout = { rate: cfg.dropout, seed: streams.dropout.uint32() };
        const { loss, hits } = exemplarStep(net, opt, x, labels, dropout, lr);
        tf.dispose([x, labels]);
        return { loss, counts: [hits] };
      },
      advice: `lower lr (now ${cfg.lr})`,
      weights: net.params.vars,
    },
    dispose: () => {
      opt.dispose();
      sources.dispose();
    },
    disposeModel: () => net.dispose(),
  };
}

/**
 * The poster's figure: for the first `rows` seeds, the seed patch and its first `cols - 1`
 * transformed samples (exactly those the training set holds), as an image grid.
 */
export async function sampleGrid(
  cfg: ExemplarConfig,
  pool: ImageSet,
  trained: Pick<ExemplarTrainResult, "seeds" | "pca">,
  seed: number,
  rows = 8,
  cols = 10,
): Promise<string> {
  const P = cfg.patch, topts = transformOptions(cfg), pca = trained.pca;
  const shown = trained.seeds.slice(0, rows);
  const src = batchTensor(pool, shown.map((s) => s.image));
  const items = shown.flatMap((s, r) =>
    Array.from({ length: cols }, (_, k) => ({
      row: r,
      seed: s,
      params: k === 0 ? IDENTITY : sampleParams(seed, r, k - 1, P, topts),
    }))
  );
  const out = tf.tidy(() =>
    tf.cast(
      tf.round(tf.mul(
        renderSamples(
          src,
          items.map((i) => i.row),
          items.map((i) => i.seed),
          items.map((i) => i.params),
          P,
          pca,
        ),
        255,
      )),
      "int32",
    )
  );
  const tiles = Uint8Array.from(await out.data());
  tf.dispose([src, out]);
  return imageGridSvg({
    tiles,
    n: items.length,
    size: P,
    cols,
    title: `Seed patches (left) and their first ${cols - 1} transformed samples` +
      (topts.without.length ? `, without ${topts.without.join(", ")}` : ""),
  });
}

async function runExemplar(ctx: RunContext<ExemplarConfig>): Promise<RunOutput> {
  const cfg = ctx.config;
  ctx.phase("data", `exemplar: loading ${cfg.dataset} and choosing ${cfg.classes} seed images`);
  const train = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
  const test = await loadSplit({ ...cfg, split: "test", perClass: cfg.testPerClass });
  const dataset = train.name.replace(/ train$/, "");
  const classes = train.classes.length;
  const pool = await sourcePool(cfg, train, ctx.streams.data);
  await ctx.log({
    type: "data",
    dataset,
    train: train.n,
    test: test.n,
    classes,
    seed_images: pool.n,
    seed_image_side: pool.height,
  });
  ctx.phase("train", `exemplar: training on ${cfg.classes} x ${cfg.perClass} surrogate samples`);
  const result = await trainExemplar(cfg, pool, ctx.seed, ctx.streams, loopOf(ctx));

  ctx.phase("eval", `exemplar: features of ${train.n} + ${test.n} images, folds, probe and kNN`);
  const rows: MetricRow[] = [];
  const folds = makeFolds(train, cfg.folds, cfg.foldPerClass, ctx.streams.eval);
  const fo: FoldOptions = {
    classes,
    epochs: cfg.probeEpochs,
    batch: cfg.probeBatch,
    lr: cfg.probeLr,
    decays: [1e-4, 1e-3, 1e-2],
    validation: 0.2,
  };
  const scale = `${train.width * cfg.upsample}x${train.height * cfg.upsample}`;
  const paperOn = `on every layer's outputs max-pooled over the 4 quadrants of the ${scale} ` +
    `image (paper protocol), mean over ${folds.length} training folds of ${
      folds[0]!.length
    } images`;
  const simple = {
    key: "fc",
    describe: `on the fully connected layer's output for the ${cfg.patch}x${cfg.patch} ` +
      `image (simple protocol), all ${train.n} training images`,
  };
  const evaluate = async (method: string, net: ExemplarNet) => {
    const o = { upsample: cfg.upsample, patch: cfg.patch, batch: cfg.evalBatch };
    const ftr = await exemplarFeatures(net, train, o), fte = await exemplarFeatures(net, test, o);
    const f = foldAccuracies(ftr.paper, fte.paper, folds, fo, ctx.streams.eval);
    const s = meanStd(f.accuracies);
    rows.push(
      {
        method,
        dataset,
        protocol: `${foldProtocol(fo)}, ${paperOn}`,
        metric: "fold_accuracy",
        value: s.mean,
        features: "quadrants",
      },
      {
        method,
        dataset,
        protocol: "standard deviation over the folds of the row above",
        metric: "fold_std",
        value: s.std,
        features: "quadrants",
      },
    );
    await ctx.log({ type: "folds", method, accuracies: f.accuracies, decays: f.decays });
    const own = await classifierRows(
      method,
      dataset,
      ftr.simple,
      fte.simple,
      simple,
      ["linear", "knn"],
      { ...cfg, classes },
      ctx.streams.eval,
    );
    rows.push(...own, {
      // how much the protocol alone moves the number (the poster's 42.10 vs the paper's 74.2)
      method,
      dataset,
      protocol:
        "paper protocol (fold_accuracy) minus simple protocol (linear_accuracy), same network",
      metric: "protocol_gap",
      value: s.mean - own[0]!.value,
    });
  };
  await evaluate("exemplar", result.net);
  result.net.dispose();
  // the same network with random weights (its own stream), under the same protocols
  const random = createExemplarNet(
    cfg.network,
    cfg.patch,
    train.channels,
    cfg.classes,
    ctx.streams.randomInit,
  );
  await evaluate(RANDOM_INIT, random);
  random.dispose();
  rows.push(
    chanceRow(dataset, classes, "fold_accuracy"),
    {
      method: "exemplar",
      dataset,
      protocol: `surrogate task: ${cfg.classes} classes x ${cfg.perClass} samples, last epoch's ` +
        `training batches (dropout on), ${result.steps} steps of ${cfg.batch}`,
      metric: "surrogate_accuracy",
      value: result.surrogateAccuracy,
    },
    ...trainingRows("exemplar", dataset, "softmax cross-entropy", result),
  );
  const plots = [
    {
      file: "samples.svg",
      title: "Seed patches and their transformations",
      svg: await sampleGrid(cfg, pool, result, ctx.seed),
    },
    lossPlot(
      "cross-entropy",
      `Exemplar CNN training loss (${cfg.network}, N=${cfg.classes}, K=${cfg.perClass})`,
      result.stepLosses,
    ),
  ];
  return { rows, plots, imagesPerS: result.imagesPerS, stepLosses: result.stepLosses };
}

/** The Exemplar CNN method as the suite runs it. */
export const exemplar = defineMethod<ExemplarConfig>({
  name: "exemplar",
  title: "Exemplar CNN",
  summary: "Exemplar CNN (Dosovitskiy et al. 2014): each seed patch and its random " +
    "transformations form one surrogate class",
  defaults: exemplarDefaults,
  docs: exemplarDocs,
  presets: exemplarPresets,
  run: runExemplar,
  // the representation is the fully connected layer's output (the simple protocol; the paper's
  // quadrant-pooled protocol is on the run's page)
  tier: { features: "fc", knn: "knn_accuracy", linear: "linear_accuracy" },
  // six seeds: at 100 steps a seed leaves chance (ln 50) at its own time (last-epoch losses 3.65,
  // 3.85, 3.88 over seeds 0-2), and at three a side the Bonferroni t quantile (~13 at 4 df) let a
  // learning rate 10x low pass (weights moved 0.04 against 0.23 +/- 0.06; reports/ci-power), as
  // at the ci preset before it
  ci: gateGrid("Exemplar CNN", [0, 1, 2, 3, 4, 5]),
  sweeps: exemplarSweeps,
  claims: exemplarClaims,
  perf: [{
    label: "exemplar ci step as trained: 64 samples rendered on the device from 100 seeds, " +
      "16c5-16c5-32f, 100 classes, dropout 0.5, SGD",
    ci: true,
    images: 64,
    setup: async () => {
      const cfg = resolveConfig(exemplarDefaults, exemplarDocs, exemplarPresets, ["ci"], []);
      const streams = deriveStreams(0);
      const train = await loadSplit({ ...cfg, split: "train", perClass: cfg.trainPerClass });
      const t = exemplarTrainer(cfg, await sourcePool(cfg, train, streams.data), 0, streams);
      return stepper(t);
    },
    peer: {
      script: "bench/peers/exemplar_step.py",
      args: ["--network", "16c5-16c5-32f", "--classes", "100", "--batch", "64", "--lr", "0.05"],
    },
  }, {
    // the same peer: it times the model step on ready samples too, so this is like for like
    label: "exemplar ci model step alone: 64 ready samples, 16c5-16c5-32f, 100 classes, " +
      "dropout 0.5, SGD (the ci step less its rendering)",
    images: 64,
    setup: () => exemplarPerfStep(64, 100, "16c5-16c5-32f"),
    peer: {
      script: "bench/peers/exemplar_step.py",
      args: ["--network", "16c5-16c5-32f", "--classes", "100", "--batch", "64", "--lr", "0.05"],
    },
  }, {
    label: `exemplar ${exemplarDefaults.network}, ${exemplarDefaults.classes} classes, dropout ` +
      `${exemplarDefaults.dropout} (fwd+bwd+SGD)`,
    images: exemplarDefaults.batch,
    setup: () => exemplarPerfStep(exemplarDefaults.batch, exemplarDefaults.classes),
    peer: {
      script: "bench/peers/exemplar_step.py",
      args: [
        "--batch",
        String(exemplarDefaults.batch),
        "--classes",
        String(exemplarDefaults.classes),
      ],
    },
  }],
});

/**
 * The Exemplar CNN step `deno task perf` times: the default preset's optimiser and (unless given)
 * network on `batch` random 32x32x3 samples with random labels.
 */
export function exemplarPerfStep(
  batch: number,
  classes: number,
  network: string = exemplarDefaults.network,
): { step: () => tf.Scalar; dispose: () => void } {
  const d = exemplarDefaults, rng = new Rng(0, "perf-exemplar");
  const net = createExemplarNet(network, d.patch, 3, classes, rng);
  const opt = exemplarOptimizer(d);
  const x = tf.tensor4d(
    Float32Array.from({ length: batch * d.patch * d.patch * 3 }, () => rng.float()),
    [batch, d.patch, d.patch, 3],
  );
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(classes)), "int32");
  return {
    step: () => {
      const { loss, hits } = exemplarStep(net, opt, x, labels, {
        rate: d.dropout,
        seed: rng.uint32(),
      }, d.lr);
      hits.dispose();
      return loss;
    },
    dispose: () => {
      tf.dispose([x, labels]);
      net.dispose();
      opt.dispose();
    },
  };
}
