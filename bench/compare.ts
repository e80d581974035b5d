/**
 * `deno task compare RESULTS BASELINE [--floor 0.02] [--k 3]`: compares the metrics of results
 * against a baseline, each a results CSV or an output folder (its results.csv and run logs),
 * grouped by method, dataset, preset and overrides, protocol and metric (mean over seeds). A
 * higher-is-better metric regresses when now < baseline mean - tolerance, where tolerance =
 * max(k x the baseline's standard deviation over seeds, floor): the seed variance the baseline
 * measured, not a guess, with a floor for baselines of one seed. When both are folders, the
 * claims the methods declare (bench/claims.ts) are compared too: one the baseline's runs supported
 * and the results' runs contradict is a regression. Exits 1 on a regression or on a metric or
 * claim the baseline has and the results lack, 2 on bad input.
 * @module
 */
import { readResults } from "../io/csv.ts";
import { ConfigError } from "../suite/config.ts";
import { parseNumber, runCommand } from "./cli.ts";
import { type Group, readRunFolder, type RunRecord, type Stat, summarise } from "./runs.ts";
import { checkClaims, type ClaimCheck, effectText, verdictLabel } from "./claims.ts";

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

/** A claim (bench/claims.ts), in the baseline's runs and in the results' runs. */
export interface ClaimComparison {
  id: string;
  baseline: ClaimCheck;
  now: ClaimCheck | null;
  /** regression: supported in the baseline, contradicted now; missing: the results lack it */
  verdict: "ok" | "regression" | "missing" | "info";
}

/**
 * Compares the claims the baseline's runs decide against the results' runs. A claim the baseline
 * supported regresses when the results contradict it (an interval over seeds on the wrong side of
 * 0: noise alone does that in under 2.5 % of cases); one the baseline did not support is reported,
 * never a failure.
 */
export function compareClaims(now: RunRecord[], baseline: RunRecord[]): ClaimComparison[] {
  const cur = new Map(checkClaims(now).map((c) => [c.claim.id, c]));
  return checkClaims(baseline).filter((b) => b.verdict !== "missing").map((b) => {
    const n = cur.get(b.claim.id) ?? null;
    const verdict = b.verdict !== "supported"
      ? "info"
      : !n || n.verdict === "missing"
      ? "missing"
      : n.verdict === "contradicted"
      ? "regression"
      : "ok";
    return { id: b.claim.id, baseline: b, now: n, verdict };
  });
}

/** The claim comparison as a Markdown table. */
export function claimTable(cs: ClaimComparison[]): string {
  const f = (c: ClaimCheck | null) =>
    c ? `${c.steps.map(effectText).join("; ")} (${verdictLabel(c)})`.replaceAll("|", "\\|") : "-";
  return [
    "| claim | baseline: effect [95 % interval] | now | verdict |",
    "| --- | --- | --- | --- |",
    ...cs.map((c) =>
      `| ${c.baseline.title}: ${c.baseline.claim.claim} | ${f(c.baseline)} | ${
        f(c.now)
      } | ${c.verdict} |`
    ),
  ].join("\n");
}

/** A results CSV, or an output folder (its results.csv and, for the claims, its run logs). */
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
  claims: ClaimComparison[];
  /** regressions and missing metrics or claims */
  bad: number;
  /** the two tables and a one-line summary */
  text: string;
}

/** Metrics (and, when both sides have run logs, the claims) of results against a baseline. */
export function compareAll(
  now: { rows: Record<string, string>[]; runs: RunRecord[] | null },
  base: { rows: Record<string, string>[]; runs: RunRecord[] | null },
  o: { k: number; floor: number },
): Verdict {
  const metrics = compare(now.rows, base.rows, o);
  const claims = now.runs && base.runs ? compareClaims(now.runs, base.runs) : [];
  const bad =
    [...metrics, ...claims].filter((c) => c.verdict === "regression" || c.verdict === "missing")
      .length;
  const text = [
    comparisonTable(metrics),
    ...(claims.length ? ["", claimTable(claims)] : []),
    "",
    bad
      ? `${bad} regression(s) or missing metric(s) or claim(s) against the baseline`
      : "no regression against the baseline",
  ].join("\n");
  return { metrics, claims, bad, text };
}

if (import.meta.main) {
  await runCommand({
    name: "deno task compare",
    summary: "Compares results against a baseline, metric by metric (and, for two output " +
      "folders, the claims the methods declare). RESULTS and BASELINE are each a results.csv or an " +
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
