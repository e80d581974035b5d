/**
 * Results CSV: one row per (method, dataset, protocol, metric) measurement.
 *
 * Files are always rewritten in full through {@link writeFileAtomic}, so a crash
 * never leaves a half-written CSV behind.
 *
 * @module
 */

import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { resolve } from "node:path";
import { readFileIfExists, writeFileAtomic } from "./atomic.ts";

/** Required columns of every results CSV, in the order they are written. */
export const RESULT_COLUMNS = [
  "method",
  "dataset",
  "protocol",
  "metric",
  "value",
  "seed",
  "config_hash",
  "backend",
  "adapter",
  "commit",
  "started_at",
  "wall_s",
  "images_per_s",
] as const;

/**
 * One results row: every column of {@link RESULT_COLUMNS}, plus any extra
 * columns (for example `run_id`, `preset`, `fallback_adapter`).
 */
export type ResultRow =
  & Record<(typeof RESULT_COLUMNS)[number], string | number>
  & Record<string, string | number>;

interface ParsedCsv {
  header: string[];
  rows: Record<string, string>[];
}

interface CsvParseError extends Error {
  code?: string;
  lines?: number;
}

/** Per-path queue so that concurrent appends in one process never lose rows. */
const pending = new Map<string, Promise<void>>();

/** Parses results CSV text, checking its header; `path` is only used in messages. */
function parseResultsCsv(
  text: string,
  path: string,
  required: readonly string[] = RESULT_COLUMNS,
): ParsedCsv {
  let records: string[][];
  let lines: number[]; // the line each record ends on, for messages
  try {
    const parsed = parse(text, { bom: true, skip_empty_lines: true, info: true }) as {
      record: string[];
      info: { lines: number };
    }[];
    records = parsed.map((p) => p.record);
    lines = parsed.map((p) => p.info.lines);
  } catch (err) {
    const e = err as CsvParseError;
    const line = typeof e.lines === "number" ? `line ${e.lines}` : "unknown line";
    throw new Error(
      `Malformed CSV in "${path}" at ${line}: ${e.message}. ` +
        `Fix that line by hand (quote values containing commas, quotes or newlines, ` +
        `and give every row as many cells as the header), or move the file aside ` +
        `to start a new one.`,
      { cause: err },
    );
  }
  const header = records[0];
  if (header === undefined) {
    throw new Error(
      `"${path}" line 1: the CSV is empty, so it has no header. Expected a header with ` +
        `columns ${required.join(",")}; delete the empty file or write results with ` +
        `appendResults().`,
    );
  }
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new Error(
      `"${path}" line 1 (header) lacks required column(s) ${missing.join(", ")}. ` +
        `This CSV needs the columns ${required.join(",")}; ` +
        `check that this is a results file, or add the missing column(s) to its header.`,
    );
  }
  const seen = new Set<string>();
  for (const name of header) {
    if (name === "") {
      throw new Error(
        `"${path}" line 1 (header) has an empty column name; give every column a name.`,
      );
    }
    if (seen.has(name)) {
      throw new Error(
        `"${path}" line 1 (header) names column "${name}" twice; ` +
          `remove or rename one of them.`,
      );
    }
    seen.add(name);
  }
  const rows = records.slice(1).map((record) => {
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      row[name] = record[i] ?? "";
    });
    return row;
  });
  // a number that is not one would silently drop out of every mean: refuse it, naming the line
  if (header.includes("value")) {
    rows.forEach((row, i) => {
      const v = row.value!;
      if (v.trim() === "" || !Number.isFinite(Number(v))) {
        throw new Error(
          `"${path}" line ${lines[i + 1] ?? i + 2}: value ${JSON.stringify(v)} is not a number ` +
            `(metric ${JSON.stringify(row.metric ?? "")}). Fix or remove that row.`,
        );
      }
    });
  }
  return { header, rows };
}

/** Reads `path` as UTF-8, returning `undefined` when it does not exist. */
async function readTextIfExists(path: string): Promise<string | undefined> {
  const bytes = await readFileIfExists(path);
  return bytes && new TextDecoder().decode(bytes);
}

/** Checks one row to append and returns its cells as strings. */
function rowToStrings(row: ResultRow, index: number, path: string): Record<string, string> {
  const missing = RESULT_COLUMNS.filter((c) => !Object.hasOwn(row, c));
  if (missing.length > 0) {
    throw new Error(
      `appendResults("${path}"): row ${index} lacks required column(s) ` +
        `${missing.join(", ")}; set them (use "" when a value does not apply).`,
    );
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(row)) {
    if (name === "") {
      throw new Error(
        `appendResults("${path}"): row ${index} has a column with an empty name; ` +
          `give every column a name.`,
      );
    }
    if (typeof value === "number") {
      out[name] = String(value);
    } else if (typeof value === "string") {
      out[name] = value;
    } else {
      throw new Error(
        `appendResults("${path}"): row ${index} column "${name}" is ${
          value === null ? "null" : typeof value
        }; cells must be strings or numbers (use "" for a missing value).`,
      );
    }
  }
  return out;
}

/** Options of {@linkcode appendResults}. */
export interface AppendOptions {
  /** drop existing rows whose `run_id` is this one before appending (a run done again) */
  replaceRun?: string;
}

async function appendNow(path: string, rows: ResultRow[], opts: AppendOptions): Promise<void> {
  const fresh = rows.map((row, i) => rowToStrings(row, i, path));
  const text = await readTextIfExists(path);
  const existing: ParsedCsv = text === undefined || text.trim() === ""
    ? { header: [], rows: [] }
    : parseResultsCsv(text, path);

  const columns: string[] = [...RESULT_COLUMNS];
  const known = new Set<string>(columns);
  const addColumn = (name: string) => {
    if (!known.has(name)) {
      known.add(name);
      columns.push(name);
    }
  };
  existing.header.forEach(addColumn);
  for (const row of fresh) Object.keys(row).forEach(addColumn);

  // A run that is done again replaces its earlier rows: its log and plots were overwritten too.
  const kept = opts.replaceRun === undefined
    ? existing.rows
    : existing.rows.filter((r) => r.run_id !== opts.replaceRun);
  const all = [...kept, ...fresh];
  const records = [columns, ...all.map((row) => columns.map((c) => row[c] ?? ""))];
  const out = stringify(records, { quoted_match: /\r/ });
  await writeFileAtomic(path, out);
}

/**
 * Appends `rows` to the results CSV at `path`, creating it when missing.
 *
 * The existing file (if any) is parsed and its header checked; the whole file is
 * then rewritten atomically with the old rows followed by the new ones. Columns
 * are {@link RESULT_COLUMNS} first, then extra columns in first-seen order
 * (existing header first, then new rows). When new rows bring columns the file
 * lacks, old rows get empty cells there; rows lacking an extra column also get
 * an empty cell. Values containing commas, quotes or newlines are quoted.
 * Numbers are written with `String(n)`.
 *
 * Appends to the same path from one process are serialised; appends from
 * several processes at once are not (the last writer wins).
 *
 * An empty `rows` array leaves the file untouched.
 *
 * @param path CSV file path; its folder must exist.
 * @param rows Rows to add; each must have every column of {@link RESULT_COLUMNS}.
 * @throws Error naming the file and line when the existing file is malformed or
 *   lacks required columns, or naming the row when a new row is invalid.
 */
export function appendResults(
  path: string,
  rows: ResultRow[],
  opts: AppendOptions = {},
): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  const key = resolve(path);
  const previous = pending.get(key) ?? Promise.resolve();
  const next = previous.catch(() => {}).then(() => appendNow(path, rows, opts));
  const settled = next.catch(() => {});
  pending.set(key, settled);
  void settled.then(() => {
    if (pending.get(key) === settled) pending.delete(key);
  });
  return next;
}

/**
 * Reads the results CSV at `path` into one object per data row, keyed by the
 * header's column names (all values are strings; empty cells are `""`).
 *
 * @param path CSV file path.
 * @throws Error naming the file when it is missing, and the file and line when
 *   the CSV is malformed or its header lacks any of {@link RESULT_COLUMNS}.
 */
export async function readResults(path: string): Promise<Record<string, string>[]> {
  const text = await readTextIfExists(path);
  if (text === undefined) {
    throw new Error(
      `readResults: "${path}" does not exist; check the path, or run a benchmark ` +
        `first to create it.`,
    );
  }
  return parseResultsCsv(text, path).rows;
}

/** The fields of a number's recipe (bench/recipe.ts): references.csv's columns between the method
 * and the metric, in the order the reports name them. */
export const RECIPE_FIELDS = [
  "dataset",
  "image_size",
  "network",
  "width",
  "train_images",
  "epochs",
  "steps",
  "batch",
  "protocol",
  "probe",
] as const;

/** Columns of reports/references.csv, the published numbers the suite compares against. */
export const REFERENCE_COLUMNS = [
  "method",
  ...RECIPE_FIELDS,
  "metric",
  "value",
  "plus_minus",
  "n",
  "source",
  "note",
] as const;

/** Reads a references CSV (same checks as results: header, columns, quoting). */
export async function readReferences(path: string): Promise<Record<string, string>[]> {
  const text = await readTextIfExists(path);
  if (text === undefined) throw new Error(`readReferences: "${path}" does not exist`);
  return parseResultsCsv(text, path, REFERENCE_COLUMNS).rows;
}
