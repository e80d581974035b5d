/**
 * The Markdown report of an output folder, regenerated from its results.csv and run folders
 * (never hand-edited): a results table per run with protocol, seed, backend and hardware, the
 * run's plots, and the provenance of each run.
 * @module
 */
import { methodTable } from "./method_table.ts";
import { join } from "node:path";
import { readReferences } from "../io/csv.ts";
import { writeFileAtomic } from "../io/atomic.ts";
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

/** The network a run trained, in the words references.csv uses where it can. */
export function networkOf(config: Record<string, unknown>): string {
  if (typeof config.network === "string") return config.network;
  const names: Record<string, string> = {
    resnet18: "ResNet-18",
    resnet50: "ResNet-50",
    small: "small CNN",
  };
  const enc = String(config.encoder ?? "unknown");
  const width = config.width === undefined || config.width === 64 ? "" : `, width ${config.width}`;
  return `${names[enc] ?? enc} (${config.stem === "imagenet" ? "ImageNet" : "CIFAR"} stem${width})`;
}

/** A run's training budget, in references.csv's words. */
export function budgetOf(config: Record<string, unknown>): string {
  return config.epochs === undefined ? "unknown" : `${config.epochs} epochs`;
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/**
 * What keeps a measured number from being compared with a published one: each of dataset,
 * network, budget and protocol that differs (compared without case and punctuation), with both
 * values. Empty: the two are comparable, and a difference may be computed.
 */
export function differences(
  ref: Record<string, string>,
  here: { dataset: string; network: string; budget: string; protocol: string },
): string[] {
  return (["dataset", "network", "budget", "protocol"] as const)
    .filter((k) => norm(ref[k] ?? "") !== norm(here[k]))
    // the two protocols are long and both in the table already
    .map((k) => k === "protocol" ? k : `${k} (here ${here[k]}; published ${ref[k] || "unstated"})`);
}

/**
 * The published numbers for the folder's methods (reports/references.csv) beside what the folder
 * measured on the same metric: its mean over seeds, and either the difference (only where dataset,
 * network, budget and protocol all match) or, in its own column, which of them differ.
 */
export async function referencesTable(
  records: Pick<RunRecord, "method" | "config" | "rows">[],
  path = REFERENCES_CSV,
): Promise<string[]> {
  const methods = new Set(records.map((r) => r.method));
  const refs = (await readReferences(path)).filter((r) => methods.has(r.method ?? ""));
  if (refs.length === 0) return [];
  const lines = [
    "## Published numbers beside this folder's",
    "",
    "From `reports/references.csv`. A difference is computed only where dataset, network, " +
    'budget and protocol all match; otherwise the last column names what differs. "Here" is ' +
    "the first protocol (and features) of this folder on the same metric, mean +/- std over " +
    "its runs (n), methods' own rows only.",
    "",
    "| method | dataset | network | budget | protocol | metric | published | source | here | difference, or what differs |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const ref of refs) {
    const mine = records.filter((r) => r.method === ref.method).flatMap((r) =>
      r.rows.filter((row) =>
        !REFERENCE_METHODS.has(row.method ?? "") && row.method !== "supervised"
      ).map((row) => ({ row, config: r.config }))
    );
    // the same metric, else (a number whose protocol is unstated) the first accuracy measured
    const sameMetric = mine.filter((o) => o.row.metric === ref.metric);
    const own = sameMetric.length
      ? sameMetric
      : mine.filter((o) =>
        o.row.metric === mine.find((m) => /accuracy/.test(m.row.metric ?? ""))?.row.metric
      );
    const first = own[0];
    const group = first
      ? own.filter((o) =>
        o.row.protocol === first.row.protocol && o.row.features === first.row.features &&
        networkOf(o.config) === networkOf(first.config) &&
        budgetOf(o.config) === budgetOf(first.config)
      )
      : [];
    const stat = group.length ? meanStd(group.map((o) => Number(o.row.value))) : null;
    const published = `${ref.value}${ref.plus_minus ? ` +/- ${ref.plus_minus}` : ""}`;
    let here = "-", verdict = "nothing measured here on this metric";
    if (first && stat) {
      here = `${stat.mean.toFixed(4)} +/- ${
        stat.std.toFixed(4)
      } (${stat.n}), ${first.row.protocol}`;
      const diff = differences(ref, {
        dataset: first.row.dataset ?? "",
        network: networkOf(first.config),
        budget: budgetOf(first.config),
        protocol: first.row.protocol ?? "",
      });
      if (first.row.metric !== ref.metric) {
        diff.unshift(`metric (here ${first.row.metric}; published ${ref.metric})`);
      }
      verdict = diff.length
        ? `not comparable: ${diff.join("; ")}`
        : `${(stat.mean - Number(ref.value) >= 0 ? "+" : "")}${
          (stat.mean - Number(ref.value)).toFixed(4)
        }`;
    }
    lines.push(
      `| ${
        [
          ref.method,
          ref.dataset,
          ref.network,
          ref.budget,
          ref.protocol,
          ref.metric,
          published,
          ref.source,
          here,
          verdict,
        ].map((v) => esc(v ?? "")).join(" | ")
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
  lines.push(...await referencesTable(records));
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
