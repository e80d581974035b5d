/**
 * `deno task bench:ci [--out DIR] [--baseline DIR] [--backend B] [--only M,...]
 * [--skip-missing-data] [--seed-offset K] [--inject M:key=value,...]`: every method's CI grid (its
 * `gate` preset, sized for the CI machines) with its CI seeds, into one folder (resumable: finished runs are skipped), then the
 * comparison against the committed baseline: `deno task compare`'s check (bench/compare.ts CHECK)
 * and the claims the methods declare; and, without training, the committed reference tier against
 * its PyTorch peers (bench/reference.ts fidelityCheck, `--reference`). Writes the comparison to
 * DIR/compare.md. Exits 1 on a failed run, a regression, a changed training row or a reference
 * result outside its PyTorch interval, 2 on bad input. About 19 minutes on 2 cores with
 * lavapipe (41 runs, 1,127 s on an AVX2-only AMD EPYC, the CI machines' kind); SimCLR and Exemplar CNN need the CIFAR-10 JPEG copy (see the README): with
 * `--skip-missing-data` a method whose data is absent is skipped, said so, and left out of the
 * comparison, instead of failing. `--seed-offset` and `--inject` measure the check itself
 * (`deno task ci:power`).
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { ConfigError } from "../suite/config.ts";
import {
  BENCH_FLAGS,
  type CliArgs,
  parseBackend,
  parseList,
  parseNumber,
  runCommand,
} from "./cli.ts";
import type { BackendChoice } from "../core/backend.ts";
import { runBenchmark } from "./runner.ts";
import { runSweep } from "./sweep.ts";
import { CI_RUNS, METHODS } from "./methods.ts";
import type { RunGrid } from "../suite/method.ts";

type Axis = [string, (string | number | boolean)[]];
import { CHECK, checkedCount, compareAll, readResultsOrFolder, type Verdict } from "./compare.ts";
import { runIdOf, runMethodOf, type RunRecord } from "./runs.ts";
import { fidelityCheck, methodsWithPeerRuns, referenceResult } from "./reference.ts";

/** The reference tier's fidelity check on the reports folder `reports`. */
async function tierCheck(reports: string): Promise<{ lines: string[]; bad: number }> {
  const results = await Promise.all(Object.values(METHODS).map((m) => referenceResult(m, reports)));
  const peers = await methodsWithPeerRuns(results.map((r) => r.method), reports);
  return fidelityCheck(results, peers);
}

/** Results (rows and runs) restricted to runs of the given methods. */
export function onlyMethods(
  r: { rows: Record<string, string>[]; runs: RunRecord[] | null },
  methods: Set<string>,
): { rows: Record<string, string>[]; runs: RunRecord[] | null } {
  // a row belongs to its run's method: from the run's log, else (no log) from its run id
  const byRun = new Map((r.runs ?? []).map((run) => [run.id, run.method]));
  const methodOf = (row: Record<string, string>) => byRun.get(runIdOf(row)) ?? runMethodOf(row);
  return {
    rows: r.rows.filter((row) => methods.has(methodOf(row))),
    runs: r.runs?.filter((run) => methods.has(run.method)) ?? null,
  };
}

/** Options of {@linkcode runCi}. */
export interface CiOptions {
  out: string;
  baseline: string;
  backend: BackendChoice;
  /** methods to run (default: all of CI_RUNS) */
  only?: string[];
  /** skip (and say so) a method whose data is not on this machine, instead of failing */
  skipMissingData?: boolean;
  /** the reports folder whose committed reference tier is checked against its PyTorch peers
   * (bench/reference.ts fidelityCheck: no training); none when absent */
  reference?: string;
  /** run every grid's seeds plus this (the check's false-alarm measurement: other seeds) */
  seedOffset?: number;
  /** a bug injected for the check's power measurement: these overrides on one method's runs,
   * kept in their rows but left out of the grouping, so the runs are compared as the grid's */
  inject?: { method: string; overrides: [string, string][] };
  /** "cifar10": methods whose CI preset reads the CIFAR-10 JPEG copy read the official CIFAR-10
   * instead (downloaded and checksummed; for machines without the copy, against a baseline made
   * the same way) */
  data?: "cifar10";
  say?: (line: string) => void;
}

/** The grid's extra axis under `--data cifar10`: the official files where the preset reads the
 * JPEG copy, nothing for methods on other data. */
export function dataAxes(grid: RunGrid & { method: string }, data?: "cifar10"): Axis[] {
  if (data !== "cifar10") return [];
  const m = METHODS[grid.method];
  const dataset = m?.resolve(grid.presets, []).config.dataset;
  return dataset === "cifar10-jpeg" ? [["dataset", ["cifar10"]]] : [];
}

/** `--baseline`, as bench:ci and ci:power take it. */
export const BASELINE_FLAG = {
  type: "string",
  value: "DIR",
  help: "the baseline to compare with",
  default: "reports/baselines/ci",
} as const;

/** Parses `--data`: absent, or cifar10. */
export function parseData(text: string | undefined): "cifar10" | undefined {
  if (text === undefined) return undefined;
  if (text !== "cifar10") throw new ConfigError(`--data "${text}": the one choice is cifar10`);
  return "cifar10";
}

/** Parses `--seed-offset K`: a whole number of at least 0. */
export function parseSeedOffset(text: string): number {
  const k = parseNumber("seed-offset", text);
  if (!Number.isInteger(k) || k < 0) {
    throw new ConfigError(`--seed-offset ${text}: give a whole number of at least 0`);
  }
  return k;
}

/** Parses `--inject M:key=value[,key=value...]`. */
export function parseInject(text: string): { method: string; overrides: [string, string][] } {
  const m = /^([a-z0-9]+):(.+)$/.exec(text);
  const pairs = m ? m[2]!.split(",").map((p) => p.split("=")) : [];
  if (!m || pairs.some((p) => p.length !== 2 || !p[0] || !p[1])) {
    throw new ConfigError(
      `--inject "${text}": give METHOD:key=value[,key=value...], e.g. drlim:lr=0.0001`,
    );
  }
  return { method: m[1]!, overrides: pairs as [string, string][] };
}

/** A value as a sweep axis holds it: a number where it reads as one. */
function axisValue(v: string): string | number | boolean {
  if (v === "true" || v === "false") return v === "true";
  return v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** Rows with the injected overrides taken out of their `overrides` (for grouping only). */
export function withoutInjected(
  rows: Record<string, string>[],
  overrides: [string, string][],
): Record<string, string>[] {
  const drop = new Set(overrides.map(([k, v]) => `${k}=${axisValue(v)}`));
  return rows.map((r) => ({
    ...r,
    overrides: (r.overrides ?? "").split(" ").filter((t) => t && !drop.has(t)).join(" "),
  }));
}

/**
 * Runs CI_RUNS (or `only` their methods) into `out` and compares them against the baseline.
 * Returns the comparison text (also written to out/compare.md), the comparison, the failed runs'
 * count and the exit status. `run` is injectable for tests.
 */
export async function runCi(
  o: CiOptions,
  run: (args: CliArgs) => Promise<unknown> = runBenchmark,
): Promise<{ text: string; status: 0 | 1; verdict: Verdict; failed: number }> {
  const known = [...new Set(CI_RUNS.map((s) => s.method))];
  const unknown = o.only?.filter((m) => !known.includes(m)) ?? [];
  if (unknown.length) {
    throw new ConfigError(`--only: unknown method(s) ${unknown.join(", ")}; CI runs ${known}`);
  }
  // read the baseline first: a bad baseline fails before half an hour of training, not after
  const base = await readResultsOrFolder(o.baseline);
  const methods = new Set(o.only ?? known);
  if (o.inject && !known.includes(o.inject.method)) {
    throw new ConfigError(`--inject: unknown method ${o.inject.method}; CI runs ${known}`);
  }
  // the committed reference tier against its PyTorch peers: no training, so first
  const tier = o.reference ? await tierCheck(o.reference) : null;
  let failed = 0;
  const skipped = new Map<string, string>();
  for (const grid of CI_RUNS.filter((s) => methods.has(s.method))) {
    const injected = o.inject?.method === grid.method ? o.inject.overrides : [];
    const s = {
      ...grid,
      seeds: grid.seeds.map((x) => x + (o.seedOffset ?? 0)),
      axes: [
        ...grid.axes,
        ...dataAxes(grid, o.data),
        ...injected.map(([k, v]) => [k, [axisValue(v)]] as Axis),
      ],
    };
    // not quiet: a CI log shows each run's phases and a line per tenth of its training
    const st = await runSweep(s, { out: o.out, backend: o.backend, quiet: false, say: o.say }, run);
    for (const x of st.filter((x) => x.status === "failed")) {
      if (o.skipMissingData && x.error?.startsWith("DataUnavailableError")) {
        skipped.set(s.method, x.error);
      } else failed++;
    }
  }
  for (const m of skipped.keys()) methods.delete(m);
  let now: Awaited<ReturnType<typeof readResultsOrFolder>> = { rows: [], runs: [] };
  try {
    now = await readResultsOrFolder(o.out);
  } catch (e) {
    // no results when every method was skipped, or every run failed (an injected bug that makes
    // SimSiam collapse): then every metric of the methods that ran is missing, and the check fails
    if (methods.size > 0 && failed === 0) throw e;
  }
  const mine = onlyMethods(now, methods);
  if (o.inject) mine.rows = withoutInjected(mine.rows, o.inject.overrides);
  // alpha is shared by every checked metric of the whole baseline, whichever methods ran, so a
  // method's threshold is the same in a partial run (--only, a skipped method) as in a full one
  const verdict = compareAll(mine, onlyMethods(base, methods), {
    ...CHECK,
    family: checkedCount(base.rows),
  });
  const text = [
    `Compared against \`${o.baseline}\`: each method's accuracies one-sided, its training rows ` +
    `(last epoch's loss, weight change) two-sided, two-sample t-tests on the pooled seed ` +
    `spread at a family-wise false-alarm rate of ${CHECK.alpha} (Bonferroni over the baseline's ${
      checkedCount(base.rows)
    } checked metrics), ` +
    `thresholds at least ${CHECK.floor}; ` +
    `"detects": the drop found with probability ${CHECK.power}.`,
    ...(o.seedOffset ? [`Seeds offset by ${o.seedOffset} from the declared CI seeds.`] : []),
    ...(o.data ? ["The official CIFAR-10 files where the CI presets read the JPEG copy."] : []),
    ...(o.inject
      ? [
        `INJECTED BUG: ${o.inject.method} ran with ${
          o.inject.overrides.map(([k, v]) => `${k}=${v}`).join(" ")
        } (kept in its rows, left out of the grouping): this comparison should fail.`,
      ]
      : []),
    ...[...skipped].map(([m, why]) =>
      `SKIPPED ${m}: its data is not on this machine, so it is not compared (${why})`
    ),
    "",
    verdict.text,
    ...(tier
      ? [
        "",
        `The committed reference tier (${o.reference}/reference) against PyTorch on the same ` +
        "recipe: each method's mean within PyTorch's 95 % interval +/- 2 points.",
        "",
        ...tier.lines.map((l) => `- ${l}`),
      ]
      : []),
    "",
    `${failed} failed run(s)`,
  ].join("\n");
  await Deno.mkdir(o.out, { recursive: true });
  await writeFileAtomic(join(o.out, "compare.md"), text + "\n");
  const bad = failed + verdict.bad + (tier?.bad ?? 0);
  return { text, status: bad > 0 ? 1 : 0, verdict, failed };
}

if (import.meta.main) {
  await runCommand({
    name: "deno task bench:ci",
    summary: "Runs every method's declared CI grids into one resumable folder, then compares " +
      "them with the committed baseline (metrics and the methods' claims) and writes " +
      "compare.md there. Exit 1 on a failed run or a regression.",
    flags: {
      out: { type: "string", value: "DIR", help: "output folder", default: "reports/ci-run" },
      baseline: BASELINE_FLAG,
      reference: {
        type: "string",
        value: "DIR",
        help: "the reports folder whose committed reference tier is checked against PyTorch " +
          "(no training; '' for none)",
        default: "reports",
      },
      backend: BENCH_FLAGS.backend,
      only: { type: "string", value: "M,...", help: "run only these methods" },
      "skip-missing-data": {
        type: "boolean",
        help: "skip (and say so) a method whose data is not on this machine",
      },
      "seed-offset": {
        type: "string",
        value: "K",
        help: "run the CI seeds plus K (measures the check's false alarms on other seeds)",
      },
      data: {
        type: "string",
        value: "cifar10",
        help: "cifar10: where a CI preset reads the CIFAR-10 JPEG copy, read the official files " +
          "(downloaded once, checksummed) instead; compare with a baseline made the same way",
      },
      inject: {
        type: "string",
        value: "M:key=value,...",
        help: "inject a bug: run method M with these overrides, compared as its CI runs " +
          "(measures what the check detects); the comparison should then fail",
      },
    },
    positionals: "",
    minPositionals: 0,
    maxPositionals: 0,
  }, async (v) => {
    const { text, status } = await runCi({
      out: v.out!,
      baseline: v.baseline!,
      backend: parseBackend(v.backend!),
      only: v.only === undefined ? undefined : parseList("only", v.only),
      skipMissingData: v["skip-missing-data"],
      reference: v.reference === "" ? undefined : v.reference,
      seedOffset: v["seed-offset"] === undefined ? 0 : parseSeedOffset(v["seed-offset"]),
      inject: v.inject === undefined ? undefined : parseInject(v.inject),
      data: parseData(v.data),
      say: (line) => console.error(line),
    });
    console.log(text);
    return status;
  });
}
