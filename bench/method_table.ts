/**
 * One table that compares methods at an equal budget, as lightly's and solo-learn's benchmark
 * tables do: every method of a folder run on the same dataset with the same encoder, data sizes,
 * epochs and batch ({@linkcode BUDGET}; whatever their presets are called), each accuracy they
 * all report as mean +/- its 95 % interval over seeds, the gain over a randomly initialised copy
 * of the same encoder paired by seed, and what the training cost (images per second, seconds,
 * peak memory).
 * @module
 */
import type { PhaseSeconds, RunRecord } from "./runs.ts";
import { effectOf, interval95, meanStd, verdictOf } from "../suite/stats.ts";
import { RANDOM_INIT } from "../eval/harness.ts";

const esc = (s: string) => s.replace(/\|/g, "\\|");
const sign = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(3)}`;

/** The accuracies a comparison lists: the methods' own, not the surrogate task's. */
function compared(metric: string): boolean {
  return /accuracy/.test(metric) && !/surrogate/.test(metric);
}

/** A column: one metric on one kind of features (e.g. kNN accuracy on h). */
interface Column {
  metric: string;
  features: string;
}

const key = (c: Column) => `${c.metric} on ${c.features || "-"}`;

/** The config keys that make two methods' runs an equal budget: same data, encoder, steps. */
const BUDGET = ["encoder", "width", "trainPerClass", "testPerClass", "epochs", "batch"];

/**
 * The "Methods compared" section: one table per dataset and budget that two or more methods ran
 * and first evaluate on the same kind of features (the encoder's output h for the two-view
 * methods), with the columns on those features every one of them reports. Empty when no such
 * group exists.
 */
export function methodTable(
  runs: RunRecord[],
  phases: Map<string, PhaseSeconds>,
  peakBytes: Map<string, number>,
): string[] {
  const settings = new Map<string, RunRecord[]>();
  for (const r of runs) {
    // a method's first accuracy names the features it is compared on (h for two-view methods)
    const own = r.rows.find((x) => x.method === r.method && compared(x.metric!));
    if (!own) continue;
    const budget = BUDGET.filter((k) => r.config[k] !== undefined)
      .map((k) => `${k}=${r.config[k]}`).join(" ");
    const id = `${own.dataset} | ${budget} | ${own.features ?? ""}`;
    settings.set(id, [...settings.get(id) ?? [], r]);
  }
  const lines: string[] = [];
  for (const [id, group] of settings) {
    const methods = [...new Set(group.map((r) => r.method))];
    if (methods.length < 2) continue;
    const columnsOf = (m: string) =>
      new Map(
        group.filter((r) => r.method === m).flatMap((r) => r.rows)
          .filter((x) => x.method === m && compared(x.metric!))
          .map((x) => {
            const c = { metric: x.metric!, features: x.features ?? "" };
            return [key(c), c] as const;
          }),
      );
    const shared = [...columnsOf(methods[0]!).values()].filter((c) =>
      methods.every((m) => columnsOf(m).has(key(c)))
    );
    const [dataset, budget, on] = id.split(" | ");
    const cols = shared.filter((c) => c.features === on);
    if (cols.length === 0) continue;
    const names = cols.map((c) => `${c.metric.replace(/_accuracy$/, "")}${on ? ` on ${on}` : ""}`);
    lines.push(
      `### Methods at an equal budget: ${esc(dataset!)}, \`${budget}\``,
      "",
      "Each method's accuracy: mean +/- the half-width of its 95 % interval over seeds (n). " +
        "Gain: the method minus a randomly initialised copy of the same encoder, evaluated the " +
        'same way in the same run, paired by seed, with its 95 % interval; "yes" where the ' +
        'interval lies above 0, "no" where below, "not shown" where it straddles 0 or rests ' +
        "on one seed. Cost: training images per second, seconds in training and in evaluation, " +
        "and peak live tensor memory of the first training step (MiB), means over the runs.",
      "",
      `| method | presets | seeds | ${names.join(" | ")} | ${
        names.map((n) => `gain over random init, ${n}`).join(" | ")
      } | beats random init | images/s | train s | eval s | peak MiB |`,
      `|${" --- |".repeat(8 + 2 * names.length)}`,
    );
    for (const m of methods) {
      const rs = group.filter((r) => r.method === m);
      const bySeed = (who: string, c: Column) =>
        new Map(
          rs.flatMap((r) => r.rows)
            .filter((x) => x.method === who && x.metric === c.metric && x.features === c.features)
            .map((x) => [x.seed!, Number(x.value)]),
        );
      const values = cols.map((c) => {
        const i = interval95([...bySeed(m, c).values()]);
        return `${i.mean.toFixed(3)}${i.n > 1 ? ` +/- ${i.half.toFixed(3)}` : ""} (${i.n})`;
      });
      const effects = cols.map((c) => effectOf(bySeed(m, c), bySeed(RANDOM_INIT, c)));
      const gains = effects.map((e) =>
        Number.isNaN(e.difference)
          ? "-"
          : Number.isFinite(e.low)
          ? `${sign(e.difference)} [${sign(e.low)}, ${sign(e.high)}]`
          : `${sign(e.difference)} (1 seed)`
      );
      const verdicts = effects.map((e) => verdictOf(e));
      const beats = verdicts.every((v) => v === "supported")
        ? "yes"
        : verdicts.some((v) => v === "contradicted")
        ? "no"
        : verdicts.some((v) => v === "supported")
        ? "on some columns"
        : "not shown";
      const mean = (xs: (number | undefined)[], digits = 1, scale = 1) => {
        const vs = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
        return vs.length ? (meanStd(vs).mean / scale).toFixed(digits) : "-";
      };
      const presets = [...new Set(rs.map((r) => r.rows[0]?.preset ?? ""))].map((p) => `\`${p}\``);
      lines.push(
        `| ${esc(m)} | ${presets.join(", ")} | ${
          [...new Set(rs.map((r) => r.rows[0]?.seed))].length
        } | ${values.join(" | ")} | ${gains.join(" | ")} | ${beats} | ${
          mean(rs.map((r) => Number(r.rows[0]?.images_per_s)), 0)
        } | ${mean(rs.map((r) => phases.get(r.id)?.train))} | ${
          mean(rs.map((r) => phases.get(r.id)?.eval))
        } | ${mean(rs.map((r) => peakBytes.get(r.id)), 1, 2 ** 20)} |`,
      );
    }
    lines.push("");
  }
  return lines.length ? ["## Methods compared", "", ...lines] : [];
}
