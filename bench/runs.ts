/**
 * An output folder's runs as the reports, `compare`, `merge` and `bench:ci` read them: the rows
 * of `results.csv` grouped by run, each run's resolved config (the first line of its
 * `runs/<id>/log.jsonl`), and the mean +/- std over seeds of each metric per configuration.
 * @module
 */
import { join } from "node:path";
import { readResults } from "../io/csv.ts";
import { meanStd, type Stat } from "../suite/stats.ts";

export { meanStd, type Stat };

/** A run's rows and its resolved config (from its log's first line). */
export interface RunRecord {
  id: string;
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

/** The first line of a run's log (config, seed, commit, versions), or null without a log. */
export async function firstLogLine(runDir: string): Promise<Record<string, unknown> | null> {
  try {
    const text = await Deno.readTextFile(join(runDir, "log.jsonl"));
    return JSON.parse(text.split("\n")[0]!);
  } catch {
    return null;
  }
}

/** What {@linkcode readRunFolder} returns. */
export interface RunFolder {
  rows: Record<string, string>[];
  byRun: Map<string, Record<string, string>[]>;
  /** each run's first log line, null where the log is missing */
  firsts: Map<string, Record<string, unknown> | null>;
  /** the runs whose log gives their config (the ones sweep tables and trends can use) */
  records: RunRecord[];
}

/** Reads `dir/results.csv` and the first line of every run's log, once each. */
export async function readRunFolder(dir: string): Promise<RunFolder> {
  const rows = await readResults(join(dir, "results.csv"));
  const byRun = rowsByRun(rows);
  const firsts = new Map<string, Record<string, unknown> | null>();
  const records: RunRecord[] = [];
  for (const [id, rs] of byRun) {
    const first = await firstLogLine(join(dir, "runs", id));
    firsts.set(id, first);
    if (first && typeof first.config === "object" && first.config !== null) {
      records.push({ id, config: first.config as Record<string, unknown>, rows: rs });
    }
  }
  return { rows, byRun, firsts, records };
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
 * averaged together.
 */
export function variantOf(r: Record<string, string>): string {
  const given = r.overrides ?? (r.config_hash ? `config ${r.config_hash}` : "");
  return [r.preset ?? "", given].filter(Boolean).join(" ");
}

/** The grouping key: method | dataset | variant | metric | protocol. */
export function groupKey(r: Record<string, string>, variant = variantOf(r)): string {
  return [r.method, r.dataset, variant, r.metric, r.protocol].join(" | ");
}

/** Mean and sample standard deviation per group of rows (by default {@linkcode groupKey}). */
export function summarise(
  rows: Record<string, string>[],
  key: (r: Record<string, string>) => string = (r) => groupKey(r),
): Map<string, Stat> {
  const groups = new Map<string, number[]>();
  for (const r of rows) {
    const v = Number(r.value);
    if (!Number.isFinite(v) || (r.value ?? "").trim() === "") continue;
    const k = key(r);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k)!.push(v);
  }
  const out = new Map<string, Stat>();
  for (const [k, vs] of groups) out.set(k, meanStd(vs));
  return out;
}
