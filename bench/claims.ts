/**
 * The claims the methods declare (suite/method.ts `Claim`), checked on a folder's runs: for each
 * adjacent pair of groups, the effect (difference of means) with its 95 % interval over seeds,
 * paired by seed where the groups share seeds (suite/stats.ts `effectOf`), its t test's p, and a
 * verdict from the p Holm-adjusted across the family of tests the page reports (every step of every
 * claim checked on one folder, unless the page names another family: `adjustFamily`): supported
 * (adjusted p < 0.05, effect above 0), contradicted (below 0), or inconclusive, with the seeds the
 * observed effect would need to conclude and in which direction. One seed is always
 * "inconclusive (1 seed)".
 * @module
 */
import { METHODS } from "./methods.ts";
import type { RunRecord } from "./runs.ts";
import { type Claim, type ClaimGroup, DEFAULT_PLAN, type Method } from "../suite/method.ts";
import {
  type Effect,
  effectOf,
  holm,
  meanStd,
  powerToSupport,
  pValueOf,
  seedsForPower,
  seedsNeeded,
  type Verdict,
} from "../suite/stats.ts";

/** The two-sided level a step's Holm-adjusted p must beat: its 95 % interval's. */
export const ALPHA = 0.05;

/** The power seeds are planned for. */
export const POWER = 0.8;

/** One adjacent pair of a claim's groups. */
export interface ClaimStep {
  better: string;
  worse: string;
  effect: Effect;
  /** the effect's t test, two-sided (NaN: no interval, so no test) */
  p: number;
  /** p after Holm's adjustment across the family the page names (`adjustFamily`) */
  pAdjusted: number;
  verdict: Verdict;
  /** seeds the observed effect would need to be conclusive at the level Holm's correction sets
   * this step in its family (null: unknown or > 10,000) */
  seedsNeeded: number | null;
  /** the power these seeds had to support the claim's planned effect (Claim.plan) at Holm's
   * level, at the observed spread (noncentral t); NaN without a spread */
  power: number;
  /** the seeds that power reaches 0.8 at (null: no spread yet, or beyond 1,000) */
  seedsPlanned: number | null;
}

/** A claim checked on a set of runs. */
export interface ClaimCheck {
  /** the method's title, e.g. "SimCLR" */
  title: string;
  claim: Claim;
  /** empty when groups lack runs (see `missing`) */
  steps: ClaimStep[];
  /** supported: every step; contradicted: any step; missing: a group has no runs */
  verdict: Verdict | "missing";
  /** the groups without a run that gives their value */
  missing: string[];
  /** the seeds the values came from */
  seeds: string[];
  /** the commits the runs were made at (more than one: the report says so) */
  commits: string[];
  /** how many tests the Holm family held (0 before `adjustFamily`) */
  family: number;
}

function seedOf(r: RunRecord): string {
  return r.rows[0]?.seed ?? String(r.config.seed ?? "");
}

/** The mean value per seed of the runs `select` picks (runs without a value are skipped). */
function meanPerSeed(
  runs: RunRecord[],
  select: (config: Record<string, unknown>) => boolean,
  value: ClaimGroup["value"],
): { values: Map<string, number>; used: RunRecord[] } {
  const sums = new Map<string, number[]>(), used: RunRecord[] = [];
  for (const r of runs) {
    if (!select(r.config)) continue;
    const v = value(r.rows);
    if (v === undefined || !Number.isFinite(v)) continue;
    used.push(r);
    const s = seedOf(r);
    sums.set(s, [...(sums.get(s) ?? []), v]);
  }
  const values = new Map(
    [...sums].map(([s, vs]) => [s, meanStd(vs).mean] as const),
  );
  return { values, used };
}

/**
 * A group's value per seed: the mean over its runs of that seed; with `relativeTo`, minus the
 * mean of those runs at the same seed (seeds without both are left out).
 */
function perSeed(
  runs: RunRecord[],
  g: ClaimGroup,
): { values: Map<string, number>; used: RunRecord[] } {
  const own = meanPerSeed(runs, g.runs, g.value);
  if (!g.relativeTo) return own;
  const base = meanPerSeed(runs, g.relativeTo, g.value);
  const values = new Map(
    [...own.values].filter(([s]) => base.values.has(s)).map(([s, v]) =>
      [s, v - base.values.get(s)!] as const
    ),
  );
  return { values, used: values.size ? [...own.used, ...base.used] : [] };
}

/**
 * Every declared claim that the runs bear on: one whose groups all have runs is checked; one where
 * some groups have runs and others none is "missing" (named, with the command that makes them);
 * one none of whose groups has runs is left out (the folder is about something else).
 */
export function checkClaims(
  runs: RunRecord[],
  methods: Method[] = Object.values(METHODS),
): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  for (const m of methods) {
    const mine = runs.filter((r) => r.method === m.name);
    for (const claim of m.claims) {
      const groups = claim.groups.map((g) => ({ g, ...perSeed(mine, g) }));
      const missing = groups.filter((x) => x.values.size === 0).map((x) => x.g.name);
      if (missing.length === groups.length) continue;
      const used = groups.flatMap((x) => x.used);
      const seeds = [...new Set(groups.flatMap((x) => [...x.values.keys()]))]
        .sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
      const commits = [...new Set(used.map((r) => r.rows[0]?.commit ?? "unknown"))].sort();
      const base = { title: m.title, claim, missing, seeds, commits, family: 0 };
      if (missing.length) {
        out.push({ ...base, steps: [], verdict: "missing" });
        continue;
      }
      const steps = groups.slice(1).map((worse, i): ClaimStep => {
        const better = groups[i]!;
        const effect = effectOf(better.values, worse.values), p = pValueOf(effect);
        return {
          better: better.g.name,
          worse: worse.g.name,
          effect,
          p,
          pAdjusted: p,
          verdict: "inconclusive",
          seedsNeeded: null, // adjustFamily's: at Holm's level
          power: NaN,
          seedsPlanned: null,
        };
      });
      out.push({ ...base, steps, verdict: "inconclusive" });
    }
  }
  return adjustFamily(out);
}

/** A step's verdict from its adjusted p and its effect's sign. */
function stepVerdict(s: ClaimStep): Verdict {
  if (!(s.pAdjusted < ALPHA)) return "inconclusive"; // NaN (no interval) lands here too
  return s.effect.difference > 0 ? "supported" : "contradicted";
}

/**
 * The checks with every step's p Holm-adjusted across all of them (the family: every step with a
 * test, of every check given) and the verdicts drawn again: a claim is supported when every step
 * is, contradicted when one is. Each call starts from the raw p, so a page that reports another
 * family (the main tests of all claims) adjusts the same checks afresh.
 */
export function adjustFamily(checks: ClaimCheck[]): ClaimCheck[] {
  const all = checks.flatMap((c) => c.steps);
  const { adjusted, factors } = holm(all.map((s) => s.p));
  const family = adjusted.filter(Number.isFinite).length;
  let k = 0;
  return checks.map((c) => {
    if (c.verdict === "missing") return { ...c, family };
    const steps = c.steps.map((s) => {
      // seeds to conclude at the level Holm sets this step at its rank (alpha / factor)
      const factor = Number.isFinite(factors[k]!) ? factors[k]! : 1, alpha = ALPHA / factor;
      const planned = (c.claim.plan ?? DEFAULT_PLAN).effect, e = s.effect;
      // no spread over two or more seeds (identical differences): any effect is found at once
      const spread = e.n >= 2 && e.sd >= 0, still = e.sd === 0;
      const t = {
        ...s,
        pAdjusted: adjusted[k++]!,
        seedsNeeded: seedsNeeded(e, 10_000, alpha),
        power: !spread ? NaN : still ? 1 : powerToSupport(planned, e.sd, e.n, e.paired, alpha),
        seedsPlanned: !spread
          ? null
          : still
          ? 2
          : seedsForPower(planned, e.sd, e.paired, POWER, 1000, alpha),
      };
      return { ...t, verdict: stepVerdict(t) };
    });
    const verdict: Verdict = steps.some((s) => s.verdict === "contradicted")
      ? "contradicted"
      : steps.every((s) => s.verdict === "supported")
      ? "supported"
      : "inconclusive";
    return { ...c, steps, verdict, family };
  });
}

/** The verdict as the reports print it: one seed says so. */
export function verdictLabel(c: ClaimCheck): string {
  if (c.verdict === "missing") return "missing runs";
  const n = Math.max(0, ...c.steps.map((s) => s.effect.n));
  return c.verdict === "inconclusive" && n < 2 ? "inconclusive (1 seed)" : c.verdict;
}

const f3 = (x: number) => (x >= 0 ? "+" : "") + x.toFixed(3);

/** One step's effect as "mlp - linear: +0.031 [-0.010, +0.072], paired over 3 seeds". */
export function effectText(s: ClaimStep): string {
  const e = s.effect;
  const d = `${s.better} - ${s.worse}: ${f3(e.difference)}`;
  if (Number.isNaN(e.low)) {
    return `${d}, no interval (${
      e.paired ? "at the one seed both have" : `${e.counts.join(" and ")} seeds`
    })`;
  }
  const n = e.paired ? `paired over ${e.n} seeds` : `${e.counts.join(" and ")} seeds, unpaired`;
  return `${d} [${f3(e.low)}, ${f3(e.high)}], ${n}`;
}

/** A step's p as "0.013 (Holm 0.21)"; "-" without a test. */
export function pText(s: ClaimStep): string {
  if (!Number.isFinite(s.p)) return "-";
  const f = (p: number) => p < 0.001 ? "< 0.001" : p.toFixed(3);
  return `${f(s.p)} (Holm ${f(s.pAdjusted)})`;
}

/**
 * A claim's plan in words: the effect it plans for, the power its seeds had (the least of its
 * steps) and the seeds that reach 0.8, e.g. "+0.020 (minimum effect of interest, 2 points): power
 * 0.23 at 3 seeds; 0.8 at 11".
 */
export function planText(c: ClaimCheck): string {
  const plan = c.claim.plan ?? DEFAULT_PLAN;
  const head = `${f3(plan.effect)} (${plan.basis})`;
  if (!c.steps.length) return head;
  if (c.steps.some((s) => !Number.isFinite(s.power))) return `${head}: no spread yet (one seed)`;
  const weakest = c.steps.reduce((a, b) => (b.power < a.power ? b : a));
  const ns = c.steps.map((s) => s.seedsPlanned);
  const need = ns.some((n) => n === null) ? "more than 1,000" : `${Math.max(...(ns as number[]))}`;
  return `${head}: power ${weakest.power.toFixed(2)} at ${weakest.effect.n} seeds; ` +
    `${POWER} at ${need}`;
}

/**
 * The seeds a claim's least conclusive step would need, with the direction they would conclude
 * in: "5 to support at the observed effect", or where a step's observed effect runs against the
 * claim, that no number of seeds supports it (and how many would contradict it). The count is at
 * the level Holm's correction sets the step at its rank in the family, the observed effect and
 * spread staying as they are.
 */
export function needText(c: ClaimCheck): string {
  if (c.verdict === "supported" || c.verdict === "contradicted" || c.verdict === "missing") {
    return "";
  }
  const open = c.steps.filter((s) => s.verdict === "inconclusive");
  if (open.some((s) => Number.isNaN(s.effect.sd))) return "unknown (one seed: no spread yet)";
  const against = open.filter((s) => s.effect.difference < 0);
  if (against.length) {
    const ns = against.map((s) => s.seedsNeeded);
    return "no number of seeds supports it: the observed effect has the opposite sign" +
      (ns.every((n) => n !== null)
        ? ` (${Math.min(...(ns as number[]))} would contradict it)`
        : "");
  }
  const ns = open.map((s) => s.seedsNeeded);
  if (ns.some((n) => n === null)) return "more than 10,000 (no effect to speak of)";
  return `${Math.max(...(ns as number[]))} to support at the observed effect`;
}

/** The claims as a report section: a table, then what is missing and how to make it. */
export function claimLines(cs: ClaimCheck[]): string[] {
  if (cs.length === 0) return [];
  const esc = (s: string) => s.replaceAll("|", "\\|");
  const checked = cs.filter((c) => c.verdict !== "missing");
  const missing = cs.filter((c) => c.verdict === "missing");
  const lines = ["## Claims", ""];
  if (checked.length) {
    lines.push(
      "Each claim as its source states it, on the measure named; effect = difference of the " +
        "groups' means with its 95 % interval over seeds (Student's t; paired by seed where the " +
        "groups share seeds, else Welch), for each adjacent pair in the claimed order, and its " +
        "t test's two-sided p, Holm-adjusted across the " +
        `${checked[0]!.family} tests of this section (every step of every claim below). ` +
        "Supported: every step's adjusted p below 0.05 with the effect above 0; contradicted: " +
        "one such step below 0; otherwise inconclusive, with the seeds the observed effect and " +
        "spread would need. A seed's value is the mean over its runs in the group.",
      "",
      "| claim | source | measure | effect [95 % interval] | p (Holm) | verdict | seeds to conclude | runs |",
      "| --- | --- | --- | --- | --- | --- | --- | --- |",
    );
  }
  for (const c of checked) {
    const commits = c.commits.length > 1
      ? `, **from ${c.commits.length} commits** (${c.commits.map((x) => x.slice(0, 7)).join(", ")})`
      : "";
    lines.push(
      `| ${c.title}: ${esc(c.claim.claim)} | ${esc(c.claim.source)} | ${esc(c.claim.measure)} | ` +
        `${esc(c.steps.map(effectText).join("; "))} | ${c.steps.map(pText).join("; ")} | ` +
        `**${verdictLabel(c)}** | ${needText(c)} | ` +
        `seeds ${c.seeds.join(", ")}${commits} |`,
    );
  }
  if (missing.length) {
    lines.push(
      ...(checked.length ? [""] : []),
      "Claims these runs bear on but cannot test, for want of runs:",
      "",
      ...missing.map((c) =>
        `- ${c.title}: ${c.claim.claim} (${c.claim.id}): no runs of ${c.missing.join(", ")}; ` +
        `\`${c.claim.command}\` makes them.`
      ),
    );
  }
  return [...lines, ""];
}
