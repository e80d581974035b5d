/**
 * Memory-bound kernels of the training step's backward pass, for TF.js's `webgpu` backend: each
 * replaces two or three stock kernels (and their full-size temporaries) with one pass.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import {
  chunksFor,
  rowsAndColumns,
  runFlat,
  sizeOf,
  sumChunks,
  type TensorInfo,
  unroll,
  type WebGPUBackendLike,
} from "./program.ts";
import { PCG_HASH_WGSL } from "../rng.ts";

/**
 * Average-pooling gradient (dilation 1): each input element gets the gradients of exactly the
 * windows that cover it, instead of testing every filter offset as the stock kernel does (9 tests
 * per element for DrLIM's 3x3/3 pooling, of which 1 hits). Windows that tile the input (window =
 * stride, no leading padding) take one invocation per window and 1 or 4 channels: one read of dy,
 * written to each element of the window, and 0 to the rows and columns no window reaches. The
 * multiplier is 1 / (filter area) for every window, as in TF.js's stock kernel.
 */
export function avgPoolGrad(
  backend: WebGPUBackendLike,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: C } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const { strideHeight: SH, strideWidth: SW } = info;
  const mult = (1 / (KH * KW)).toPrecision(9);
  const TH = Math.ceil(H / SH), TW = Math.ceil(W / SW); // tiles past the last window too
  const t = poolTiles(info, TH, TW);
  if (t) {
    const code = `
    fn main(index : i32) {
      ${t.head}
      var d = ${t.zero};
      if (ty < ${OH} && tx < ${OW}) { d = dy[((b * ${OH} + ty) * ${OW} + tx) * ${t.CG} + cg] * ${mult}; }
      ${t.window(() => "result[i] = d;")}
    }`;
    const n = B * TH * TW * t.CG;
    return runFlat(
      backend,
      "ssl_avg_pool_grad_tiled",
      [["dy", dy]],
      info.inShape,
      n,
      code,
      [t.CV],
      t.CV,
    );
  }
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${C};
      let x = (index / ${C}) % ${W} + ${info.padInfo.left};
      let y = (index / ${C * W}) % ${H} + ${info.padInfo.top};
      let b = index / ${C * W * H};
      // windows o with o * stride <= y <= o * stride + filter - 1
      let oy0 = max(0, (y - ${KH} + ${SH}) / ${SH});
      let oy1 = min(${OH - 1}, y / ${SH});
      let ox0 = max(0, (x - ${KW} + ${SW}) / ${SW});
      let ox1 = min(${OW - 1}, x / ${SW});
      var acc = 0.0;
      for (var oy = oy0; oy <= oy1; oy++) {
        for (var ox = ox0; ox <= ox1; ox++) {
          acc = acc + dy[((b * ${OH} + oy) * ${OW} + ox) * ${C} + c];
        }
      }
      result[index] = acc * ${mult};
    }`;
  return runFlat(backend, "ssl_avg_pool_grad", [["dy", dy]], info.inShape, B * H * W * C, code);
}

/** ReLU gradient from the ReLU's output: dy where y > 0, else 0 (one pass, vec4 when it can). */
export function reluGrad(backend: WebGPUBackendLike, dy: TensorInfo, y: TensorInfo): TensorInfo {
  const size = sizeOf(dy);
  const v = size % 4 === 0 ? 4 : 1;
  const zero = v === 4 ? "vec4<f32>(0.0)" : "0.0";
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      result[index] = select(${zero}, dy[index], y[index] > ${zero});
    }`;
  return runFlat(
    backend,
    "ssl_relu_grad",
    [["dy", dy], ["y", y]],
    dy.shape,
    size / v,
    code,
    [v, v],
    v,
  );
}

/**
 * Inverted dropout drawn on the device: element i of x is kept, times `scale` = 1 / (1 - rate),
 * when its counter-based uniform pcgHash(seedHash + i) >> 8 (core/rng.ts) reaches `threshold`,
 * else zeroed. Nothing is uploaded but the seed (a uniform), and the gradient is the same kernel
 * applied to dy with the same seed.
 */
export function dropoutApply(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  seedHash: number,
  threshold: number,
  scale: number,
): TensorInfo {
  const code = `${PCG_HASH_WGSL}
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let u = pcgHash(bitcast<u32>(uniforms.seedHash) + u32(index)) >> 8u;
      // x times 0 (not a literal 0) keeps the sign of zero the host's mask multiply gives
      result[index] = x[index] * select(0.0, ${scale.toPrecision(9)}, u >= ${threshold}u);
    }`;
  return runFlat(backend, "ssl_dropout", [["x", x]], x.shape, sizeOf(x), code, undefined, 1, [
    ["seedHash", seedHash | 0, "i32"],
  ]);
}

/**
 * Column reductions of [rows, C] data in two passes (fixed chunks of rows, then the chunks in
 * order), so they are deterministic; TF.js's Sum over leading axes transposes the whole tensor
 * first. `terms` are WGSL expressions of the element index `i` and column `c` over the bound
 * `inputs`; the result is [terms.length, C], row k holding the column sums of term k.
 */
export function columnReduce(
  backend: WebGPUBackendLike,
  inputs: [string, TensorInfo][],
  rows: number,
  C: number,
  terms: string[],
  prelude = "",
): TensorInfo {
  const K = terms.length;
  const S = chunksFor(C, rows);
  const chunk = Math.ceil(rows / S);
  const { V, CC, zero } = channelGroups(C);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${CC};
      let part = index / ${CC};
      ${prelude}
      ${terms.map((_, k) => `var acc${k} = ${zero};`).join("\n")}
      let r1 = min((part + 1) * ${chunk}, ${rows});
      for (var r = part * ${chunk}; r < r1; r++) {
        let i = r * ${CC} + c;
        ${terms.map((t, k) => `acc${k} = acc${k} + ${t};`).join("\n")}
      }
      ${terms.map((_, k) => `result[part * ${K * CC} + ${k * CC} + c] = acc${k};`).join("\n")}
    }`;
  const partial = runFlat(
    backend,
    "ssl_column_reduce",
    inputs,
    [S, K * C],
    S * CC,
    code,
    inputs.map(() => V),
    V,
  );
  return sumChunks(backend, partial, S, [K, C]);
}

/** Rows of [rows, C] data one invocation of the BatchNorm kernels takes, per channel group. */
const ROWS = 8;

/**
 * WGSL: `body` for element i of each of the ROWS rows of invocation `index` (channel group c of
 * CC), so that the channel's own values are loaded once for all of them.
 */
function rowsOf(M: number, CC: number, body: string): string {
  return `let r0 = (index / ${CC}) * ${ROWS};
      for (var r = r0; r < min(r0 + ${ROWS}, ${M}); r++) {
        let i = r * ${CC} + c;${body}
      }`;
}

/**
 * How the per-channel kernels below take the C channels of [rows, C] data: in groups of V = 4
 * (one vec4 load for 4 channels; on lavapipe each load is a loop over the SIMD lanes, see
 * conv2d_webgpu.ts) when C allows, else one at a time. Index `c` is then a group of CC = C / V,
 * and every input is bound as V-vectors, so the same WGSL expressions serve both (the arithmetic
 * per channel, and so the bits, are the same).
 */
function channelGroups(C: number): { V: number; CC: number; zero: string } {
  const V = C % 4 === 0 ? 4 : 1;
  return { V, CC: C / V, zero: V === 4 ? "vec4<f32>(0.0)" : "0.0" };
}

/** Column sums of x over all axes but the last (a bias gradient). */
export function columnSums(backend: WebGPUBackendLike, x: TensorInfo): TensorInfo {
  const [rows, C] = rowsAndColumns(x);
  const out = columnReduce(backend, [["x", x]], rows, C, ["x[i]"]);
  return { ...out, shape: [C] };
}

/**
 * The mean over the spatial axes of [B, H, W, C] (global average pooling): one invocation per
 * image and 1 or 4 channels sums its H x W values in order and divides by their count. [B, C].
 */
export function spatialMean(backend: WebGPUBackendLike, x: TensorInfo): TensorInfo {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const { V, CC, zero } = channelGroups(C);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${CC};
      let b = index / ${CC};
      var acc = ${zero};
      for (var p = 0; p < ${H * W}; p++) { acc = acc + x[(b * ${H * W} + p) * ${CC} + c]; }
      result[index] = acc / ${(H * W).toFixed(1)};
    }`;
  return runFlat(backend, "ssl_spatial_mean", [["x", x]], [B, C], B * CC, code, [V], V);
}

/**
 * The gradient of {@linkcode spatialMean}: dy [B, C] / (H W) at every position of `shape`, in
 * one pass (TF.js's Mean gradient divides, then tiles), with the same rounding.
 */
export function spatialMeanGrad(
  backend: WebGPUBackendLike,
  dy: TensorInfo,
  shape: number[],
): TensorInfo {
  const [B, H, W, C] = shape as [number, number, number, number];
  const { V, CC } = channelGroups(C);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${CC};
      let b = index / ${H * W * CC};
      result[index] = dy[b * ${CC} + c] / ${(H * W).toFixed(1)};
    }`;
  return runFlat(backend, "ssl_spatial_mean_grad", [["dy", dy]], shape, B * H * W * CC, code, [
    V,
  ], V);
}

/**
 * One BatchNorm running statistic moved towards the batch's: r (1 - m) + (t / count) ratio m,
 * with t the batch's column sum (s or q of batchNormTrain) and ratio count / (count - 1) for the
 * variance (unbiased, as PyTorch), 1 for the mean: one dispatch for the 4 or 5 element-wise
 * kernels of the same arithmetic written with TF.js ops, which it rounds identically (one f32
 * operation at a time, in the same order).
 */
export function runningStat(
  backend: WebGPUBackendLike,
  r: TensorInfo,
  t: TensorInfo,
  count: number,
  momentum: number,
  ratio: number,
): TensorInfo {
  // Uniforms, not literals: Mesa folds a product of two constants (b x ratio x momentum) into
  // one, which rounds differently from TF.js's two kernels.
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let b = t[index] / uniforms.count;
      result[index] = r[index] * uniforms.keep + ${ratio === 1 ? "b" : "b * uniforms.ratio"} *
        uniforms.momentum;
    }`;
  const scalars: [string, number][] = [["count", count], ["keep", 1 - momentum], [
    "momentum",
    momentum,
  ]];
  if (ratio !== 1) scalars.push(["ratio", ratio]);
  return runFlat(
    backend,
    "ssl_running_stat",
    [["r", r], ["t", t]],
    r.shape,
    sizeOf(r),
    code,
    undefined,
    1,
    scalars,
  );
}

/**
 * BatchNorm in training mode over all axes but the last, in 5 dispatches instead of TF.js's
 * ~20 (moments, then the normalisation): column sums s of x, then of the squared deviations q
 * (two passes, so no cancellation), then y = (x - s/M) * rsqrt(q/M + eps) * gamma + beta.
 * Returns [y, s, q].
 */
export function batchNormTrain(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  gamma: TensorInfo,
  beta: TensorInfo,
  eps: number,
  relu = false,
): TensorInfo[] {
  const [M, C] = rowsAndColumns(x);
  const inv = `${(1 / M).toPrecision(9)}`;
  const s = columnReduce(backend, [["x", x]], M, C, ["x[i]"]);
  const q = columnReduce(
    backend,
    [["x", x], ["s", s]],
    M,
    C,
    ["(x[i] - m) * (x[i] - m)"],
    `let m = s[c] * ${inv};`,
  );
  const { V, CC, zero } = channelGroups(C);
  // ReLU as TF.js's Relu kernel writes it (the same bits, sign of zero included)
  const out = relu ? `select(v, ${zero}, v < ${zero})` : "v";
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${CC};
      let k = inverseSqrt(q[c] * ${inv} + ${eps.toPrecision(9)}) * gamma[c];
      let m = s[c] * ${inv};
      let b = beta[c];
      ${
    rowsOf(
      M,
      CC,
      `
        let v = (x[i] - m) * k + b;
        result[i] = ${out};`,
    )
  }
    }`;
  const y = runFlat(
    backend,
    "ssl_batch_norm",
    [["x", x], ["s", s], ["q", q], ["gamma", gamma], ["beta", beta]],
    x.shape,
    Math.ceil(M / ROWS) * CC,
    code,
    [V, V, V, V, V],
    V,
  );
  return [y, { ...s, shape: [C] }, { ...q, shape: [C] }];
}

/**
 * BatchNorm's backward pass in 3 dispatches: the column sums of dy (d beta) and of dy * xhat
 * (d gamma), then dx = gamma * rsqrt(var + eps) / M * (M dy - d beta - xhat d gamma). With
 * `reluOut` (the output of a BatchNorm fused with ReLU) dy first goes through ReLU's gradient.
 * Returns [dx, [d beta; d gamma]].
 */
export function batchNormTrainGrad(
  backend: WebGPUBackendLike,
  dy: TensorInfo,
  x: TensorInfo,
  gamma: TensorInfo,
  s: TensorInfo,
  q: TensorInfo,
  eps: number,
  reluOut: TensorInfo | null = null,
): TensorInfo[] {
  const [M, C] = rowsAndColumns(x);
  const inv = `${(1 / M).toPrecision(9)}`;
  const { V, CC, zero } = channelGroups(C);
  const stats = `let m = s[c] * ${inv}; let istd = inverseSqrt(q[c] * ${inv} + ${
    eps.toPrecision(9)
  });`;
  // with a fused ReLU (its output reluOut), dy through ReLU's gradient as TF.js takes it: dy
  // times step(input), 1 or 0, which is y > 0
  const d = (i: string) =>
    reluOut ? `(dy[${i}] * select(${zero}, ${zero} + 1.0, y[${i}] > ${zero}))` : `dy[${i}]`;
  const withY = (inputs: [string, TensorInfo][]): [string, TensorInfo][] =>
    reluOut ? [...inputs, ["y", reluOut]] : inputs;
  const g = columnReduce(
    backend,
    withY([["dy", dy], ["x", x], ["s", s], ["q", q]]),
    M,
    C,
    [d("i"), `${d("i")} * (x[i] - m) * istd`],
    stats,
  ); // [2, C]: d beta, d gamma
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${CC};
      ${stats}
      let k = gamma[c] * istd;
      let db = g[c];
      let dg = g[${CC} + c];
      ${
    rowsOf(
      M,
      CC,
      `
        let xhat = (x[i] - m) * istd;
        result[i] = k * (${d("i")} - (db + xhat * dg) * ${inv});`,
    )
  }
    }`;
  const inputs = withY([["dy", dy], ["x", x], ["s", s], ["q", q], ["gamma", gamma], ["g", g]]);
  const dx = runFlat(
    backend,
    "ssl_batch_norm_grad",
    inputs,
    x.shape,
    Math.ceil(M / ROWS) * CC,
    code,
    inputs.map(() => V),
    V,
  );
  return [dx, g];
}

/** The parts of a kernel over pooling windows that tile the input (see poolTiles). */
interface PoolTiles {
  /** channels a load (1 or 4), channel groups, and a zero of the load's type */
  CV: number;
  CG: number;
  zero: string;
  /** the index check and the invocation's channel group cg, window (ty, tx) and image b */
  head: string;
  /** `body` for each element of the window inside the input, in row-major order, at index i
   * (wy and wx given as numbers) */
  window: (body: (wy: string, wx: string) => string) => string;
}

/**
 * For windows that tile the input (window = stride, no leading padding; a "same" window cut at
 * the bottom or right covers what is left): one invocation per window of a TH x TW grid and 1 or
 * 4 channels (4 when the channel count allows: one vec4 load for 4 channels, see
 * conv2d_webgpu.ts on lavapipe's loads). Null for other windows.
 */
function poolTiles(info: tf.backend_util.Conv2DInfo, TH: number, TW: number): PoolTiles | null {
  const { inHeight: H, inWidth: W, inChannels: C, filterHeight: KH, filterWidth: KW } = info;
  const { strideHeight: SH, strideWidth: SW } = info;
  if (KH !== SH || KW !== SW || info.padInfo.top !== 0 || info.padInfo.left !== 0) return null;
  const { V, CC, zero } = channelGroups(C);
  return {
    CV: V,
    CG: CC,
    zero,
    head: `if (index >= uniforms.n) { return; }
      let cg = index % ${CC};
      let tx = (index / ${CC}) % ${TW};
      let ty = (index / ${CC * TW}) % ${TH};
      let b = index / ${CC * TW * TH};`,
    // unrolled, with the edge tests only where a window can reach past the input: lavapipe
    // ran the looped form of DrLIM's 3x3 average 2-4x slower
    window: (body) =>
      unroll(KH * KW, (e) => {
        const wy = Math.floor(e / KW), wx = e % KW;
        const tests = [
          ...(TH * SH > H && wy > 0 ? [`ty * ${SH} + ${wy} < ${H}`] : []),
          ...(TW * SW > W && wx > 0 ? [`tx * ${SW} + ${wx} < ${W}`] : []),
        ];
        const at =
          `let i = ((b * ${H} + ty * ${SH} + ${wy}) * ${W} + tx * ${SW} + ${wx}) * ${CC} + cg;`;
        const inner = `${at}\n          ${body(String(wy), String(wx))}`;
        return tests.length
          ? `if (${tests.join(" && ")}) {\n          ${inner}\n      }`
          : `{\n          ${inner}\n      }`;
      }),
  };
}

/**
 * Max pooling, and its gradient, for windows that tile the input (window = stride, no leading
 * padding; a "same" window cut at the bottom or right covers what is left). One invocation per
 * window and 1 or 4 channels (4 when the channel count allows: one vec4 load for 4 channels, see
 * conv2d_webgpu.ts on lavapipe's loads) finds each channel's first maximum in row-major order
 * (strict >, as TF.js's cpu backend picks it). The forward writes it; the gradient writes dy
 * there and 0 at the window's other elements, and 0 where no window reaches (valid pooling of
 * sizes the stride does not divide), so every input element is written once. Returns null for
 * other windows.
 */
function maxPoolTiled(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  dy: TensorInfo | null,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo | null {
  const { batchSize: B, inHeight: H, inWidth: W } = info;
  const { outHeight: OH, outWidth: OW, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  // the gradient's invocations cover every input element: tiles past the last window too
  const TH = dy ? Math.ceil(H / SH) : OH, TW = dy ? Math.ceil(W / SW) : OW;
  const t = poolTiles(info, TH, TW);
  if (!t) return null;
  const { CV, CG } = t;
  const [T, TI] = CV === 4 ? ["vec4<f32>", "vec4<i32>"] : ["f32", "i32"];
  const code = `
    fn main(index : i32) {
      ${t.head}
      let inside = ty < ${OH} && tx < ${OW};
      var best = ${T}(-3.402823e38);
      var at = ${TI}(-1);
      if (inside) {
        ${
    t.window((wy, wx) =>
      `let v = x[i];
          let take = (v > best) | (at < ${TI}(0));
          best = select(best, v, take);
          at = select(at, ${TI}(${wy} * ${KW} + ${wx}), take);`
    )
  }
      }
      ${
    dy
      ? `var d = ${T}(0.0);
      if (inside) { d = dy[((b * ${OH} + ty) * ${OW} + tx) * ${CG} + cg]; }
      ${
        t.window((wy, wx) =>
          `result[i] = select(${T}(0.0), d, at == ${TI}(${wy} * ${KW} + ${wx}));`
        )
      }`
      : `result[((b * ${OH} + ty) * ${OW} + tx) * ${CG} + cg] = best;`
  }
    }`;
  const inputs: [string, TensorInfo][] = dy ? [["x", x], ["dy", dy]] : [["x", x]];
  return runFlat(
    backend,
    dy ? "ssl_max_pool_grad" : "ssl_max_pool",
    inputs,
    dy ? info.inShape : info.outShape,
    B * TH * TW * CG,
    code,
    inputs.map(() => CV),
    CV,
  );
}

/**
 * Average pooling for windows that tile the input and lie inside it (window = stride, no
 * padding; DrLIM's 3x3/3 on 27 x 27): one invocation per window and 1 or 4 channels, the baked
 * window summed from 0 in row-major order and divided by its area, the order and the division of
 * TF.js's own program (which finds the window from uniforms with integer divisions and a bounds
 * test per element), so the bits are the same. Null for other windows.
 */
export function avgPoolForwardTiled(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo | null {
  const { batchSize: B, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = info;
  const { filterHeight: KH, filterWidth: KW, strideHeight: SH, strideWidth: SW } = info;
  if (OH * SH > H || OW * SW > W) return null; // a window cut at the edge averages fewer
  const t = poolTiles(info, OH, OW);
  if (!t) return null;
  const code = `
    fn main(index : i32) {
      ${t.head}
      var acc = ${t.zero};
      ${t.window(() => "acc = acc + x[i];")}
      result[index] = acc / ${(KH * KW).toFixed(1)};
    }`;
  const n = B * OH * OW * t.CG;
  return runFlat(backend, "ssl_avg_pool", [["x", x]], info.outShape, n, code, [t.CV], t.CV);
}

/** Max pooling for windows that tile the input (see maxPoolTiled); null for other windows. */
export function maxPoolForwardTiled(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo | null {
  return maxPoolTiled(backend, x, null, info);
}

/** Max-pooling gradient for windows that tile the input (see maxPoolTiled); null otherwise. */
export function maxPoolGradTiled(
  backend: WebGPUBackendLike,
  dy: TensorInfo,
  x: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): TensorInfo | null {
  return maxPoolTiled(backend, x, dy, info);
}
