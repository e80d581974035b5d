/**
 * Batched matrix products for TF.js's `webgpu` backend, tiled for lavapipe's loads (see
 * conv2d_webgpu.ts): each invocation computes TM rows x 4 columns of the output, reading both
 * operands as vec4s along their contiguous axis and k in steps of 4, so a step of 4 k does
 * 4 x TM vec4 multiply-adds for TM / 4 x 4 + 4 vec4 loads. TF.js's own programs stage tiles in
 * workgroup memory behind barriers, which lavapipe runs as coroutine switches, and its split-K
 * program sums with atomics (order-dependent; core/ops.ts reproducibleMatMul). Here every output
 * is one sum over k in ascending order, so the results are deterministic.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { runFlat, type TensorInfo, unroll, type WebGPUBackendLike } from "./program.ts";

/**
 * a @ b over broadcast batches ([..., M, K] x [..., K, N], either transposed), or null when the
 * shapes fall outside what the kernel covers (the caller then runs TF.js's): M, N and K
 * multiples of 4, and each batch either equal or 1.
 */
export function batchMatMul(
  backend: WebGPUBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): TensorInfo | null {
  const ar = a.shape.length, br = b.shape.length;
  if (ar < 2 || br < 2) return null;
  const M = a.shape[transposeA ? ar - 1 : ar - 2]!, K = a.shape[transposeA ? ar - 2 : ar - 1]!;
  const N = b.shape[transposeB ? br - 2 : br - 1]!, KB = b.shape[transposeB ? br - 1 : br - 2]!;
  const BA = tf.util.sizeFromShape(a.shape.slice(0, -2));
  const BB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  if (K !== KB || M % 4 || N % 4 || K % 4 || K === 0) return null;
  if (BA !== BB && BA !== 1 && BB !== 1) return null;
  const batch = tf.backend_util.assertAndGetBroadcastShape(
    a.shape.slice(0, -2),
    b.shape.slice(0, -2),
  );
  const NB = Math.max(BA, BB);
  const TM = M % 8 === 0 ? 8 : 4, MB = M / TM, NC = N / 4;
  const aAt = BA === 1 ? "0" : `bi * ${M * K}`, bAt = BB === 1 ? "0" : `bi * ${K * N}`;
  // coefficient of row r at k + j, and the vec4 of B's row k + j at the tile's columns
  const aLoads = transposeA
    ? unroll(
      4,
      (j) =>
        unroll(TM / 4, (q) => `let a${j}_${q} = A[(${aAt} + (k + ${j}) * ${M} + m0) / 4 + ${q}];`),
    )
    : unroll(TM, (r) => `let a${r} = A[(${aAt} + (m0 + ${r}) * ${K} + k) / 4];`);
  const coef = (r: number, j: number) =>
    transposeA ? `a${j}_${r >> 2}.${"xyzw"[r & 3]}` : `a${r}.${"xyzw"[j]}`;
  const bLoads = transposeB
    ? unroll(4, (c) => `let c${c} = B[(${bAt} + (n0 + ${c}) * ${K} + k) / 4];`) +
      unroll(4, (j) => {
        const x = "xyzw"[j];
        return `let b${j} = vec4<f32>(c0.${x}, c1.${x}, c2.${x}, c3.${x});`;
      })
    : unroll(4, (j) => `let b${j} = B[(${bAt} + (k + ${j}) * ${N} + n0) / 4];`);
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let n0 = (index % ${NC}) * 4;
      let m0 = ((index / ${NC}) % ${MB}) * ${TM};
      let bi = index / ${NC * MB};
      ${unroll(TM, (r) => `var acc${r} = vec4<f32>(0.0);`)}
      for (var k = 0; k < ${K}; k = k + 4) {
        ${aLoads}
        ${bLoads}
        ${unroll(4, (j) => unroll(TM, (r) => `acc${r} = acc${r} + ${coef(r, j)} * b${j};`))}
      }
      ${unroll(TM, (r) => `result[((bi * ${M} + m0 + ${r}) * ${N} + n0) / 4] = acc${r};`)}
    }`;
  return runFlat(
    backend,
    "ssl_batch_matmul",
    [["A", a], ["B", b]],
    [...batch, M, N],
    NB * MB * NC,
    code,
    [4, 4],
    4,
  );
}
