/**
 * Memory-bound kernels of the training step's backward pass, for TF.js's `webgpu` backend: each
 * replaces two or three stock kernels (and their full-size temporaries) with one pass.
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import {
  chunksFor,
  runFlat,
  sumChunks,
  type TensorInfo,
  type WebGPUBackendLike,
} from "./program.ts";

/**
 * Average-pooling gradient (dilation 1): each input element sums the gradients of exactly the
 * windows that cover it, instead of testing every filter offset as the stock kernel does (9 tests
 * per element for DrLIM's 3x3/3 pooling, of which 1 hits). The multiplier is 1 / (filter area)
 * for every window, as in TF.js's stock kernel.
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
  // Windows that tile the input without overlap or padding (DrLIM's 3x3/3): one read each.
  const tiles = KH === SH && KW === SW && info.padInfo.top === 0 && info.padInfo.left === 0;
  const code = tiles
    ? `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${C};
      let x = (index / ${C}) % ${W};
      let y = (index / ${C * W}) % ${H};
      let b = index / ${C * W * H};
      let i = ((b * ${OH} + min(y / ${SH}, ${OH - 1})) * ${OW} + min(x / ${SW}, ${
      OW - 1
    })) * ${C} + c;
      result[index] = select(0.0, dy[i] * ${mult}, y < ${OH * SH} && x < ${OW * SW});
    }`
    : `
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
  const size = dy.shape.reduce((a, b) => a * b, 1);
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
 * Column sums of x viewed as [rows, C] (C = the last dimension): a bias gradient, in two passes
 * (fixed chunks of rows, then the chunks in order), so it is deterministic. TF.js's Sum over the
 * leading axes transposes the whole tensor first.
 */
export function columnSums(backend: WebGPUBackendLike, x: TensorInfo): TensorInfo {
  const C = x.shape[x.shape.length - 1]!;
  const rows = x.shape.reduce((a, b) => a * b, 1) / C;
  const S = chunksFor(C, rows);
  const chunk = Math.ceil(rows / S);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let c = index % ${C};
      let s = index / ${C};
      var acc = 0.0;
      let r1 = min((s + 1) * ${chunk}, ${rows});
      for (var r = s * ${chunk}; r < r1; r++) { acc = acc + x[r * ${C} + c]; }
      result[index] = acc;
    }`;
  const partial = runFlat(backend, "ssl_column_sums", [["x", x]], [S, C], S * C, code);
  return sumChunks(backend, partial, S, [C]);
}
