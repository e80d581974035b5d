/**
 * `deno task perf`: step time (median after warm-up) and images/s of the suite's training steps,
 * with the PyTorch peer (bench/peers/) run in the same invocation when a Python with torch is
 * present, so each row carries a ratio measured on one machine in one run. Writes perf.csv and
 * perf.md (atomically) to --out.
 *
 * Workloads: each method declares its own (`perf` in its declaration, suite/method.ts), with the
 * PyTorch peer script that runs the same step.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { initBackend } from "../core/backend.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { hostCpu, provenance } from "../io/provenance.ts";
import type { PerfWorkload } from "../suite/method.ts";
import { median } from "../suite/stats.ts";
import { reproducibleMatMul } from "../core/ops.ts";
import { Rng } from "../core/rng.ts";
import { METHODS } from "./methods.ts";
import { fileSources } from "../datasets/sources.ts";
import {
  DISPATCH_CHAINS,
  H200,
  INVOCATION_PROBES,
  type InvocationCosts,
  type KernelTime,
  kernelTimesByName,
  measureDispatch,
  measureInvocationCosts,
  measureReadback,
  predictH200,
  stepFlops,
} from "./cost_model.ts";
import { BENCH_FLAGS, parseBackend, parseCount, parseList, runCommand } from "./cli.ts";

/** The PyTorch peer's answer for one workload. */
export interface PeerResult {
  torch: string;
  device: string;
  median_ms: number;
  images_per_s: number;
  /** CUDA max_memory_allocated in MiB; null on CPU */
  peak_mib?: number | null;
}

/** Per-step wall times of a workload after warm-up. */
export interface StepTimes {
  times: number[];
  /** ms per step of `steps` steps run back to back with one read at the end, as training runs
   * between log points */
  readOnceMs: number;
  /** tensors alive after the timed steps minus before, per step: 0 when memory is flat */
  tensorGrowthPerStep: number;
}

/** Timing of one workload: per-step wall times after warm-up, plus one profiled step. */
export interface StepTiming extends StepTimes {
  /** kernels one step runs (from tf.profile), dispatching or not */
  kernelsPerStep: number;
  /** of those, the GPU programs one step dispatches (webgpu only, else -1) */
  dispatchesPerStep: number;
  /** peak bytes of live tensors during the profiled step (TF.js's accounting) */
  peakBytes: number;
  /** host-to-device uploads during the profiled step, and their bytes (webgpu only, else -1) */
  uploads: number;
  uploadBytes: number;
  /** reads back to the host the step itself makes (not counting the harness's loss read) */
  readbacks: number;
  /** dense FLOPs of the step (convolutions and matrix products: bench/cost_model.ts) */
  flops: number;
  /** the profiled step's kernel time per kernel name, longest first (empty where the backend
   * cannot time kernels) */
  kernelTimes: KernelTime[];
}
/**
 * Runs `f` counting the reads back to the host it makes on the active backend (`read` and
 * `readSync`: every `data()`, `dataSync()`, `array()`); on a GPU under Deno each costs at least
 * ~10 ms (shared/docs/anchors.md).
 */
export function countReadbacks<T>(f: () => T): { result: T; readbacks: number } {
  const b = tf.backend() as unknown as Record<"read" | "readSync", (...a: unknown[]) => unknown>;
  const orig = { read: b.read, readSync: b.readSync };
  let readbacks = 0;
  for (const k of ["read", "readSync"] as const) {
    b[k] = function (this: unknown, ...a: unknown[]) {
      readbacks++;
      return orig[k]!.apply(this, a);
    };
  }
  try {
    return { result: f(), readbacks };
  } finally {
    b.read = orig.read;
    b.readSync = orig.readSync;
  }
}

interface UploadingBackend {
  uploadToGPU(dataId: object): void;
  tensorMap: { get(dataId: object): { resource?: unknown; values?: ArrayBufferView } | undefined };
}

/**
 * Counts the host-to-device uploads `f` causes on the webgpu backend (by watching its
 * uploadToGPU), to check that a training step builds no large host tensors (issue: TF.js's
 * Sum/Mean gradients uploaded a ones tensor of the input's size). -1 on other backends.
 */
export async function countUploads<T>(
  f: () => Promise<T>,
): Promise<{ result: T; uploads: number; bytes: number }> {
  const b = tf.backend() as unknown as Partial<UploadingBackend>;
  if (tf.getBackend() !== "webgpu" || typeof b.uploadToGPU !== "function" || !b.tensorMap) {
    return { result: await f(), uploads: -1, bytes: -1 };
  }
  const orig = b.uploadToGPU;
  let uploads = 0, bytes = 0;
  b.uploadToGPU = function (this: UploadingBackend, dataId: object) {
    const d = this.tensorMap.get(dataId);
    if (d && d.resource == null && d.values) {
      uploads++;
      bytes += d.values.byteLength;
    }
    return orig.call(this, dataId);
  };
  try {
    return { result: await f(), uploads, bytes };
  } finally {
    b.uploadToGPU = orig;
  }
}

/**
 * Counts the GPU programs `f` dispatches on the webgpu backend (by watching its
 * runWebGPUProgram): reshapes and identities are kernels to TF.js but record no GPU work, and
 * some of the suite's kernels dispatch several programs. -1 on other backends.
 */
export async function countDispatches<T>(
  f: () => Promise<T>,
): Promise<{ result: T; dispatches: number }> {
  type Running = { runWebGPUProgram?: (...a: unknown[]) => unknown };
  const b = tf.backend() as unknown as Running;
  const orig = b.runWebGPUProgram;
  if (tf.getBackend() !== "webgpu" || typeof orig !== "function") {
    return { result: await f(), dispatches: -1 };
  }
  let dispatches = 0;
  b.runWebGPUProgram = function (this: unknown, ...a: unknown[]) {
    dispatches++;
    return orig.apply(this, a);
  };
  try {
    return { result: await f(), dispatches };
  } finally {
    b.runWebGPUProgram = orig;
  }
}

/**
 * Times `step` (which returns the loss; the loss is read every step, as training does), then
 * profiles one more step.
 */
export async function timeSteps(
  step: () => tf.Scalar,
  steps: number,
  warmup: number,
): Promise<StepTiming> {
  const timed = await measureSteps(step, steps, warmup);
  // one more step, both profiled (kernels, peak memory) and watched for uploads
  let readbacks = 0;
  const up = await countUploads(() =>
    countDispatches(() =>
      tf.profile(async () => {
        const counted = countReadbacks(step);
        readbacks = counted.readbacks;
        await counted.result.data();
        return counted.result;
      })
    )
  );
  const prof = up.result.result;
  tf.dispose(prof.result as tf.Tensor);
  return {
    ...timed,
    kernelsPerStep: prof.kernels.length,
    dispatchesPerStep: up.result.dispatches,
    peakBytes: prof.peakBytes,
    uploads: up.uploads,
    uploadBytes: up.bytes,
    readbacks,
    flops: stepFlops(prof.kernels),
    kernelTimes: kernelTimesByName(prof.kernels),
  };
}

/** {@linkcode timeSteps} without the profiled step: the times alone. */
export async function measureSteps(
  step: () => tf.Scalar,
  steps: number,
  warmup: number,
): Promise<StepTimes> {
  const times: number[] = [];
  const run = async () => {
    const l = step();
    await l.data();
    l.dispose();
  };
  for (let i = 0; i < warmup; i++) await run();
  const before = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  const growth = (tf.memory().numTensors - before) / steps;
  // as training runs between log points: the steps back to back, the loss read once at the end
  const t0 = performance.now();
  let last: tf.Scalar | null = null;
  for (let i = 0; i < steps; i++) {
    last?.dispose();
    last = step();
  }
  await last!.data();
  last!.dispose();
  return { times, readOnceMs: (performance.now() - t0) / steps, tensorGrowthPerStep: growth };
}

/** Times a method's perf workload: builds it, times its steps, disposes it. */
export async function timeWorkload(
  w: Pick<PerfWorkload, "setup">,
  steps: number,
  warmup: number,
): Promise<StepTiming> {
  const { step, dispose } = await w.setup(fileSources);
  try {
    return await timeSteps(step, steps, warmup);
  } finally {
    dispose();
  }
}

/** One round of a workload's timing: its median step, its read-once step and its peer's. */
export interface Round {
  ms: number;
  readOnceMs: number;
  peerMs: number | null;
}

/**
 * The rounds of one workload summarised: each side's median over the rounds, and the ratio's
 * median and range over the rounds' own ratios (each round's TF.js time over the peer's of the
 * same round). Ratios are null without a peer.
 */
export function roundSummary(rounds: Round[]): {
  ms: number;
  readOnceMs: number;
  peerMs: number | null;
  ratio: number | null;
  ratioRange: [number, number] | null;
  readOnceRatio: number | null;
  readOnceRange: [number, number] | null;
} {
  const ms = median(rounds.map((r) => r.ms)), readOnceMs = median(rounds.map((r) => r.readOnceMs));
  if (rounds.some((r) => r.peerMs === null)) {
    return {
      ms,
      readOnceMs,
      peerMs: null,
      ratio: null,
      ratioRange: null,
      readOnceRatio: null,
      readOnceRange: null,
    };
  }
  const ratios = rounds.map((r) => r.ms / r.peerMs!);
  const once = rounds.map((r) => r.readOnceMs / r.peerMs!);
  return {
    ms,
    readOnceMs,
    peerMs: median(rounds.map((r) => r.peerMs!)),
    ratio: median(ratios),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    readOnceRatio: median(once),
    readOnceRange: [Math.min(...once), Math.max(...once)],
  };
}

/**
 * One profiled step's kernel time in words: the kernels' summed time against the step's median,
 * then the `top` kernel names that took most of it, with their share and (launches). Null where
 * the backend cannot time kernels.
 */
export function kernelShares(times: KernelTime[], medianMs: number, top = 6): string | null {
  const kernelMs = times.reduce((s, k) => s + k.ms, 0);
  if (!(kernelMs > 0)) return null;
  const pct = (x: number) => `${(100 * x / kernelMs).toFixed(0)} %`;
  const parts = times.slice(0, top).map((k) => `${k.name} ${pct(k.ms)} (${k.launches})`);
  const rest = times.slice(top);
  if (rest.length) {
    const launches = rest.reduce((s, k) => s + k.launches, 0);
    parts.push(
      `${rest.length} other names ${pct(rest.reduce((s, k) => s + k.ms, 0))} (${launches})`,
    );
  }
  return `kernels ${kernelMs.toFixed(1)} ms of the ${medianMs.toFixed(1)} ms median; ` +
    parts.join(", ");
}

/** A range of ratios as perf.csv writes it, "1.2-3.4". */
const span = ([lo, hi]: [number, number]) => `${lo.toFixed(1)}-${hi.toFixed(1)}`;

/**
 * perf.md's section on what one invocation's work costs on the adapter (bench/cost_model.ts
 * `measureInvocationCosts`): the arithmetic rate the kernels could reach, and what a load costs
 * in multiply-adds, which decides how the suite's kernels are tiled.
 */
function invocationSection(c: InvocationCosts, adapter: string): string[] {
  const { invocations, short, long, repeats } = INVOCATION_PROBES;
  const row = (what: string, ns: number) =>
    `| ${what} | ${ns.toFixed(3)} | ${(ns / c.fma4Ns).toFixed(0)} |`;
  return [
    "## What one invocation's work costs on this adapter",
    "",
    `On ${adapter}: kernels of ${invocations} invocations, each looping over one operation ` +
    `${long} and ${short} times; the difference per extra iteration and invocation (median ` +
    `of ${repeats}, all cores busy; bench/cost_model.ts \`measureInvocationCosts\`). ` +
    `Multiply-adds held in registers run at **${(8 / c.fma4Ns).toFixed(0)} GFLOP/s**: the ` +
    "ceiling of any kernel here. A load from a storage buffer costs as much as the number " +
    "of vec4 multiply-adds in the last column, even when every lane of a workgroup reads the " +
    "same address: Mesa 22.3's lavapipe compiles each load into a loop over the SIMD lanes, " +
    "one scalar load with a bounds check each (later releases load an address shared by " +
    "the lanes once). So a kernel's speed here is set by its multiply-adds per load, and the suite's " +
    "convolutions are tiled for that (core/kernels/conv2d_webgpu.ts).",
    "",
    "| operation, per invocation | ns | vec4 multiply-adds of the same time |",
    "| --- | --- | --- |",
    row("vec4 multiply-add (8 FLOPs), in registers", c.fma4Ns),
    row("load of one float", c.loadNs),
    row("load of a vec4", c.load4Ns),
    row("load of a vec4, same address for the whole workgroup", c.load4SameNs),
    "",
  ];
}

/** A dense-throughput probe: one large kernel, timed alone here and by its PyTorch peer. */
export interface DenseProbe {
  label: string;
  /** builds the operands; `step` computes the product and returns one of its values */
  setup(): { step: () => tf.Scalar; dispose: () => void };
  /** arguments of bench/peers/dense.py */
  peer: string[];
}

/** A probe operand: values uniform in [-0.5, 0.5) from `r`. */
function probeTensor(r: Rng, shape: number[]): tf.Tensor {
  const n = shape.reduce((p, d) => p * d, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => r.uniform(-0.5, 0.5)), shape);
}

/**
 * The probes `deno task perf` measures with: the largest matrix product and
 * convolution shapes of the kind the suite trains, through the same ops training uses
 * (reproducibleMatMul; tf.conv2d, which runs the suite's Conv2D kernel on WebGPU).
 */
export const DENSE_PROBES: DenseProbe[] = [
  {
    label: "matrix product 1024 x 1024 by 1024 x 1024",
    setup: () => {
      const r = new Rng(1, "dense-probe");
      const a = probeTensor(r, [1024, 1024]), b = probeTensor(r, [1024, 1024]);
      return {
        step: () =>
          tf.tidy(() => tf.reshape(tf.slice(reproducibleMatMul(a, b), [0, 0], [1, 1]), [])),
        dispose: () => tf.dispose([a, b]),
      };
    },
    peer: ["--op", "matmul", "--n", "1024"],
  },
  {
    label: "3x3 convolution, 32 images of 32 x 32 x 64 to 64 channels",
    setup: () => {
      const r = new Rng(2, "dense-probe");
      const x = probeTensor(r, [32, 32, 32, 64]) as tf.Tensor4D;
      const w = probeTensor(r, [3, 3, 64, 64]) as tf.Tensor4D;
      return {
        step: () =>
          tf.tidy(() =>
            tf.reshape(tf.slice(tf.conv2d(x, w, 1, "same"), [0, 0, 0, 0], [1, 1, 1, 1]), [])
          ),
        dispose: () => tf.dispose([x, w]),
      };
    },
    peer: ["--op", "conv", "--batch", "32", "--n", "32", "--channels", "64"],
  },
];

/**
 * glibc settings under which the PyTorch peers run: memory freed by a step stays in the process
 * instead of going back to the system. With glibc's defaults PyTorch returns its step's large
 * buffers every step and takes them again (page faults, and TLB-shootdown interrupts to the other
 * CPU): on this 2-core VM, where an interrupt to an idle virtual CPU is slow, that made its DrLIM
 * ci step 30 ms instead of 5 and its Exemplar CNN ci step 38 instead of 10. The suite's own steps
 * are not affected (TF.js's webgpu backend keeps its buffers). perf.csv keeps the peer's time
 * under glibc's defaults too (peer_default_malloc_ms).
 */
export const PEER_MALLOC: Record<string, string> = {
  MALLOC_MMAP_THRESHOLD_: String(32 * 2 ** 20),
  MALLOC_TRIM_THRESHOLD_: String(2 ** 32),
};

/** Runs a PyTorch peer script; null (with the reason) when no Python with torch is present. */
export async function runPeer(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<PeerResult | { error: string }> {
  const candidates = [Deno.env.get("PYTHON"), "/usr/bin/python3", "python3"].filter(
    Boolean,
  ) as string[];
  let last = "no python3 found";
  for (const py of candidates) {
    try {
      const out = await new Deno.Command(py, {
        args: [script, ...args],
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
      if (out.success && text.startsWith("{")) return JSON.parse(text) as PeerResult;
      last = `${py}: ${new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "failed"}`;
    } catch (e) {
      last = `${py}: ${(e as Error).message}`;
    }
  }
  return { error: last };
}

/**
 * perf.md's "Dense throughput" section: each of DENSE_PROBES timed here (median of 3 after one
 * warm-up) and by its PyTorch peer, as GFLOP/s: how far apart the two sides' best dense kernels
 * are, which fusing kernels does not change.
 */
async function denseSection(threads: string, noPeer: boolean): Promise<string[]> {
  const repo = new URL("../", import.meta.url).pathname;
  const lines = [
    "## Dense throughput: the best kernels of each side",
    "",
    "Each probe is one large kernel of the kind the suite trains, through the ops training uses, " +
    "timed alone (median of 3 after 1 warm-up, one value read back each time) and beside the " +
    "same product in PyTorch (bench/peers/dense.py). ratio = TF.js ms / PyTorch ms: how far " +
    "apart the two sides' dense kernels are on these shapes, forward only. Fusion saves launches " +
    "and memory passes, not FLOPs: a step spent in such kernels stays near this ratio however " +
    "few kernels it launches, unless the kernels themselves get faster (each step's own rates " +
    "are gflop_per_s and peer_gflop_per_s above; backward passes rate lower on both sides).",
    "",
    "| probe | GFLOP | TF.js ms | TF.js GFLOP/s | PyTorch ms | PyTorch GFLOP/s | ratio |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const p of DENSE_PROBES) {
    console.error(`dense probe: ${p.label}...`);
    const t = await timeWorkload(p, 3, 1);
    const ms = median(t.times), gflop = t.flops / 1e9;
    const peer = noPeer
      ? { error: "skipped (--no-peer)" }
      : await runPeer(join(repo, "bench/peers/dense.py"), [
        ...p.peer,
        "--steps",
        "5",
        "--threads",
        threads,
      ], PEER_MALLOC);
    const f1 = (x: number) => x.toFixed(1);
    const cells = "median_ms" in peer
      ? [f1(peer.median_ms), f1(gflop / peer.median_ms * 1000), f1(ms / peer.median_ms)]
      : [peer.error, "", ""];
    lines.push(
      `| ${p.label} | ${gflop.toFixed(2)} | ${f1(ms)} | ${f1(gflop / ms * 1000)} | ` +
        `${cells.join(" | ")} |`,
    );
  }
  return [...lines, ""];
}

/**
 * perf.md's "cpu backend" section: each ci step timed on TF.js's cpu backend (median of 2 after
 * one warm-up: seconds a step), beside its webgpu median from the rows above, with the profile
 * of where the cpu backend's time goes. Restores the webgpu backend.
 */
async function cpuSection(
  ci: PerfWorkload[],
  webgpuMs: Map<string, number>,
): Promise<string[]> {
  if (!ci.length) return [];
  const table: string[] = [], where: string[] = [];
  await tf.setBackend("cpu");
  try {
    for (const w of ci) {
      console.error(`timing ${w.label} on the cpu backend...`);
      const t = await timeWorkload(w, 2, 1);
      const ms = median(t.times), gpu = webgpuMs.get(w.label);
      table.push(
        `| ${w.label} | ${gpu?.toFixed(1) ?? ""} | ${ms.toFixed(1)} | ` +
          `${gpu ? (ms / gpu).toFixed(1) : ""} | ${t.kernelsPerStep} |`,
      );
      const shares = kernelShares(t.kernelTimes, ms);
      if (shares) where.push(`- **${w.label}** on cpu: ${shares}`);
    }
  } finally {
    await tf.setBackend("webgpu");
  }
  return [
    "## The cpu backend: TF.js's fallback without Vulkan",
    "",
    "Each method's ci step on TF.js's `cpu` backend (plain JavaScript loops, one thread; median " +
    "of 2 steps after 1 warm-up) beside its webgpu median above, then where the cpu backend's " +
    "step time goes (each kernel timed as it runs: the cpu backend runs them one at a time).",
    "",
    "| work | webgpu ms | cpu ms | cpu / webgpu | kernels |",
    "| --- | --- | --- | --- | --- |",
    ...table,
    "",
    ...where,
    "",
  ];
}

if (import.meta.main) {
  await runCommand({
    name: "deno task perf",
    summary: "Times each method's declared training steps (median after warm-up) beside its " +
      "PyTorch peer run in the same invocation, and writes perf.csv and perf.md to --out.",
    flags: {
      work: {
        type: "string",
        value: "M,...",
        help: "methods whose workloads to time",
        default: Object.keys(METHODS).join(","),
      },
      steps: { type: "string", value: "N", help: "timed steps", default: "5" },
      rounds: {
        type: "string",
        value: "R",
        help: "times each workload and its peer R times, alternating (ratios as median and range)",
        default: "3",
      },
      warmup: { type: "string", value: "N", help: "steps before timing", default: "2" },
      backend: BENCH_FLAGS.backend,
      out: { type: "string", value: "DIR", help: "output folder", default: "reports/perf" },
      "no-peer": { type: "boolean", help: "skip the PyTorch peers" },
      "no-cpu": { type: "boolean", help: "skip timing the ci steps on TF.js's cpu backend" },
    },
    positionals: "",
    minPositionals: 0,
    maxPositionals: 0,
  }, async (v) => {
    const steps = parseCount("steps", v.steps!, 1), warmup = parseCount("warmup", v.warmup!, 1);
    const roundsOf = parseCount("rounds", v.rounds!, 1);
    const works = parseList("work", v.work!, Object.keys(METHODS));
    const backendChoice = parseBackend(v.backend!);
    await Deno.mkdir(v.out!, { recursive: true });
    const backend = await initBackend(backendChoice);
    // the GPU-sized workloads take minutes per step without a GPU
    const slow = backend.backend === "cpu" || backend.fallbackAdapter === true;
    const prov = await provenance();
    const host = await hostCpu();
    const threads = String(navigator.hardwareConcurrency || 1);
    const repo = new URL("../", import.meta.url).pathname;
    const workloads = works.flatMap((m) => METHODS[m]!.perf).filter((w) => !(slow && w.gpuOnly));
    const dispatch = await measureDispatch(), readbackMs = await measureReadback();
    const costs = backend.backend === "webgpu" ? await measureInvocationCosts() : null;
    console.error(
      `fixed cost per kernel on ${backend.adapter}: ${dispatch.perKernelMs.toFixed(3)} ms ` +
        `(host ${dispatch.hostMs.toFixed(3)} ms)`,
    );
    const rows: Record<string, string | number>[] = [];
    const model: string[] = [], where: string[] = [];
    const medians = new Map<string, number>();
    for (const w of workloads) {
      console.error(
        `timing ${w.label}, ${w.images} images, on ${backend.backend} (${backend.adapter})...`,
      );
      // rounds alternate the two sides, so that both see the machine's slow and fast spells; the
      // workload is built once, and only the first round also profiles a step
      const timings: StepTimes[] = [], peers: (PeerResult | { error: string })[] = [];
      const defaults: (PeerResult | { error: string })[] = [];
      const peerArgs = [
        ...w.peer.args,
        "--steps",
        String(Math.max(steps, 5)),
        "--threads",
        threads,
      ];
      const built = await w.setup(fileSources);
      let t!: StepTiming;
      try {
        for (let r = 0; r < roundsOf; r++) {
          if (r === 0) timings.push(t = await timeSteps(built.step, steps, warmup));
          else timings.push(await measureSteps(built.step, steps, warmup));
          if (v["no-peer"]) {
            peers.push({ error: "skipped (--no-peer)" });
            continue;
          }
          peers.push(await runPeer(join(repo, w.peer.script), peerArgs, PEER_MALLOC));
          defaults.push(await runPeer(join(repo, w.peer.script), peerArgs));
        }
      } finally {
        built.dispose();
      }
      const defaultMs = defaults.every((p) => "median_ms" in p) && defaults.length
        ? median(defaults.map((p) => (p as PeerResult).median_ms))
        : null;
      const peer = peers[0]!;
      const ok = peers.every((p) => "median_ms" in p);
      const sum = roundSummary(timings.map((t, i) => ({
        ms: median(t.times),
        readOnceMs: t.readOnceMs,
        peerMs: ok ? (peers[i] as PeerResult).median_ms : null,
      })));
      const ms = sum.ms;
      // where nothing counts dispatches (not webgpu), every kernel counts as one
      const dispatches = t.dispatchesPerStep < 0 ? t.kernelsPerStep : t.dispatchesPerStep;
      const fixedMs = dispatches * dispatch.perKernelMs;
      const h200 = predictH200({
        kernels: t.kernelsPerStep,
        dispatches,
        flops: t.flops,
        readbacks: t.readbacks,
        uploadBytes: t.uploadBytes,
      }, dispatch);
      const f1 = (x: number) => x.toFixed(1);
      model.push(
        `| ${w.label} | ${w.images} | ${t.kernelsPerStep} | ${dispatches} | ` +
          `${(t.flops / 1e9).toFixed(2)} | ` +
          `${t.readbacks} | ${t.uploadBytes < 0 ? "-" : f1(t.uploadBytes / 1024)} | ` +
          `${f1(h200.hostMs)} | ${f1(h200.deviceMs)} | ${f1(h200.readbackMs)} | ` +
          `**${f1(h200.stepMs)}** |`,
      );
      const shares = kernelShares(t.kernelTimes, ms);
      if (shares) where.push(`- **${w.label}**: ${shares}`);
      medians.set(w.label, ms);
      rows.push({
        work: `${w.label}, loss read every step`,
        batch_images: w.images,
        backend: backend.backend,
        adapter: backend.adapter,
        kernels: backend.kernels,
        median_ms: Number(ms.toFixed(2)),
        images_per_s: Number((w.images / (ms / 1000)).toFixed(1)),
        kernels_per_step: t.kernelsPerStep,
        dispatches_per_step: t.dispatchesPerStep,
        peak_mib: Number((t.peakBytes / 2 ** 20).toFixed(1)),
        tensor_growth_per_step: t.tensorGrowthPerStep,
        readbacks_per_step: t.readbacks,
        uploads_per_step: t.uploads,
        upload_kib_per_step: t.uploadBytes < 0 ? -1 : Number((t.uploadBytes / 1024).toFixed(1)),
        gflop_per_step: Number((t.flops / 1e9).toFixed(3)),
        gflop_per_s: Number((t.flops / 1e6 / ms).toFixed(1)),
        fixed_ms_per_step: Number(fixedMs.toFixed(1)),
        fixed_share: Number((fixedMs / ms).toFixed(2)),
        peer: "torch" in peer ? `PyTorch ${peer.torch}` : "none",
        peer_device: "device" in peer
          ? peer.device
          : ok
          ? ""
          : peers.map((p) => "error" in p ? p.error : "").find(Boolean) ?? "",
        host_cpu: host,
        peer_median_ms: ok ? Number(sum.peerMs!.toFixed(2)) : "",
        peer_peak_mib: "peak_mib" in peer && peer.peak_mib != null
          ? Number(peer.peak_mib.toFixed(1))
          : "",
        peer_default_malloc_ms: defaultMs === null ? "" : Number(defaultMs.toFixed(2)),
        ratio: ok ? Number(sum.ratio!.toFixed(1)) : "",
        ratio_default_malloc: defaultMs === null ? "" : Number((ms / defaultMs).toFixed(1)),
        ratio_range: ok ? span(sum.ratioRange!) : "",
        ms_read_once: Number(sum.readOnceMs.toFixed(2)),
        ratio_read_once: ok ? Number(sum.readOnceRatio!.toFixed(1)) : "",
        ratio_read_once_range: ok ? span(sum.readOnceRange!) : "",
        rounds: roundsOf,
        peer_gflop_per_s: ok ? Number((t.flops / 1e6 / sum.peerMs!).toFixed(1)) : "",
        h200_predicted_ms: Number(h200.stepMs.toFixed(1)),
        deno: prov.deno,
        tfjs: prov.tfjs,
        commit: prov.commit + (prov.dirty ? "-dirty" : ""),
        date: new Date().toISOString(),
      });
    }
    const dense = await denseSection(threads, v["no-peer"] === true);
    const cpu = backend.backend === "webgpu" && !v["no-cpu"]
      ? await cpuSection(workloads.filter((w) => w.ci), medians)
      : [];
    const cols = Object.keys(rows[0]!);
    await writeFileAtomic(
      join(v.out!, "perf.csv"),
      stringify(rows, { header: true, columns: cols }),
    );
    const cell = (x: unknown) => String(x).replaceAll("|", "\\|");
    const md = [
      "# Training step time: TF.js in Deno vs PyTorch, same machine, same run",
      "",
      "Generated by `deno task perf`; median after warm-up; ratio = TF.js time / PyTorch time.",
      `Each workload and its peer were timed ${roundsOf} times, alternating (rounds), because`,
      "both sides' times drift by tens of percent over minutes on a shared machine: median_ms,",
      "ms_read_once and peer_median_ms are medians over the rounds; ratio and ratio_read_once are",
      "the medians of the rounds' own ratios, ratio_range and ratio_read_once_range their range;",
      "the other columns come from the first round. The peers run with glibc's heap kept (bench/",
      "perf.ts PEER_MALLOC: freeing a step's buffers back to the system made PyTorch's small steps",
      "up to 6x slower on this VM); peer_default_malloc_ms is the peer under glibc's defaults",
      "(median over the rounds) and ratio_default_malloc median_ms over it.",
      "peak_mib: TF.js's count of live tensor bytes during one profiled step (PyTorch's: CUDA",
      "max_memory_allocated, on GPU only). tensor_growth_per_step 0 means tf.memory() stays flat.",
      "readbacks_per_step: reads back to the host inside the step itself (the timing loop's own",
      "loss read not counted; training reads the loss every logEvery steps).",
      "uploads_per_step: host-to-device copies in one step (the batch itself, scalars; -1 = not",
      "webgpu), counted by watching the backend's uploadToGPU.",
      "gflop_per_step: dense FLOPs (convolutions, their gradients, matrix products) counted from",
      "the profiled step's kernel shapes; gflop_per_s and peer_gflop_per_s divide them by each",
      "side's median. kernels_per_step: TF.js kernels one step runs (tf.profile);",
      "dispatches_per_step: the GPU programs among them (reshapes and identities dispatch",
      "nothing, some suite kernels dispatch several; -1 = not webgpu). fixed_ms_per_step:",
      "dispatches_per_step x the fixed cost of one kernel launch measured below; fixed_share:",
      "its part of median_ms (what fusing kernels can win here). ms_read_once: ms per step",
      "of the same number of steps run back to back with the loss read once at the end, as",
      "training runs between log points (each read back costs the time measured below);",
      "ratio_read_once divides it by the peer's median. host_cpu: the machine's CPU, cores and",
      "widest vector extension: the ratios depend on it (PyTorch's oneDNN uses AVX-512 where",
      "lavapipe's LLVM 15 stays at 256-bit vectors), so compare ratios on one host only.",
      "",
      `| ${cols.join(" | ")} |`,
      `| ${cols.map(() => "---").join(" | ")} |`,
      ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(" | ")} |`),
      "",
      "## Where the time goes",
      "",
      "One profiled step per workload: the kernels' summed time (timestamp queries on webgpu; " +
      "timing each kernel apart serialises them, so the sum can exceed the median), then the " +
      "kernel names that took most of it, with their share and (launches). A guide to where " +
      "to look, not a promise of savings: on lavapipe the Exemplar CNN ci step's colour " +
      "BatchMatMul showed 80 ms here, and replacing it changed the step's median by no more " +
      "than the noise between runs.",
      "",
      ...(where.length ? where : ["(this backend cannot time kernels)"]),
      "",
      "## Fixed cost of one kernel launch",
      "",
      `On ${backend.backend} (${backend.adapter}): **${dispatch.perKernelMs.toFixed(3)} ms** per ` +
      `kernel, of which the host spends ${dispatch.hostMs.toFixed(3)} ms recording and ` +
      `submitting it (median of ${DISPATCH_CHAINS.repeats}: a chain of ${DISPATCH_CHAINS.long} ` +
      `dependent 1-element adds minus a chain of ${DISPATCH_CHAINS.short}, each waited for to ` +
      "its end; bench/cost_model.ts `measureDispatch`). A kernel that dispatches nothing (a " +
      `reshape) costs the host ${dispatch.engineMs.toFixed(4)} ms in TF.js's engine. Reading ` +
      `one value back to the host takes ${readbackMs.toFixed(2)} ms (median of 21): the rows ` +
      "above read the loss every step, as their peers do; training reads it every `logEvery` " +
      "steps.",
      "",
      ...(costs ? invocationSection(costs, backend.adapter) : []),
      ...dense,
      ...cpu,
      "## GPU cost model: predicted step time on an NVIDIA H200",
      "",
      "A prediction, not a measurement; the first run on such a GPU (shared/docs/gpu.md) " +
      "confirms or refutes it. Per step: host = dispatches x the host cost per dispatch, plus " +
      "the other kernels x the engine's cost per kernel, both measured above (the same " +
      "JavaScript and Deno code records each dispatch on any adapter; an upper " +
      "bound where the GPU machine's CPU is faster) + upload bytes at " +
      `${H200.uploadBytesPerMs / 1e6} GB/s (TF.js's mapped staging buffers, which Deno copies ` +
      "through uncached memory); device = dense FLOPs at an assumed " +
      `${H200.flopsPerS / 1e12} TFLOP/s (~15 % of the H200's 67 TFLOP/s FP32 peak: WGSL has ` +
      `no tensor cores) + ${H200.gpuKernelMs * 1000} us per dispatch; readbacks = the step's own ` +
      `reads back to the host x ${H200.readbackMs} ms (Deno's mapAsync polling). Step = ` +
      `max(host, device) + readbacks; a loss read adds ${H200.readbackMs} ms whenever training ` +
      "reads it (every logEvery steps).",
      "",
      "| work | images | kernels | dispatches | GFLOP | readbacks | upload KiB | host ms | " +
      "device ms | readback ms | predicted ms |",
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
      ...model,
      "",
    ].join("\n");
    await writeFileAtomic(join(v.out!, "perf.md"), md);
    console.log(md);
    tf.disposeVariables();
    return 0;
  });
}
