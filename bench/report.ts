/**
 * The Markdown report of an output folder, regenerated from its results.csv and run folders
 * (never hand-edited): a results table per run with protocol, seed, backend and hardware, the
 * run's plots, and the provenance of each run.
 * @module
 */
import { methodTable } from "./method_table.ts";
import { join } from "node:path";
import { readReferences } from "../io/csv.ts";
import {
  type Recipe,
  RECIPE_FIELDS,
  recipeDifferences,
  recipeOf,
  recipeOfReference,
  referenceDifference,
} from "./recipe.ts";
import { readFileIfExists, writeFileAtomic } from "../io/atomic.ts";
import { meanStd, type PhaseSeconds, readRunFolder, type RunRecord, summarise } from "./runs.ts";
import { checkClaims, claimLines } from "./claims.ts";
import { lossCurvePlots, REFERENCE_METHODS, sweepCost, sweepSummary } from "./sweep_report.ts";

function esc(s: string): string {
  return s.replaceAll("|", "\\|").replaceAll("\n", " ");
}

function fmt(v: string): string {
  const x = Number(v);
  return Number.isFinite(x) && v.trim() !== ""
    ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4))
    : v;
}

async function plotsOf(runDir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(runDir)) {
      if (e.isFile && e.name.endsWith(".svg")) out.push(e.name);
    }
  } catch { /* no run folder */ }
  return out.sort();
}

/** The published numbers the suite compares against (reports/references.csv). */
export const REFERENCES_CSV = new URL("../reports/references.csv", import.meta.url).pathname;

/** A published (or same-recipe) number to compare with: its recipe and value. */
export interface Reference {
  method: string;
  metric: string;
  recipe: Recipe;
  value: number;
  /** the source's +/- (a std over its `n` runs where n is given) */
  plusMinus?: number;
  n?: number;
  source: string;
  note?: string;
}

/** The rows of a references CSV as {@linkcode Reference}s. */
export async function loadReferences(path = REFERENCES_CSV): Promise<Reference[]> {
  return (await readReferences(path)).map((r) => {
    const opt = (v: string | undefined) =>
      v === undefined || v.trim() === "" ? undefined : Number(v);
    return {
      method: r.method!,
      metric: r.metric!,
      recipe: recipeOfReference(r),
      value: Number(r.value),
      plusMinus: opt(r.plus_minus),
      n: opt(r.n),
      source: r.source!,
      note: r.note || undefined,
    };
  });
}

/** One recipe's numbers in a folder: the method's own rows on one metric, over its runs. */
interface Measured {
  metric: string;
  recipe: Recipe;
  values: number[];
}

/** The folder's own numbers (not the baselines' rows, not the supervised ones) by metric and
 * recipe. */
export function measuredByRecipe(
  records: Pick<RunRecord, "method" | "config" | "rows">[],
): Map<string, Measured[]> {
  const out = new Map<string, Measured[]>();
  const index = new Map<string, Measured>();
  for (const r of records) {
    for (const row of r.rows) {
      if (REFERENCE_METHODS.has(row.method ?? "") || row.method === "supervised") continue;
      if (!/accuracy/.test(row.metric ?? "") || !Number.isFinite(Number(row.value))) continue;
      const recipe = recipeOf(r.config, row);
      const key = `${r.method}|${row.metric}|${JSON.stringify(recipe)}`;
      let m = index.get(key);
      if (!m) {
        m = { metric: row.metric!, recipe, values: [] };
        index.set(key, m);
        out.set(r.method, [...(out.get(r.method) ?? []), m]);
      }
      m.values.push(Number(row.value));
    }
  }
  return out;
}

/** The measured recipe closest to a reference: on its metric where there is one (else any
 * accuracy, the metric named among the differences), fewest differing fields, then most runs. */
export function closestMeasured(
  ref: Reference,
  measured: Measured[],
): { m: Measured; differs: string[] } | null {
  const onMetric = measured.filter((m) => m.metric === ref.metric);
  const pool = onMetric.length ? onMetric : measured;
  let best: { m: Measured; differs: string[] } | null = null;
  for (const m of pool) {
    const differs = recipeDifferences(ref.recipe, m.recipe);
    if (m.metric !== ref.metric) differs.unshift(`metric ${m.metric} vs ${ref.metric}`);
    if (
      !best || differs.length < best.differs.length ||
      (differs.length === best.differs.length && m.values.length > best.m.values.length)
    ) best = { m, differs };
  }
  return best;
}

/** Where the PyTorch peer's runs of a method's reference tier live (`deno task peer`). */
const peerFolder = (method: string) =>
  new URL(`../reports/peer-${method}-reference`, import.meta.url).pathname;

/**
 * The PyTorch peer's runs of the reference tier as references of the same kind as the published
 * numbers (issue 28): each metric and recipe of reports/peer-<method>-reference, mean +/- std over
 * its seeds, for the recipes this folder also ran (a peer recipe nothing here matches says
 * nothing about this folder). None for a folder of PyTorch runs. `measured`: the records'
 * {@linkcode measuredByRecipe}, when the caller has it already.
 */
export async function peerReferences(
  records: Pick<RunRecord, "method" | "config" | "rows">[],
  folderOf = peerFolder,
  measured = measuredByRecipe(records),
): Promise<Reference[]> {
  if (records.some((r) => r.rows.some((row) => row.backend === "pytorch"))) return [];
  const out: Reference[] = [];
  for (const method of measured.keys()) {
    const dir = folderOf(method);
    if (await readFileIfExists(join(dir, "results.csv")) === undefined) continue;
    const peer = await readRunFolder(dir);
    for (const m of measuredByRecipe(peer.records).get(method) ?? []) {
      const s = meanStd(m.values);
      const ref: Reference = {
        method,
        metric: m.metric,
        recipe: m.recipe,
        value: Number(s.mean.toFixed(4)),
        plusMinus: s.n > 1 ? Number(s.std.toFixed(4)) : undefined,
        n: s.n,
        source: `PyTorch, the same recipe (reports/peer-${method}-reference, deno task peer)`,
      };
      if (closestMeasured(ref, measured.get(method)!)?.differs.length === 0) out.push(ref);
    }
  }
  return out;
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;

/**
 * The published numbers for the folder's methods (reports/references.csv), and any same-recipe
 * references passed in (`extra`: the PyTorch peer's runs of the reference tier), beside the
 * folder's closest measured recipe on the same metric: a difference with its 95 % interval
 * where every recipe field matches (bench/recipe.ts), else the fields that differ. `measured`:
 * the records' {@linkcode measuredByRecipe}, when the caller has it already.
 */
export async function referencesTable(
  records: Pick<RunRecord, "method" | "config" | "rows">[],
  path = REFERENCES_CSV,
  extra: Reference[] = [],
  measured = measuredByRecipe(records),
): Promise<string[]> {
  const refs = [...await loadReferences(path), ...extra].filter((r) => measured.has(r.method));
  if (refs.length === 0) return [];
  const lines = [
    "## Published numbers beside this folder's",
    "",
    "From `reports/references.csv` (and the PyTorch peer's runs of the same recipe, where they " +
    "exist), each beside this folder's closest recipe on its metric (bench/recipe.ts: " +
    RECIPE_FIELDS.join(", ").replaceAll("_", " ") + "). A difference with its 95 % interval " +
    "(over this folder's seeds; Welch's where the source gives a spread over n runs) is computed " +
    "only where every field matches; otherwise the last column names each field that differs, " +
    'this folder\'s value first, or that the source leaves unstated. "Here": mean +/- std (n runs) ' +
    "of the method's own rows.",
    "",
    "| method | measure | published | source | here | difference [95 %], or what differs |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const ref of refs) {
    const best = closestMeasured(ref, measured.get(ref.method)!);
    const published = `${ref.value}${ref.plusMinus !== undefined ? ` +/- ${ref.plusMinus}` : ""}${
      ref.n !== undefined ? ` (${ref.n})` : ""
    }`;
    let here = "-", verdict = "nothing measured here";
    if (best) {
      const s = meanStd(best.m.values);
      here = `${s.mean.toFixed(4)} +/- ${s.std.toFixed(4)} (${s.n})`;
      if (best.differs.length) verdict = `not comparable: ${best.differs.join("; ")}`;
      else {
        const e = referenceDifference(s, ref);
        verdict = Number.isFinite(e.low)
          ? `${signed(e.difference)} [${signed(e.low)}, ${signed(e.high)}]`
          : `${signed(e.difference)} (one run: no interval)`;
      }
    }
    const source = ref.note ? `${ref.source} (${ref.note})` : ref.source;
    const measure = ref.recipe.protocol ? `${ref.metric}, ${ref.recipe.protocol}` : ref.metric;
    lines.push(
      `| ${
        [ref.method, measure, published, source, here, verdict].map((v) => esc(v)).join(" | ")
      } |`,
    );
  }
  return [...lines, ""];
}

/**
 * Mean +/- std over seeds of every metric per method, dataset, preset and overrides, and
 * protocol: shown when some configuration was run with more than one seed. A mean over runs of
 * more than one commit names them.
 */
export function seedSummary(rows: Record<string, string>[]): string[] {
  const stats = summarise(rows);
  if (![...stats.values()].some((s) => s.n > 1)) return [];
  return [
    "## Over seeds",
    "",
    "| method | preset | metric | mean +/- std (n seeds) | protocol |",
    "| --- | --- | --- | --- | --- |",
    ...[...stats.values()].map((s) => {
      const { method, variant, metric, protocol } = s.group;
      // a mean over runs of different commits says so: a change between them may move it
      const mixed = s.commits.length > 1
        ? `; **mixes ${s.commits.length} commits** (${
          s.commits.map((c) => c.slice(0, 7) || "unknown").join(", ")
        })`
        : "";
      return `| ${esc(method)} | \`${esc(variant)}\` | ${esc(metric)} | ${s.mean.toFixed(4)} +/- ${
        s.std.toFixed(4)
      } (${s.n}${mixed}) | ${esc(protocol)} |`;
    }),
    "",
  ];
}

/** The runs that started here but gave no results (a failed sweep point), and why. */
export function unfinishedLines(unfinished: { id: string; why: string }[]): string[] {
  if (unfinished.length === 0) return [];
  return [
    "## Runs that did not finish",
    "",
    "Their folders are under runs/, their rows are not in results.csv: nothing above counts them.",
    "",
    "| run | why (its log) |",
    "| --- | --- |",
    ...unfinished.map((u) => `| ${esc(u.id)} | ${esc(u.why)} |`),
    "",
  ];
}

/** Bytes as MiB with one decimal. */
export function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/**
 * Where each run's wall time went, from its log's `phases` record: data (loading and preparing),
 * training (augmentation on the device included) and evaluation (features, probes, baselines);
 * and the peak tensor memory of its first training step (its log's `memory` record, "-" before
 * runs logged it). Runs logged before phases were timed are left out; the table is empty when none
 * has them.
 */
export function phaseTable(
  byRun: Map<string, Record<string, string>[]>,
  phases: Map<string, PhaseSeconds>,
  peakBytes: Map<string, number> = new Map(),
): string[] {
  const timed = [...byRun].filter(([id]) => phases.has(id));
  if (timed.length === 0) return [];
  const s = (x: number) => x.toFixed(1);
  return [
    "## Wall time by phase",
    "",
    "Seconds per run (the run's log): data = loading and preparing it, train = the training loop " +
    "(augmentation on the device included), eval = features, probes and baselines; wall = the " +
    "whole run, set-up and writing included; peak MiB = live tensor memory at its peak in the " +
    "first training step (TF.js's accounting: data and parameters on the device, optimiser " +
    "state, activations and gradients).",
    "",
    "| run | seed | backend | data s | train s | eval s | wall s | peak MiB |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...timed.map(([id, rs]) => {
      const p = phases.get(id)!, r0 = rs[0]!, peak = peakBytes.get(id);
      return `| ${esc(id)} | ${r0.seed} | ${esc(r0.backend ?? "")} | ${s(p.data)} | ${
        s(p.train)
      } | ${s(p.eval)} | ${r0.wall_s} | ${peak === undefined ? "-" : mib(peak)} |`;
    }),
    "",
  ];
}

/** Builds the report's Markdown (and the sweep plots it links) from the folder's results. */
export async function buildReport(
  outDir: string,
): Promise<{ markdown: string; plots: { file: string; svg: string }[] }> {
  const { rows, byRun, firsts, records, phases, curves, peakBytes, unfinished } =
    await readRunFolder(outDir);
  const lines = [
    `# Benchmark report: ${esc(outDir)}`,
    "",
    "Generated by `deno task bench`, `sweep` or `report` from `results.csv` and `runs/*/log.jsonl`;",
    "do not edit by hand.",
    "Every number names its protocol; each run names its seed, backend, adapter and commit.",
    "",
  ];
  const sweep = sweepSummary(records);
  const losses = lossCurvePlots(records, curves);
  lines.push(
    ...seedSummary(rows),
    ...methodTable(records, phases, peakBytes),
    ...sweep.lines,
    ...sweepCost(records, phases, peakBytes),
    ...losses.lines,
    ...claimLines(checkClaims(records)),
    ...phaseTable(byRun, phases, peakBytes),
    ...unfinishedLines(unfinished),
  );
  for (const [id, rs] of byRun) {
    const r0 = rs[0]!;
    const cfg = firsts.get(id);
    lines.push(
      `## ${esc(id)}`,
      "",
      `- dataset: ${esc(r0.dataset ?? "")}`,
      `- seed ${r0.seed}, preset \`${r0.preset ?? ""}\`${
        r0.overrides ? `, overrides \`${r0.overrides}\`` : ""
      }, config hash \`${r0.config_hash}\``,
      r0.backend === "pytorch"
        ? `- backend **pytorch** (the same recipe in PyTorch: deno task peer) on ${
          esc(r0.adapter ?? "")
        }, ${esc(r0.kernels ?? "")}`
        : `- backend **${r0.backend}** on ${esc(r0.adapter ?? "")}${
          r0.fallback_adapter === "true" ? " (software fallback adapter)" : ""
        }, ${r0.kernels || "stock"} convolution kernels; Deno ${r0.deno ?? "?"}, TF.js ${
          r0.tfjs ?? "?"
        }${typeof cfg?.host_cpu === "string" ? `; host ${esc(cfg.host_cpu)}` : ""}`,
      `- commit \`${r0.commit}\`, started ${r0.started_at}, wall ${r0.wall_s} s, training ${r0.images_per_s} images/s`,
      "",
      "| method | metric | value | protocol |",
      "| --- | --- | --- | --- |",
      ...rs.map((r) =>
        `| ${esc(r.method!)} | ${esc(r.metric!)} | ${fmt(r.value!)} | ${esc(r.protocol!)} |`
      ),
      "",
    );
    if (cfg && typeof cfg.config === "object") {
      const c = cfg.config as Record<string, unknown>;
      lines.push(
        `<details><summary>resolved config</summary>\n\n\`${
          esc(Object.entries(c).map(([k, v]) => `${k}=${v}`).join(" "))
        }\`\n\n</details>`,
        "",
      );
    }
    for (const p of await plotsOf(join(outDir, "runs", id))) {
      lines.push(`![${p}](runs/${encodeURIComponent(id)}/${p})`, "");
    }
  }
  const measured = measuredByRecipe(records);
  const peers = await peerReferences(records, undefined, measured);
  lines.push(...await referencesTable(records, REFERENCES_CSV, peers, measured));
  return { markdown: lines.join("\n"), plots: [...sweep.plots, ...losses.plots] };
}

/** Regenerates `outDir/README.md` atomically. */
export async function writeReport(outDir: string): Promise<void> {
  const { markdown, plots } = await buildReport(outDir);
  for (const p of plots) await writeFileAtomic(join(outDir, p.file), p.svg);
  await writeFileAtomic(join(outDir, "README.md"), markdown);
  // sweep plots an earlier report drew and this one does not (another axis order, a metric
  // gone) would lie beside it, linked from nowhere
  const keep = new Set(plots.map((p) => p.file));
  for await (const e of Deno.readDir(outDir)) {
    if (e.isFile && /^sweep_.*\.svg$/.test(e.name) && !keep.has(e.name)) {
      await Deno.remove(join(outDir, e.name));
    }
  }
}
