/**
 * `deno task ci:power [--out DIR] [--only M,...] [--offsets K,...] [--no-bugs]`: measures the
 * regression check of `bench:ci` itself (issue 14) and writes DIR/power.md (default
 * reports/ci-power): unchanged code on other seed sets (`bench:ci --seed-offset K`: every alarm
 * is a false one), and the bugs below injected one at a time (`--inject`: each should fail). Each
 * run is a bench:ci folder under DIR, resumable like bench:ci; power.md covers every measurement
 * in DIR, so calls for different methods or offsets add up (`--offsets ""`: none).
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { ConfigError } from "../suite/config.ts";
import { BASELINE_FLAG, runCi } from "./ci_main.ts";
import { BENCH_FLAGS, parseBackend, parseList, runCommand } from "./cli.ts";
import { checkedAs, type Comparison } from "./compare.ts";
import { CI_RUNS } from "./methods.ts";

/** A bug the check should catch: overrides on one method's CI runs, and why it is one. */
export interface InjectedBug {
  name: string;
  method: string;
  overrides: [string, string][];
  what: string;
}

/** The injected bugs: the kinds the issue names (a learning rate off by 10x, a loss term or
 * augmentation switched off), one or more per method. */
export const BUGS: InjectedBug[] = [
  {
    name: "drlim-lr",
    method: "drlim",
    overrides: [["lr", "0.0002"]],
    what: "learning rate 10x too low (0.0002 for 0.002)",
  },
  {
    name: "drlim-pairs",
    method: "drlim",
    overrides: [["similarFraction", "0.95"]],
    what: "dissimilar pairs nearly dropped from the loss (5 % of a batch for 50 %)",
  },
  {
    name: "simclr-no-augment",
    method: "simclr",
    overrides: [["strength", "0"], ["cropMin", "1"]],
    what: "augmentation switched off (no colour distortion, no crop; flips only)",
  },
  {
    name: "exemplar-lr",
    method: "exemplar",
    overrides: [["lr", "0.005"]],
    what: "learning rate 10x too low (0.005 for 0.05; under SGD the same as the loss scaled by " +
      "1/10)",
  },
  {
    name: "byol-lr",
    method: "byol",
    overrides: [["lr", "0.001"]],
    what: "learning rate 10x too low (0.001 for Adam's 0.01)",
  },
  {
    name: "simsiam-no-stop-gradient",
    method: "simsiam",
    overrides: [["stopGradient", "false"]],
    what: "the stop-gradient dropped (the paper's Fig. 2: the outputs collapse)",
  },
  {
    name: "vicreg-no-variance",
    method: "vicreg",
    overrides: [["stdCoeff", "0"]],
    what: "the variance term switched off (mu 0 for 25)",
  },
];

/** One measurement: a bench:ci run of one method, on other seeds or with a bug injected. */
interface Measurement {
  run: string;
  kind: PowerRow["kind"];
  what: string;
  method: string;
  seedOffset?: number;
  inject?: { method: string; overrides: [string, string][] };
}

function otherSeeds(k: number, method: string): Measurement {
  return {
    run: `seeds+${k}-${method}`,
    kind: "other seeds",
    what: `unchanged code, CI seeds + ${k}`,
    method,
    seedOffset: k,
  };
}

function injected(b: InjectedBug): Measurement {
  return {
    run: `bug-${b.name}`,
    kind: "injected bug",
    what: b.what,
    method: b.method,
    inject: { method: b.method, overrides: b.overrides },
  };
}

/** One bench:ci run of the measurement, summarised per method. */
export interface PowerRow {
  run: string;
  kind: "other seeds" | "injected bug";
  what: string;
  method: string;
  /** checked metrics of the method, and those that alarmed (regression, changed, missing) */
  checked: number;
  alarms: string[];
  /** the smallest and largest drop the method's accuracy checks detect (power 0.8) */
  detects: [number, number] | null;
  failedRuns: number;
}

/** The checked lines of one method's comparison, summarised: how many, which alarmed, and the
 * range of the accuracy drops its checks detect. */
export function summariseMethod(
  cs: Comparison[],
): { checked: number; alarms: string[]; detects: [number, number] | null } {
  const mine = cs.filter((c) => checkedAs(c.group));
  const alarms = mine.filter((c) => ["regression", "changed", "missing"].includes(c.verdict))
    .map((c) =>
      `${c.group.method} ${c.group.metric}${c.group.features ? ` on ${c.group.features}` : ""} ` +
      c.verdict
    );
  const d = mine.filter((c) => checkedAs(c.group) === "accuracy" && Number.isFinite(c.detects))
    .map((c) => c.detects);
  return {
    checked: mine.length,
    alarms,
    detects: d.length ? [Math.min(...d), Math.max(...d)] : null,
  };
}

/** power.md: one row per run and method, then the rates. */
export function powerTable(rows: PowerRow[]): string {
  const f = (d: [number, number] | null) =>
    d ? (d[0] === d[1] ? d[0].toFixed(3) : `${d[0].toFixed(3)}-${d[1].toFixed(3)}`) : "-";
  const seeds = rows.filter((r) => r.kind === "other seeds");
  const bugs = rows.filter((r) => r.kind === "injected bug");
  const falseAlarms = seeds.filter((r) => r.alarms.length > 0).length;
  const caught = bugs.filter((r) => r.alarms.length > 0).length;
  return [
    "# The regression check's power, measured",
    "",
    "Generated by `deno task ci:power`; do not edit by hand. Each row is one `bench:ci` run " +
    "(its folder beside this file) compared with `reports/baselines/ci`, one method's part: " +
    "unchanged code on other seeds (`--seed-offset`: any alarm is false) or an injected bug " +
    "(`--inject`: an alarm is a detection). detects = the accuracy drop each of the method's " +
    "checks finds with probability 0.8 at the measured spread (bench/compare.ts CHECK).",
    "",
    "| run | kind | what | method | checked metrics | alarms | detects (accuracy drop) | failed runs |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.run} | ${r.kind} | ${r.what} | ${r.method} | ${r.checked} | ${
        r.alarms.length ? r.alarms.join("; ") : "none"
      } | ${f(r.detects)} | ${r.failedRuns} |`
    ),
    "",
    `False alarms: ${falseAlarms} of ${seeds.length} method checks on other seeds. ` +
    `Detections: ${caught} of ${bugs.length} injected bugs.`,
    "",
  ].join("\n");
}

if (import.meta.main) {
  const methods = [...new Set(CI_RUNS.map((s) => s.method))];
  await runCommand({
    name: "deno task ci:power",
    summary: "Measures bench:ci's regression check: unchanged code on other seed sets (false " +
      "alarms) and injected bugs (detections), each a bench:ci run; writes power.md.",
    flags: {
      out: { type: "string", value: "DIR", help: "output folder", default: "reports/ci-power" },
      baseline: BASELINE_FLAG,
      backend: BENCH_FLAGS.backend,
      only: { type: "string", value: "M,...", help: "measure only these methods" },
      offsets: {
        type: "string",
        value: "K,...",
        help: "seed offsets of the unchanged-code runs",
        default: "100,200,300,400,500",
      },
      "no-bugs": { type: "boolean", help: "skip the injected bugs" },
    },
    positionals: "",
    minPositionals: 0,
    maxPositionals: 0,
  }, async (v) => {
    const only = v.only === undefined ? methods : parseList("only", v.only);
    const bad = only.filter((m) => !methods.includes(m));
    if (bad.length) throw new ConfigError(`--only: unknown method(s) ${bad}; CI runs ${methods}`);
    const offsets = (v.offsets === "" ? [] : parseList("offsets", v.offsets!)).map((x) => {
      const k = Number(x);
      if (!Number.isInteger(k) || k <= 0) throw new ConfigError(`--offsets: "${x}" is not > 0`);
      return k;
    });
    const backend = parseBackend(v.backend!);
    const say = (line: string) => console.error(line);
    // one method per bench:ci run, so every checked line of its comparison is that method's
    const measure = async (m: Measurement) => {
      say(`ci:power: ${m.run}`);
      const r = await runCi({
        out: join(v.out!, m.run),
        baseline: v.baseline!,
        backend,
        only: [m.method],
        say,
        seedOffset: m.seedOffset,
        inject: m.inject,
      });
      return { ...m, ...summariseMethod(r.verdict.metrics), failedRuns: r.failed };
    };
    const asked = [
      ...offsets.flatMap((k) => only.map((m) => otherSeeds(k, m))),
      ...(v["no-bugs"] ? [] : BUGS.filter((b) => only.includes(b.method)).map(injected)),
    ];
    for (const m of asked) await measure(m);
    // power.md covers every measurement in the folder, from this call or earlier ones (each is
    // compared again, its runs already finished), so partial calls add up to one report
    await Deno.mkdir(v.out!, { recursive: true });
    const present = new Set<string>();
    for await (const e of Deno.readDir(v.out!)) if (e.isDirectory) present.add(e.name);
    const all = [
      ...[...present].flatMap((name) => {
        const m = /^seeds\+(\d+)-([a-z0-9]+)$/.exec(name);
        return m && methods.includes(m[2]!) ? [otherSeeds(Number(m[1]), m[2]!)] : [];
      }).sort((a, b) => a.method.localeCompare(b.method) || a.seedOffset! - b.seedOffset!),
      ...BUGS.map(injected).filter((m) => present.has(m.run)),
    ];
    const rows: PowerRow[] = [];
    for (const m of all) rows.push(await measure(m));
    const md = powerTable(rows);
    await writeFileAtomic(join(v.out!, "power.md"), md);
    console.log(md);
    return 0;
  });
}
