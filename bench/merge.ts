/**
 * `deno task merge --out DIR SHARD_DIR...`: combines the output folders of sweep shards (or any
 * bench runs) into one: their results rows, their run folders, and a regenerated report. A run
 * present in several inputs must have identical rows there (else it is an error naming both),
 * all inputs must come from one commit, so a merged report never mixes code versions, and
 * shards must come from one sweep (their sweep-status files name it).
 * @module
 */
import { runCommand } from "./cli.ts";
import { join } from "node:path";
import { appendResults, readResults, type ResultRow } from "../io/csv.ts";
import { ConfigError } from "../suite/config.ts";
import { ensureWritable } from "./runner.ts";
import { writeReport } from "./report.ts";
import { copyRunFolder, readRunFolder, rowsByRun } from "./runs.ts";

/** The stable content of a run's rows (what must agree between duplicates). */
function fingerprint(rows: Record<string, string>[]): string {
  return rows.map((r) => [r.method, r.dataset, r.protocol, r.metric, r.value].join("\u0001"))
    .sort().join("\n");
}

/** The sweeps named by the sweep-status files in `dir` (none for plain bench folders). */
async function sweepsIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (!e.isFile || !/^sweep-status.*\.json$/.test(e.name)) continue;
      const s = JSON.parse(await Deno.readTextFile(join(dir, e.name))) as { sweep?: unknown };
      if (typeof s.sweep === "string") names.push(s.sweep);
    }
  } catch (e) {
    if (e instanceof SyntaxError) throw new ConfigError(`"${dir}": unreadable sweep status file`);
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return names;
}

/**
 * Rows of all inputs, each run once; throws ConfigError on disagreement, mixed commits or
 * shards of different sweeps.
 */
export async function mergeResults(dirs: string[]): Promise<Record<string, string>[]> {
  if (dirs.length === 0) throw new ConfigError("merge needs at least one input folder");
  const runs = new Map<string, { dir: string; rows: Record<string, string>[] }>();
  const commits = new Map<string, string>();
  const sweeps = new Map<string, string>();
  for (const dir of dirs) {
    for (const name of await sweepsIn(dir)) if (!sweeps.has(name)) sweeps.set(name, dir);
    const rows = await readResults(join(dir, "results.csv"));
    for (const r of rows) {
      const c = (r.commit ?? "").replace(/-dirty$/, "");
      if (!commits.has(c)) commits.set(c, dir);
    }
    for (const [id, rs] of rowsByRun(rows)) {
      const seen = runs.get(id);
      if (!seen) runs.set(id, { dir, rows: rs });
      else if (fingerprint(seen.rows) !== fingerprint(rs)) {
        throw new ConfigError(
          `Run ${id} has different results in "${seen.dir}" and "${dir}": ` +
            `re-run it in one place, or merge only one of the two folders`,
        );
      }
    }
  }
  if (commits.size > 1) {
    const list = [...commits].map(([c, d]) => `${c.slice(0, 12)} (${d})`).join(", ");
    throw new ConfigError(
      `The inputs come from different commits: ${list}. Merge only shards run on one commit.`,
    );
  }
  if (sweeps.size > 1) {
    const list = [...sweeps].map(([s, d]) => `${s} (${d})`).join(", ");
    throw new ConfigError(
      `The inputs are shards of different sweeps: ${list}. Merge the shards of one sweep.`,
    );
  }
  return [...runs.values()].flatMap((r) => r.rows);
}

/** Merges `dirs` into `out`: results.csv, runs/, README.md. */
export async function merge(dirs: string[], out: string): Promise<number> {
  const rows = await mergeResults(dirs);
  await ensureWritable(out);
  try {
    await Deno.stat(join(out, "results.csv"));
    throw new ConfigError(`"${out}" already holds a results.csv: merge into a new folder`);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
  }
  for (const dir of dirs) {
    try {
      for await (const e of Deno.readDir(join(dir, "runs"))) {
        if (e.isDirectory) await copyRunFolder(dir, out, e.name);
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  await appendResults(join(out, "results.csv"), rows as unknown as ResultRow[]);
  await writeReport(out);
  return rows.length;
}

if (import.meta.main) {
  await runCommand({
    name: "deno task merge",
    summary: "Combines the output folders of sweep shards (or any bench runs) into a new one: " +
      "results rows, run folders and a regenerated report.",
    flags: { out: { type: "string", value: "DIR", help: "the new output folder (required)" } },
    positionals: "SHARD_DIR [SHARD_DIR ...]",
    minPositionals: 1,
    maxPositionals: Infinity,
  }, async (v, dirs) => {
    if (!v.out) throw new ConfigError("merge needs --out DIR, the new output folder");
    const n = await merge(dirs, v.out);
    console.log(`${n} rows from ${dirs.length} folders into ${v.out}/results.csv`);
    // a shard's failed runs travel with it (their logs say why): listed, and in the report
    const { unfinished } = await readRunFolder(v.out);
    for (const u of unfinished) console.log(`FAILED: ${u.id}: ${u.why}`);
    return 0;
  });
}
