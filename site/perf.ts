/**
 * The perf report's chart: each workload's step time in TF.js over PyTorch's (perf.csv's `ratio`,
 * its range over the timing rounds as an error bar, and `ratio_read_once` where the file has it),
 * with the numbered list of workloads the bars stand for, and a one-line summary for the index.
 * @module
 */
import { parse } from "csv-parse/sync";
import { barSvg } from "../io/svg.ts";
import { ConfigError } from "../suite/config.ts";
import { median } from "../suite/stats.ts";
import { esc } from "./html.ts";
import { inlineSvg } from "./markdown.ts";

/** The rows of a perf.csv (`deno task perf`), each a record of its columns. */
export async function readPerf(path: string): Promise<Record<string, string>[]> {
  let rows: Record<string, string>[];
  try {
    rows = parse(await Deno.readTextFile(path), {
      columns: true,
      bom: true,
      skip_empty_lines: true,
    }) as Record<string, string>[];
  } catch (e) {
    throw new ConfigError(`${path}: ${(e as Error).message}; rewrite it with deno task perf`);
  }
  const missing = ["work", "ratio"].filter((c) => rows.length && !(c in rows[0]!));
  if (missing.length) {
    throw new ConfigError(
      `${path} lacks the column(s) ${missing.join(", ")}: is it a perf.csv of deno task perf?`,
    );
  }
  return rows;
}

/** A cell as a number, null when empty or not one. */
function value(cell: string | undefined): number | null {
  const v = Number(cell);
  return cell?.trim() && Number.isFinite(v) ? v : null;
}

/** A "low-high" range cell ("12.6-18.3"), null when empty or malformed. */
function range(cell: string | undefined): { low: number; high: number } | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$/.exec(cell ?? "");
  return m ? { low: Number(m[1]), high: Number(m[2]) } : null;
}

/** The workloads' ratios to PyTorch, in file order (those without a peer: null). */
function ratios(rows: Record<string, string>[]): number[] {
  return rows.map((r) => value(r.ratio)).filter((v): v is number => v !== null);
}

/** The chart (an inline SVG, ids scoped by `prefix`) and the list of its workloads, as HTML. */
export function perfChart(rows: Record<string, string>[], prefix = "perf"): string {
  const series = [{
    name: "loss read every step",
    values: rows.map((r) => value(r.ratio)),
    errors: rows.map((r) => range(r.ratio_range)),
  }];
  if (rows.some((r) => value(r.ratio_read_once) !== null)) {
    series.push({
      name: "loss read once",
      values: rows.map((r) => value(r.ratio_read_once)),
      errors: rows.map((r) => range(r.ratio_read_once_range)),
    });
  }
  const title = "Step time, TF.js over PyTorch, per workload";
  const svg = barSvg({
    categories: rows.map((_, i) => String(i + 1)),
    series,
    refs: [{ name: "PyTorch (ratio 1)", y: 1 }],
    title,
    xLabel: "workload (numbered as in the list below)",
    yLabel: "TF.js time / PyTorch time",
  });
  const items = rows.map((r) => {
    const cells = [
      ["ratio", r.ratio],
      ["range", r.ratio_range],
      ["loss read once", r.ratio_read_once],
      ["peer", r.peer],
    ].filter(([, v]) => v?.trim()).map(([k, v]) => `${k} ${esc(v!)}`);
    return `<li>${esc(r.work ?? "")}${cells.length ? `: ${cells.join(", ")}` : ""}</li>`;
  });
  return [
    '<section class="chart">',
    "<h2>Step time against PyTorch</h2>",
    "<p>perf.csv's <code>ratio</code> (TF.js time / PyTorch time, median over the rounds; the " +
    "error bar: its range over the rounds) for each workload; lower is faster, 1 is PyTorch's " +
    "time.</p>",
    inlineSvg(svg, title, prefix),
    `<ol class="workloads">\n${items.join("\n")}\n</ol>`,
    "</section>",
  ].join("\n");
}

/** A line for the index: how many workloads and their ratios to PyTorch. */
export function perfSummary(rows: Record<string, string>[]): string {
  const rs = ratios(rows);
  if (rs.length === 0) return `${rows.length} workload(s), none timed against PyTorch`;
  const f = (x: number) => String(Math.round(x * 100) / 100);
  const [lo, hi] = [Math.min(...rs), Math.max(...rs)];
  const spread = lo === hi ? f(lo) : `${f(lo)} to ${f(hi)}, median ${f(median(rs))}`;
  return `${rows.length} workload(s); TF.js time / PyTorch time ${spread}`;
}
