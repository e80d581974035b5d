/**
 * Runs one method under one resolved configuration: checks the output folder first, picks the
 * backend, logs (JSON lines: config and provenance first, then one line per epoch), writes plots,
 * appends rows to results.csv and regenerates the folder's README.md report.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { ConfigError, configHash, configHelp } from "../suite/config.ts";
import { benchCommand, type CliArgs, commandHelp } from "./cli.ts";
import { methodNamed, METHODS } from "./methods.ts";
import { deriveStreams } from "../core/rng.ts";
import { type BackendInfo, initBackend, type InitBackendOptions } from "../core/backend.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { appendResults, readResults, type ResultRow } from "../io/csv.ts";
import { hostCpu, provenance } from "../io/provenance.ts";
import { writeReport } from "./report.ts";
import { type Phase, PHASES, type ResolvedRun, type RunOutput } from "../suite/method.ts";
import type { PhaseSeconds } from "./runs.ts";
import { windowMeans } from "../suite/stats.ts";
import { resultRows, runIdFor } from "../suite/results.ts";
import { fileSources } from "../datasets/sources.ts";

/**
 * Where a run goes without --out: the ignored out/ folder, never over a published report
 * (reports/ is written only with an explicit --out).
 */
export function defaultOut(method: string, presets: string[]): string {
  return join("out", `${method}-${presets.join("+")}`);
}

/** At most this many points of a run's training loss go into its log (window means beyond). */
export const LOG_CURVE_POINTS = 1000;

/** What a finished run leaves behind. */
export interface RunSummary {
  runId: string;
  outDir: string;
  runDir: string;
  rows: ResultRow[];
  output: RunOutput;
  backend: BackendInfo;
  wallS: number;
}

/** Help text of `deno task bench` and the chosen method, generated from the flags and defaults. */
export function helpText(method: string): string {
  const m = methodNamed(method);
  return commandHelp(
    benchCommand(() =>
      `Methods: ${Object.keys(METHODS).join(", ")}\n\n${m.name}: ${m.summary}\n${
        configHelp(m.defaults, m.docs, m.presets)
      }`
    ),
  );
}

/** Makes sure `dir` exists and is writable, before any training starts. */
export async function ensureWritable(dir: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true });
    const probe = join(dir, `.write-probe-${Deno.pid}`);
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (e) {
    throw new Error(
      `Cannot write to the output folder "${dir}" (${(e as Error).message}). ` +
        `Choose a writable folder with --out DIR.`,
    );
  }
}

/**
 * Reads an output folder's results.csv, if there is one, before any training: a malformed file
 * fails now, naming its line, instead of after minutes of training when the rows are appended.
 */
export async function checkResultsFile(path: string): Promise<void> {
  try {
    await Deno.stat(path);
  } catch {
    return; // a new folder
  }
  try {
    await readResults(path);
  } catch (e) {
    throw new ConfigError(
      `${(e as Error).message} (checked before training, so that no run's results are lost)`,
    );
  }
}

/** What a run will be, decided before anything runs: its resolved config, hash, id, folder. */
export interface RunPlan {
  /** the resolved config and the method's run bound to it */
  resolved: ResolvedRun;
  hash: string;
  runId: string;
  outDir: string;
}

/**
 * Resolves the arguments into a run plan (throws ConfigError on bad keys or values). The run id
 * is a function of method, presets, seed and the resolved config, so a sweep can tell which of
 * its runs are already finished.
 */
export function planRun(args: CliArgs): RunPlan {
  const method = methodNamed(args.method);
  const resolved = method.resolve(args.presets, args.overrides);
  const outDir = args.out ?? defaultOut(method.name, args.presets);
  const hash = configHash(method.name, resolved.config);
  const runId = runIdFor(method.name, args.presets, args.seed, hash);
  return { resolved, hash, runId, outDir };
}

/** Runs the benchmark the arguments describe. */
export async function runBenchmark(
  args: CliArgs,
  opts: { backendOptions?: InitBackendOptions; quiet?: boolean } = {},
): Promise<RunSummary> {
  const method = methodNamed(args.method);
  const { resolved, hash, runId, outDir } = planRun(args);
  const config = resolved.config;
  await ensureWritable(outDir);
  await checkResultsFile(join(outDir, "results.csv"));
  const backend = await initBackend(args.backend, opts.backendOptions);
  const prov = await provenance();
  const runDir = join(outDir, "runs", runId);
  await Deno.mkdir(runDir, { recursive: true });
  const logPath = join(runDir, "log.jsonl");
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const log = await Deno.open(logPath, { create: true, write: true, truncate: true });
  const enc = new TextEncoder();
  const writeLog = async (rec: Record<string, unknown>) => {
    const bytes = enc.encode(JSON.stringify(rec) + "\n");
    let off = 0;
    while (off < bytes.length) off += await log.write(bytes.subarray(off));
    await log.sync();
  };
  // Ctrl-C: the log says the run was interrupted (and when), then exit 130 as a shell expects
  const onInterrupt = () => {
    try {
      Deno.writeTextFileSync(
        logPath,
        JSON.stringify({
          type: "interrupted",
          signal: "SIGINT",
          after_s: Number(((performance.now() - t0) / 1000).toFixed(1)),
          at: new Date().toISOString(),
        }) + "\n",
        { append: true },
      );
    } finally {
      console.error(`\ninterrupted: ${runId} stopped; its log says so (${logPath})`);
      Deno.exit(130);
    }
  };
  Deno.addSignalListener("SIGINT", onInterrupt);
  let output: RunOutput;
  try {
    await writeLog({
      type: "config",
      run_id: runId,
      method: method.name,
      presets: args.presets,
      seed: args.seed,
      config,
      config_hash: hash,
      ...prov,
      backend: backend.backend,
      adapter: backend.adapter,
      fallback_adapter: backend.fallbackAdapter,
      kernels: backend.kernels,
      host_cpu: await hostCpu(),
      started_at: startedAt,
    });
    const quiet = opts.quiet ?? args.quiet;
    const clock = phaseClock();
    output = await resolved.run({
      seed: args.seed,
      streams: deriveStreams(args.seed),
      backend,
      data: fileSources,
      log: writeLog,
      quiet,
      phase: (kind, line) => {
        clock.start(kind);
        if (!quiet) console.error(line);
      },
    });
    await writeLog({ type: "phases", ...phaseFields(clock.stop()) });
    // the training loss for the reports' every-seed loss plots, at most LOG_CURVE_POINTS points
    const curve = windowMeans(output.stepLosses, LOG_CURVE_POINTS);
    await writeLog({
      type: "loss_curve",
      every: curve.every,
      points: curve.points.map((p) => [p.step, p.loss]),
    });
    await writeLog({
      type: "result",
      rows: output.rows,
      images_per_s: output.imagesPerS,
      tensors: tf.memory().numTensors,
    });
  } catch (e) {
    await writeLog({ type: "error", error: (e as Error).name, message: (e as Error).message });
    throw e;
  } finally {
    Deno.removeSignalListener("SIGINT", onInterrupt);
    log.close();
  }
  for (const p of output.plots) await writeFileAtomic(join(runDir, p.file), p.svg);
  const wallS = (performance.now() - t0) / 1000;
  const rows = resultRows(output.rows, {
    seed: args.seed,
    hash,
    runId,
    presets: args.presets,
    overrides: args.overrides,
    backend,
    commit: prov.commit + (prov.dirty ? "-dirty" : ""),
    startedAt,
    wallS,
    imagesPerS: output.imagesPerS,
    deno: prov.deno,
    tfjs: prov.tfjs,
  });
  await appendResults(join(outDir, "results.csv"), rows, { replaceRun: runId });
  await writeReport(outDir);
  return { runId, outDir, runDir, rows, output, backend, wallS };
}

/**
 * Wall time per phase of a run: each phase lasts until the next one starts or `stop()`. A phase
 * entered twice (DrLIM's data: loading, then its neighbour graph) adds up.
 */
export function phaseClock(now: () => number = () => performance.now()): {
  start: (kind: Phase) => void;
  stop: () => PhaseSeconds;
} {
  const ms = Object.fromEntries(PHASES.map((p) => [p, 0])) as PhaseSeconds;
  let current: { kind: Phase; t: number } | null = null;
  const close = () => {
    if (current) ms[current.kind] += now() - current.t;
    current = null;
  };
  return {
    start: (kind) => {
      close();
      current = { kind, t: now() };
    },
    stop: () => {
      close();
      return Object.fromEntries(PHASES.map((p) => [p, ms[p] / 1000])) as PhaseSeconds;
    },
  };
}

/** The log's `phases` record fields: `data_s`, `train_s`, `eval_s`, in seconds to 0.1 s. */
function phaseFields(s: PhaseSeconds): Record<string, number> {
  return Object.fromEntries(PHASES.map((p) => [`${p}_s`, Number(s[p].toFixed(1))]));
}
