/**
 * Where a training step's time goes, and what it should cost on a GPU: the dense FLOPs of a step
 * (convolutions and matrix products, counted from the shapes of the kernels `tf.profile` saw),
 * the fixed cost of one kernel launch on the adapter at hand, and a cost model that predicts the
 * step's time on an NVIDIA H200 from the step's kernels, readbacks, uploads and FLOPs, so that
 * the first run on such a GPU confirms or refutes it (issue 13).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { median } from "../suite/stats.ts";
import { runFlat, unroll, type WebGPUBackendLike } from "../core/kernels/program.ts";

/** What `tf.profile` records of one kernel, as far as counting FLOPs needs it. */
export interface KernelShapes {
  name: string;
  inputShapes: number[][];
  outputShapes: number[][];
}

const prod = (s: readonly number[] | undefined) => (s ?? []).reduce((a, b) => a * b, 1);

/** Kernels whose output (or, for the gradients, whose dy) is the convolution's output. */
const CONV_FORWARD = new Set(["Conv2D", "FusedConv2D", "SslConv2D"]);
const MATMUL = new Set(["MatMul", "BatchMatMul", "_FusedMatMul"]);

/**
 * Multiply-adds x 2 of one convolution or matrix-product kernel; 0 for any other kernel
 * (element-wise work is memory-bound and counted by the kernel count instead).
 * - convolution (NHWC): 2 x (N Ho Wo Cout) x (kh kw Cin), for the forward pass and both
 *   gradients alike (input gradient: inputs dy, filter; filter gradient: inputs x, dy).
 * - matrix product [B..., M, K] x [B..., K, N]: 2 x B M N K, with K recovered from the sizes
 *   (|a| |b| = B^2 M N K^2), so transposes need not be known.
 */
export function kernelFlops(k: KernelShapes): number {
  const [in0, in1] = k.inputShapes, out = k.outputShapes[0];
  if (CONV_FORWARD.has(k.name) && out && in1?.length === 4) {
    return 2 * prod(out) * in1[0]! * in1[1]! * in1[2]!;
  }
  if (k.name === "Conv2DBackpropInput" && in0 && in1?.length === 4) {
    return 2 * prod(in0) * in1[0]! * in1[1]! * in1[2]!;
  }
  if (k.name === "Conv2DBackpropFilter" && in1 && out?.length === 4) {
    return 2 * prod(in1) * out[0]! * out[1]! * out[2]!;
  }
  if (MATMUL.has(k.name) && in0 && in1 && out && out.length >= 2) {
    const batch = prod(out.slice(0, -2));
    const kDim = Math.sqrt(prod(in0) * prod(in1) / (prod(out) * batch));
    return 2 * prod(out) * Math.round(kDim);
  }
  return 0;
}

/** The dense FLOPs of a step from its profiled kernels. */
export function stepFlops(kernels: readonly KernelShapes[]): number {
  return kernels.reduce((s, k) => s + kernelFlops(k), 0);
}

/** Time one kernel name took in a profiled step, over all its launches. */
export interface KernelTime {
  name: string;
  ms: number;
  launches: number;
}

/**
 * Sums the profiled kernels' times by kernel name, longest first. On webgpu the times come from
 * the adapter's timestamp queries; kernels without a number (no timer) are left out.
 */
export function kernelTimesByName(
  kernels: readonly { name: string; kernelTimeMs: unknown }[],
): KernelTime[] {
  const by = new Map<string, KernelTime>();
  for (const k of kernels) {
    const ms = k.kernelTimeMs;
    if (typeof ms !== "number" || !Number.isFinite(ms)) continue;
    const e = by.get(k.name) ?? { name: k.name, ms: 0, launches: 0 };
    e.ms += ms;
    e.launches++;
    by.set(k.name, e);
  }
  return [...by.values()].sort((a, b) => b.ms - a.ms);
}

/** The fixed cost of one kernel launch, measured on the active backend. */
export interface DispatchCost {
  /** wall ms per kernel of a chain of tiny (1-element) kernels, waited for to the end */
  perKernelMs: number;
  /** of which the host's share: ms per kernel to record and submit it, without waiting */
  hostMs: number;
  /** host ms per kernel that dispatches nothing (a reshape: TF.js's engine bookkeeping only) */
  engineMs: number;
}

/**
 * Runs `f` with TF.js's webgpu CPU forwarding off: the backend runs an op whose inputs are all
 * small tensors still on the host (under 1,000 values) on the CPU instead, so a chain of tiny
 * kernels started from a host scalar would never reach the GPU.
 */
async function onTheDevice<T>(f: () => Promise<T>): Promise<T> {
  if (tf.getBackend() !== "webgpu") return await f();
  const flag = "WEBGPU_CPU_FORWARD", was = tf.env().getBool(flag);
  tf.env().set(flag, false);
  try {
    return await f();
  } finally {
    tf.env().set(flag, was);
  }
}

/** The chain lengths and repeats `deno task perf` measures the launch cost with. */
export const DISPATCH_CHAINS = { short: 50, long: 250, repeats: 5 } as const;

/**
 * Times chains of tiny dependent kernels (1-element adds) of two lengths; the difference over
 * the extra kernels is the per-launch cost, free of the one readback that ends each chain.
 * Likewise chains of reshapes, which run through TF.js's engine but dispatch nothing.
 * Median of `repeats` pairs. On webgpu every add is a GPU dispatch (CPU forwarding off).
 */
export function measureDispatch(
  short: number = DISPATCH_CHAINS.short,
  long: number = DISPATCH_CHAINS.long,
  repeats: number = DISPATCH_CHAINS.repeats,
): Promise<DispatchCost> {
  return onTheDevice(() => dispatchChains(short, long, repeats));
}

async function dispatchChains(
  short: number,
  long: number,
  repeats: number,
): Promise<DispatchCost> {
  const one = tf.scalar(1);
  const chain = async (n: number) => {
    let x: tf.Tensor = tf.scalar(0);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const y = tf.add(x, one);
      x.dispose();
      x = y;
    }
    const host = performance.now() - t0;
    await x.data();
    x.dispose();
    return { host, total: performance.now() - t0 };
  };
  const reshapes = (n: number) => {
    let x: tf.Tensor = tf.scalar(0);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const y = tf.reshape(x, i % 2 ? [1] : [1, 1]);
      x.dispose();
      x = y;
    }
    const ms = performance.now() - t0;
    x.dispose();
    return ms;
  };
  await chain(long); // warm-up: compiles the add kernel
  reshapes(long);
  const per: number[] = [], host: number[] = [], engine: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const a = await chain(short), b = await chain(long);
    per.push((b.total - a.total) / (long - short));
    host.push((b.host - a.host) / (long - short));
    engine.push((reshapes(long) - reshapes(short)) / (long - short));
  }
  one.dispose();
  const cost = (xs: number[]) => Math.max(0, median(xs));
  return { perKernelMs: cost(per), hostMs: cost(host), engineMs: cost(engine) };
}

/**
 * Median wall ms of reading one freshly computed value back to the host (`repeats` times): what
 * a loss read costs a step on this adapter, beyond the kernels it waits for.
 */
export function measureReadback(repeats = 21): Promise<number> {
  return onTheDevice(() => readbacks(repeats));
}

async function readbacks(repeats: number): Promise<number> {
  const one = tf.scalar(1), times: number[] = [];
  for (let i = 0; i <= repeats; i++) {
    const x = tf.add(one, i);
    const t0 = performance.now();
    await x.data();
    if (i > 0) times.push(performance.now() - t0); // the first compiles the kernel
    x.dispose();
  }
  one.dispose();
  return median(times);
}

/** What one invocation's operations cost on the adapter, in ns each (all cores busy). */
export interface InvocationCosts {
  /** a multiply-add of 4 floats held in registers (16 independent chains per invocation) */
  fma4Ns: number;
  /** a storage-buffer load of one float, each invocation reading its own address */
  loadNs: number;
  /** a storage-buffer load of a vec4 */
  load4Ns: number;
  /** a vec4 load whose address is the same for the whole workgroup */
  load4SameNs: number;
}

/** Invocations and loop lengths of the invocation-cost probes. */
export const INVOCATION_PROBES = { invocations: 8192, short: 256, long: 2048, repeats: 3 };

/**
 * Times what one invocation's loop body costs: kernels whose invocations each run a loop of
 * `short` and of `long` iterations of one operation; the difference over the extra iterations,
 * per invocation, is its cost, free of the launch and the readback. Median of `repeats` pairs.
 * On lavapipe this shows why the convolution kernels are tiled as they are
 * (core/kernels/conv2d_webgpu.ts): a load costs as much as several vec4 multiply-adds.
 */
export function measureInvocationCosts(
  p: typeof INVOCATION_PROBES = INVOCATION_PROBES,
): Promise<InvocationCosts> {
  return onTheDevice(() => invocationProbes(p));
}

async function invocationProbes(p: typeof INVOCATION_PROBES): Promise<InvocationCosts> {
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const N = 1 << 16, n = p.invocations;
  const x = tf.randomUniform([4 * N], -0.5, 0.5, "float32", 1);
  const chains = 16;
  const fma = (L: number) => `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let a = X[index % ${N}];
      let b = X[(index + 1) % ${N}];
      ${unroll(chains, (i) => `var a${i} = X[(index + ${i + 2}) % ${N}];`)}
      for (var i = 0; i < ${L}; i++) {
        ${unroll(chains, (i) => `a${i} = a${i} * a + b;`)}
      }
      result[index] = ${
    unroll(chains, (i) => `dot(a${i}, vec4<f32>(1.0))`).replaceAll("\n", " + ")
  };
    }`;
  const load = (vec: boolean, same: boolean) => (L: number) => `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      var acc = ${vec ? "vec4<f32>(0.0)" : "0.0"};
      let base = ${same ? "i32(workgroupId.x)" : "index"} * 97;
      for (var i = 0; i < ${L}; i++) {
        acc = acc + X[(base + i * 13) & ${(vec ? N : 4 * N) - 1}];
      }
      result[index] = ${vec ? "dot(acc, vec4<f32>(1.0))" : "acc"};
    }`;
  const time = async (code: (L: number) => string, vec: boolean, L: number) => {
    const t0 = performance.now();
    const out = runFlat(backend, "ssl_probe", [["X", x]], [n], n, code(L), [vec ? 4 : 1]);
    const t = tf.engine().makeTensorFromTensorInfo(out);
    await t.data();
    t.dispose();
    return performance.now() - t0;
  };
  const perIteration = async (code: (L: number) => string, vec: boolean) => {
    await time(code, vec, p.short); // compile both
    await time(code, vec, p.long);
    const d: number[] = [];
    for (let r = 0; r < p.repeats; r++) {
      d.push((await time(code, vec, p.long)) - (await time(code, vec, p.short)));
    }
    return Math.max(0, median(d)) * 1e6 / (n * (p.long - p.short)); // ns per invocation
  };
  try {
    return {
      fma4Ns: (await perIteration(fma, true)) / chains,
      loadNs: await perIteration(load(false, false), false),
      load4Ns: await perIteration(load(true, false), true),
      load4SameNs: await perIteration(load(true, true), true),
    };
  } finally {
    x.dispose();
  }
}

/**
 * The assumptions of the H200 prediction, each with where it comes from. They are assumptions,
 * not measurements: the first run on the GPU (shared/docs/gpu.md) replaces them.
 */
export const H200 = {
  /** dense FP32 throughput TF.js's WGSL kernels reach: 10 TFLOP/s, ~15 % of the H200's
   * 67 TFLOP/s FP32 peak (no tensor cores from WGSL; TF.js's tiled matmul is far from peak) */
  flopsPerS: 10e12,
  /** GPU time per kernel besides its arithmetic (launch, barrier between dependent kernels) */
  gpuKernelMs: 0.005,
  /** a read back to the host: Deno's mapAsync sleeps ~10 ms between polls (anchors.md) */
  readbackMs: 10,
  /** host-to-device bytes per ms through TF.js's mapped staging buffers, which Deno copies
   * through uncached write-combined memory (platform.md): 1 GB/s assumed */
  uploadBytesPerMs: 1e6,
} as const;

/** What the model predicts for one step on the H200, and the terms it adds up. */
export interface Prediction {
  /** host time: dispatches x the host cost per dispatch measured here, the other kernels x the
   * engine's cost per kernel, plus uploads */
  hostMs: number;
  /** device time: FLOPs at the assumed throughput plus a per-kernel gap */
  deviceMs: number;
  /** readbacks inside the step x 10 ms */
  readbackMs: number;
  /** max(host, device) + readbacks: host and device overlap, a readback stalls both */
  stepMs: number;
}

/**
 * Predicts a step's time on the H200 from what was counted here: `kernels` TF.js kernels, of
 * which `dispatches` record GPU work (the rest, such as reshapes, are bookkeeping). The host
 * costs are the ones measured on this machine's CPU (the same JavaScript and Deno code records
 * each dispatch whatever the adapter), so they are upper bounds where the GPU machine's CPU is
 * faster.
 */
export function predictH200(
  step: {
    kernels: number;
    dispatches: number;
    flops: number;
    readbacks: number;
    uploadBytes: number;
  },
  cost: Pick<DispatchCost, "hostMs" | "engineMs">,
): Prediction {
  const hostMs = step.dispatches * cost.hostMs +
    Math.max(0, step.kernels - step.dispatches) * cost.engineMs +
    Math.max(0, step.uploadBytes) / H200.uploadBytesPerMs;
  const deviceMs = step.flops / H200.flopsPerS * 1000 + step.dispatches * H200.gpuKernelMs;
  const readbackMs = step.readbacks * H200.readbackMs;
  return { hostMs, deviceMs, readbackMs, stepMs: Math.max(hostMs, deviceMs) + readbackMs };
}
