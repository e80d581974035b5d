/**
 * Convolution kernels for TF.js's `webgpu` backend that suit a software adapter (Mesa lavapipe)
 * and keep results deterministic (no atomics: every sum has one fixed order).
 *
 * - Conv2D forward, direct: one invocation per output element. TF.js's tiled Conv2DMM program
 *   spends ~850 ms on DrLIM's first layer (1 input channel, 6x6, 256 images) on lavapipe.
 * - Conv2DBackpropFilter in two passes: the stock kernel runs one invocation per filter element,
 *   each looping over batch x height x width (only 540 invocations for DrLIM's first layer, each
 *   summing ~190,000 products). Here pass 1 splits that sum into S fixed chunks (S x 540
 *   invocations), pass 2 adds the S partial sums in order.
 *
 * NHWC ("channelsLast") only, dilation 1; anything else goes to the stock kernel.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { webgpu_util } from "@tensorflow/tfjs-backend-webgpu";

type TensorInfo = tf.TensorInfo;
// The backend's program interface (not exported by TF.js as a type).
interface Program {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  size?: boolean;
  getUserCode(): string;
}
interface WebGPUBackendLike {
  runWebGPUProgram(
    p: Program,
    inputs: TensorInfo[],
    dtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
  ): TensorInfo;
  disposeData(dataId: unknown): boolean;
}

const WG = 64;

function flat(
  outputShape: number[],
  key: string,
  variableNames: string[],
  uniforms: string,
  code: string,
  invocations?: number,
): Program {
  // One invocation per output element (the backend supplies uniforms.size), or, for kernels
  // that compute several elements each, `invocations` of them (the caller supplies uniforms.n).
  const shape = invocations === undefined ? outputShape : [invocations];
  const layout = webgpu_util.flatDispatchLayout(shape);
  return {
    variableNames,
    outputShape,
    shaderKey: key,
    dispatchLayout: layout,
    dispatch: webgpu_util.computeDispatch(layout, shape, [WG, 1, 1]) as [number, number, number],
    workgroupSize: [WG, 1, 1],
    uniforms,
    size: invocations === undefined,
    getUserCode: () => code,
  };
}

// Both kernels work on 4 consecutive output channels co..co+3 of CO; channels past CO are
// read as 0 and not written.
/** WGSL: declares vec4 `name` holding buf[i..i+3] (channels c..c+3), zero past channel CO. */
function load4(name: string, buf: string, i: string, c: string): string {
  return `var ${name} = vec4<f32>(0.0);
    if (${c} < CO) { ${name}.x = ${buf}[${i}]; }
    if (${c} + 1 < CO) { ${name}.y = ${buf}[${i} + 1]; }
    if (${c} + 2 < CO) { ${name}.z = ${buf}[${i} + 2]; }
    if (${c} + 3 < CO) { ${name}.w = ${buf}[${i} + 3]; }`;
}

/** WGSL: writes vec4 `v` to result[i..i+3] (channels c..c+3), skipping channels past CO. */
function store4(i: string, v: string, c: string): string {
  return `if (${c} < CO) { result[${i}] = ${v}.x; }
    if (${c} + 1 < CO) { result[${i} + 1] = ${v}.y; }
    if (${c} + 2 < CO) { result[${i} + 2] = ${v}.z; }
    if (${c} + 3 < CO) { result[${i} + 3] = ${v}.w; }`;
}

/** Groups of 4 output channels one invocation computes: up to 16 channels share each input read. */
export function channelGroups(outChannels: number): number {
  return Math.min(4, Math.ceil(outChannels / 4));
}

/** WGSL repeated for each group g of 4 channels (g = 0..G-1), with `$g` replaced by g. */
function perGroup(G: number, snippet: string): string {
  return Array.from(
    { length: G },
    (_, g) => snippet.replaceAll("$g4", String(4 * g)).replaceAll("$g", String(g)),
  ).join("\n");
}

/**
 * Direct NHWC convolution: each invocation computes 4 consecutive output channels of one output
 * pixel, so each input value is read once for 4 products.
 */
function conv2dDirect(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  w: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const G = channelGroups(info.outChannels);
  const co4 = Math.ceil(info.outChannels / (4 * G)); // invocations per output pixel
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c4 = index % uniforms.co4;
      let p = index / uniforms.co4;
      let ox = p % uniforms.outDims.y;
      let oy = (p / uniforms.outDims.y) % uniforms.outDims.x;
      let b = p / (uniforms.outDims.y * uniforms.outDims.x);
      let co = c4 * ${4 * G};
      let CO = uniforms.wShape[3];
      let y0 = oy * uniforms.strides.x - uniforms.pads.x;
      let x0 = ox * uniforms.strides.y - uniforms.pads.y;
      ${perGroup(G, "var acc$g = vec4<f32>(0.0);")}
      for (var ky = 0; ky < uniforms.filterDims.x; ky++) {
        let iy = y0 + ky;
        if (iy < 0 || iy >= uniforms.xShape[1]) { continue; }
        for (var kx = 0; kx < uniforms.filterDims.y; kx++) {
          let ix = x0 + kx;
          if (ix < 0 || ix >= uniforms.xShape[2]) { continue; }
          for (var ci = 0; ci < uniforms.xShape[3]; ci++) {
            let v = getX(b, iy, ix, ci);
            let wi = ((ky * uniforms.filterDims.y + kx) * uniforms.xShape[3] + ci) * CO + co;
            ${
    perGroup(
      G,
      `${load4("w$g", "W", "wi + $g4", "co + $g4")}
            acc$g = acc$g + v * w$g;`,
    )
  }
          }
        }
      }
      let o = p * CO + co;
      ${perGroup(G, store4("o + $g4", "acc$g", "co + $g4"))}
    }`;
  const n = info.batchSize * info.outHeight * info.outWidth * co4;
  const p = flat(
    info.outShape,
    `ssl_conv2d_direct_g${G}`,
    ["x", "W"],
    "filterDims : vec2<i32>, pads : vec2<i32>, strides : vec2<i32>, outDims : vec2<i32>, co4 : i32, n : i32,",
    code,
    n,
  );
  return backend.runWebGPUProgram(p, [x, w], "float32", [
    { type: "int32", data: [info.filterHeight, info.filterWidth] },
    { type: "int32", data: [info.padInfo.top, info.padInfo.left] },
    { type: "int32", data: [info.strideHeight, info.strideWidth] },
    { type: "int32", data: [info.outHeight, info.outWidth] },
    { type: "int32", data: [co4] },
    { type: "int32", data: [n] },
  ]);
}

/** Number of chunks the filter-gradient sum is split into: enough invocations to fill the device. */
export function filterGradChunks(filterSize: number, sumLength: number, target = 1 << 18): number {
  return Math.max(1, Math.min(sumLength, Math.ceil(target / filterSize), 1024));
}

/** Two-pass, deterministic NHWC filter gradient. */
function conv2dFilterGrad(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const F = info.filterHeight * info.filterWidth * info.inChannels * info.outChannels;
  const N = info.batchSize * info.outHeight * info.outWidth; // length of each filter element's sum
  // pass 1: partial[s, f] = sum over n in chunk s of x[n's input pixel for f] * dy[n, co(f)];
  // each invocation does up to 16 consecutive output channels, reading each x value once.
  const G = channelGroups(info.outChannels);
  const co4 = Math.ceil(info.outChannels / (4 * G));
  const F4 = info.filterHeight * info.filterWidth * info.inChannels * co4;
  const S = filterGradChunks(F4, N);
  const chunk = Math.ceil(N / S);
  const n1 = S * F4;
  const code1 = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let s = index / uniforms.F4;
      let f4 = index % uniforms.F4;
      let c4 = f4 % uniforms.co4;
      let ci = (f4 / uniforms.co4) % uniforms.inC;
      let kx = (f4 / (uniforms.co4 * uniforms.inC)) % uniforms.filterDims.y;
      let ky = f4 / (uniforms.co4 * uniforms.inC * uniforms.filterDims.y);
      let CO = uniforms.outC;
      let co = c4 * ${4 * G};
      let n0 = s * uniforms.chunk;
      let nEnd = min(n0 + uniforms.chunk, uniforms.N);
      let ohw = uniforms.dyShape[1] * uniforms.dyShape[2];
      ${perGroup(G, "var acc$g = vec4<f32>(0.0);")}
      for (var n = n0; n < nEnd; n++) {
        let b = n / ohw;
        let r = n % ohw;
        let oy = r / uniforms.dyShape[2];
        let ox = r % uniforms.dyShape[2];
        let iy = oy * uniforms.strides.x - uniforms.pads.x + ky;
        let ix = ox * uniforms.strides.y - uniforms.pads.y + kx;
        if (iy >= 0 && iy < uniforms.xShape[1] && ix >= 0 && ix < uniforms.xShape[2]) {
          let v = getX(b, iy, ix, ci);
          let di = n * CO + co;
          ${
    perGroup(
      G,
      `${load4("d$g", "dy", "di + $g4", "co + $g4")}
          acc$g = acc$g + v * d$g;`,
    )
  }
        }
      }
      let o = s * uniforms.F + ((ky * uniforms.filterDims.y + kx) * uniforms.inC + ci) * CO + co;
      ${perGroup(G, store4("o + $g4", "acc$g", "co + $g4"))}
    }`;
  const p1 = flat(
    [S, F],
    `ssl_conv2d_filter_grad_partial_g${G}`,
    ["x", "dy"],
    "filterDims : vec2<i32>, pads : vec2<i32>, strides : vec2<i32>, F : i32, N : i32, chunk : i32, inC : i32, outC : i32, F4 : i32, co4 : i32, n : i32,",
    code1,
    n1,
  );
  const partial = backend.runWebGPUProgram(p1, [x, dy], "float32", [
    { type: "int32", data: [info.filterHeight, info.filterWidth] },
    { type: "int32", data: [info.padInfo.top, info.padInfo.left] },
    { type: "int32", data: [info.strideHeight, info.strideWidth] },
    { type: "int32", data: [F] },
    { type: "int32", data: [N] },
    { type: "int32", data: [chunk] },
    { type: "int32", data: [info.inChannels] },
    { type: "int32", data: [info.outChannels] },
    { type: "int32", data: [F4] },
    { type: "int32", data: [co4] },
    { type: "int32", data: [n1] },
  ]);
  // pass 2: dW[f] = sum over s in order of partial[s, f]
  const code2 = `
    fn main(index : i32) {
      if (index >= uniforms.size) { return; }
      var acc = 0.0;
      for (var s = 0; s < uniforms.S; s++) {
        acc = acc + getPartial(s, index);
      }
      setOutputAtIndex(index, acc);
    }`;
  const filterShape = [info.filterHeight, info.filterWidth, info.inChannels, info.outChannels];
  const p2 = flat(filterShape, "ssl_conv2d_filter_grad_reduce", ["partial"], "S : i32,", code2);
  const out = backend.runWebGPUProgram(p2, [partial], "float32", [{ type: "int32", data: [S] }]);
  backend.disposeData(partial.dataId);
  return out;
}

type KernelFunc = tf.KernelConfig["kernelFunc"];
type Attrs = Record<string, unknown>;

function supported(attrs: Attrs): boolean {
  const d = attrs.dilations as number | [number, number] | undefined;
  const dil = d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1);
  return dil && (attrs.dataFormat === undefined || attrs.dataFormat === "NHWC") &&
    attrs.dimRoundingMode == null;
}

/**
 * Average-pooling gradient (dilation 1): each invocation sums, for one input element, the
 * gradients of exactly the windows that cover it, instead of testing every filter offset as the
 * stock kernel does (9 tests per element for DrLIM's 3x3/3 pooling, of which 1 hits). The
 * multiplier is 1 / (filter area) for every window, as in TF.js's stock kernel.
 */
function avgPoolGrad(
  backend: WebGPUBackendLike,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.size) { return; }
      let coords = getCoordsFromIndex(index);
      let b = coords[0]; let y = coords[1] + uniforms.pads.x; let x = coords[2] + uniforms.pads.y;
      let c = coords[3];
      // windows o with o * stride <= y <= o * stride + filter - 1
      let oy0 = max(0, (y - uniforms.filterDims.x + uniforms.strides.x) / uniforms.strides.x);
      let oy1 = min(uniforms.dyShape[1] - 1, y / uniforms.strides.x);
      let ox0 = max(0, (x - uniforms.filterDims.y + uniforms.strides.y) / uniforms.strides.y);
      let ox1 = min(uniforms.dyShape[2] - 1, x / uniforms.strides.y);
      var acc = 0.0;
      for (var oy = oy0; oy <= oy1; oy++) {
        for (var ox = ox0; ox <= ox1; ox++) {
          acc = acc + getDy(b, oy, ox, c);
        }
      }
      setOutputAtIndex(index, acc * uniforms.mult);
    }`;
  const p = flat(
    info.inShape,
    "ssl_avg_pool_grad",
    ["dy"],
    "filterDims : vec2<i32>, pads : vec2<i32>, strides : vec2<i32>, mult : f32,",
    code,
  );
  return backend.runWebGPUProgram(p, [dy], "float32", [
    { type: "int32", data: [info.filterHeight, info.filterWidth] },
    { type: "int32", data: [info.padInfo.top, info.padInfo.left] },
    { type: "int32", data: [info.strideHeight, info.strideWidth] },
    { type: "float32", data: [1 / (info.filterHeight * info.filterWidth)] },
  ]);
}

const SUITE_KERNELS = ["Conv2D", "Conv2DBackpropFilter", "AvgPoolGrad"] as const;
let stock: Record<(typeof SUITE_KERNELS)[number], KernelFunc> | null = null;

/** Whether the suite's convolution kernels are registered for the webgpu backend. */
export function suiteKernelsActive(): boolean {
  return stock !== null;
}

function setKernel(name: string, kernelFunc: KernelFunc): void {
  tf.unregisterKernel(name, "webgpu");
  tf.registerKernel({ kernelName: name, backendName: "webgpu", kernelFunc });
}

type Run = (
  backend: WebGPUBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
) => TensorInfo;

/**
 * Wraps a suite kernel: inputs `a` (the image-shaped input) and `b` (filter or dy); attributes
 * the suite does not cover go to the stock kernel.
 */
function convKernel(
  stockFunc: KernelFunc,
  names: [string, string],
  filterShape: (attrs: Attrs, b: TensorInfo) => number[],
  run: Run,
): KernelFunc {
  return (args) => {
    const attrs = args.attrs as Attrs;
    if (!supported(attrs)) return stockFunc(args);
    const inputs = args.inputs as Record<string, TensorInfo>;
    const a = inputs[names[0]]!, b = inputs[names[1]]!;
    const info = tf.backend_util.computeConv2DInfo(
      a.shape as [number, number, number, number],
      filterShape(attrs, b) as [number, number, number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as "valid" | "same" | number,
    );
    return run(args.backend as unknown as WebGPUBackendLike, a, b, info);
  };
}

/**
 * Registers the suite's Conv2D, Conv2DBackpropFilter and AvgPoolGrad kernels for `webgpu`
 * (idempotent), keeping the stock kernels for the cases they do not cover.
 */
export function registerSuiteKernels(): void {
  if (stock) return;
  const found = SUITE_KERNELS.map((k) => tf.getKernel(k, "webgpu"));
  if (found.some((k) => !k)) {
    throw new Error(
      "The webgpu backend's kernels are not registered: import @tensorflow/tfjs-backend-webgpu first",
    );
  }
  const [c, f, a] = found.map((k) => k!.kernelFunc) as [KernelFunc, KernelFunc, KernelFunc];
  stock = { Conv2D: c, Conv2DBackpropFilter: f, AvgPoolGrad: a };
  setKernel("Conv2D", convKernel(c, ["x", "filter"], (_, w) => w.shape, conv2dDirect));
  setKernel(
    "Conv2DBackpropFilter",
    convKernel(f, ["x", "dy"], (attrs) => attrs.filterShape as number[], conv2dFilterGrad),
  );
  setKernel("AvgPoolGrad", (args) => {
    const attrs = args.attrs as Attrs;
    if (attrs.dimRoundingMode != null) return a(args);
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      attrs.filterSize as [number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as "valid" | "same" | number,
    );
    return avgPoolGrad(args.backend as unknown as WebGPUBackendLike, dy, info);
  });
}

/** Restores the stock kernels (for comparisons and tests). */
export function unregisterSuiteKernels(): void {
  if (!stock) return;
  for (const k of SUITE_KERNELS) setKernel(k, stock[k]);
  stock = null;
}
