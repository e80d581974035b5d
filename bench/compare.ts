/**
 * `deno task compare RESULTS BASELINE [--floor 0.02] [--k 3]`: compares the metrics of results
 * against a baseline, each a results CSV or an output folder (its results.csv and run logs),
 * grouped by method, dataset, preset and overrides, protocol and metric (mean over seeds). A
 * higher-is-better metric regresses when now < baseline mean - tolerance, where tolerance =
 * max(k x the baseline's standard deviation over seeds, floor): the seed variance the baseline
 * measured, not a guess, with a floor for baselines of one seed. When both are folders, the
 * papers' orderings (see sweep_report.ts) are compared too: one the baseline's runs agreed with
 * and the results' runs reverse by more than the floor is a regression. Exits 1 on a regression or on a metric or
 * ordering the baseline has and the results lack, 2 on bad input.
 * @module
 */
import { readResults } from "../io/csv.ts";
import { ConfigError } from "../suite/config.ts";
import { parseNumber, runCommand } from "./cli.ts";
import { type Group, readRunFolder, type RunRecord, type Stat, summarise } from "./runs.ts";
import { type Trend, trendChecks } from "./sweep_report.ts";

export type { Stat };

/** One line of the comparison. */
export interface Comparison {
  group: Group;
  baseline: Stat;
  now: Stat | null;
  delta: number | null;
  tolerance: number;
  verdict: "ok" | "better" | "regression" | "missing" | "info";
}

/** The default tolerance: k standard deviations of the baseline over seeds, at least floor. */
export const TOLERANCE: Readonly<{ k: number; floor: number }> = Object.freeze({
  k: 3,
  floor: 0.02,
});

/** Metrics where higher is better; others (losses) are shown but never fail. */
export function higherIsBetter(metric: string): boolean {
  return /accuracy|invariance/.test(metric);
}

/** Compares results against a baseline (see the module doc for the rule). */
export function compare(
  now: Record<string, string>[],
  baseline: Record<string, string>[],
  o: { k: number; floor: number },
): Comparison[] {
  const b = summarise(baseline), n = summarise(now);
  return [...b.entries()].map(([id, base]) => {
    const cur = n.get(id) ?? null;
    const group = base.group, metric = group.metric;
    const tolerance = Math.max(o.k * base.std, o.floor);
    if (!cur) {
      const verdict = higherIsBetter(metric) ? "missing" : "info";
      return { group, baseline: base, now: null, delta: null, tolerance, verdict };
    }
    const delta = cur.mean - base.mean;
    const verdict = !higherIsBetter(metric)
      ? "info"
      : delta < -tolerance
      ? "regression"
      : delta > tolerance
      ? "better"
      : "ok";
    return { group, baseline: base, now: cur, delta, tolerance, verdict };
  });
}

/** The comparison as a Markdown table. */
export function comparisonTable(cs: Comparison[]): string {
  const f = (s: Stat | null) => s ? `${s.mean.toFixed(4)} +/- ${s.std.toFixed(4)} (n=${s.n})` : "-";
  return [
    "| method \\| dataset \\| preset \\| metric \\| protocol | baseline | now | delta | tolerance | verdict |",
    "| --- | --- | --- | --- | --- | --- |",
    ...cs.map((c) =>
      `| ${
        [c.group.method, c.group.dataset, c.group.variant, c.group.metric, c.group.protocol].join(
          " \\| ",
        )
      } | ${f(c.baseline)} | ${f(c.now)} | ${c.delta === null ? "-" : c.delta.toFixed(4)} | ${
        c.tolerance.toFixed(4)
      } | ${c.verdict} |`
    ),
  ].join("\n");
}

/** One of the papers' orderings, in the baseline's runs and in the results' runs. */
export interface TrendComparison {
  claim: string;
  baseline: Trend;
  now: Trend | null;
  /** regression: the baseline agreed, the results reverse it; missing: the results lack it */
  verdict: "ok" | "regression" | "missing" | "info";
}

/**
 * Compares the orderings the baseline's runs show against those of the results' runs. An
 * ordering the baseline agreed with regresses when the results reverse one of its steps by more
 * than `tolerance` (accuracy points as a fraction): at CI scale the gaps are small, and a
 * reversal within the noise of a changed machine is not a failure.
 */
export function compareTrends(
  now: RunRecord[],
  baseline: RunRecord[],
  tolerance: number,
): TrendComparison[] {
  const cur = new Map(trendChecks(now).map((t) => [t.claim, t]));
  return trendChecks(baseline).map((b) => {
    const n = cur.get(b.claim) ?? null;
    const reversed = n !== null &&
      n.values.some((v, i) => i > 0 && v - n.values[i - 1]! > tolerance);
    const verdict = !b.agrees
      ? "info" // it never held at this scale: reported, never a failure
      : !n
      ? "missing"
      : reversed
      ? "regression"
      : "ok";
    return { claim: b.claim, baseline: b, now: n, verdict };
  });
}

/** The trend comparison as a Markdown table. */
export function trendTable(ts: TrendComparison[]): string {
  const f = (t: Trend | null) =>
    t
      ? `${t.values.map((v) => v.toFixed(4)).join(" > ")} (${
        t.agrees ? "agrees" : "does not agree"
      })`
      : "-";
  return [
    "| SimCLR's claim (mean linear-probe accuracy) | baseline | now | verdict |",
    "| --- | --- | --- | --- |",
    ...ts.map((t) => `| ${t.claim} | ${f(t.baseline)} | ${f(t.now)} | ${t.verdict} |`),
  ].join("\n");
}

/** A results CSV, or an output folder (its results.csv and, for the orderings, its run logs). */
export async function readResultsOrFolder(
  path: string,
): Promise<{ rows: Record<string, string>[]; runs: RunRecord[] | null }> {
  let isDir = false;
  try {
    isDir = (await Deno.stat(path)).isDirectory;
  } catch {
    throw new ConfigError(`"${path}" does not exist: give a results CSV or an output folder`);
  }
  if (!isDir) return { rows: await readResults(path), runs: null };
  const f = await readRunFolder(path).catch((e: Error) => {
    throw new ConfigError(`"${path}" is a folder without a readable results.csv: ${e.message}`);
  });
  return { rows: f.rows, runs: f.records };
}

/** What {@linkcode compareAll} found. */
export interface Verdict {
  metrics: Comparison[];
  trends: TrendComparison[];
  /** regressions and missing metrics or orderings */
  bad: number;
  /** the two tables and a one-line summary */
  text: string;
}

/** Metrics (and, when both sides have run logs, the orderings) of results against a baseline. */
export function compareAll(
  now: { rows: Record<string, string>[]; runs: RunRecord[] | null },
  base: { rows: Record<string, string>[]; runs: RunRecord[] | null },
  o: { k: number; floor: number },
): Verdict {
  const metrics = compare(now.rows, base.rows, o);
  const trends = now.runs && base.runs ? compareTrends(now.runs, base.runs, o.floor) : [];
  const bad =
    [...metrics, ...trends].filter((c) => c.verdict === "regression" || c.verdict === "missing")
      .length;
  const text = [
    comparisonTable(metrics),
    ...(trends.length ? ["", trendTable(trends)] : []),
    "",
    bad
      ? `${bad} regression(s) or missing metric(s) or ordering(s) against the baseline`
      : "no regression against the baseline",
  ].join("\n");
  return { metrics, trends, bad, text };
}

if (import.meta.main) {
  await runCommand({
    name: "deno task compare",
    summary: "Compares results against a baseline, metric by metric (and, for two output " +
      "folders, the papers' orderings). RESULTS and BASELINE are each a results.csv or an " +
      "output folder. Exit 1 on a regression or a metric the results lack.",
    flags: {
      k: {
        type: "string",
        value: "K",
        help: "tolerance in baseline standard deviations",
        default: String(TOLERANCE.k),
      },
      floor: {
        type: "string",
        value: "F",
        help: "smallest tolerance",
        default: String(TOLERANCE.floor),
      },
    },
    positionals: "RESULTS BASELINE",
    minPositionals: 2,
    maxPositionals: 2,
  }, async (v, positionals) => {
    const k = parseNumber("k", v.k!), floor = parseNumber("floor", v.floor!);
    const [now, base] = await Promise.all(positionals.map(readResultsOrFolder));
    const verdict = compareAll(now!, base!, { k, floor });
    console.log(verdict.text);
    return verdict.bad ? 1 : 0;
  });
}
