/**
 * The reference tier's results (issue 27): for each method with a `reference` preset, its runs
 * at that preset's config, read from its budget study's folder (reports/sweep-<method>-budget,
 * `deno task sweep <method>-budget`) and its PyTorch peer's (reports/peer-<method>-reference,
 * `deno task peer`): the weighted-kNN and linear-probe accuracies on its representation (h for the
 * two-view methods; its `tier` declaration) with their 95 % intervals
 * over seeds, the random encoder's, the gain over it (paired by seed), PyTorch's numbers on the
 * same recipe and the difference (Welch: the two sides' seeds are independent draws), training
 * minutes per seed, commits and hosts; and each budget the study ran. `deno task reference`
 * writes them as reports/reference/README.md and as the README's results table.
 * @module
 */
import { basename, join } from "node:path";
import { configHash } from "../suite/config.ts";
import { type Method, TIER_DEFAULT, type TierMeasures } from "../suite/method.ts";
import { type Effect, effectOf, type Interval, interval95 } from "../suite/stats.ts";
import { readRunFolder, type RunFolder } from "./runs.ts";
import { RANDOM_INIT } from "../eval/harness.ts";
import { paddedTable } from "./readme.ts";
import { lineSvg } from "../io/svg.ts";

/** The gain over its random encoder the tier asks of every method, on kNN and linear. */
export const GAIN_GOAL = 0.05;
/** The training minutes a seed may take at the tier (on the 2-core machines). */
export const MINUTES_CAP = 15;
/** How close the suite should come to PyTorch on the same recipe, at equal epochs. */
export const FIDELITY_GOAL = 0.02;
/** Seeds the tier's conclusions need at least. */
export const MIN_SEEDS = 3;

/**
 * The two measures the tier is judged on: weighted kNN and the linear probe on the method's
 * representation (its `tier` declaration names the features and metrics: h and knn_accuracy,
 * linear_accuracy for the two-view methods).
 */
export const MEASURES = [
  { metric: "knn_accuracy", name: "kNN", role: "knn" },
  { metric: "linear_accuracy", name: "linear", role: "linear" },
] as const;
type Metric = (typeof MEASURES)[number]["metric"];

/** Where a method's suite runs and PyTorch runs of the tier live, under `reports`. */
export function referenceFolders(method: string, reports = "reports"): {
  suite: string;
  peer: string;
} {
  return {
    suite: join(reports, `sweep-${method}-budget`),
    peer: join(reports, `peer-${method}-reference`),
  };
}

/** One run's numbers on its representation: the trained network's and the random one's. */
export interface RunNumbers {
  id: string;
  /** the resolved config's hash */
  hash: string;
  seed: string;
  trained: Partial<Record<Metric, number>>;
  random: Partial<Record<Metric, number>>;
  /** training seconds (the log's train phase), NaN without a log */
  trainS: number;
  commit: string;
  /** host CPU (the suite's log) or the peer's adapter line */
  host: string;
  epochs: number;
}

/** The runs of `method` in a folder, with their numbers on its representation (`tier`). */
export function runNumbers(
  f: RunFolder,
  method: string,
  tier: TierMeasures = TIER_DEFAULT,
): RunNumbers[] {
  const out: RunNumbers[] = [];
  for (const [id, rows] of f.byRun) {
    const r0 = rows[0]!;
    const on = (who: string) => {
      const v: Partial<Record<Metric, number>> = {};
      for (const { metric, role } of MEASURES) {
        const name = tier[role];
        const r = rows.find((x) =>
          x.method === who && x.features === tier.features && x.metric === name
        );
        if (r && (r.value ?? "").trim() !== "") v[metric] = Number(r.value);
      }
      return v;
    };
    const first = f.firsts.get(id) ?? null;
    const config = (first?.config ?? {}) as Record<string, unknown>;
    out.push({
      id,
      hash: r0.config_hash ?? "",
      seed: r0.seed ?? "",
      trained: on(method),
      random: on(RANDOM_INIT),
      trainS: f.phases.get(id)?.train ?? NaN,
      commit: r0.commit ?? "",
      host: typeof first?.host_cpu === "string"
        ? first.host_cpu
        : r0.backend === "pytorch"
        ? r0.adapter ?? ""
        : "",
      epochs: Number(config.epochs),
    });
  }
  return out;
}

/** One side's summary over its seeds at one config. */
export interface Side {
  seeds: string[];
  trained: Record<Metric, Interval>;
  random: Record<Metric, Interval>;
  /** trained - random, paired by seed */
  gain: Record<Metric, Effect>;
  /** the measures its runs have (DrLIM's 2-D map has no linear probe) */
  measured: Metric[];
  /** training minutes per seed, and the longest */
  minutes: Interval;
  maxMinutes: number;
  commits: string[];
  hosts: string[];
}

/** Seed -> value of one number over runs (runs without it are left out). */
function bySeed(runs: RunNumbers[], pick: (r: RunNumbers) => number | undefined, tag = "") {
  const m = new Map<string, number>();
  for (const r of runs) {
    const v = pick(r);
    if (v !== undefined && Number.isFinite(v)) m.set(tag + r.seed, v);
  }
  return m;
}

/** A record of one value per measure. */
function per<T>(f: (metric: Metric) => T): Record<Metric, T> {
  return Object.fromEntries(MEASURES.map(({ metric }) => [metric, f(metric)])) as Record<Metric, T>;
}

/** The summary of runs of one config (null without runs). */
export function sideOf(runs: RunNumbers[]): Side | null {
  if (runs.length === 0) return null;
  const values = (m: Map<string, number>) => interval95([...m.values()]);
  return {
    seeds: runs.map((r) => r.seed).sort(),
    measured: MEASURES.map((x) => x.metric).filter((k) => runs.some((r) => k in r.trained)),
    trained: per((k) => values(bySeed(runs, (r) => r.trained[k]))),
    random: per((k) => values(bySeed(runs, (r) => r.random[k]))),
    gain: per((k) => effectOf(bySeed(runs, (r) => r.trained[k]), bySeed(runs, (r) => r.random[k]))),
    minutes: interval95(runs.map((r) => r.trainS / 60).filter(Number.isFinite)),
    maxMinutes: Math.max(...runs.map((r) => r.trainS / 60)),
    commits: [...new Set(runs.map((r) => r.commit))].sort(),
    hosts: [...new Set(runs.map((r) => r.host).filter(Boolean))].sort(),
  };
}

/** The suite's accuracy minus PyTorch's on one measure, Welch's interval (independent seeds). */
export function fidelityOf(suite: RunNumbers[], peer: RunNumbers[], k: Metric): Effect {
  return effectOf(
    bySeed(suite, (r) => r.trained[k], "suite "),
    bySeed(peer, (r) => r.trained[k], "pytorch "),
  );
}

/** One budget of the study: its epochs and the runs' summary. */
export interface BudgetPoint {
  epochs: number;
  side: Side;
}

/** A method's row of the tier. */
export interface ReferenceResult {
  method: string;
  title: string;
  /** whether the method has a reference preset yet (without one, nothing else is filled) */
  preset: boolean;
  /** what the tier measures of it */
  tier: TierMeasures;
  /** the reference preset's epochs */
  epochs: number;
  hash: string;
  suite: Side | null;
  peer: Side | null;
  fidelity: Record<Metric, Effect> | null;
  budget: BudgetPoint[];
  /** PyTorch's runs of the same recipe at each budget it ran (equal wall time: more epochs) */
  peerBudget: BudgetPoint[];
  folders: { suite: string; peer: string };
}

/** Reads a folder's runs, or none where it has no results yet. */
async function folderRuns(
  dir: string,
  method: string,
  tier?: TierMeasures,
): Promise<RunNumbers[]> {
  try {
    return runNumbers(await readRunFolder(dir), method, tier);
  } catch (e) {
    if ((e as Error).message.includes("does not exist")) return [];
    throw e;
  }
}

/** A method's tier result from its folders under `reports`. */
export async function referenceResult(m: Method, reports = "reports"): Promise<ReferenceResult> {
  const folders = referenceFolders(m.name, reports);
  if (!("reference" in m.presets)) {
    const none = { suite: null, peer: null, fidelity: null, budget: [], peerBudget: [] };
    return {
      method: m.name,
      title: m.title,
      preset: false,
      tier: m.tier,
      epochs: NaN,
      hash: "",
      ...none,
      folders,
    };
  }
  const config = m.resolve(["reference"], []).config;
  const hash = configHash(m.name, config);
  // a budget of the study: the reference config at other epochs (runs of an older recipe left
  // in the folder are not the study's)
  const hashAt = (epochs: number) => configHash(m.name, { ...config, epochs });
  const study = (await folderRuns(folders.suite, m.name, m.tier)).filter((r) =>
    r.hash === hashAt(r.epochs)
  );
  const suite = study.filter((r) => r.hash === hash);
  const peerStudy = (await folderRuns(folders.peer, m.name, m.tier)).filter((r) =>
    r.hash === hashAt(r.epochs)
  );
  const peer = peerStudy.filter((r) => r.hash === hash);
  const points = (runs: RunNumbers[]) =>
    [...new Set(runs.map((r) => r.epochs))].sort((a, b) => a - b)
      .map((e) => ({ epochs: e, side: sideOf(runs.filter((r) => r.epochs === e))! }));
  return {
    method: m.name,
    title: m.title,
    preset: true,
    tier: m.tier,
    epochs: Number(config.epochs),
    hash,
    suite: sideOf(suite),
    peer: sideOf(peer),
    fidelity: suite.length && peer.length ? per((k) => fidelityOf(suite, peer, k)) : null,
    budget: points(study),
    peerBudget: points(peerStudy),
    folders,
  };
}

/** Points (percent) with one decimal: 0.4123 -> "41.2". */
const pts = (x: number) => (100 * x).toFixed(1);
/** A signed difference in points. */
const signed = (x: number) => `${x >= 0 ? "+" : "-"}${pts(Math.abs(x))}`;

/** "41.2 [40.1, 42.3]": a mean in points with its 95 % interval (none for one seed). */
export function intervalText(i: Interval): string {
  if (!Number.isFinite(i.mean)) return "-";
  return Number.isFinite(i.half) ? `${pts(i.mean)} [${pts(i.low)}, ${pts(i.high)}]` : pts(i.mean);
}

/** "+6.3 [+4.1, +8.5]": a difference in points with its 95 % interval. */
export function effectPoints(e: Effect): string {
  if (!Number.isFinite(e.difference)) return "-";
  return Number.isFinite(e.low)
    ? `${signed(e.difference)} [${signed(e.low)}, ${signed(e.high)}]`
    : `${signed(e.difference)} (no interval)`;
}

/**
 * Whether a method's runs meet the tier: on both measures a gain of at least GAIN_GOAL with its
 * interval above 0, over at least MIN_SEEDS seeds, and no seed trained longer than MINUTES_CAP.
 */
export function meetsTier(s: Side): { met: boolean; why: string } {
  const short: string[] = [];
  if (s.seeds.length < MIN_SEEDS) short.push(`${s.seeds.length} of ${MIN_SEEDS} seeds`);
  if (s.measured.length === 0) short.push("no accuracy measured");
  for (const { metric, name } of MEASURES.filter((x) => s.measured.includes(x.metric))) {
    const g = s.gain[metric];
    if (!(g.difference >= GAIN_GOAL)) short.push(`${name} gain below ${pts(GAIN_GOAL)} points`);
    if (!(g.low > 0)) short.push(`${name} gain's interval not above 0`);
  }
  if (!(s.maxMinutes <= MINUTES_CAP)) short.push(`training over ${MINUTES_CAP} minutes a seed`);
  return { met: short.length === 0, why: short.join("; ") };
}

/** The commits of a side, shortened. */
const commitsText = (s: Side) => s.commits.map((c) => `\`${c.slice(0, 7)}\``).join(", ");

/**
 * The results table (the README's first and the tier page's): per method, kNN and linear
 * with their 95 % intervals, the random encoder's, the gain over it (paired by seed), PyTorch's
 * same-recipe numbers, training minutes per seed, seeds and commits, and whether it meets the
 * tier.
 */
export function resultsTable(results: ReferenceResult[]): string[] {
  const header = [
    "method",
    "kNN",
    "random encoder",
    "gain",
    "linear probe",
    "random encoder",
    "gain",
    "PyTorch, same recipe: kNN / linear",
    "train min / seed",
    "seeds",
    "commit",
    "beats its random encoder by 5 points",
  ];
  const rows = results.map((r) => {
    const s = r.suite;
    if (!s) {
      return [
        r.title,
        ...Array(header.length - 2).fill("-"),
        r.preset
          ? `not run yet: \`deno task sweep ${r.method}-budget\``
          : "no reference preset yet",
      ];
    }
    const p = r.peer;
    const tier = meetsTier(s);
    return [
      `${r.title} (${epochsText(r.epochs)}, on ${r.tier.features})`,
      intervalText(s.trained.knn_accuracy),
      intervalText(s.random.knn_accuracy),
      effectPoints(s.gain.knn_accuracy),
      intervalText(s.trained.linear_accuracy),
      intervalText(s.random.linear_accuracy),
      effectPoints(s.gain.linear_accuracy),
      p
        ? `${intervalText(p.trained.knn_accuracy)} / ${intervalText(p.trained.linear_accuracy)}`
        : "-",
      `${s.minutes.mean.toFixed(1)}${p ? ` (PyTorch ${p.minutes.mean.toFixed(1)})` : ""}`,
      s.seeds.join(", "),
      commitsText(s),
      tier.met ? "**yes**" : `not yet (${tier.why})`,
    ];
  });
  return [
    ...paddedTable(header, rows),
  ];
}

/** "1 epoch", "4 epochs". */
function epochsText(n: number): string {
  return `${n} epoch${n === 1 ? "" : "s"}`;
}

/** Whether the suite is within FIDELITY_GOAL of PyTorch on a measure, in words. */
export function fidelityText(e: Effect): string {
  if (!(Math.abs(e.difference) <= FIDELITY_GOAL)) return `**outside ${pts(FIDELITY_GOAL)} points**`;
  return e.low >= -FIDELITY_GOAL && e.high <= FIDELITY_GOAL
    ? `within ${pts(FIDELITY_GOAL)} points, interval too`
    : `within ${pts(FIDELITY_GOAL)} points; interval wider`;
}

/** The same-recipe comparison's table: each side's accuracy, the difference, the time. */
export function fidelityTable(results: ReferenceResult[]): string[] {
  const header = [
    "method",
    "suite kNN",
    "PyTorch kNN",
    "suite - PyTorch",
    "",
    "suite linear",
    "PyTorch linear",
    "suite - PyTorch",
    "",
    "train min / seed: suite, PyTorch (ratio)",
  ];
  const rows: string[][] = [];
  for (const r of results) {
    if (!r.suite || !r.peer || !r.fidelity) continue;
    const s = r.suite, p = r.peer;
    const cells = MEASURES.flatMap(({ metric }) => [
      intervalText(s.trained[metric]),
      intervalText(p.trained[metric]),
      effectPoints(r.fidelity![metric]),
      fidelityText(r.fidelity![metric]),
    ]);
    rows.push([
      `${r.title} (${epochsText(r.epochs)}, seeds ${s.seeds.join(", ")} / ${p.seeds.join(", ")})`,
      ...cells,
      `${s.minutes.mean.toFixed(1)}, ${p.minutes.mean.toFixed(1)} (${
        (s.minutes.mean / p.minutes.mean).toFixed(1)
      }x)`,
    ]);
  }
  return rows.length ? paddedTable(header, rows) : ["No method has both sides' runs yet."];
}

/** A method's budget study: each budget's seeds, minutes, accuracies and gains. */
export function budgetTable(r: ReferenceResult): string[] {
  const header = [
    "epochs",
    "seeds",
    "train min / seed",
    "kNN",
    "gain over random",
    "linear probe",
    "gain over random",
  ];
  return paddedTable(
    header,
    r.budget.map(({ epochs, side: s }) => [
      `${epochs}${epochs === r.epochs ? " (reference)" : ""}`,
      s.seeds.join(", "),
      Number.isFinite(s.minutes.half)
        ? `${s.minutes.mean.toFixed(1)} [${s.minutes.low.toFixed(1)}, ${s.minutes.high.toFixed(1)}]`
        : s.minutes.mean.toFixed(1),
      intervalText(s.trained.knn_accuracy),
      effectPoints(s.gain.knn_accuracy),
      intervalText(s.trained.linear_accuracy),
      effectPoints(s.gain.linear_accuracy),
    ]),
  );
}

/** reports/reference/README.md: the tier's page. */
export function referencePage(results: ReferenceResult[]): string[] {
  const hostsOf = (points: (r: ReferenceResult) => BudgetPoint[]) =>
    [...new Set(results.flatMap((r) => points(r).flatMap((b) => b.side.hosts)))].sort();
  const hosts = hostsOf((r) => r.budget), peerHosts = hostsOf((r) => r.peerBudget);
  const lines = [
    "# The reference tier: runs in which the methods learn",
    "",
    "Generated by `deno task reference` from the budget studies' folders (`reports/sweep-<method>-" +
    "budget`, made by `deno task sweep <method>-budget`) and the PyTorch peers' " +
    "(`reports/peer-<method>-reference`, made by `deno task peer --method <method> --out ...`); " +
    "do not edit by hand.",
    "",
    "Each method trains at its `reference` preset (`deno task bench --method M --preset reference " +
    "--seed S`): the small CNN (three 3x3 conv-BN-ReLU layers, width 16-32-64, max-pooling, global " +
    "average: h is 64-d) on 10,000 class-balanced training images of the CIFAR-10 JPEG copy " +
    "(1,000 a class), batch 128, Adam, no warm-up; evaluated with frozen weights on all 10,000 " +
    "test images by weighted kNN (k = 200, T = 0.1, cosine similarity to the 10,000 training " +
    "images' features) and a linear probe (softmax regression on standardised features, Adam, " +
    "20 epochs of batch 256), beside the same encoder with random weights (its own seed stream). " +
    "Accuracies are in points (percent) with their 95 % interval over seeds (Student's t); a gain " +
    "is paired by seed; the suite's difference from PyTorch is Welch's (independent seeds).",
    "",
    `The tier's goal: every method beats its random encoder by at least ${pts(GAIN_GOAL)} points ` +
    `on both measures, with the paired interval above 0, over at least ${MIN_SEEDS} seeds, in at ` +
    `most ${MINUTES_CAP} minutes of training a seed; and the suite within ` +
    `${pts(FIDELITY_GOAL)} points of PyTorch on the same recipe at equal epochs.`,
    "",
    `Suite: TF.js's webgpu backend on Mesa's lavapipe (llvmpipe), host ${
      hosts.join("; ") || "not recorded"
    }. PyTorch: ${peerHosts.join("; ") || "-"}.`,
    "",
    "## Results",
    "",
    ...resultsTable(results),
    "",
    "## Against PyTorch on the same recipe, at equal epochs",
    "",
    "`bench/peers/ssl_run.py` runs the same network, initialisation, augmentation, loss, " +
    "optimiser, schedule, data (the suite's decoded images) and evaluation; only the random draws " +
    "differ. Within 2 points: the difference of the means; its interval too where it lies inside " +
    "+/-2 points.",
    "",
    ...fidelityTable(results),
    "",
    "## Budget studies",
    "",
    "Each method's reference budget is the smallest of its study at which it meets the tier. " +
    "Seed 0 runs at every budget, more seeds where the study concludes.",
    "",
  ];
  for (const r of results.filter((r) => r.preset)) {
    lines.push(`### ${r.title}`, "");
    if (r.budget.length === 0) {
      lines.push(`Not run yet: \`deno task sweep ${r.method}-budget --seeds 0\`.`, "");
      continue;
    }
    const equal = equalTimeText(r);
    lines.push(
      `\`deno task sweep ${r.method}-budget\`, the reference preset at each budget ` +
        `([${basename(r.folders.suite)}](../${basename(r.folders.suite)}/README.md)):`,
      "",
      ...budgetTable(r),
      "",
      ...(r.peerBudget.length
        ? [
          `PyTorch, the same recipe at each budget it ran ` +
          `([${basename(r.folders.peer)}](../${basename(r.folders.peer)}/README.md)):`,
          "",
          ...budgetTable({ ...r, budget: r.peerBudget }),
          "",
        ]
        : []),
      ...(equal ? [equal, ""] : []),
      ...(trendText(r) ? [trendText(r)!, ""] : []),
      `![${r.title}: accuracy against training minutes](${budgetPlotFile(r.method)})`,
      "",
    );
  }
  return lines;
}

/**
 * bench:ci's check of the committed tier, which needs no training: for each method with both
 * sides' runs at its reference preset, the suite's mean on each measure must lie within
 * PyTorch's 95 % interval widened by FIDELITY_GOAL on each side (a change that breaks fidelity
 * in a committed report, or a table edited from other runs, fails); and PyTorch runs committed
 * for a method must be of its current reference recipe (else the preset changed without them).
 */
export function fidelityCheck(
  results: ReferenceResult[],
  stalePeers: Set<string>,
): { lines: string[]; bad: number } {
  const lines: string[] = [];
  let bad = 0;
  for (const r of results) {
    if (stalePeers.has(r.method) && !r.peer) {
      bad++;
      lines.push(
        `FIDELITY ${r.title}: ${r.folders.peer} holds PyTorch runs of another recipe than the ` +
          `reference preset's: rerun \`deno task peer --method ${r.method} --out ${r.folders.peer}\``,
      );
      continue;
    }
    if (!r.suite || !r.peer) continue;
    for (const { metric, name } of MEASURES.filter((x) => r.suite!.measured.includes(x.metric))) {
      const s = r.suite.trained[metric], p = r.peer.trained[metric];
      const low = p.low - FIDELITY_GOAL, high = p.high + FIDELITY_GOAL;
      const ok = s.mean >= low && s.mean <= high;
      if (!ok) bad++;
      lines.push(
        `${ok ? "ok" : "FIDELITY"} ${r.title} ${name} on ${r.tier.features}: the suite's ` +
          `${pts(s.mean)} ` +
          `${ok ? "within" : "outside"} PyTorch's ${intervalText(p)} +/- ${pts(FIDELITY_GOAL)} ` +
          `(${r.suite.seeds.length} and ${r.peer.seeds.length} seeds)`,
      );
    }
  }
  if (lines.length === 0) lines.push("no method has both sides' reference runs committed yet");
  return { lines, bad };
}

/** The methods whose peer folder under `reports` holds runs, of whatever recipe. */
export async function methodsWithPeerRuns(
  methods: string[],
  reports: string,
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const m of methods) {
    if ((await folderRuns(referenceFolders(m, reports).peer, m)).length) out.add(m);
  }
  return out;
}

/** The file name of a method's budget plot beside the tier's page. */
export const budgetPlotFile = (method: string) => `${method}_accuracy_vs_minutes.svg`;

/**
 * A method's accuracy on its representation against training minutes: each budget of the suite's study and each of
 * PyTorch's runs of the same recipe (mean with its 95 % interval over seeds where there are
 * several), the suite's random encoder as dashed lines; log-x (the two sides run minutes apart).
 */
export function budgetPlot(r: ReferenceResult): string | null {
  const series = [
    ...MEASURES.map(({ metric, name }) => ({ side: "suite", points: r.budget, metric, name })),
    ...MEASURES.map(({ metric, name }) => ({
      side: "PyTorch",
      points: r.peerBudget,
      metric,
      name,
    })),
  ].filter((x) => x.points.some((p) => p.side.measured.includes(x.metric)))
    .map(({ side, points, metric, name }) => ({
      name: `${side} ${name}`,
      points: points.map(({ side: s }) => {
        const i = s.trained[metric];
        const bar = Number.isFinite(i.half) ? { low: 100 * i.low, high: 100 * i.high } : {};
        return { x: s.minutes.mean, y: 100 * i.mean, ...bar };
      }),
    }));
  if (series.length === 0) return null;
  const random = r.suite ?? r.budget.at(-1)?.side;
  return lineSvg({
    series,
    logX: true,
    refs: random
      ? MEASURES.filter((x) => random.measured.includes(x.metric)).map(({ metric, name }) => ({
        name: `random ${name}`,
        y: 100 * random.random[metric].mean,
      }))
      : [],
    title: `${r.title}: accuracy on ${r.tier.features} against training minutes (95 % bars)`,
    xLabel: "training minutes per seed (log)",
    yLabel: "test accuracy (%)",
  });
}

/**
 * Where the two sides meet at equal wall time: PyTorch's run nearest in training minutes to the
 * suite's reference budget, as a sentence (null without PyTorch runs of several budgets).
 */
export function equalTimeText(r: ReferenceResult): string | null {
  const s = r.suite;
  if (!s || r.peerBudget.length === 0) return null;
  const near = r.peerBudget.reduce((a, b) =>
    Math.abs(Math.log(b.side.minutes.mean / s.minutes.mean)) <
        Math.abs(Math.log(a.side.minutes.mean / s.minutes.mean))
      ? b
      : a
  );
  const p = near.side;
  return `At equal wall time: the suite's ${epochsText(r.epochs)} take ${
    s.minutes.mean.toFixed(1)
  } ` +
    `minutes and reach kNN ${intervalText(s.trained.knn_accuracy)}, linear ` +
    `${intervalText(s.trained.linear_accuracy)}; PyTorch's ${
      epochsText(near.epochs)
    } of the same ` +
    `recipe take ${p.minutes.mean.toFixed(1)} minutes (seeds ${p.seeds.join(", ")}) and reach ` +
    `kNN ${intervalText(p.trained.knn_accuracy)}, linear ${
      intervalText(p.trained.linear_accuracy)
    }.`;
}

/**
 * For a method that does not meet the tier: how far its study got, and the training minutes its
 * trend predicts for the tier's gain on each measure. The trend is a least-squares line of the
 * gain (mean over seeds at each budget) against log training minutes through the suite's budgets;
 * where PyTorch ran the recipe at more epochs, the first of its budgets whose gain reaches the
 * goal is also carried over to the suite's minutes per epoch. Null where the tier is met.
 */
export function trendText(r: ReferenceResult): string | null {
  const s = r.suite ?? r.budget.at(-1)?.side;
  if (!s || (r.suite && meetsTier(r.suite).met) || r.budget.length === 0) return null;
  const last = r.budget.at(-1)!;
  const parts = [
    `${r.title} does not meet the tier yet: its largest budget, ${epochsText(last.epochs)} ` +
    `(${last.side.minutes.mean.toFixed(1)} minutes), gains kNN ` +
    `${effectPoints(last.side.gain.knn_accuracy)} and linear ` +
    `${effectPoints(last.side.gain.linear_accuracy)} over its random encoder.`,
  ];
  const perEpoch = last.side.minutes.mean / last.epochs;
  for (const { metric, name } of MEASURES) {
    const pts2 = r.budget.map((b) => ({
      x: Math.log(b.side.minutes.mean),
      y: b.side.gain[metric].difference,
    })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const fit = line(pts2);
    if (fit && fit.slope > 0) {
      const minutes = Math.exp((GAIN_GOAL - fit.intercept) / fit.slope);
      parts.push(
        `Its ${name} gain grows ${signed(fit.slope * Math.log(2))} points per doubling of the ` +
          `minutes (${pts2.length} budgets): ${pts(GAIN_GOAL)} points at about ` +
          `${minutes.toFixed(0)} minutes (${(minutes / perEpoch).toFixed(0)} epochs).`,
      );
    } else if (pts2.length >= 2) {
      parts.push(`Its ${name} gain does not grow over its ${pts2.length} budgets.`);
    }
    const reached = r.peerBudget.find((b) => b.side.gain[metric].difference >= GAIN_GOAL);
    if (reached) {
      parts.push(
        `PyTorch on the same recipe gains ${pts(GAIN_GOAL)} ${name} points from ` +
          `${epochsText(reached.epochs)}, which at the suite's ${perEpoch.toFixed(1)} minutes an ` +
          `epoch would take ${(reached.epochs * perEpoch).toFixed(0)} minutes.`,
      );
    }
  }
  return parts.join(" ");
}

/** The least-squares line through points (null for fewer than two distinct x). */
function line(ps: { x: number; y: number }[]): { slope: number; intercept: number } | null {
  if (ps.length < 2) return null;
  const mx = ps.reduce((a, p) => a + p.x, 0) / ps.length;
  const my = ps.reduce((a, p) => a + p.y, 0) / ps.length;
  const sxx = ps.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const slope = ps.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0) / sxx;
  return { slope, intercept: my - slope * mx };
}
