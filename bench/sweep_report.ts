/**
 * The sweep part of a report: when a folder holds runs whose configs differ in some keys (a
 * sweep), one table per metric of mean +/- std over seeds (with n) for each value of those keys
 * and a plot of each accuracy against a single numeric axis. And the orderings the papers claim
 * (SimCLR: MLP head > linear > none; h > z), checked on any set of runs: the reports state
 * whether the runs agree, and `bench:ci` fails when runs that agreed stop agreeing.
 * @module
 */
import { barSvg, lineSvg } from "../io/svg.ts";
import { groupKey, meanStd, type RunRecord, summarise } from "./runs.ts";

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

/** Mean +/- std per method | dataset | axis values | metric | protocol. */
function statsByAxes(runs: RunRecord[], keys: string[]) {
  const rows = runs.flatMap((r) =>
    r.rows.map((row) => ({ row, label: axisLabel(r.config, keys) }))
  );
  const label = new Map(rows.map((x) => [x.row, x.label]));
  return summarise(rows.map((x) => x.row), (row) => groupKey(row, label.get(row)!));
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
    const m = r.id.split("-")[0]!;
    if (!byMethod.has(m)) byMethod.set(m, []);
    byMethod.get(m)!.push(r);
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

function methodSweep(
  runs: RunRecord[],
  method: string,
  prefix: string,
): { lines: string[]; plots: { file: string; svg: string }[] } {
  const keys = varyingKeys(runs);
  const stats = statsByAxes(runs, keys); // key: method | dataset | axes | metric | protocol
  const lines = [
    `## Sweep over ${keys.join(", ")} (${method})`,
    "",
    "Mean +/- standard deviation over seeds (n runs) for each value of the swept keys.",
    "",
  ];
  const metrics = [...new Set([...stats.keys()].map((k) => k.split(" | ")[3]!))];
  for (const metric of metrics) {
    lines.push(
      `### ${metric}`,
      "",
      `| method | ${keys.join(" | ")} | mean +/- std (n) | protocol |`,
      `| --- | ${keys.map(() => "---").join(" | ")} | --- | --- |`,
    );
    for (const [k, s] of stats) {
      const [method, , axes, m, protocol] = k.split(" | ");
      if (m !== metric) continue;
      const vals = axes!.split(" ").map((kv) => kv.slice(kv.indexOf("=") + 1));
      lines.push(
        `| ${method} | ${vals.join(" | ")} | ${s.mean.toFixed(4)} +/- ${
          s.std.toFixed(4)
        } (${s.n}) | ${protocol!.replaceAll("|", "\\|")} |`,
      );
    }
    lines.push("");
  }
  const plots: { file: string; svg: string }[] = [];
  const axis = keys[0]!;
  const numeric = runs.every((r) => typeof r.config[axis] === "number");
  // short legend names: the method, and which features for SimCLR-style protocols
  const short = (method: string, protocol: string) => {
    const on = /on ([hz]) \(/.exec(protocol)?.[1];
    const probe = /^(linear|MLP) probe|^weighted kNN|^kNN/.exec(protocol)?.[0] ?? "";
    return [method, probe && probe.replace(" probe", ""), on && `on ${on}`].filter(Boolean)
      .join(", ");
  };
  const valuesOf = (axes: string) => axes.split(" ").map((kv) => kv.slice(kv.indexOf("=") + 1));
  for (const metric of metrics.filter((m) => /accuracy/.test(m))) {
    const here = [...stats].filter(([k]) => k.split(" | ")[3] === metric);
    const file = `sweep_${prefix}${metric}_vs_${axis}.svg`;
    if (keys.length === 1 && numeric) {
      const series = new Map<string, { x: number; y: number }[]>();
      for (const [k, s] of here) {
        const [method, , axes, , protocol] = k.split(" | ");
        const name = short(method!, protocol!);
        if (!series.has(name)) series.set(name, []);
        series.get(name)!.push({ x: Number(valuesOf(axes!)[0]), y: s.mean });
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
      // series per value of the second axis and protocol
      const categories = [...new Set(runs.map((r) => String(r.config[axis])))];
      const series = new Map<string, (number | null)[]>();
      for (const [k, s] of here) {
        const [method, , axes, , protocol] = k.split(" | ");
        const [cat, second] = valuesOf(axes!);
        const name = [second !== undefined && `${keys[1]}=${second}`, short(method!, protocol!)]
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
  /** the claim, e.g. "MLP head > linear head > no head" */
  claim: string;
  /** what was compared, in the claimed order */
  names: string[];
  /** mean linear-probe accuracy of each, in the same order */
  values: number[];
  /** the seeds every compared group had (the means are over these) */
  seeds: string[];
  agrees: boolean;
}

/**
 * The orderings the SimCLR paper claims in Sec. 4.2 (a nonlinear head beats a linear one by ~3
 * points and no head by >10; h, before the head, beats z = g(h) by >10), checked as the paper
 * measures them, on linear-probe accuracy, wherever the runs hold the groups to compare. Means
 * are over the seeds all groups share, so one group's extra seed cannot decide the order.
 */
export function trendChecks(runs: RunRecord[]): Trend[] {
  const simclr = runs.filter((r) => r.rows.some((row) => row.method === "simclr"));
  const on = (w: "h" | "z") => (row: Record<string, string>) =>
    row.method === "simclr" && row.metric === "linear_accuracy" &&
    (row.protocol ?? "").includes(`on ${w} (`);
  type Group = { name: string; runs: RunRecord[]; pick: (row: Record<string, string>) => boolean };
  const check = (claim: string, groups: Group[]): Trend | null => {
    const seedSets = groups.map((g) =>
      new Set(g.runs.filter((r) => r.rows.some(g.pick)).map(seedOf))
    );
    const seeds = [...seedSets[0]!].filter((s) => seedSets.every((set) => set.has(s))).sort();
    if (seeds.length === 0) return null;
    const values = groups.map((g) =>
      meanStd(
        g.runs.filter((r) => seeds.includes(seedOf(r))).flatMap((r) =>
          r.rows.filter(g.pick).map((row) => Number(row.value))
        ),
      ).mean
    );
    const agrees = values.every((v, i) => i === 0 || values[i - 1]! > v);
    return { claim, names: groups.map((g) => g.name), values, seeds, agrees };
  };
  const out: Trend[] = [];
  const head = (h: string) => simclr.filter((r) => r.config.head === h);
  const byHead = check("MLP head > linear head > no head", [
    { name: "mlp", runs: head("mlp"), pick: on("h") },
    { name: "linear", runs: head("linear"), pick: on("h") },
    { name: "none", runs: head("none"), pick: on("h") },
  ]);
  if (byHead) out.push(byHead);
  // without a head z is h, so those runs say nothing about h > z
  const headed = simclr.filter((r) => r.config.head !== "none");
  const hz = check("h (before the head) > z (after it)", [
    { name: "h", runs: headed, pick: on("h") },
    { name: "z", runs: headed, pick: on("z") },
  ]);
  if (hz) out.push(hz);
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
    "Linear-probe accuracy on h (for h > z: on h and on z), as the paper measures them; means over the seeds every group has.",
    "",
    ...ts.map((t) =>
      `- SimCLR claims ${t.claim}: ${
        t.names.map((n, i) => `${n} ${t.values[i]!.toFixed(4)}`).join(", ")
      } (seeds ${t.seeds.join(", ")}): **${t.agrees ? "agrees" : "does not agree"}**.`
    ),
    "",
  ];
}
