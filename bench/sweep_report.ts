/**
 * The sweep part of a report: when a folder holds runs whose configs differ in some keys (a
 * sweep), one table per metric of mean +/- std over seeds (with n) for each value of those keys,
 * a plot of each accuracy against a single numeric axis, and the orderings the papers claim,
 * stated as agreeing or not with these runs (SimCLR: MLP head > linear > none; h > z).
 * @module
 */
import { lineSvg } from "../core/svg.ts";
import { summarise } from "./compare.ts";

/** A run's rows and its resolved config (from its log's first line). */
export interface RunRecord {
  config: Record<string, unknown>;
  rows: Record<string, string>[];
}

/** Config keys whose values differ between runs (the sweep's axes), in config order. */
export function varyingKeys(runs: RunRecord[]): string[] {
  if (runs.length < 2) return [];
  const keys = Object.keys(runs[0]!.config);
  return keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.config[k]))).size > 1);
}

function label(cfg: Record<string, unknown>, keys: string[]): string {
  return keys.map((k) => `${k}=${cfg[k]}`).join(" ");
}

/** Rows tagged with their run's axis values, as the "preset" column, for grouping. */
function tagged(runs: RunRecord[], keys: string[]): Record<string, string>[] {
  return runs.flatMap((r) => r.rows.map((row) => ({ ...row, preset: label(r.config, keys) })));
}

/** Markdown lines (and SVG plots to write) summarising the sweep in `runs`. */
export function sweepSummary(
  runs: RunRecord[],
): { lines: string[]; plots: { file: string; svg: string }[] } {
  const keys = varyingKeys(runs);
  if (keys.length === 0) return { lines: [], plots: [] };
  const stats = summarise(tagged(runs, keys)); // key: method | dataset | axes | metric | protocol
  const lines = [
    `## Sweep over ${keys.join(", ")}`,
    "",
    "Mean +/- standard deviation over seeds (n runs) for each value of the swept keys.",
    "",
  ];
  const metrics = [...new Set([...stats.keys()].map((k) => k.split(" | ")[3]!))];
  for (const metric of metrics) {
    lines.push(
      `### ${metric}`,
      "",
      `| method | ${keys.join(" | ")} | mean +/- std (n) | protocol |`,
      `| --- | ${keys.map(() => "---").join(" | ")} | --- | --- |`,
    );
    for (const [k, s] of stats) {
      const [method, , axes, m, protocol] = k.split(" | ");
      if (m !== metric) continue;
      const vals = axes!.split(" ").map((kv) => kv.slice(kv.indexOf("=") + 1));
      lines.push(
        `| ${method} | ${vals.join(" | ")} | ${s.mean.toFixed(4)} +/- ${
          s.std.toFixed(4)
        } (${s.n}) | ${protocol!.replaceAll("|", "\\|")} |`,
      );
    }
    lines.push("");
  }
  const plots: { file: string; svg: string }[] = [];
  const axis = keys[0]!;
  if (keys.length === 1 && runs.every((r) => typeof r.config[axis] === "number")) {
    for (const metric of metrics.filter((m) => /accuracy/.test(m))) {
      const series = new Map<string, { x: number; y: number }[]>();
      for (const [k, s] of stats) {
        const [method, , axes, m, protocol] = k.split(" | ");
        if (m !== metric) continue;
        // short legend names: the method, and which features for SimCLR-style protocols
        const on = /on ([hz]) \(/.exec(protocol!)?.[1];
        const probe = /^(linear|MLP) probe|^weighted kNN|^kNN/.exec(protocol!)?.[0] ?? "";
        const name = [method, probe && probe.replace(" probe", ""), on && `on ${on}`]
          .filter(Boolean).join(", ");
        if (!series.has(name)) series.set(name, []);
        series.get(name)!.push({ x: Number(axes!.split("=")[1]), y: s.mean });
      }
      const file = `sweep_${metric}_vs_${axis}.svg`;
      plots.push({
        file,
        svg: lineSvg({
          series: [...series].map(([name, points]) => ({
            name,
            points: points.sort((a, b) => a.x - b.x),
          })),
          title: `${metric} vs ${axis} (mean over seeds)`,
          xLabel: axis,
          yLabel: metric,
        }),
      });
      lines.push(`![${metric} vs ${axis}](${file})`, "");
    }
  }
  lines.push(...trends(runs, keys));
  return { lines, plots };
}

/** The papers' orderings, checked on these runs' mean kNN accuracy where the runs allow it. */
export function trends(runs: RunRecord[], keys: string[]): string[] {
  const out: string[] = [];
  const knn = (pred: (r: RunRecord, row: Record<string, string>) => boolean) => {
    const vs = runs.flatMap((r) =>
      r.rows.filter((row) =>
        row.method === "simclr" && row.metric === "knn_accuracy" && pred(r, row)
      ).map((row) => Number(row.value))
    );
    return vs.length ? vs.reduce((a, b) => a + b, 0) / vs.length : null;
  };
  const onH = (row: Record<string, string>) => /on h /.test(row.protocol ?? "");
  const onZ = (row: Record<string, string>) => /on z /.test(row.protocol ?? "");
  if (keys.includes("head")) {
    const m = (h: string) => knn((r, row) => r.config.head === h && onH(row));
    const [mlp, lin, none] = [m("mlp"), m("linear"), m("none")];
    if (mlp !== null && lin !== null && none !== null) {
      const agree = mlp > lin && lin > none;
      out.push(
        `- SimCLR claims MLP head > linear head > no head (kNN on h here): ${mlp.toFixed(4)}, ` +
          `${lin.toFixed(4)}, ${none.toFixed(4)}: **${agree ? "agrees" : "does not agree"}**.`,
      );
    }
  }
  const h = knn((_, row) => onH(row)), z = knn((_, row) => onZ(row));
  if (h !== null && z !== null) {
    out.push(
      `- SimCLR claims h (before the head) > z (after it), kNN over all runs: ${h.toFixed(4)} vs ` +
        `${z.toFixed(4)}: **${h > z ? "agrees" : "does not agree"}**.`,
    );
  }
  return out.length ? ["### The papers' orderings", "", ...out, ""] : [];
}
