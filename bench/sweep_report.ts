/**
 * The sweep part of a report: when a folder holds runs whose configs differ in some keys (a
 * sweep), one table per metric of mean +/- std over seeds (with n) for each value of those keys
 * and a plot of each accuracy against a single numeric axis. And the orderings the papers claim
 * (SimCLR: MLP head > linear > none; h > z), checked on any set of runs: the reports state
 * whether the runs agree, and `bench:ci` fails when runs that agreed stop agreeing.
 * @module
 */
import { barSvg, lineSvg } from "../io/svg.ts";
import { type GroupStat, meanStd, type RunRecord, summarise } from "./runs.ts";
import type { Method } from "../suite/method.ts";
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
  const byMethod = new Map<string, RunRecord[]>();
  for (const r of runs) {
    if (!byMethod.has(r.method)) byMethod.set(r.method, []);
    byMethod.get(r.method)!.push(r);
  }
  const swept = [...byMethod].filter(([, rs]) => varyingKeys(rs).length > 0);
  const out = { lines: [] as string[], plots: [] as { file: string; svg: string }[] };
  for (const [method, rs] of swept) {
    const s = methodSweep(rs, method, swept.length > 1 ? `${method}_` : "");
    out.lines.push(...s.lines);
    out.plots.push(...s.plots);
  }
  return out;
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
    if (keys.length === 1 && numeric) {
      const series = new Map<string, { x: number; y: number }[]>();
      for (const s of here) {
        const name = seriesName(s.group);
        if (!series.has(name)) series.set(name, []);
        series.get(name)!.push({ x: Number(axisValues.get(s.group.variant)![0]), y: s.mean });
      }
      plots.push({
        file,
        svg: lineSvg({
          series: [...series].map(([name, points]) => ({
            name,
            points: points.sort((a, b) => a.x - b.x),
          })),
          title: `${metric} vs ${axis} (mean over seeds)`,
          xLabel: axis,
          yLabel: metric,
        }),
      });
    } else if (!numeric && keys.length <= 2) {
      // a categorical first axis (a head variant, a removed transformation): grouped bars, one
      // series per value of the second axis and features
      const categories = [...new Set(runs.map((r) => String(r.config[axis])))];
      const series = new Map<string, (number | null)[]>();
      for (const s of here) {
        const [cat, second] = axisValues.get(s.group.variant)!;
        const name = [second !== undefined && `${keys[1]}=${second}`, seriesName(s.group)]
          .filter(Boolean).join(", ");
        if (!series.has(name)) series.set(name, categories.map(() => null));
        series.get(name)![categories.indexOf(cat!)] = s.mean;
      }
      plots.push({
        file,
        svg: barSvg({
          categories: categories.map((c) => c || "(none)"),
          series: [...series].map(([name, values]) => ({ name, values })),
          title: `${metric} per ${axis} (mean over seeds)`,
          xLabel: axis,
          yLabel: metric,
        }),
      });
    } else continue;
    lines.push(`![${metric} vs ${axis}](${file})`, "");
  }
  return { lines, plots };
}

/** One of the papers' orderings, checked on a set of runs. */
export interface Trend {
  /** the method's title, e.g. "SimCLR" */
  title: string;
  /** the claim, e.g. "MLP head > linear head > no head" */
  claim: string;
  /** where the paper claims it */
  source: string;
  /** what the values are */
  measure: string;
  /** what was compared, in the claimed order */
  names: string[];
  /** mean of each, in the same order */
  values: number[];
  /** the seeds every compared group had (the means are over these) */
  seeds: string[];
  agrees: boolean;
}

/**
 * The orderings the methods declare (suite/method.ts `orderings`, e.g. SimCLR's Sec. 4.2 claims),
 * checked wherever the runs hold the groups to compare. Means are over the seeds all groups
 * share, so one group's extra seed cannot decide the order.
 */
export function trendChecks(
  runs: RunRecord[],
  methods: Method[] = Object.values(METHODS),
): Trend[] {
  const out: Trend[] = [];
  for (const m of methods) {
    const mine = runs.filter((r) => r.method === m.name);
    for (const o of m.orderings) {
      const groups = o.groups.map((g) => ({
        name: g.name,
        runs: mine.filter((r) => g.runs(r.config)),
        pick: g.rows,
      }));
      const seedSets = groups.map((g) =>
        new Set(g.runs.filter((r) => r.rows.some(g.pick)).map(seedOf))
      );
      const seeds = [...seedSets[0]!].filter((s) => seedSets.every((set) => set.has(s))).sort();
      if (seeds.length === 0) continue;
      const values = groups.map((g) =>
        meanStd(
          g.runs.filter((r) => seeds.includes(seedOf(r))).flatMap((r) =>
            r.rows.filter(g.pick).map((row) => Number(row.value))
          ),
        ).mean
      );
      const agrees = values.every((v, i) => i === 0 || values[i - 1]! > v);
      out.push({
        title: m.title,
        claim: o.claim,
        source: o.source,
        measure: o.measure,
        names: groups.map((g) => g.name),
        values,
        seeds,
        agrees,
      });
    }
  }
  return out;
}

function seedOf(r: RunRecord): string {
  return r.rows[0]?.seed ?? "";
}

/** The trends as report lines. */
export function trendLines(ts: Trend[]): string[] {
  if (ts.length === 0) return [];
  return [
    "### The papers' orderings",
    "",
    "Each on the measure the paper uses; means over the seeds every group has.",
    "",
    ...ts.map((t) =>
      `- ${t.title} claims ${t.claim} (${t.source}), on ${t.measure}: ${
        t.names.map((n, i) => `${n} ${t.values[i]!.toFixed(4)}`).join(", ")
      } (seeds ${t.seeds.join(", ")}): **${t.agrees ? "agrees" : "does not agree"}**.`
    ),
    "",
  ];
}
