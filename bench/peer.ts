/**
 * The same-recipe PyTorch peer of a two-view method's whole run (bench/peers/ssl_run.py): the
 * suite's resolved config turned into the peer's options, the run's data written out as the
 * suite decoded it (so both sides train and evaluate on the same pixels), and the peer's answer
 * turned into results rows and a run log of the suite's own shape, so that reports, the reference
 * table and `compare` read a PyTorch run as they read a suite run. `deno task peer` drives it.
 * @module
 */
import { join } from "node:path";
import type { Config } from "../suite/config.ts";
import { ConfigError } from "../suite/config.ts";
import type { MetricRow } from "../suite/method.ts";
import type { ImageSet } from "../datasets/images.ts";
import { loadSplit } from "../datasets/splits.ts";
import {
  chanceRow,
  type Classifier,
  classifierProtocol,
  type FeatureSpec,
  RANDOM_INIT,
} from "../eval/harness.ts";
import { ON_H, ON_Z } from "../methods/two_view.ts";
import { writeFileAtomic } from "../io/atomic.ts";

/** The peer script, from the repository root. */
export const PEER_SCRIPT = "bench/peers/ssl_run.py";

/** The methods the peer writes out (its --method choices). */
export const PEER_METHODS = ["simclr", "byol", "simsiam", "moco", "barlow", "vicreg"] as const;

/**
 * Values of keys the peer does not write out, as they must be for it to run the same recipe
 * (a config that sets them otherwise is refused, naming the key).
 */
const MUST_BE: Record<string, unknown> = {
  blur: 0,
  blur2: 0,
  solarize: 0,
  stem: "cifar",
  stopGradient: true,
  objective: "simclr",
};

/** Keys that change nothing the peer computes (where the data is, how often the loss is read). */
const NOT_MODELLED = new Set([
  "dataset",
  "dataDir",
  "trainPerClass",
  "testPerClass",
  "logEvery",
  "collapseFraction",
]);

/** The shared two-view keys and the peer's option for each. */
const SHARED_FLAGS: Record<string, string> = {
  encoder: "--encoder",
  width: "--width",
  head: "--head",
  headDim: "--head-dim",
  batch: "--batch",
  epochs: "--epochs",
  optimizer: "--optimizer",
  lr: "--lr",
  momentum: "--momentum",
  weightDecay: "--weight-decay",
  warmupEpochs: "--warmup-epochs",
  strength: "--strength",
  cropMin: "--crop-min",
  knnK: "--knn-k",
  knnT: "--knn-t",
  probeEpochs: "--probe-epochs",
  probeLr: "--probe-lr",
  probeBatch: "--probe-batch",
  mlpHidden: "--mlp-hidden",
  evalBatch: "--eval-batch",
};

/** Each method's own keys and the peer's option for each (BYOL's tauBase and MoCo's key decay
 * are both --tau: the peer applies BYOL's cosine rise and MoCo's constant decay). */
const METHOD_FLAGS: Record<string, Record<string, string>> = {
  simclr: { temperature: "--temperature" },
  byol: { predHidden: "--pred-hidden", tauBase: "--tau", solarize2: "--solarize2" },
  simsiam: { predHidden: "--pred-hidden" },
  moco: { temperature: "--temperature", keyMomentum: "--tau", queue: "--queue" },
  barlow: { lambda: "--lambda" },
  vicreg: { simCoeff: "--sim-coeff", stdCoeff: "--std-coeff", covCoeff: "--cov-coeff" },
};

/**
 * The peer's options for a method's resolved config (without --data, --seed, --threads). Throws
 * a ConfigError naming the key where the config asks for what the peer does not write out.
 */
export function peerArgs(method: string, cfg: Config): string[] {
  const own = METHOD_FLAGS[method];
  if (!own) {
    throw new ConfigError(
      `The PyTorch peer runs ${PEER_METHODS.join(", ")}; not "${method}"`,
    );
  }
  const args = ["--method", method];
  for (const [key, value] of Object.entries(cfg)) {
    const flag = SHARED_FLAGS[key] ?? own[key];
    if (flag) {
      args.push(flag, String(value));
    } else if (key in MUST_BE) {
      if (value !== MUST_BE[key]) {
        throw new ConfigError(
          `The PyTorch peer cannot run ${key}=${value} (it writes out ${key}=${MUST_BE[key]} only)`,
        );
      }
    } else if (!NOT_MODELLED.has(key)) {
      throw new ConfigError(`The PyTorch peer has no option for ${method}'s key "${key}"`);
    }
  }
  if (cfg.encoder === "resnet50") {
    throw new ConfigError("The PyTorch peer writes out the small CNN and ResNet-18, not resnet50");
  }
  return args;
}

/** Writes a split as the peer reads it: PREFIX-SPLIT.u8 (NHWC bytes) and PREFIX-SPLIT.json. */
export async function writePeerSplit(set: ImageSet, prefix: string, split: string) {
  await writeFileAtomic(`${prefix}-${split}.u8`, set.images);
  await writeFileAtomic(
    `${prefix}-${split}.json`,
    JSON.stringify({
      name: set.name,
      n: set.n,
      height: set.height,
      width: set.width,
      channels: set.channels,
      classes: set.classes,
      labels: Array.from(set.labels),
    }),
  );
}

/**
 * Loads the config's train and test splits as the suite's run does and writes them into `dir`
 * for the peer; returns the prefix to pass it, and the data set's name and classes.
 */
export async function writePeerData(
  cfg: Config,
  dir: string,
): Promise<{ prefix: string; dataset: string; classes: number; train: number; test: number }> {
  const c = cfg as Config & { dataset: string; dataDir: string };
  const train = await loadSplit({
    dataset: c.dataset,
    dataDir: c.dataDir,
    split: "train",
    perClass: Number(cfg.trainPerClass),
  });
  const test = await loadSplit({
    dataset: c.dataset,
    dataDir: c.dataDir,
    split: "test",
    perClass: Number(cfg.testPerClass),
  });
  const prefix = join(dir, "data");
  await writePeerSplit(train, prefix, "train");
  await writePeerSplit(test, prefix, "test");
  return {
    prefix,
    dataset: train.name.replace(/ train$/, ""),
    classes: train.classes.length,
    train: train.n,
    test: test.n,
  };
}

/** What the peer prints: its run's measurements. */
export interface PeerRun {
  torch: string;
  threads: number;
  method: string;
  seed: number;
  train: number;
  test: number;
  train_s: number;
  eval_s: number;
  images_per_s: number;
  epoch_losses: number[];
  /** accuracies by features ("h", "z", "random_h") and classifier */
  accuracy: Record<string, Record<Classifier, number>>;
}

/** Checks the peer's answer has what the rows need; throws naming what is missing. */
export function checkPeerRun(x: unknown): PeerRun {
  const r = x as PeerRun;
  const need = ["train_s", "eval_s", "images_per_s"] as const;
  for (const k of need) {
    if (typeof r?.[k] !== "number") throw new Error(`the peer's answer has no number "${k}"`);
  }
  for (const f of ["h", "random_h"]) {
    for (const c of ["knn", "linear", "mlp"] as const) {
      if (typeof r.accuracy?.[f]?.[c] !== "number") {
        throw new Error(`the peer's answer has no ${c} accuracy on ${f}`);
      }
    }
  }
  if (!Array.isArray(r.epoch_losses)) throw new Error("the peer's answer has no epoch_losses");
  return r;
}

/**
 * The metric rows of a peer run, labelled as the suite labels its own (the same protocols, the
 * method's name, random-init and chance rows), so the two sides' numbers line up row by row (the
 * peer's losses go to its log's loss curve, not to rows: its loss is the same function, its
 * values are not the suite's to check).
 */
export function peerMetricRows(
  run: PeerRun,
  method: string,
  cfg: Config,
  data: { dataset: string; classes: number },
): MetricRow[] {
  const s = {
    knnK: Number(cfg.knnK),
    knnT: Number(cfg.knnT),
    probeEpochs: Number(cfg.probeEpochs),
    probeLr: Number(cfg.probeLr),
    probeBatch: Number(cfg.probeBatch),
    mlpHidden: Number(cfg.mlpHidden),
    classes: data.classes,
  };
  const rows: MetricRow[] = [];
  const add = (who: string, key: string, on: FeatureSpec) => {
    const acc = run.accuracy[key];
    if (!acc) return;
    for (const c of ["knn", "linear", "mlp"] as const) {
      const { protocol, metric } = classifierProtocol(c, s, on);
      rows.push({
        method: who,
        dataset: data.dataset,
        protocol,
        metric,
        value: acc[c],
        features: on.key,
      });
    }
  };
  add(method, "h", ON_H);
  add(method, "z", ON_Z);
  add(RANDOM_INIT, "random_h", ON_H);
  rows.push(chanceRow(data.dataset, data.classes, "knn_accuracy"));
  return rows;
}
