import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { registerSuiteKernels, suiteKernelsActive, unregisterSuiteKernels } from "./register.ts";
import {
  conv2dFilterGrad,
  conv2dForward,
  filterGradChunks,
  filterGradGroups,
  pixelsPerInvocation,
} from "./conv2d_webgpu.ts";
import { chunksFor, type WebGPUBackendLike } from "./program.ts";
import {
  batchNormTrainOp,
  batchNormTrainUpdate,
  conv2dBiasAct,
  hasKernel,
  spatialMean,
} from "../ops.ts";
import { largestDifference } from "../numeric.ts";
import { Rng } from "../rng.ts";

// Checked against TF.js's cpu backend, on WebGPU (lavapipe in CI, which must have an adapter).
const info = await initBackend("auto", { warn: () => {} });
const onWebgpu = info.backend === "webgpu";
if (Deno.env.get("CI")) assert.ok(onWebgpu, "CI must test the WebGPU kernels");

/** A tensor of `shape`, values uniform in [lo, hi) from `r`. */
function randomTensor(r: Rng, shape: number[], lo: number, hi: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => r.uniform(lo, hi)), shape);
}

interface Case {
  b: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  k: [number, number];
  stride: number;
  pad: "same" | "valid";
}

/** Forward and the gradients of the plain conv2d, and of the fused conv + bias + ReLU op. */
async function convAndGrads(c: Case, backend: "cpu" | "webgpu", seed: number) {
  await tf.setBackend(backend);
  const r = new Rng(seed, "conv");
  const rand = (shape: number[], lo: number) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.uniform(lo, 1)),
      shape,
    );
  const x = rand([c.b, c.h, c.w, c.ci], 0) as tf.Tensor4D;
  const f = rand([c.k[0], c.k[1], c.ci, c.co], -1) as tf.Tensor4D;
  const bias = rand([c.co], -1) as tf.Tensor1D;
  const y = tf.conv2d(x, f, c.stride, c.pad);
  const dy = rand(y.shape, -1);
  const [dx, dw] = tf.grads((a: tf.Tensor, w: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, w as tf.Tensor4D, c.stride, c.pad), dy))
  )([x, f]);
  const fused = conv2dBiasAct(x, f, bias, c.stride, c.pad, "relu");
  const fusedGrads = tf.grads((a: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
    tf.sum(
      tf.mul(
        conv2dBiasAct(
          a as tf.Tensor4D,
          w as tf.Tensor4D,
          b as tf.Tensor1D,
          c.stride,
          c.pad,
          "relu",
        ),
        dy,
      ),
    )
  )([x, f, bias]);
  const read = async (t: tf.Tensor) => await t.data() as Float32Array;
  const out = {
    y: await read(y),
    dx: await read(dx!),
    dw: await read(dw!),
    fused: await read(fused),
    fdx: await read(fusedGrads[0]!),
    fdw: await read(fusedGrads[1]!),
    fdb: await read(fusedGrads[2]!),
  };
  tf.dispose([x, f, bias, y, dy, dx!, dw!, fused, ...fusedGrads]);
  return out;
}

function relErr(a: Float32Array, ref: Float32Array): number {
  let m = 0, s = 1;
  for (let i = 0; i < ref.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - ref[i]!));
    s = Math.max(s, Math.abs(ref[i]!));
  }
  return m / s;
}

const cases: Case[] = [
  { b: 4, h: 32, w: 32, ci: 1, co: 15, k: [6, 6], stride: 1, pad: "valid" }, // DrLIM layer 1
  { b: 3, h: 9, w: 9, ci: 15, co: 30, k: [9, 9], stride: 1, pad: "valid" }, // DrLIM layer 2
  { b: 1, h: 7, w: 5, ci: 3, co: 5, k: [3, 3], stride: 2, pad: "same" }, // batch 1, odd sizes, stride 2
  { b: 2, h: 11, w: 13, ci: 6, co: 7, k: [5, 3], stride: 2, pad: "valid" },
  { b: 2, h: 8, w: 8, ci: 8, co: 16, k: [3, 3], stride: 1, pad: "same" }, // channels divisible by 4
  { b: 2, h: 8, w: 8, ci: 16, co: 32, k: [3, 3], stride: 2, pad: "same" }, // a ResNet downsampling
  { b: 1, h: 5, w: 31, ci: 2, co: 4, k: [3, 3], stride: 1, pad: "same" }, // rows of several blocks
  { b: 2, h: 6, w: 6, ci: 3, co: 16, k: [1, 1], stride: 2, pad: "valid" }, // a ResNet shortcut
  { b: 5, h: 6, w: 6, ci: 2, co: 1, k: [1, 1], stride: 1, pad: "valid" }, // 1x1, one output channel
];

for (const c of cases) {
  Deno.test({
    name: `suite conv kernels match the cpu backend: ${JSON.stringify(c)}`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      assert.ok(suiteKernelsActive());
      const ref = await convAndGrads(c, "cpu", 1);
      const got = await convAndGrads(c, "webgpu", 1);
      for (const k of Object.keys(ref) as (keyof typeof ref)[]) {
        const e = relErr(got[k], ref[k]);
        assert.ok(e < 1e-4, `${k} rel err ${e}`);
      }
      // deterministic: the same inputs give bit-identical outputs
      const again = await convAndGrads(c, "webgpu", 1);
      assert.deepEqual(again, got);
    },
  });
}

Deno.test({
  name: "suite filter gradient is correct for DrLIM's first layer at 256 images (a long sum)",
  ignore: !onWebgpu,
  fn: async () => {
    registerSuiteKernels();
    const c: Case = { b: 256, h: 32, w: 32, ci: 1, co: 15, k: [6, 6], stride: 1, pad: "valid" };
    const ref = await convAndGrads(c, "cpu", 2);
    const got = await convAndGrads(c, "webgpu", 2);
    assert.ok(relErr(got.dw, ref.dw) < 1e-4, `filter grad rel err ${relErr(got.dw, ref.dw)}`);
    assert.ok(relErr(got.fdb, ref.fdb) < 1e-4, `bias grad rel err ${relErr(got.fdb, ref.fdb)}`);
  },
});

const vecCases: Case[] = [
  { b: 3, h: 9, w: 13, ci: 8, co: 6, k: [3, 3], stride: 2, pad: "same" }, // odd sizes, stride 2
  { b: 2, h: 12, w: 12, ci: 12, co: 32, k: [5, 5], stride: 1, pad: "valid" },
  { b: 40, h: 16, w: 16, ci: 16, co: 16, k: [3, 3], stride: 1, pad: "same" }, // many workgroups
  { b: 2, h: 7, w: 7, ci: 4, co: 30, k: [1, 1], stride: 1, pad: "valid" }, // unaligned outputs
];
for (const c of vecCases) {
  Deno.test({
    name: "suite conv kernels' vec4 input path gives the bits of the scalar path and matches the " +
      `cpu backend: ${JSON.stringify(c)}`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      await tf.setBackend("webgpu");
      const r = new Rng(4, "conv-vec4");
      const rand = (shape: number[]) =>
        tf.tensor(
          Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.uniform(-1, 1)),
          shape,
        );
      const x = rand([c.b, c.h, c.w, c.ci]), f = rand([c.k[0], c.k[1], c.ci, c.co]);
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        f.shape as [number, number, number, number],
        c.stride,
        c.stride,
        c.pad,
      );
      const dy = rand(info.outShape);
      const gpu = tf.backend() as unknown as WebGPUBackendLike;
      const read = async (t: tf.TensorInfo) => {
        const tensor = tf.engine().makeTensorFromTensorInfo(t);
        const d = await tensor.data() as Float32Array;
        tensor.dispose();
        return d;
      };
      const got: Record<string, Float32Array[]> = { forward: [], filter: [] };
      for (const vec4 of [true, false]) {
        got.forward!.push(await read(conv2dForward(gpu, x, f, info, undefined, vec4)));
        got.filter!.push(await read(conv2dFilterGrad(gpu, x, dy, info, vec4)));
      }
      const ref = await convAndGrads(c, "cpu", 1);
      for (const [k, [vec, scalar]] of Object.entries(got)) {
        const i = vec!.findIndex((v, j) => !Object.is(v, scalar![j]));
        assert.equal(i, -1, `${k} at ${i}: ${vec![i]} vs ${scalar![i]}`);
      }
      // and the vec4 path is right: the same shapes through tf.conv2d against the cpu backend
      const web = await convAndGrads(c, "webgpu", 1);
      for (const k of ["y", "dw", "dx"] as const) {
        assert.ok(relErr(web[k], ref[k]) < 1e-4, `${k} rel err ${relErr(web[k], ref[k])}`);
      }
      tf.dispose([x, f, dy]);
    },
  });
}

Deno.test({
  name: "the filter gradient in one pass (chunks added by each invocation) gives the bits of " +
    "the two passes",
  ignore: !onWebgpu,
  fn: async () => {
    registerSuiteKernels();
    await tf.setBackend("webgpu");
    const gpu = tf.backend() as unknown as WebGPUBackendLike;
    const r = new Rng(6, "fused-filter-grad");
    const rand = (shape: number[]) =>
      tf.tensor(
        Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.uniform(-1, 1)),
        shape,
      );
    const cases: [number[], number[], number, "valid" | "same"][] = [
      [[128, 9, 9, 15], [9, 9, 15, 30], 1, "valid"], // DrLIM's second layer: a 1 x 1 output
      [[8, 10, 10, 15], [9, 9, 15, 30], 1, "same"], // padding, sliding inputs
      [[4, 12, 12, 8], [5, 5, 8, 12], 2, "valid"], // stride 2, vec4 inputs
      [[3, 7, 7, 4], [3, 3, 4, 6], 1, "same"], // unaligned outputs
    ];
    for (const [xs, fs, stride, pad] of cases) {
      const x = rand(xs), f = rand(fs);
      const info = tf.backend_util.computeConv2DInfo(
        xs as [number, number, number, number],
        fs as [number, number, number, number],
        stride,
        stride,
        pad,
      );
      const dy = rand(info.outShape);
      const got: Float32Array[] = [];
      for (const fuseMin of [Infinity, 0]) {
        const t = tf.engine().makeTensorFromTensorInfo(
          conv2dFilterGrad(gpu, x, dy, info, undefined, fuseMin),
        );
        got.push(await t.data() as Float32Array);
        t.dispose();
      }
      const i = got[0]!.findIndex((v, j) => !Object.is(v, got[1]![j]));
      assert.equal(i, -1, `${xs} ${fs}: at ${i}, ${got[0]![i]} vs ${got[1]![i]}`);
      tf.dispose([x, f, dy]);
    }
  },
});

Deno.test("kernel shape choices: pixels per invocation and reduction chunks", () => {
  assert.equal(pixelsPerInvocation(27, 6, 1), 9); // DrLIM layer 1: 3 blocks of 9, no waste
  assert.equal(pixelsPerInvocation(1, 9, 1), 1);
  for (const [ow, k, s] of [[32, 3, 1], [16, 3, 2], [7, 5, 1], [100, 1, 1]]) {
    const p = pixelsPerInvocation(ow!, k!, s!);
    assert.ok(p >= 1 && p <= 12 && p <= ow!);
  }
  // filter gradient: 16 output channels with a 3-wide filter over 4 input channels (48
  // accumulators); the sum's chunks follow from the shape alone
  assert.equal(filterGradGroups(64, 12), 4);
  assert.equal(filterGradGroups(64, 20), 2);
  assert.equal(filterGradGroups(30, 9), 4); // ceil(30 / 4) = 8 groups of 4 channels
  const drlim1 = tf.backend_util.computeConv2DInfo([256, 32, 32, 1], [6, 6, 1, 15], 1, 1, "valid");
  assert.equal(filterGradChunks(drlim1), chunksFor(6 * 1 * 4, 256 * 27));
  assert.equal(chunksFor(24, 27648), 1024);
  assert.equal(chunksFor(540, 10), 10);
  assert.equal(chunksFor(1 << 20, 100), 1);
  assert.ok(chunksFor(1, 1e7) <= 1024);
});

type PoolCase = [number[], [number, number], number, "same" | "valid"];

/** The pooling gradient on cpu and on webgpu (suite kernels) for the same random inputs. */
async function poolGrads(kind: "avg" | "max", [shape, filter, stride, pad]: PoolCase) {
  registerSuiteKernels();
  const pool = (t: tf.Tensor) =>
    kind === "avg"
      ? tf.avgPool(t as tf.Tensor4D, filter, stride, pad)
      : tf.maxPool(t as tf.Tensor4D, filter, stride, pad);
  const run = async (backend: "cpu" | "webgpu") => {
    await tf.setBackend(backend);
    const r = new Rng(3, "pool");
    // max: values from {0, 1, 2}, so most windows hold ties
    const v = () => kind === "avg" ? r.uniform(-1, 1) : r.int(3);
    const x = tf.tensor4d(
      Float32Array.from({ length: shape.reduce((a, b) => a * b) }, v),
      shape as [number, number, number, number],
    );
    const y = pool(x);
    const dy = tf.tensor(Float32Array.from({ length: y.size }, () => r.uniform(-1, 1)), y.shape);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t), dy)))(x);
    const out = { grad: await g.data() as Float32Array, y: await y.data() as Float32Array };
    tf.dispose([x, y, dy, g]);
    return out;
  };
  return { ref: await run("cpu"), got: await run("webgpu") };
}

const avgPoolCases: PoolCase[] = [
  [[3, 27, 27, 15], [3, 3], 3, "valid"], // DrLIM's subsampling
  [[2, 8, 8, 5], [2, 2], 2, "valid"],
  [[2, 10, 11, 3], [3, 3], 3, "valid"], // tiles that leave a last row and columns uncovered
  [[1, 7, 5, 3], [3, 3], 1, "same"],
  [[2, 9, 7, 6], [3, 3], 2, "same"],
  [[2, 10, 11, 4], [3, 3], 3, "valid"], // 4 channels a load, rows and columns uncovered
  [[1, 5, 7, 4], [2, 2], 2, "same"], // windows cut at the bottom and right
  [[40, 18, 18, 8], [3, 3], 3, "valid"], // many workgroups
];
for (const c of avgPoolCases) {
  Deno.test({
    name: `suite avgPool gradient matches the cpu backend: ${c.join(" ")}`,
    ignore: !onWebgpu,
    fn: async () => {
      const { ref, got } = await poolGrads("avg", c);
      assert.ok(relErr(got.grad, ref.grad) < 1e-5, `rel err ${relErr(got.grad, ref.grad)}`);
    },
  });
}

const avgPoolForwardCases: PoolCase[] = [
  ...avgPoolCases,
  [[2, 8, 8, 4], [2, 2], 2, "same"],
];
Deno.test({
  name: "suite avgPool gives the stock WebGPU kernel's bits (windows that tile the input) and " +
    "the cpu backend's values",
  ignore: !onWebgpu,
  fn: async () => {
    const pool = async (c: PoolCase) => {
      const r = new Rng(5, "avg");
      const x = tf.tensor4d(
        Float32Array.from({ length: c[0].reduce((a, b) => a * b) }, () => r.uniform(-1, 1)),
        c[0] as [number, number, number, number],
      );
      const y = tf.avgPool(x, c[1], c[2], c[3]);
      const out = await y.data() as Float32Array;
      tf.dispose([x, y]);
      return out;
    };
    for (const c of avgPoolForwardCases) {
      registerSuiteKernels();
      const suite = await pool(c);
      unregisterSuiteKernels();
      const stock = await pool(c);
      registerSuiteKernels();
      assert.deepEqual(suite, stock, c.join(" "));
      await tf.setBackend("cpu");
      const ref = await pool(c);
      await tf.setBackend("webgpu");
      assert.ok(relErr(suite, ref) < 1e-6, `${c.join(" ")}: rel err ${relErr(suite, ref)}`);
    }
  },
});

const maxPoolCases: PoolCase[] = [
  [[2, 8, 8, 3], [2, 2], 2, "same"], // the small CNN's pooling
  [[1, 5, 7, 2], [2, 2], 2, "same"], // odd sizes: windows cut at the bottom and right
  [[2, 9, 9, 5], [3, 3], 3, "valid"],
  [[1, 6, 6, 2], [3, 3], 3, "same"], // "same" that needs no padding
  [[2, 7, 9, 8], [2, 2], 2, "valid"], // 4 channels a load; a last row and column no window reaches
  [[3, 5, 6, 16], [2, 2], 2, "same"],
  [[40, 16, 16, 16], [2, 2], 2, "valid"], // many workgroups
];
for (const c of maxPoolCases) {
  Deno.test({
    name: `suite maxPool and its gradient match the cpu backend, ties included: ${c.join(" ")}`,
    ignore: !onWebgpu,
    fn: async () => {
      const { ref, got } = await poolGrads("max", c);
      assert.deepEqual(got, ref);
    },
  });
}

const bnShapes = [[4, 5, 5, 6], [3, 7], [2, 3, 3, 16], [600, 4]];
for (const shape of bnShapes) {
  Deno.test({
    name: `suite BatchNorm (training) and its gradients match the cpu backend: ${shape}`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      const run = async (backend: "cpu" | "webgpu") => {
        await tf.setBackend(backend);
        const r = new Rng(7, "bn");
        const rand = (s: number[], lo: number, hi: number) => randomTensor(r, s, lo, hi);
        const c = shape.at(-1)!;
        const x = rand(shape, -2, 3), dy = rand(shape, -1, 1);
        const gamma = rand([c], 0.5, 1.5) as tf.Tensor1D, beta = rand([c], -1, 1) as tf.Tensor1D;
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(batchNormTrainOp(a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5).y, dy));
        const grads = tf.grads(f)([x, gamma, beta]);
        const out = batchNormTrainOp(x, gamma, beta, 1e-5);
        const read = async (t: tf.Tensor) => await t.data() as Float32Array;
        const res = {
          y: await read(out.y),
          mean: await read(out.mean),
          variance: await read(out.variance),
          dx: await read(grads[0]!),
          dgamma: await read(grads[1]!),
          dbeta: await read(grads[2]!),
        };
        tf.dispose([x, dy, gamma, beta, out.y, out.mean, out.variance, ...grads]);
        return res;
      };
      const ref = await run("cpu"), got = await run("webgpu");
      for (const k of Object.keys(ref) as (keyof typeof ref)[]) {
        const e = relErr(got[k], ref[k]);
        assert.ok(e < 1e-4, `${k} rel err ${e}`);
      }
    },
  });
}

for (const shape of [[4, 5, 5, 6], [3, 5000]]) {
  Deno.test({
    name: "suite BatchNorm's fused running-statistics update gives the bits of the same " +
      `arithmetic in TF.js ops: ${shape} (needs a WebGPU adapter)`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      await tf.setBackend("webgpu");
      const r = new Rng(9, "bn-running");
      const rand = (s: number[], lo: number, hi: number) => randomTensor(r, s, lo, hi);
      const c = shape.at(-1)!, count = shape.reduce((a, b) => a * b, 1) / c, m = 0.1;
      const x = rand(shape, -2, 3), gamma = rand([c], 0.5, 1.5), beta = rand([c], -1, 1);
      const start = [rand([c], -1, 1), rand([c], 0.5, 2)];
      const running = {
        mean: tf.variable(start[0]!.clone()),
        variance: tf.variable(start[1]!.clone()),
        momentum: m,
      };
      const y = batchNormTrainUpdate(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5, running);
      // the arithmetic as TF.js ops, one element-wise kernel each (core/ops.ts's fallback)
      const ref = batchNormTrainOp(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5);
      const want = tf.tidy(() => [
        tf.add(tf.mul(start[0]!, 1 - m), tf.mul(ref.mean, m)),
        tf.add(tf.mul(start[1]!, 1 - m), tf.mul(tf.mul(ref.variance, count / (count - 1)), m)),
      ]);
      for (
        const [k, got, w] of [["mean", running.mean, want[0]!], [
          "variance",
          running.variance,
          want[1]!,
        ]] as const
      ) {
        const a = await got.data(), b = await w.data();
        const i = a.findIndex((v, j) => !Object.is(v, b[j]));
        assert.equal(i, -1, `${k} at ${i}: ${a[i]} vs ${b[i]}`);
      }
      assert.deepEqual(await y.data(), await ref.y.data());
      tf.dispose([
        x,
        gamma,
        beta,
        ...start,
        running.mean,
        running.variance,
        y,
        ref.y,
        ref.mean,
        ref.variance,
        ...want,
      ]);
    },
  });
}

for (const shape of [[4, 5, 5, 6], [2, 3, 3, 16], [2000, 8]]) {
  Deno.test({
    name: "suite BatchNorm with ReLU fused gives the bits of BatchNorm then tf.relu, forward and " +
      `gradients: ${shape} (needs a WebGPU adapter)`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      await tf.setBackend("webgpu");
      const r = new Rng(11, "bn-relu");
      const rand = (s: number[], lo: number, hi: number) => randomTensor(r, s, lo, hi);
      const c = shape.at(-1)!;
      const x = rand(shape, -2, 3), dy = rand(shape, -1, 1);
      const gamma = rand([c], 0.5, 1.5), beta = rand([c], -1, 1);
      const run = async (fused: boolean) => {
        const running = {
          mean: tf.variable(tf.zeros([c])),
          variance: tf.variable(tf.ones([c])),
          momentum: 0.1,
        };
        const f = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
          const args = [a, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, running] as const;
          return fused
            ? batchNormTrainUpdate(...args, true)
            : tf.relu(batchNormTrainUpdate(...args));
        };
        const y = f(x, gamma, beta);
        const grads = tf.grads((a, g, b) => tf.sum(tf.mul(f(a, g, b), dy)))([x, gamma, beta]);
        const out = [y, ...grads, running.mean, running.variance];
        const data = await Promise.all(out.map((t) => t.data()));
        tf.dispose([...out]);
        return data;
      };
      const [fused, plain] = [await run(true), await run(false)];
      fused.forEach((a, k) => {
        const i = a.findIndex((v, j) => !Object.is(v, plain[k]![j]));
        assert.equal(i, -1, `output ${k} at ${i}: ${a[i]} vs ${plain[k]![i]}`);
      });
      assert.ok(fused[0]!.some((v) => v === 0) && fused[0]!.some((v) => v > 0));
      tf.dispose([x, dy, gamma, beta]);
    },
  });
}

for (const shape of [[2, 3, 5, 6], [40, 8, 8, 16], [3, 1, 1, 4]]) {
  Deno.test({
    name:
      `spatialMean (global average pooling) and its gradient match tf.mean on the cpu backend: ${shape}`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      const r = new Rng(13, "spatial-mean");
      const vx = Float32Array.from(
        { length: shape.reduce((a, b) => a * b) },
        () => r.uniform(-1, 1),
      );
      const c = shape.at(-1)!, b = shape[0]!;
      const vdy = Float32Array.from({ length: b * c }, () => r.uniform(-1, 1));
      const run = async (backend: "cpu" | "webgpu") => {
        await tf.setBackend(backend);
        const x = tf.tensor4d(vx, shape as [number, number, number, number]);
        const dy = tf.tensor2d(vdy, [b, c]);
        const y = spatialMean(x);
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(spatialMean(t as tf.Tensor4D), dy)))(x);
        const out = [await y.data(), await g.data()];
        tf.dispose([x, dy, y, g]);
        return out;
      };
      const [ref, got] = [await run("cpu"), await run("webgpu")];
      assert.ok(hasKernel("SslSpatialMean"));
      assert.ok(largestDifference(got[0]!, ref[0]!).value < 1e-6, "forward");
      assert.deepEqual(got[1], ref[1], "the gradient: dy / count, the same bits");
    },
  });
}
