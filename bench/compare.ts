/**
 * `deno task compare RESULTS BASELINE [--alpha 0.01] [--floor 0.01]`: compares the metrics of
 * results against a baseline, each a results CSV or an output folder (its results.csv and run
 * logs), grouped by method, dataset, preset and overrides, protocol and metric (mean over seeds).
 * Each method's own accuracies are checked one-sided and its training rows (the last epoch's loss,
 * how far the weights moved) two-sided with a two-sample t-test on the pooled seed spread, at a
 * family-wise false-alarm rate alpha over all checked metrics ({@linkcode CHECK}); the baselines'
 * rows (chance, PCA, random weights) are reported only. Each line states the smallest drop the
 * check detects. When both are folders, the claims the methods declare (bench/claims.ts) are
 * compared too: one the baseline's runs supported and the results' runs contradict is a
 * regression. Exits 1 on a regression, a changed training row, or a metric or claim the baseline
 * has and the results lack; 2 on bad input.
 * @module
 */
import { readResults } from "../io/csv.ts";
import { ConfigError } from "../suite/config.ts";
import { detectableEffect, tQuantile } from "../suite/stats.ts";
import { parseNumber, runCommand } from "./cli.ts";
import {
  type Group,
  type GroupStat,
  readRunFolder,
  type RunRecord,
  type Stat,
  summarise,
} from "./runs.ts";
import { checkClaims, type ClaimCheck, effectText, verdictLabel } from "./claims.ts";
import { REFERENCE_METHODS } from "./sweep_report.ts";

export type { Stat };

/** One line of the comparison. */
export interface Comparison {
  group: Group;
  baseline: Stat;
  now: Stat | null;
  delta: number | null;
  /** the change that fails the check: a drop (accuracies) or a change either way (training rows) */
  threshold: number;
  /** the smallest drop (or change) the check detects with probability CHECK.power; NaN: no
   * spread measured on either side (one seed each) */
  detects: number;
  /** regression: an accuracy fell by more than the threshold; changed: a training row moved by
   * more than its threshold (training changed: accept it by regenerating the baseline) */
  verdict: "ok" | "better" | "regression" | "changed" | "missing" | "info";
}

/**
 * The regression check: a one-sided two-sample t-test per accuracy (two-sided per training row),
 * with the pooled seed spread of the baseline and the results, at a family-wise false-alarm rate
 * `alpha` over every checked metric (Bonferroni), and at least `floor` (accuracies: absolute;
 * training rows: relative to the baseline's mean). `power`: the detection probability `detects` is
 * stated at.
 */
export const CHECK: Readonly<{ alpha: number; floor: number; power: number }> = Object.freeze({
  alpha: 0.01,
  floor: 0.01,
  power: 0.8,
});

/** The training rows (suite/method.ts trainingRows), checked two-sided: training changed. */
const TRAINING_METRICS = new Set(["train_loss", "weight_change"]);

/**
 * What a group is checked as: an accuracy (one-sided), a training measurement (two-sided: the
 * last epoch's loss, how far the weights moved), or not.
 */
export function checkedAs(g: Group): "accuracy" | "training" | null {
  // the baselines' rows (chance, PCA, random weights) are reported, never checked
  if (REFERENCE_METHODS.has(g.method)) return null;
  if (/accuracy/.test(g.metric) && !/surrogate/.test(g.metric)) return "accuracy";
  return TRAINING_METRICS.has(g.metric) ? "training" : null;
}

/**
 * The threshold and the detectable change of one check, from the two sides' means, spreads and
 * seed counts: se = pooled std x sqrt(1/m + 1/n) on m + n - 2 degrees of freedom; threshold =
 * t(1 - a) x se, at least the floor, where a = alpha / k (one-sided) or alpha / 2k (two-sided);
 * detects = the change the t test finds with probability `power`, from the noncentral t
 * (suite/stats.ts detectableEffect; the shortcut (t(1 - a) + t(power)) x se has less power than
 * it says at few seeds: 0.71 for 0.8 at 4 df and a = 0.01 / 8, SciPy's nct), raised by as much as
 * the floor raises the threshold.
 */
export function checkThreshold(
  base: Stat,
  now: Stat,
  k: number,
  twoSided: boolean,
  o: CheckOptions = CHECK,
): { threshold: number; detects: number } {
  const df = base.n + now.n - 2;
  const floor = twoSided ? o.floor * Math.abs(base.mean) : o.floor;
  if (df < 1) return { threshold: floor, detects: NaN };
  const sp = Math.sqrt(((base.n - 1) * base.std ** 2 + (now.n - 1) * now.std ** 2) / df);
  const se = sp * Math.sqrt(1 / base.n + 1 / now.n);
  const a = o.alpha / (twoSided ? 2 * k : k);
  const t = tQuantile(1 - a, df), threshold = Math.max(t * se, floor);
  if (!(se > 0)) return { threshold, detects: threshold };
  return { threshold, detects: threshold + detectableEffect(se, df, a, o.power) - t * se };
}

/** The check's settings; `family`: how many metrics share alpha (default: those compared). */
export type CheckOptions = { alpha: number; floor: number; power: number; family?: number };

/** How many groups of these baseline rows are checked (the Bonferroni family). */
export function checkedCount(baseline: Record<string, string>[]): number {
  return familyOf(summarise(baseline));
}

function familyOf(stats: Map<string, GroupStat>): number {
  return Math.max(1, [...stats.values()].filter((s) => checkedAs(s.group)).length);
}

/**
 * Compares results against a baseline (see {@linkcode CHECK}); a now-side seed count of one
 * borrows nothing: the pooled spread is then the baseline's.
 */
export function compare(
  now: Record<string, string>[],
  baseline: Record<string, string>[],
  o: CheckOptions = CHECK,
): Comparison[] {
  const b = summarise(baseline), n = summarise(now);
  const k = o.family ?? familyOf(b);
  return [...b.entries()].map(([id, base]) => {
    const cur = n.get(id) ?? null;
    const group = base.group, as = checkedAs(group);
    if (!cur) {
      const verdict = as ? "missing" : "info";
      return {
        group,
        baseline: base,
        now: null,
        delta: null,
        threshold: NaN,
        detects: NaN,
        verdict,
      };
    }
    const delta = cur.mean - base.mean;
    const { threshold, detects } = checkThreshold(base, cur, k, as === "training", o);
    const verdict = as === "accuracy"
      ? (delta < -threshold ? "regression" : delta > threshold ? "better" : "ok")
      : as === "training"
      ? (Math.abs(delta) > threshold ? "changed" : "ok")
      : "info";
    return { group, baseline: base, now: cur, delta, threshold, detects, verdict };
  });
}

/** The comparison as a Markdown table. */
export function comparisonTable(cs: Comparison[]): string {
  const f = (s: Stat | null) => s ? `${s.mean.toFixed(4)} +/- ${s.std.toFixed(4)} (n=${s.n})` : "-";
  const g = (x: number) => Number.isNaN(x) ? "-" : x.toFixed(4);
  return [
    "| method \\| dataset \\| preset \\| metric \\| protocol | baseline | now | delta | threshold | detects | verdict |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...cs.map((c) =>
      `| ${
        [c.group.method, c.group.dataset, c.group.variant, c.group.metric, c.group.protocol].join(
          " \\| ",
        )
      } | ${f(c.baseline)} | ${f(c.now)} | ${c.delta === null ? "-" : c.delta.toFixed(4)} | ${
        g(c.threshold)
      } | ${g(c.detects)} | ${c.verdict} |`
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
  o: CheckOptions = CHECK,
): Verdict {
  const metrics = compare(now.rows, base.rows, o);
  const claims = now.runs && base.runs ? compareClaims(now.runs, base.runs) : [];
  const bad =
    [...metrics, ...claims].filter((c) => ["regression", "changed", "missing"].includes(c.verdict))
      .length;
  const text = [
    comparisonTable(metrics),
    ...(claims.length ? ["", claimTable(claims)] : []),
    "",
    bad
      ? `${bad} regression(s), changed training row(s) or missing metric(s) or claim(s) against the baseline`
      : "no regression against the baseline",
  ].join("\n");
  return { metrics, claims, bad, text };
}

if (import.meta.main) {
  await runCommand({
    name: "deno task compare",
    summary: "Compares results against a baseline, metric by metric (and, for two output " +
      "folders, the claims the methods declare). RESULTS and BASELINE are each a results.csv or an " +
      "output folder. Exit 1 on a regression, a changed training row or a metric the results lack.",
    flags: {
      alpha: {
        type: "string",
        value: "A",
        help: "family-wise false-alarm rate over the checked metrics",
        default: String(CHECK.alpha),
      },
      floor: {
        type: "string",
        value: "F",
        help: "smallest threshold (accuracies: absolute; training rows: relative to the baseline)",
        default: String(CHECK.floor),
      },
    },
    positionals: "RESULTS BASELINE",
    minPositionals: 2,
    maxPositionals: 2,
  }, async (v, positionals) => {
    const alpha = parseNumber("alpha", v.alpha!), floor = parseNumber("floor", v.floor!);
    if (!(alpha > 0 && alpha < 1)) throw new ConfigError(`--alpha ${alpha}: give 0 < A < 1`);
    const [now, base] = await Promise.all(positionals.map(readResultsOrFolder));
    const verdict = compareAll(now!, base!, { ...CHECK, alpha, floor });
    console.log(verdict.text);
    return verdict.bad ? 1 : 0;
  });
}
