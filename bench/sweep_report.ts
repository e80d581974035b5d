/**
 * The sweep part of a report: when a folder holds runs whose configs differ in some keys (a
 * sweep), one table per metric of mean +/- std over seeds (with n) for each value of those keys
 * and a plot of each accuracy against a single numeric axis. The claims the runs test are in
 * bench/claims.ts.
 * @module
 */
import { barSvg, lineSvg, type Reference } from "../io/svg.ts";
import { intervalOf, windowMeans } from "../suite/stats.ts";
import {
  type GroupStat,
  type LossCurve,
  meanStd,
  type PhaseSeconds,
  type RunRecord,
  summarise,
} from "./runs.ts";
import { METHODS } from "./methods.ts";

export type { RunRecord };

/** Config keys whose values differ between runs (the sweep's axes), in config order. */
export function varyingKeys(runs: RunRecord[]): string[] {
  if (runs.length < 2) return [];
  const keys = Object.keys(runs[0]!.config);
  return keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.config[k]))).size > 1);
}

function axisLabel(cfg: Record<string, unknown>, keys: string[]): string {
  return keys.map((k) => `${k}=${cfg[k]}`).join(" ");
}

/**
 * Runs by method, in first-seen order (a folder can hold several methods' runs, as bench:ci's
 * does; their configs are not comparable), each method's swept keys, and its runs by
 * configuration (the values of those keys).
 */
export function methodConfigurations(
  runs: RunRecord[],
): { method: string; runs: RunRecord[]; keys: string[]; groups: Map<string, RunRecord[]> }[] {
  const byMethod = new Map<string, RunRecord[]>();
  for (const r of runs) byMethod.set(r.method, [...(byMethod.get(r.method) ?? []), r]);
  return [...byMethod].map(([method, rs]) => {
    const keys = varyingKeys(rs);
    const groups = new Map<string, RunRecord[]>();
    for (const r of rs) {
      const label = axisLabel(r.config, keys);
      groups.set(label, [...(groups.get(label) ?? []), r]);
    }
    return { method, runs: rs, keys, groups };
  });
}

/** Mean +/- std per method, dataset, axis values, metric and protocol. */
function statsByAxes(runs: RunRecord[], keys: string[]): GroupStat[] {
  const label = new Map<Record<string, string>, string>();
  for (const r of runs) for (const row of r.rows) label.set(row, axisLabel(r.config, keys));
  return [...summarise([...label.keys()], (row) => label.get(row)!).values()];
}

/**
 * Markdown lines (and SVG plots to write) summarising the sweeps in `runs`: one section per
 * method whose runs differ in some config keys (a folder can hold several methods' runs, as
 * bench:ci's does; their configs are not comparable).
 */
export function sweepSummary(
  runs: RunRecord[],
): { lines: string[]; plots: { file: string; svg: string }[] } {
  const swept = methodConfigurations(runs).filter((m) => m.keys.length > 0);
  const out = { lines: [] as string[], plots: [] as { file: string; svg: string }[] };
  for (const { method, runs: rs } of swept) {
    const s = methodSweep(rs, method, swept.length > 1 ? `${method}_` : "");
    out.lines.push(...s.lines);
    out.plots.push(...s.plots);
  }
  return out;
}

/**
 * Rows of these methods are baselines no run trains: drawn as reference lines, not as series or
 * bars (the supervised baseline is trained by its own runs, so it is a series).
 */
export const REFERENCE_METHODS: ReadonlySet<string> = new Set([
  "chance",
  "pca",
  "random-init",
  "pixels",
]);

/** The 95 % interval of a group's mean over seeds (NaN bounds for one seed). */
function bounds(s: GroupStat): { low: number; high: number } {
  const { low, high } = intervalOf(s);
  return { low, high };
}

/** An axis title in words: the key's documented meaning, without its parenthesised notes. */
export function axisTitle(method: string, key: string): string {
  const help = METHODS[method]?.docs[key]?.help;
  return help ? `${help.split(" (")[0]} (${key})` : key;
}

/** A metric's axis title, e.g. "linear accuracy (fraction of test images correct)". */
export function metricTitle(metric: string): string {
  const words = metric.replaceAll("_", " ");
  return /accuracy/.test(metric) ? `${words} (fraction of test images correct)` : words;
}

/** Axes swept over orders of magnitude (batch, classes, epochs, margin) are drawn on a log scale. */
function logScale(xs: number[]): boolean {
  return xs.every((x) => x > 0) && Math.max(...xs) / Math.min(...xs) >= 4;
}

/**
 * The reference methods' groups as lines: each at its mean over the whole sweep (its value hardly
 * depends on the swept key: chance never, PCA only through the data).
 */
function references(stats: GroupStat[]): Reference[] {
  const by = new Map<string, number[]>();
  for (const s of stats.filter((s) => REFERENCE_METHODS.has(s.group.method))) {
    const name = seriesName(s.group);
    by.set(name, [...(by.get(name) ?? []), s.mean]);
  }
  return [...by].map(([name, ys]) => ({
    name: `${name} (mean over the sweep)`,
    y: ys.reduce((a, b) => a + b, 0) / ys.length,
  }));
}

/** A series' name in a sweep plot (one plot per metric): who, and on which features. */
function seriesName(g: GroupStat["group"]): string {
  return [g.method, g.features && `on ${g.features}`].filter(Boolean).join(", ");
}

function methodSweep(
  runs: RunRecord[],
  method: string,
  prefix: string,
): { lines: string[]; plots: { file: string; svg: string }[] } {
  const keys = varyingKeys(runs);
  const stats = statsByAxes(runs, keys);
  // the axis values of each variant label, from the runs' configs (not parsed from the label)
  const axisValues = new Map<string, string[]>();
  for (const r of runs) {
    axisValues.set(axisLabel(r.config, keys), keys.map((k) => String(r.config[k])));
  }
  const lines = [
    `## Sweep over ${keys.join(", ")} (${method})`,
    "",
    "Mean +/- standard deviation over seeds (n runs) for each value of the swept keys.",
    "",
  ];
  const metrics = [...new Set(stats.map((s) => s.group.metric))];
  for (const metric of metrics) {
    lines.push(
      `### ${metric}`,
      "",
      `| method | ${keys.join(" | ")} | mean +/- std (n) | protocol |`,
      `| --- | ${keys.map(() => "---").join(" | ")} | --- | --- |`,
    );
    for (const s of stats.filter((s) => s.group.metric === metric)) {
      const vals = axisValues.get(s.group.variant)!; // every variant label comes from a run
      lines.push(
        `| ${s.group.method} | ${vals.join(" | ")} | ${s.mean.toFixed(4)} +/- ${
          s.std.toFixed(4)
        } (${s.n}) | ${s.group.protocol.replaceAll("|", "\\|")} |`,
      );
    }
    lines.push("");
  }
  const plots: { file: string; svg: string }[] = [];
  const axis = keys[0]!;
  const numeric = runs.every((r) => typeof r.config[axis] === "number");
  for (const metric of metrics.filter((m) => /accuracy/.test(m))) {
    const here = stats.filter((s) => s.group.metric === metric);
    const file = `sweep_${prefix}${metric}_vs_${axis}.svg`;
    const refs = references(here);
    const title = `${metric} vs ${axis}: mean over seeds, bars the 95 % interval (t)`;
    if (keys.length <= 2 && numeric) {
      // one line per value of a second axis (SimCLR against its supervised baseline) and features
      const series = new Map<string, { x: number; y: number; low: number; high: number }[]>();
      for (const s of here.filter((s) => !REFERENCE_METHODS.has(s.group.method))) {
        const second = axisValues.get(s.group.variant)![1];
        const name = [second !== undefined && `${keys[1]}=${second}`, seriesName(s.group)]
          .filter(Boolean).join(", ");
        if (!series.has(name)) series.set(name, []);
        series.get(name)!.push({
          x: Number(axisValues.get(s.group.variant)![0]),
          y: s.mean,
          ...bounds(s),
        });
      }
      const xs = runs.map((r) => Number(r.config[axis]));
      plots.push({
        file,
        svg: lineSvg({
          series: [...series].map(([name, points]) => ({
            name,
            points: points.sort((a, b) => a.x - b.x),
          })),
          refs,
          logX: logScale(xs),
          title,
          xLabel: axisTitle(method, axis) + (logScale(xs) ? ", log scale" : ""),
          yLabel: metricTitle(metric),
        }),
      });
    } else if (!numeric && keys.length <= 2) {
      // a categorical first axis (a head variant, a removed transformation): grouped bars, one
      // series per value of the second axis and features
      const categories = [...new Set(runs.map((r) => String(r.config[axis])))];
      const series = new Map<
        string,
        { values: (number | null)[]; errors: ({ low: number; high: number } | null)[] }
      >();
      for (const s of here.filter((s) => !REFERENCE_METHODS.has(s.group.method))) {
        const [cat, second] = axisValues.get(s.group.variant)!;
        const name = [second !== undefined && `${keys[1]}=${second}`, seriesName(s.group)]
          .filter(Boolean).join(", ");
        if (!series.has(name)) {
          series.set(name, {
            values: categories.map(() => null),
            errors: categories.map(() => null),
          });
        }
        series.get(name)!.values[categories.indexOf(cat!)] = s.mean;
        series.get(name)!.errors[categories.indexOf(cat!)] = bounds(s);
      }
      plots.push({
        file,
        svg: barSvg({
          categories: categories.map((c) => c || "(none)"),
          series: [...series].map(([name, v]) => ({ name, ...v })),
          refs,
          title: `${metric} per ${axis}: mean over seeds, bars the 95 % interval (t)`,
          xLabel: axisTitle(method, axis),
          yLabel: metricTitle(metric),
        }),
      });
    } else continue;
    lines.push(`![${metric} vs ${axis}](${file})`, "");
  }
  return { lines, plots };
}

/** At most this many points of each seed's curve in a loss plot (window means beyond). */
const PLOT_CURVE_POINTS = 100;

/** A variant label as a file name part: "head=mlp headDim=32" -> "head-mlp_headDim-32". */
function slug(label: string): string {
  return label.replaceAll(" ", "_").replaceAll("=", "-").replace(/[^A-Za-z0-9._-]/g, "");
}

/**
 * Every seed's training loss overlaid, one plot per method and configuration run with two or more
 * seeds (a run alone has its own loss.svg): whether seeds train alike, and whether a variant's
 * loss differs from the others' by more than the seeds do. Curves come from the runs' logs
 * (bench/runs.ts: every step's loss since 2026-12-06, one point per epoch before).
 */
export function lossCurvePlots(
  runs: RunRecord[],
  curves: Map<string, LossCurve>,
): { lines: string[]; plots: { file: string; svg: string }[] } {
  const out = { lines: [] as string[], plots: [] as { file: string; svg: string }[] };
  const shown = methodConfigurations(runs.filter((r) => curves.has(r.id))).flatMap((m) =>
    [...m.groups].map(([label, rs]) => ({ method: m.method, label, runs: rs }))
  ).filter((g) => g.runs.length >= 2);
  if (shown.length === 0) return out;
  out.lines.push(
    "## Training loss of every seed",
    "",
    "One line per seed, each configuration its own plot (the runs' logs; a curve of more than " +
      `${PLOT_CURVE_POINTS} points is drawn as means over windows of steps).`,
    "",
  );
  for (const g of shown) {
    const seedOf = (r: RunRecord) => Number(r.rows[0]?.seed);
    const sorted = [...g.runs].sort((a, b) => seedOf(a) - seedOf(b));
    const cut = sorted.map((r) => windowMeans(curves.get(r.id)!, PLOT_CURVE_POINTS));
    const every = Math.max(...cut.map((c) => c.every));
    // the loss's name, as the run's train_loss row words it ("softmax cross-entropy, mean ...")
    const lossRow = g.runs[0]!.rows.find((row) => row.metric === "train_loss");
    const lossName = lossRow?.protocol?.split(",")[0] ?? "training loss";
    const file = `sweep_loss_${g.method}${g.label ? `_${slug(g.label)}` : ""}.svg`;
    const what = g.label ? `${g.method}, ${g.label}` : g.method;
    out.plots.push({
      file,
      svg: lineSvg({
        series: sorted.map((r, i) => ({
          name: `seed ${seedOf(r)}`,
          points: cut[i]!.points.map((p) => ({ x: p.step, y: p.loss })),
        })),
        title: `${what}: training loss of ${sorted.length} seeds` +
          (every > 1 ? ` (means over ${every} steps)` : ""),
        xLabel: "training step",
        yLabel: lossName,
      }),
    });
    out.lines.push(`![${what}: training loss of every seed](${file})`, "");
  }
  return out;
}

/**
 * What each configuration of a sweep costs, mean over its seeds: training and evaluation seconds
 * (the logs' phases), training images/s and peak tensor memory (the logs' first-step profile),
 * "-" where no run logged it. The poster names scalability in the number of surrogate classes as
 * Exemplar CNN's limitation: this is where a sweep over N shows it.
 */
export function sweepCost(
  runs: RunRecord[],
  phases: Map<string, PhaseSeconds>,
  peakBytes: Map<string, number>,
): string[] {
  const lines: string[] = [];
  for (const { method, keys, groups } of methodConfigurations(runs)) {
    if (keys.length === 0) continue;
    // "-" unless every run of the configuration has the number
    const mean = (xs: (number | undefined)[], scale = 1) => {
      const vs = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
      return vs.length === xs.length && vs.length ? (meanStd(vs).mean / scale).toFixed(1) : "-";
    };
    lines.push(
      `### What each configuration costs (${method})`,
      "",
      "Mean over the configuration's runs (n): seconds in training and in evaluation, training " +
        "images per second, and peak live tensor memory in the first training step (MiB).",
      "",
      `| ${keys.join(" | ")} | n | train s | eval s | images/s | peak MiB |`,
      `| ${keys.map(() => "---").join(" | ")} | --- | --- | --- | --- | --- |`,
    );
    for (const g of groups.values()) {
      const cells = [
        ...keys.map((k) => String(g[0]!.config[k])),
        String(g.length),
        mean(g.map((r) => phases.get(r.id)?.train)),
        mean(g.map((r) => phases.get(r.id)?.eval)),
        mean(g.map((r) => Number(r.rows[0]?.images_per_s))),
        mean(g.map((r) => peakBytes.get(r.id)), 2 ** 20),
      ];
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("");
  }
  return lines;
}
