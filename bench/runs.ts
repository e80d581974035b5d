/**
 * An output folder's runs as the reports, `compare`, `merge` and `bench:ci` read them: the rows
 * of `results.csv` grouped by run, each run's resolved config (the first line of its
 * `runs/<id>/log.jsonl`), and the mean +/- std over seeds of each metric per configuration.
 * @module
 */
import { join } from "node:path";
import { readResults } from "../io/csv.ts";
import { meanStd, type Stat } from "../suite/stats.ts";
import { type Phase, PHASES } from "../suite/method.ts";

export { meanStd, type Stat };

/** A run's rows and its resolved config (from its log's first line). */
export interface RunRecord {
  id: string;
  /** the method that made the run (its log's first line) */
  method: string;
  config: Record<string, unknown>;
  rows: Record<string, string>[];
}

/** A results row's run id (older rows without the column: method, config hash and seed). */
export function runIdOf(r: Record<string, string>): string {
  return r.run_id || `${r.method}-${r.config_hash}-seed${r.seed}`;
}

/** The method a run belongs to (run ids start with it), whatever produced the row (pca, ...). */
export function runMethodOf(r: Record<string, string>): string {
  return runIdOf(r).split("-")[0]!;
}

/** Results rows grouped by run, in first-seen order. */
export function rowsByRun(rows: Record<string, string>[]): Map<string, Record<string, string>[]> {
  const byRun = new Map<string, Record<string, string>[]>();
  for (const r of rows) {
    const id = runIdOf(r);
    if (!byRun.has(id)) byRun.set(id, []);
    byRun.get(id)!.push(r);
  }
  return byRun;
}

/** A run's log records (one JSON object a line), or null without a log. */
async function logRecords(runDir: string): Promise<Record<string, unknown>[] | null> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(runDir, "log.jsonl"));
  } catch {
    return null;
  }
  const out: Record<string, unknown>[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch { /* a line cut short by a crash: the records before it still count */ }
  }
  return out;
}

/** Seconds of wall time per phase of a run, as its log's `phases` record gives them. */
export type PhaseSeconds = Record<Phase, number>;

function phasesOf(records: Record<string, unknown>[] | null): PhaseSeconds | null {
  const rec = records?.find((r) => r.type === "phases");
  if (!rec) return null;
  const out = {} as PhaseSeconds;
  for (const p of PHASES) {
    const v = rec[`${p}_s`];
    if (typeof v !== "number") return null;
    out[p] = v;
  }
  return out;
}

/** A run's training loss: `step` 1-based, `loss` a step's loss or the mean of a window of them. */
export type LossCurve = { step: number; loss: number }[];

/**
 * A run's training loss curve from its log: the `loss_curve` record (runs since 2026-12-06), else
 * one point per epoch (the epoch's mean loss at its last step); null when the log has neither.
 */
function curveOf(records: Record<string, unknown>[] | null): LossCurve | null {
  const rec = records?.find((r) => r.type === "loss_curve");
  if (rec && Array.isArray(rec.points)) {
    return (rec.points as [number, number][]).map(([step, loss]) => ({ step, loss }));
  }
  const epochs = (records ?? []).filter((r) =>
    r.type === "epoch" && typeof r.step === "number" && typeof r.loss === "number"
  );
  return epochs.length
    ? epochs.map((r) => ({ step: r.step as number, loss: r.loss as number }))
    : null;
}

/** What {@linkcode readRunFolder} returns. */
export interface RunFolder {
  rows: Record<string, string>[];
  byRun: Map<string, Record<string, string>[]>;
  /** each run's first log line, null where the log is missing */
  firsts: Map<string, Record<string, unknown> | null>;
  /** the runs whose log gives their config (the ones sweep tables and claims can use) */
  records: RunRecord[];
  /** each run's wall time per phase, for the runs whose log has it (written since 2026-11-29) */
  phases: Map<string, PhaseSeconds>;
  /** each run's training loss curve, for the runs whose log has one */
  curves: Map<string, LossCurve>;
  /** each run's peak live tensor bytes in its first step (logs since 2026-12-06) */
  peakBytes: Map<string, number>;
  /** runs with a folder under runs/ but no rows in results.csv: why, from their logs */
  unfinished: { id: string; why: string }[];
}

/** Why a run whose folder has no results stopped, as its log says. */
function whyUnfinished(log: Record<string, unknown>[] | null): string {
  const end = log?.findLast((r) => r.type === "error" || r.type === "interrupted");
  if (end?.type === "error") return `${end.error}: ${end.message}`;
  if (end?.type === "interrupted") return `interrupted (${end.signal} after ${end.after_s} s)`;
  return log ? "stopped without a result or an error (killed?)" : "no log";
}

/** Reads `dir/results.csv` and every run's log, once each. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const rows = await readResults(join(dir, "results.csv"));
  const byRun = rowsByRun(rows);
  const firsts = new Map<string, Record<string, unknown> | null>();
  const records: RunRecord[] = [];
  const phases = new Map<string, PhaseSeconds>();
  const curves = new Map<string, LossCurve>();
  const peakBytes = new Map<string, number>();
  for (const [id, rs] of byRun) {
    const log = await logRecords(join(dir, "runs", id));
    const first = log?.[0] ?? null;
    firsts.set(id, first);
    const ph = phasesOf(log);
    if (ph) phases.set(id, ph);
    const curve = curveOf(log);
    if (curve) curves.set(id, curve);
    const mem = log?.find((r) => r.type === "memory");
    if (typeof mem?.peak_bytes === "number") peakBytes.set(id, mem.peak_bytes);
    if (first && typeof first.config === "object" && first.config !== null) {
      records.push({
        id,
        method: String(first.method ?? runMethodOf(rs[0]!)),
        config: first.config as Record<string, unknown>,
        rows: rs,
      });
    }
  }
  const unfinished: { id: string; why: string }[] = [];
  try {
    for await (const e of Deno.readDir(join(dir, "runs"))) {
      if (!e.isDirectory || byRun.has(e.name)) continue;
      unfinished.push({
        id: e.name,
        why: whyUnfinished(await logRecords(join(dir, "runs", e.name))),
      });
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  unfinished.sort((a, b) => a.id.localeCompare(b.id));
  return { rows, byRun, firsts, records, phases, curves, peakBytes, unfinished };
}

/** Copies run `id`'s folder (its log and plots, flat files) from output folder `from` into `to`. */
export async function copyRunFolder(from: string, to: string, id: string): Promise<void> {
  const dst = join(to, "runs", id);
  await Deno.mkdir(dst, { recursive: true });
  for await (const f of Deno.readDir(join(from, "runs", id))) {
    if (f.isFile) await Deno.copyFile(join(from, "runs", id, f.name), join(dst, f.name));
  }
}

/**
 * The configuration a row was measured under, for grouping seeds: its presets, then the
 * key=value overrides the run was given (a sweep's axis values). Results written before rows
 * recorded their overrides fall back to the config hash, so that a sweep's values are never
 * averaged together. A baseline row (random init, PCA, chance) names the method whose run
 * measured it ("ci of byol"): two methods' ci presets share a name, not their data or networks,
 * so their random encoders are never averaged together.
 */
export function variantOf(r: Record<string, string>): string {
  const given = r.overrides ?? (r.config_hash ? `config ${r.config_hash}` : "");
  const run = r.run_id ? runMethodOf(r) : r.method;
  return [r.preset ?? "", given, run !== r.method ? `of ${run}` : ""].filter(Boolean).join(" ");
}

/** What a number is grouped by across seeds: one configuration's one measurement. */
export interface Group {
  method: string;
  dataset: string;
  /** presets and overrides ({@linkcode variantOf}), or a sweep's axis values */
  variant: string;
  metric: string;
  protocol: string;
  /** which features (rows written before the column: "") */
  features: string;
}

/** The group of a row. */
export function groupOf(r: Record<string, string>, variant = variantOf(r)): Group {
  return {
    method: r.method ?? "",
    dataset: r.dataset ?? "",
    variant,
    metric: r.metric ?? "",
    protocol: r.protocol ?? "",
    features: r.features ?? "",
  };
}

/** An opaque map key for a group (never parsed back: the group travels with its stat). */
export function groupId(g: Group): string {
  return JSON.stringify([g.method, g.dataset, g.variant, g.metric, g.protocol, g.features]);
}

/** Mean +/- std over seeds of one group. */
export interface GroupStat extends Stat {
  group: Group;
  /** the commits the values were measured at, sorted ("" for rows without one) */
  commits: string[];
}

/**
 * Mean and sample standard deviation per group of rows (by default grouped by configuration:
 * {@linkcode variantOf}), keyed by {@linkcode groupId}, in first-seen order.
 */
export function summarise(
  rows: Record<string, string>[],
  variant: (r: Record<string, string>) => string = variantOf,
): Map<string, GroupStat> {
  const groups = new Map<string, { group: Group; values: number[]; commits: Set<string> }>();
  for (const r of rows) {
    const v = Number(r.value);
    if (!Number.isFinite(v) || (r.value ?? "").trim() === "") continue;
    const group = groupOf(r, variant(r));
    const id = groupId(group);
    if (!groups.has(id)) groups.set(id, { group, values: [], commits: new Set() });
    groups.get(id)!.values.push(v);
    groups.get(id)!.commits.add(r.commit ?? "");
  }
  const out = new Map<string, GroupStat>();
  for (const [id, g] of groups) {
    out.set(id, { group: g.group, ...meanStd(g.values), commits: [...g.commits].sort() });
  }
  return out;
}
