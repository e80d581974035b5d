/**
 * The one training loop every method runs on: epochs of steps, the learning rate from a
 * schedule, the loss kept on the device and read back only every `logEvery` steps (each read
 * waits for the device: on a GPU under Deno at least ~10 ms, shared/docs/anchors.md), the stop on
 * a non-finite loss, progress, one log record per epoch and the live-tensor check. A method
 * supplies only what differs: how an epoch starts (its shuffle) and one step.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { unitRows } from "./ops.ts";
import { Progress } from "../io/progress.ts";

/** Raised when the training loss stops being finite; the run's log keeps what came before. */
export class NonFiniteLossError extends Error {
  override name = "NonFiniteLossError";
}

/**
 * Raised when a run's embeddings collapse (every input mapped alike: the spread of the normalised
 * outputs near 0), the failure of methods without negatives (SimSiam, BYOL); the log keeps what
 * came before, as for a non-finite loss.
 */
export class CollapseError extends Error {
  override name = "CollapseError";
}

/**
 * The spread of embeddings z [N, d]: rows L2-normalised, each column's standard deviation over the
 * batch, their mean. About 1/sqrt(d) for directions spread over the sphere, 0 when every row
 * points alike (SimSiam's collapse monitor, Chen & He 2021, Sec. 4.1 and Fig. 2).
 */
export function normalisedSpread(z: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const u = unitRows(z);
    const { variance } = tf.moments(u, 0);
    return tf.mean(tf.sqrt(variance)) as tf.Scalar;
  });
}

/** What one step leaves on the device: its loss, and counts summed per epoch (e.g. hits). */
export interface StepOutput {
  loss: tf.Scalar;
  counts?: tf.Scalar[];
  /** the step's embeddings' normalisedSpread, checked against TrainSpec.collapseBelow */
  spread?: tf.Scalar;
}

/** A step's tensors in read-back order: the loss, its counts, its spread where it has one. */
function outputTensors(o: StepOutput): tf.Scalar[] {
  return [o.loss, ...(o.counts ?? []), ...(o.spread ? [o.spread] : [])];
}

/** Where the loop is when it calls `step`. */
export interface StepAt {
  /** 1-based */
  epoch: number;
  /** 0-based over the whole run */
  step: number;
  /** 0-based within the epoch */
  index: number;
  lr: number;
  /** the run's steps (a schedule of its own, e.g. a momentum encoder's decay, needs it) */
  total: number;
}

/** A training run as the loop sees it. */
export interface TrainSpec {
  /** the method's title, for messages ("SimCLR loss became NaN ...") */
  name: string;
  epochs: number;
  stepsPerEpoch: number;
  /** images through the network per step, for images/s */
  imagesPerStep: number;
  /** steps between loss read-backs */
  logEvery: number;
  /** learning rate at `step` (0-based) of `total` */
  lr: (step: number, total: number) => number;
  /** called before an epoch's first step (shuffle the order here) */
  startEpoch?: (epoch: number) => void;
  /** one step: builds the batch, updates the parameters, returns the loss (kept on the device) */
  step: (at: StepAt) => StepOutput;
  /**
   * the run stops with a CollapseError at a read-back where a step's spread (StepOutput.spread) is
   * below this
   */
  collapseBelow?: number;
  /** what to try when the loss stops being finite, e.g. "lower lr (now 0.01)" */
  advice: string;
  /** writes one JSON record per epoch to the run's log */
  log?: (record: Record<string, unknown>) => Promise<void>;
  /**
   * called at every loss read-back (every `logEvery` steps): where the run is, for a progress
   * display other than the terminal's bar (the browser runner's)
   */
  progress?: (p: { step: number; total: number; loss: number; imagesPerS: number }) => void;
  /** progress label ("simclr train"); no bar when quiet */
  label: string;
  quiet?: boolean;
  /**
   * the variables the steps update (the optimiser's): how far training moved them is measured
   * ({@linkcode TrainStats.weightChange})
   */
  weights?: tf.Variable[];
}

/** What {@linkcode train} measured. */
export interface TrainStats {
  /** every step's loss, 1-based step numbers */
  stepLosses: { step: number; loss: number }[];
  /** mean loss of each epoch */
  epochLosses: number[];
  /** per epoch, the sum over its steps of each of the step's counts */
  epochCounts: number[][];
  imagesPerS: number;
  steps: number;
  /** tf.memory().numTensors at the end of each epoch: flat when no step leaks */
  tensorsPerEpoch: number[];
  /**
   * peak bytes of live tensors during the first step (TF.js's accounting, tf.profile): the
   * dataset and parameters on the device, the optimiser's state and the step's activations and
   * gradients; 0 when the run has no step
   */
  peakBytes: number;
  /**
   * how far training moved the weights: ||w_T - w_0|| / ||w_0|| over every variable of
   * `TrainSpec.weights` together (NaN without them). A learning rate off by a factor moves it by
   * about that factor even where the loss and the accuracies do not show it (BYOL's at a small
   * budget), so bench:ci checks it beside the loss.
   */
  weightChange: number;
}

/** The values of `vars` on the host, in order (one read-back each). */
async function readWeights(vars: tf.Variable[]): Promise<Float32Array[]> {
  return await Promise.all(vars.map(async (v) => await v.data() as Float32Array));
}

/** ||after - before|| / ||before|| over all arrays together, in double precision. */
export function relativeChange(before: Float32Array[], after: Float32Array[]): number {
  let diff = 0, norm = 0;
  before.forEach((b, i) => {
    const a = after[i]!;
    for (let j = 0; j < b.length; j++) {
      diff += (a[j]! - b[j]!) ** 2;
      norm += b[j]! ** 2;
    }
  });
  return norm > 0 ? Math.sqrt(diff / norm) : NaN;
}

/**
 * Runs `spec.epochs` epochs of `spec.stepsPerEpoch` steps. Throws NonFiniteLossError at the first
 * non-finite loss (read back at the next log point); the log keeps every epoch before it.
 */
export async function train(spec: TrainSpec): Promise<TrainStats> {
  const total = spec.epochs * spec.stepsPerEpoch;
  const stepLosses: { step: number; loss: number }[] = [];
  const epochLosses: number[] = [], epochCounts: number[][] = [], tensorsPerEpoch: number[] = [];
  const pending: { step: number; out: StepOutput }[] = [];
  const bar = spec.quiet || total === 0
    ? null
    : new Progress({ total, label: spec.label, unit: "img" });
  let step = 0, sum = 0, counts: number[] = [], peakBytes = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    // each step's loss, its counts, then its spread where it has one, read back in one go
    const nCounts = pending[0]!.out.counts?.length ?? 0;
    const width = outputTensors(pending[0]!.out).length;
    const all = tf.stack(pending.flatMap((p) => outputTensors(p.out)));
    const v = await all.data();
    all.dispose();
    try {
      pending.forEach((p, i) => {
        const loss = v[width * i]!;
        if (!Number.isFinite(loss)) {
          throw new NonFiniteLossError(
            `${spec.name} loss became ${loss} at step ${p.step}: ${spec.advice}. ` +
              `The log keeps every epoch before this one.`,
          );
        }
        const spread = p.out.spread ? v[width * i + 1 + nCounts]! : undefined;
        if (
          spread !== undefined && spec.collapseBelow !== undefined && spread < spec.collapseBelow
        ) {
          throw new CollapseError(
            `${spec.name} embeddings collapsed at step ${p.step}: the spread of the normalised ` +
              `outputs is ${spread.toExponential(2)}, below ${spec.collapseBelow} (about ` +
              `1/sqrt(d) when they are spread out): ${spec.advice}. The log keeps every epoch ` +
              "before this one.",
          );
        }
        stepLosses.push({ step: p.step, loss });
        sum += loss;
        for (let c = 1; c <= nCounts; c++) counts[c - 1] = (counts[c - 1] ?? 0) + v[width * i + c]!;
      });
    } finally {
      tf.dispose(pending.flatMap((p) => outputTensors(p.out)));
      pending.length = 0;
    }
    bar?.update(step, { loss: stepLosses.at(-1)!.loss, items: step * spec.imagesPerStep });
    spec.progress?.({
      step,
      total,
      loss: stepLosses.at(-1)!.loss,
      imagesPerS: step * spec.imagesPerStep / ((performance.now() - t0) / 1000),
    });
  };
  const initial = spec.weights ? await readWeights(spec.weights) : null;
  const t0 = performance.now();
  try {
    for (let epoch = 1; epoch <= spec.epochs; epoch++) {
      const te = performance.now();
      spec.startEpoch?.(epoch);
      sum = 0;
      counts = [];
      let lr = 0;
      for (let index = 0; index < spec.stepsPerEpoch; index++) {
        lr = spec.lr(step, total);
        const at = { epoch, step, index, lr, total };
        let out: StepOutput;
        if (step === 0) {
          // the first step profiled for its memory (the others are alike: the optimiser's state,
          // made in this step, stays); the profile waits for the device once
          const prof = await tf.profile(() => {
            out = spec.step(at);
            return outputTensors(out);
          });
          // TF.js takes the peak over its kernels' snapshots (-Infinity for a step without a
          // kernel): what is live once the step returns counts too
          peakBytes = Math.max(prof.peakBytes, tf.memory().numBytes);
          await spec.log?.({ type: "memory", step: 1, peak_bytes: peakBytes });
        } else out = spec.step(at);
        step++;
        pending.push({ step, out: out! });
        if (pending.length >= spec.logEvery) await flush();
      }
      await flush();
      epochLosses.push(sum / Math.max(1, spec.stepsPerEpoch));
      epochCounts.push(counts);
      const tensors = tf.memory().numTensors;
      tensorsPerEpoch.push(tensors);
      const wall = (performance.now() - t0) / 1000;
      await spec.log?.({
        type: "epoch",
        epoch,
        step,
        loss: epochLosses.at(-1),
        lr,
        seconds: (performance.now() - te) / 1000,
        images_per_s: step * spec.imagesPerStep / wall,
        tensors,
        // live tensors added since the previous epoch: a step that leaks shows here
        ...(epoch > 1 ? { tensor_growth: tensors - tensorsPerEpoch.at(-2)! } : {}),
      });
    }
  } finally {
    tf.dispose(pending.flatMap((p) => outputTensors(p.out)));
    bar?.done();
  }
  const seconds = (performance.now() - t0) / 1000;
  const weightChange = initial ? relativeChange(initial, await readWeights(spec.weights!)) : NaN;
  return {
    stepLosses,
    epochLosses,
    epochCounts,
    imagesPerS: step * spec.imagesPerStep / seconds,
    steps: step,
    tensorsPerEpoch,
    peakBytes,
    weightChange,
  };
}

/** What the caller of a run decides about the loop: its log, its terminal bar, its progress. */
export type LoopOptions = Pick<TrainSpec, "log" | "quiet" | "progress">;

/** A training run set up but not started: the loop's spec, the model it trains, what to free. */
export interface Trainer<M> {
  model: M;
  spec: Omit<TrainSpec, keyof LoopOptions>;
  /** frees what the run holds besides the model (optimiser state, data on the device) */
  dispose(): void;
  /** frees the model (on failure; on success the caller owns it) */
  disposeModel(): void;
}

/** Runs a trainer on the loop; the model is the caller's on success, freed on failure. */
export async function runTrainer<M>(
  t: Trainer<M>,
  loop: LoopOptions,
): Promise<TrainStats & { model: M }> {
  try {
    return { model: t.model, ...await train({ ...t.spec, ...loop }) };
  } catch (e) {
    t.disposeModel();
    throw e;
  } finally {
    t.dispose();
  }
}

/**
 * Successive steps of a trainer exactly as the loop makes them (each epoch started, the lr from
 * the schedule), one per `step()` call, returning the step's loss (counts are freed): what `deno
 * task perf` times. `dispose` frees the trainer and its model.
 */
export function stepper(t: Trainer<unknown>): { step: () => tf.Scalar; dispose: () => void } {
  const spec = t.spec, total = spec.epochs * spec.stepsPerEpoch;
  let step = 0;
  return {
    step: () => {
      const index = step % spec.stepsPerEpoch, epoch = Math.floor(step / spec.stepsPerEpoch) + 1;
      if (index === 0) spec.startEpoch?.(epoch);
      const out = spec.step({ epoch, step, index, lr: spec.lr(step % total, total), total });
      step++;
      // the loss goes back to the caller; the rest (counts, the collapse watch's spread) is freed
      tf.dispose(outputTensors(out).slice(1));
      return out.loss;
    },
    dispose: () => {
      t.dispose();
      t.disposeModel();
    },
  };
}
