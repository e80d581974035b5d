/**
 * Fused optimiser updates for TF.js's `webgpu` backend: Adam in 2 dispatches per parameter
 * (moments, then the step) and SGD/LARS momentum in 1, instead of the ~12 element-wise kernels
 * each parameter costs when written with TF.js ops. Constants fixed for a run (betas, momentum,
 * weight decay) are baked into the shader; values that change every step (learning rate, bias
 * corrections) are uniforms, so each shape compiles once.
 * @module
 */
import { runFlat, sizeOf, type TensorInfo, type WebGPUBackendLike } from "./program.ts";

const f = (x: number) => x.toPrecision(9);

/** Adam's moments, packed as mv = [m; v] (2n values): g is the gradient plus wd x w. */
export function adamMoments(
  backend: WebGPUBackendLike,
  mv: TensorInfo,
  g: TensorInfo,
  w: TensorInfo,
  b1: number,
  b2: number,
  wd: number,
): TensorInfo {
  const n = sizeOf(w);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let i = index % ${n};
      let gi = g[i] + ${f(wd)} * w[i];
      if (index < ${n}) {
        result[index] = ${f(b1)} * mv[index] + ${f(1 - b1)} * gi;
      } else {
        result[index] = ${f(b2)} * mv[index] + ${f(1 - b2)} * gi * gi;
      }
    }`;
  return runFlat(
    backend,
    "ssl_adam_moments",
    [["mv", mv], ["g", g], ["w", w]],
    [2 * n],
    2 * n,
    code,
  );
}

/** Adam's step: w - lr * (m / c1) / (sqrt(v / c2) + eps), with c_k = 1 - beta_k^t. */
export function adamApply(
  backend: WebGPUBackendLike,
  w: TensorInfo,
  mv: TensorInfo,
  lr: number,
  c1: number,
  c2: number,
  eps: number,
): TensorInfo {
  const n = sizeOf(w);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let m = mv[index] / uniforms.c1;
      let v = mv[index + ${n}] / uniforms.c2;
      result[index] = w[index] - uniforms.lr * m / (sqrt(v) + ${f(eps)});
    }`;
  return runFlat(
    backend,
    "ssl_adam_apply",
    [["w", w], ["mv", mv]],
    w.shape,
    n,
    code,
    undefined,
    1,
    [
      ["lr", lr],
      ["c1", c1],
      ["c2", c2],
    ],
  );
}

/**
 * Momentum buffer of SGD and LARS (flat, n values): momentum x buf + lr x scale x (g + wd x w),
 * where scale is LARS's trust ratio (a 1-element tensor) or absent (1) for SGD.
 */
export function momentumUpdate(
  backend: WebGPUBackendLike,
  buf: TensorInfo,
  g: TensorInfo,
  w: TensorInfo,
  scale: TensorInfo | undefined,
  lr: number,
  momentum: number,
  wd: number,
): TensorInfo {
  const n = sizeOf(w);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let s = uniforms.lr${scale ? " * scale[0]" : ""};
      result[index] = ${f(momentum)} * buf[index] + s * (g[index] + ${f(wd)} * w[index]);
    }`;
  const inputs: [string, TensorInfo][] = [["buf", buf], ["g", g], ["w", w]];
  if (scale) inputs.push(["scale", scale]);
  return runFlat(backend, "ssl_momentum", inputs, [n], n, code, undefined, 1, [["lr", lr]]);
}
