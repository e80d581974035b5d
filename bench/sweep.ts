/**
 * Sweeps: a named grid over config axes (and seeds) on top of a method preset, expanded in a
 * fixed order, run one configuration at a time into one output folder. Each run's id is a hash
 * of its resolved config, so running a sweep again skips the runs that already have results: an
 * interrupted sweep resumes and loses at most the run in progress. A run that fails is recorded
 * (in its log and in the sweep's status file) and the sweep goes on; it is retried next time.
 * `--shard i/n` runs a deterministic slice (every n-th point), for CI matrices. `--reuse DIR`
 * copies a point's finished run from another output folder instead of running it again: the same
 * id means the same method, presets, seed and resolved config (ablation sweeps share their
 * centre point).
 * @module
 */
import { join } from "node:path";
import type { BackendChoice } from "../core/backend.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { appendResults, readResults, type ResultRow } from "../io/csv.ts";
import type { CliArgs } from "./cli.ts";
import { ConfigError, type ConfigValue } from "../suite/config.ts";
import type { RunGrid } from "../suite/method.ts";
import { planRun, type RunPlan } from "./runner.ts";
import { writeReport } from "./report.ts";
import { copyRunFolder } from "./runs.ts";

/** A sweep: a method's grid of runs (its declared sweeps, or what CI runs of it). */
export interface Sweep extends RunGrid {
  name: string;
  method: string;
}

/** One run of a sweep. */
export interface SweepPoint {
  /** position in the full expansion (stable across shards) */
  index: number;
  overrides: string[];
  seed: number;
  values: Record<string, ConfigValue>;
}

/** The sweep's runs in its fixed order: axes as listed (first slowest), then seeds. */
export function expandSweep(s: Sweep): SweepPoint[] {
  if (s.seeds.length === 0) throw new ConfigError(`Sweep "${s.name}" lists no seeds`);
  for (const [k, vs] of s.axes) {
    if (vs.length === 0) throw new ConfigError(`Sweep "${s.name}": axis "${k}" has no values`);
  }
  let combos: Record<string, ConfigValue>[] = [{}];
  for (const [k, vs] of s.axes) combos = combos.flatMap((c) => vs.map((v) => ({ ...c, [k]: v })));
  const points: SweepPoint[] = [];
  for (const values of combos) {
    for (const seed of s.seeds) {
      const overrides = Object.entries(values).map(([k, v]) => `${k}=${v}`);
      points.push({ index: points.length, overrides, seed, values });
    }
  }
  return points;
}

/** Parses "--shard i/n" (1 <= i <= n). */
export function parseShard(text: string): { i: number; n: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const i = m ? Number(m[1]) : NaN, n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) {
    throw new ConfigError(`Invalid --shard "${text}": write i/n with 1 <= i <= n, e.g. 2/4`);
  }
  return { i, n };
}

/** The points shard i of n runs: every n-th point starting at i - 1. */
export function shardPoints(points: SweepPoint[], shard: { i: number; n: number }): SweepPoint[] {
  return points.filter((p) => p.index % shard.n === shard.i - 1);
}

/** Parses `--where key=value[,key=value...]` against a sweep's axes (a ConfigError otherwise). */
export function parseWhere(text: string, s: Sweep): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [key = "", value] = part.split("=", 2);
    const axis = s.axes.find(([k]) => k === key);
    if (!axis || value === undefined) {
      throw new ConfigError(
        `Invalid --where "${part}": write key=value with a key of the sweep's axes (` +
          `${s.axes.map(([k, vs]) => `${k}: ${vs.join(", ")}`).join("; ") || "none"})`,
      );
    }
    if (!axis[1].map(String).includes(value)) {
      throw new ConfigError(
        `Invalid --where "${part}": ${key} takes ${axis[1].join(", ")} in sweep "${s.name}"`,
      );
    }
    out[key] = value;
  }
  return out;
}

/** The points of `points` that the seeds and `where` filters keep (a ConfigError for a seed the
 * sweep does not have). */
export function selectPoints(
  points: SweepPoint[],
  s: Sweep,
  o: Pick<SweepOptions, "seeds" | "where">,
): SweepPoint[] {
  const bad = (o.seeds ?? []).filter((x) => !s.seeds.includes(x));
  if (bad.length) {
    throw new ConfigError(
      `Invalid --seeds ${bad.join(",")}: sweep "${s.name}" runs seeds ${s.seeds.join(", ")}`,
    );
  }
  return points.filter((p) =>
    (!o.seeds || o.seeds.includes(p.seed)) &&
    Object.entries(o.where ?? {}).every(([k, v]) => String(p.values[k]) === v)
  );
}

/** Options of {@linkcode runSweep}. */
export interface SweepOptions {
  out?: string;
  shard?: { i: number; n: number };
  /** only the points of these seeds */
  seeds?: number[];
  /** only the points whose values include these (key=value, values compared as text) */
  where?: Record<string, string>;
  /** output folders whose finished runs are copied rather than run again */
  reuse?: string[];
  backend?: BackendChoice;
  quiet?: boolean;
  /** progress lines (default: console.error) */
  say?: (line: string) => void;
}

/** What happened to one point. */
export interface SweepStatus {
  index: number;
  runId: string;
  seed: number;
  values: Record<string, ConfigValue>;
  status: "done" | "skipped" | "reused" | "failed";
  error?: string;
}

/** The CLI arguments of one point. */
export function pointArgs(s: Sweep, p: SweepPoint, o: SweepOptions, outDir: string): CliArgs {
  return {
    method: s.method,
    presets: s.presets,
    seed: p.seed,
    backend: o.backend ?? "auto",
    out: outDir,
    overrides: p.overrides,
    help: false,
    quiet: o.quiet ?? false,
  };
}

/** The finished runs of the `reuse` folders by run id: the folder and its rows (first folder wins). */
async function finishedElsewhere(
  dirs: string[],
): Promise<Map<string, { dir: string; rows: Record<string, string>[] }>> {
  const found = new Map<string, { dir: string; rows: Record<string, string>[] }>();
  for (const dir of dirs) {
    for (const r of await readResults(join(dir, "results.csv"))) {
      const id = r.run_id ?? "";
      if (!id) continue;
      if (!found.has(id)) found.set(id, { dir, rows: [] });
      const f = found.get(id)!;
      if (f.dir === dir) f.rows.push(r);
    }
  }
  return found;
}

/**
 * Runs a sweep (or one shard of it) into `out` (default reports/sweep-<name>), skipping runs
 * whose id already has rows in results.csv. Every configuration is resolved before any run
 * starts, so a bad axis fails at once. `run` is injectable for tests.
 */
export async function runSweep(
  s: Sweep,
  o: SweepOptions,
  run: (args: CliArgs) => Promise<unknown>,
): Promise<SweepStatus[]> {
  const say = o.say ?? ((l: string) => console.error(l));
  const outDir = o.out ?? join("reports", `sweep-${s.name}`);
  const all = expandSweep(s);
  const points = selectPoints(o.shard ? shardPoints(all, o.shard) : all, s, o);
  const plans: [SweepPoint, RunPlan][] = points.map((
    p,
  ) => [p, planRun(pointArgs(s, p, o, outDir))]);
  let finished = new Set<string>();
  try {
    finished = new Set((await readResults(join(outDir, "results.csv"))).map((r) => r.run_id ?? ""));
  } catch (e) {
    if (!(e as Error).message.includes("does not exist")) throw e;
  }
  // read before any run, so a bad --reuse folder fails at once
  const elsewhere = await finishedElsewhere(o.reuse ?? []);
  const statuses: SweepStatus[] = [];
  const statusFile = join(
    outDir,
    o.shard ? `sweep-status-${o.shard.i}of${o.shard.n}.json` : "sweep-status.json",
  );
  for (const [k, [p, plan]] of plans.entries()) {
    const base = { index: p.index, runId: plan.runId, seed: p.seed, values: p.values };
    const where = `[${k + 1}/${plans.length}] ${plan.runId} (${
      p.overrides.join(" ") || "defaults"
    }, seed ${p.seed})`;
    if (finished.has(plan.runId)) {
      say(`${where}: finished before, skipped`);
      statuses.push({ ...base, status: "skipped" });
    } else if (elsewhere.has(plan.runId)) {
      // the log and plots first, then the rows: results.csv is what marks a run finished
      const { dir, rows } = elsewhere.get(plan.runId)!;
      await copyRunFolder(dir, outDir, plan.runId);
      const overrides = p.overrides.join(" ");
      await appendResults(
        join(outDir, "results.csv"),
        rows.map((r) => ({ ...(r as ResultRow), overrides })),
        { replaceRun: plan.runId },
      );
      await writeReport(outDir);
      say(`${where}: finished in ${dir}, copied`);
      statuses.push({ ...base, status: "reused" });
    } else {
      say(`${where}: running`);
      try {
        await run(pointArgs(s, p, o, outDir));
        statuses.push({ ...base, status: "done" });
      } catch (e) {
        const error = `${(e as Error).name}: ${(e as Error).message}`;
        say(`${where}: FAILED, ${error}; going on`);
        statuses.push({ ...base, status: "failed", error });
      }
    }
    await Deno.mkdir(outDir, { recursive: true });
    await writeFileAtomic(
      statusFile,
      JSON.stringify({ sweep: s.name, shard: o.shard ?? null, statuses }, null, 1),
    );
  }
  // a failed run writes no rows and so no report: the report written now lists it, with why
  if (statuses.some((x) => x.status === "failed")) {
    try {
      await writeReport(outDir);
    } catch (e) {
      if (!(e as Error).message.includes("does not exist")) throw e; // no run finished at all
    }
  }
  return statuses;
}
