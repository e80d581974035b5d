/**
 * `deno task compare RESULTS BASELINE [--floor 0.02] [--k 3]`: compares the metrics of a results
 * CSV against a baseline results CSV, grouped by method, dataset, preset, protocol and metric
 * (mean over seeds). A higher-is-better metric regresses when now < baseline mean - tolerance,
 * where tolerance = max(k x the baseline's standard deviation over seeds, floor): the seed
 * variance the baseline measured, not a guess, with a floor for baselines of one seed. Exits 1 on
 * a regression or a metric the baseline has and the results lack, 2 on bad input.
 * @module
 */
import { parseArgs } from "node:util";
import { readResults } from "../core/csv.ts";
import { ConfigError } from "./config.ts";

/** Mean, sample standard deviation and count of one metric over seeds. */
export interface Stat {
  mean: number;
  std: number;
  n: number;
}

/** One line of the comparison. */
export interface Comparison {
  key: string;
  baseline: Stat;
  now: Stat | null;
  delta: number | null;
  tolerance: number;
  verdict: "ok" | "better" | "regression" | "missing" | "info";
}

/** Metrics where higher is better; others (losses) are shown but never fail. */
export function higherIsBetter(metric: string): boolean {
  return /accuracy|invariance/.test(metric);
}

function groupKey(r: Record<string, string>): string {
  return [r.method, r.dataset, r.preset, r.metric, r.protocol].join(" | ");
}

/** Mean and sample standard deviation per group. */
export function summarise(rows: Record<string, string>[]): Map<string, Stat> {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const v = Number(r.value);
    if (!Number.isFinite(v)) continue;
    const k = groupKey(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(v);
  }
  const out = new Map<string, Stat>();
  for (const [k, vs] of groups) {
    const mean = vs.reduce((a, b) => a + b, 0) / vs.length;
    const std = vs.length > 1
      ? Math.sqrt(vs.reduce((a, b) => a + (b - mean) ** 2, 0) / (vs.length - 1))
      : 0;
    out.set(k, { mean, std, n: vs.length });
  }
  return out;
}

/** Compares results against a baseline (see the module doc for the rule). */
export function compare(
  now: Record<string, string>[],
  baseline: Record<string, string>[],
  o: { k: number; floor: number },
): Comparison[] {
  const b = summarise(baseline), n = summarise(now);
  return [...b.entries()].map(([key, base]) => {
    const cur = n.get(key) ?? null;
    const metric = key.split(" | ")[3]!;
    const tolerance = Math.max(o.k * base.std, o.floor);
    if (!cur) {
      const verdict = higherIsBetter(metric) ? "missing" : "info";
      return { key, baseline: base, now: null, delta: null, tolerance, verdict };
    }
    const delta = cur.mean - base.mean;
    const verdict = !higherIsBetter(metric)
      ? "info"
      : delta < -tolerance
      ? "regression"
      : delta > tolerance
      ? "better"
      : "ok";
    return { key, baseline: base, now: cur, delta, tolerance, verdict };
  });
}

/** The comparison as a Markdown table. */
export function comparisonTable(cs: Comparison[]): string {
  const f = (s: Stat | null) => s ? `${s.mean.toFixed(4)} +/- ${s.std.toFixed(4)} (n=${s.n})` : "-";
  return [
    "| method \\| dataset \\| preset \\| metric \\| protocol | baseline | now | delta | tolerance | verdict |",
    "| --- | --- | --- | --- | --- | --- |",
    ...cs.map((c) =>
      `| ${c.key.replaceAll("|", "\\|")} | ${f(c.baseline)} | ${f(c.now)} | ${
        c.delta === null ? "-" : c.delta.toFixed(4)
      } | ${c.tolerance.toFixed(4)} | ${c.verdict} |`
    ),
  ].join("\n");
}

if (import.meta.main) {
  try {
    const { values: v, positionals } = parseArgs({
      args: Deno.args,
      options: { k: { type: "string", default: "3" }, floor: { type: "string", default: "0.02" } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length !== 2) {
      throw new ConfigError(
        "usage: deno task compare RESULTS.csv BASELINE.csv [--k 3] [--floor 0.02]",
      );
    }
    const k = Number(v.k), floor = Number(v.floor);
    if (!(k >= 0) || !(floor >= 0)) throw new ConfigError("--k and --floor must be numbers >= 0");
    const [now, base] = await Promise.all(positionals.map((p) => readResults(p)));
    const cs = compare(now!, base!, { k, floor });
    console.log(comparisonTable(cs));
    const bad = cs.filter((c) => c.verdict === "regression" || c.verdict === "missing");
    console.log(
      bad.length
        ? `\n${bad.length} regression(s) or missing metric(s) against the baseline`
        : "\nno regression against the baseline",
    );
    Deno.exit(bad.length ? 1 : 0);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(2);
  }
}
