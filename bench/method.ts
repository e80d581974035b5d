/**
 * What a method plugs into the suite: typed defaults with docs, presets, and a `run` that
 * trains and evaluates under a context the runner provides (config, seeded streams, log).
 * @module
 */
import type { Config, Docs } from "./config.ts";
import type { Streams } from "../core/rng.ts";
import type { BackendInfo } from "../core/backend.ts";
import { lineSvg } from "../core/svg.ts";

/** One measured number; the runner adds seed, backend, commit, ... to make a results row. */
export interface MetricRow {
  /** what produced the number: the method, or a baseline such as "pca" */
  method: string;
  dataset: string;
  /** how the number was measured, e.g. "kNN (k=5) on the 2-D test embedding" */
  protocol: string;
  metric: string;
  value: number;
}

/** An SVG figure written beside the run's log. */
export interface Plot {
  file: string;
  title: string;
  svg: string;
}

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

/** What the runner gives a method. */
export interface RunContext<C extends Config> {
  config: C;
  seed: number;
  streams: Streams;
  backend: BackendInfo;
  /** appends one JSON line to the run's log (flushed before it resolves) */
  log: (record: Record<string, unknown>) => Promise<void>;
  /** true when progress should be quiet (tests) */
  quiet?: boolean;
}

/** What a method's run returns. */
export interface RunOutput {
  rows: MetricRow[];
  plots: Plot[];
  /** training throughput, images through the network per second */
  imagesPerS: number;
  /** the training loss, one value per logged epoch */
  epochLosses: number[];
}

/** A method: defaults, docs, presets and its run. */
export interface MethodSpec<C extends Config> {
  name: string;
  summary: string;
  defaults: C;
  docs: Docs<C>;
  presets: Record<string, Partial<C>>;
  run(ctx: RunContext<C>): Promise<RunOutput>;
}

/** Raised when the training loss stops being finite; the run's log keeps what came before. */
export class NonFiniteLossError extends Error {
  override name = "NonFiniteLossError";
}
