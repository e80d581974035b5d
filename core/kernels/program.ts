/**
 * The small piece of TF.js's `webgpu` backend the suite's kernels use: a program description
 * (TF.js does not export its type) and a helper that builds one.
 *
 * The suite's kernels bake every shape into the WGSL as constants (the shader cache is keyed by
 * the code itself): on lavapipe, integer division by a constant and loops with constant bounds
 * compile to much faster code than the same with uniforms, and training reuses a handful of
 * shapes, so the extra compilations happen once each.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { webgpu_util } from "@tensorflow/tfjs-backend-webgpu";

export type TensorInfo = tf.TensorInfo;

/** TF.js's WebGPU program interface (not exported by TF.js as a type). */
export interface Program {
  variableNames: string[];
  variableComponents?: number[];
  outputComponent?: number;
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size?: boolean;
  getUserCode(): string;
}

/** The methods of TF.js's WebGPU backend the kernels call. */
export interface WebGPUBackendLike {
  runWebGPUProgram(
    p: Program,
    inputs: TensorInfo[],
    dtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
  ): TensorInfo;
  disposeData(dataId: unknown): boolean;
}

const WG = 64;

/**
 * Runs `code` (which defines `fn main(index : i32)`) on `invocations` invocations in a flat
 * dispatch, writing a float32 tensor of `outputShape`. The code must return early when
 * `index >= uniforms.n` (the helper passes n; a uniform the code never reads would be stripped
 * by the compiler and break the bind group). `components[i]` = 4 binds input i as a vec4 array;
 * `outputComponent` = 4 binds the result as one. `scalars` are uniforms (uniforms.name), f32
 * unless marked "i32": values that change every call, such as a learning rate or a seed, must not
 * be baked into the code, or each call would compile a new shader. `dtype` is the result's
 * (int32: `result` is an array of i32).
 */
export function runFlat(
  backend: WebGPUBackendLike,
  name: string,
  inputs: [string, TensorInfo][],
  outputShape: number[],
  invocations: number,
  code: string,
  components?: number[],
  outputComponent = 1,
  scalars: [string, number, ("f32" | "i32")?][] = [],
  dtype: "float32" | "int32" = "float32",
): TensorInfo {
  const layout = webgpu_util.flatDispatchLayout([invocations]);
  const program: Program = {
    variableNames: inputs.map(([n]) => n),
    variableComponents: components,
    outputComponent,
    outputShape,
    shaderKey: `${name}:${code}`,
    dispatchLayout: layout,
    dispatch: webgpu_util.computeDispatch(layout, [invocations], [WG, 1, 1]) as [
      number,
      number,
      number,
    ],
    workgroupSize: [WG, 1, 1],
    uniforms: ["n : i32,", ...scalars.map(([k, , t]) => `${k} : ${t ?? "f32"},`)].join(" "),
    size: false,
    getUserCode: () => code,
  };
  return backend.runWebGPUProgram(
    program,
    inputs.map(([, t]) => t),
    dtype,
    [
      { type: "int32", data: [invocations] },
      ...scalars.map(([, v, t]) => ({ type: t === "i32" ? "int32" : "float32", data: [v] })),
    ],
  );
}

/** Number of elements of a tensor. */
export function sizeOf(t: TensorInfo): number {
  return tf.util.sizeFromShape(t.shape);
}

/** A tensor viewed as [rows, C] with C its last dimension (channels): [rows, C]. */
export function rowsAndColumns(t: TensorInfo): [number, number] {
  const C = t.shape[t.shape.length - 1]!;
  return [sizeOf(t) / C, C];
}

/** WGSL: declares vec4 `name` holding buf[i..i+3], reading only the first `valid` lanes. */
export function load4(name: string, buf: string, i: string, valid: string): string {
  return `var ${name} = vec4<f32>(0.0);
    if (0 < ${valid}) { ${name}.x = ${buf}[${i}]; }
    if (1 < ${valid}) { ${name}.y = ${buf}[${i} + 1]; }
    if (2 < ${valid}) { ${name}.z = ${buf}[${i} + 2]; }
    if (3 < ${valid}) { ${name}.w = ${buf}[${i} + 3]; }`;
}

/** WGSL: writes the first `valid` lanes of vec4 `v` to result[i..i+3]. */
export function store4(i: string, v: string, valid: string): string {
  return `if (0 < ${valid}) { result[${i}] = ${v}.x; }
    if (1 < ${valid}) { result[${i} + 1] = ${v}.y; }
    if (2 < ${valid}) { result[${i} + 2] = ${v}.z; }
    if (3 < ${valid}) { result[${i} + 3] = ${v}.w; }`;
}

/** WGSL lines `f(0) ... f(n - 1)` joined: the generator's loop unrolling. */
export function unroll(n: number, f: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => f(i)).join("\n");
}

/**
 * Copies a [rows, C] matrix into [rows, 4 * ceil(C / 4)] with zero columns added, so that a kernel
 * can read groups of 4 columns as one aligned vec4 (filters with 15 or 30 output channels).
 */
export function padColumns(
  backend: WebGPUBackendLike,
  t: TensorInfo,
  rows: number,
  cols: number,
): TensorInfo {
  const c4 = 4 * Math.ceil(cols / 4);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${c4};
      let r = index / ${c4};
      result[index] = select(0.0, A[r * ${cols} + min(c, ${cols - 1})], c < ${cols});
    }`;
  return runFlat(backend, "ssl_pad_columns", [["A", t]], [rows, c4], rows * c4, code);
}

/**
 * Sums S consecutive [S, F] partial results in a fixed order (the second pass of the suite's
 * deterministic reductions: no atomics, so the same inputs give the same bits).
 */
export function sumChunks(
  backend: WebGPUBackendLike,
  partial: TensorInfo,
  S: number,
  outShape: number[],
): TensorInfo {
  const F = tf.util.sizeFromShape(outShape);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      var acc = 0.0;
      for (var s = 0; s < ${S}; s++) { acc = acc + partial[s * ${F} + index]; }
      result[index] = acc;
    }`;
  const out = runFlat(backend, "ssl_sum_chunks", [["partial", partial]], outShape, F, code);
  backend.disposeData(partial.dataId);
  return out;
}

/** Chunks a long sum is split into so that `perChunk` x chunks invocations fill the device. */
export function chunksFor(perChunk: number, sumLength: number, target = 1 << 16): number {
  return Math.max(1, Math.min(sumLength, Math.ceil(target / perChunk), 1024));
}
