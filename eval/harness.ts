/**
 * The one evaluation harness: features computed in batches with frozen weights, the same
 * classifiers with the same settings (from the run's config, eval/config.ts) for every method,
 * and the same baseline rows (a randomly initialised network, chance). A protocol is typed data
 * (which features, which classifier and its settings) from which its label is rendered, and
 * every row carries its features as a field, so no reader parses the label back.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/rng.ts";
import type { MetricRow } from "../suite/method.ts";
import { knnProtocol, type LabelledFeatures, weightedKnnAccuracy } from "./features.ts";
import { probeAccuracy, type ProbeOptions, probeProtocol } from "./probe.ts";
import type { EvalSettings } from "./config.ts";

/**
 * Runs `f` on consecutive batches of `n` items (in a tidy scope) and gathers each of its outputs
 * on the host, row-major: output j of item i at [i * dim_j, (i + 1) * dim_j).
 */
export async function extractBatched(
  n: number,
  batch: number,
  f: (start: number, count: number) => tf.Tensor[],
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let s = 0; s < n; s += batch) {
    const m = Math.min(batch, n - s);
    const ts = tf.tidy(() => f(s, m));
    try {
      for (let j = 0; j < ts.length; j++) {
        const v = await ts[j]!.data() as Float32Array;
        if (s === 0) out[j] = new Float32Array(n * (v.length / m));
        out[j]!.set(v, s * (v.length / m));
      }
    } finally {
      tf.dispose(ts);
    }
  }
  return out;
}

/** Which features a number was measured on: a short key for readers, a phrase for the label. */
export interface FeatureSpec {
  /** e.g. "h", "z", "fc", "quadrants", "embedding" */
  key: string;
  /** e.g. "on h (encoder output)" */
  describe: string;
}

/** The classifiers the harness runs on frozen features. */
export type Classifier = "knn" | "linear" | "mlp";

const METRIC: Record<Classifier, string> = {
  knn: "knn_accuracy",
  linear: "linear_accuracy",
  mlp: "mlp_accuracy",
};

/** The probe options of a classifier under the run's settings. */
export function probeOptions(s: EvalSettings, classes: number, hidden: number): ProbeOptions {
  return {
    classes,
    hidden,
    epochs: s.probeEpochs,
    batch: s.probeBatch,
    lr: s.probeLr,
    weightDecay: PROBE_WEIGHT_DECAY,
  };
}

/** L2 penalty of the linear and MLP probes (the fold protocol chooses its own). */
export const PROBE_WEIGHT_DECAY = 1e-5;

/**
 * A classifier's protocol label on features `on` under the run's settings, and its metric: what
 * every row of that number says, whichever side measured it (the suite here, or a PyTorch peer
 * in bench/peer.ts).
 */
export function classifierProtocol(
  c: Classifier,
  s: EvalSettings & { classes: number; mlpHidden?: number; suffix?: string },
  on: FeatureSpec,
): { protocol: string; metric: string } {
  const tail = `, ${on.describe}${s.suffix ?? ""}`;
  if (c === "knn") {
    return { protocol: knnProtocol({ k: s.knnK, temperature: s.knnT }) + tail, metric: METRIC[c] };
  }
  const hidden = c === "mlp" ? s.mlpHidden ?? 0 : 0;
  return {
    protocol: probeProtocol({ ...probeOptions(s, s.classes, hidden) }) + tail,
    metric: METRIC[c],
  };
}

/**
 * Rows for `method` on the given features: each classifier's test accuracy, labelled with its
 * protocol. The probes draw their initial weights and batch order from `rng` (the run's eval
 * stream), in the order the classifiers are listed.
 */
export async function classifierRows(
  method: string,
  dataset: string,
  train: LabelledFeatures,
  test: LabelledFeatures,
  on: FeatureSpec,
  classifiers: Classifier[],
  s: EvalSettings & { classes: number; mlpHidden?: number; suffix?: string },
  rng: Rng,
): Promise<MetricRow[]> {
  const rows: MetricRow[] = [];
  for (const c of classifiers) {
    let value: number;
    if (c === "knn") {
      value = await weightedKnnAccuracy(train, test, {
        k: s.knnK,
        temperature: s.knnT,
        classes: s.classes,
      });
    } else {
      const hidden = c === "mlp" ? s.mlpHidden ?? 0 : 0;
      if (c === "mlp" && hidden < 1) throw new RangeError("an MLP probe needs mlpHidden >= 1");
      value = probeAccuracy(train, test, probeOptions(s, s.classes, hidden), rng);
    }
    const { protocol, metric } = classifierProtocol(c, s, on);
    rows.push({ method, dataset, protocol, metric, value, features: on.key });
  }
  return rows;
}

/** The chance row: 1 / number of classes, for the given metric. */
export function chanceRow(dataset: string, classes: number, metric: string): MetricRow {
  return {
    method: "chance",
    dataset,
    protocol: "1 / number of classes",
    metric,
    value: 1 / classes,
  };
}

/** The name of the baseline rows of a randomly initialised copy of a method's network. */
export const RANDOM_INIT = "random-init";
