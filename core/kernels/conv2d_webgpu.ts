/**
 * Convolution kernels for TF.js's `webgpu` backend (NHWC, dilation 1) that suit a software
 * adapter (Mesa lavapipe) and keep results deterministic (no atomics: every sum has one order).
 *
 * Why not TF.js's own: its tiled Conv2DMM program spends ~850 ms on DrLIM's first layer
 * (1 input channel, 6x6, 256 images) on lavapipe, its Conv2DBackpropFilter returns wrong
 * gradients there for long sums, and its Conv2DBackpropInput tests every filter offset.
 *
 * Design, measured on lavapipe (2 cores) for DrLIM's first layer at 1,024 images:
 * - forward: each invocation computes P neighbouring output pixels of one row x 4 output channels,
 *   loading each input row segment once into registers and each filter vec4 once for P pixels;
 *   the filter is padded to a multiple of 4 channels so those loads are aligned vec4s.
 *   720 ms (one pixel x 16 channels, bounds-checked scalar weight loads) -> 80 ms.
 * - filter gradient: two passes. Pass 1 splits the sum over batch x output rows into S chunks;
 *   each invocation keeps one filter row (KW taps) x 1 or 4 input channels x up to 16 output
 *   channels in registers over its chunk. Pass 2 adds the S partial sums in order.
 * - input gradient: each invocation sums over exactly the filter taps that touch its input pixel
 *   (no per-offset tests), for 4 input channels, with the filter transposed to
 *   [KH, KW, CO, CI] so those 4 channels are one vec4.
 *
 * What bounds them on lavapipe (Mesa 22.3; reports/perf/perf.md, "What one invocation's work
 * costs"): Mesa compiles every storage-buffer load into a loop over the SIMD lanes, one scalar
 * load each, with a bounds check; a scalar load costs about as much as 7 vec4 multiply-adds held
 * in registers and a vec4 load about 16, even when every lane reads the same address (later Mesa
 * releases load such an address once and broadcast it; Debian 12 ships 22.3). So the kernels are
 * tiled for multiply-adds per load: input channels in groups of 4 read as one vec4 (one lane
 * loop), and as many accumulators as a GPU's registers allow (lavapipe spills the rest to the
 * stack, which still costs less than loading again).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  chunksFor,
  load4,
  padColumns,
  runFlat,
  store4,
  sumChunks,
  type TensorInfo,
  unroll,
  type WebGPUBackendLike,
} from "./program.ts";

type Info = tf.backend_util.Conv2DInfo;

/**
 * Output pixels per invocation for the forward kernel: the count (at most 12, the registers a
 * lavapipe invocation can hold) that best trades wasted pixels past the row's end against reuse
 * of the loaded input row. DrLIM's 27-wide rows with a 6-wide filter get 9.
 */
export function pixelsPerInvocation(outWidth: number, filterWidth: number, stride: number): number {
  let best = 1, bestScore = 0;
  for (let p = 1; p <= Math.min(12, outWidth); p++) {
    const used = outWidth / (Math.ceil(outWidth / p) * p);
    const reuse = p / ((p - 1) * stride + filterWidth);
    const score = used * reuse;
    if (score > bestScore + 1e-9) [best, bestScore] = [p, score];
  }
  return best;
}

/** Epilogue the forward kernel can fuse: add a per-channel bias, then an activation. */
export interface Epilogue {
  bias?: TensorInfo;
  activation: "linear" | "relu";
}

/**
 * Forward convolution, optionally with a fused bias and ReLU. `vec4` (input channels a multiple
 * of 4) reads the input as vec4s of 4 channels; both paths give the same bits.
 */
export function conv2dForward(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  w: TensorInfo,
  info: Info,
  epilogue: Epilogue = { activation: "linear" },
  vec4 = info.inChannels % 4 === 0,
): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const { strideHeight: SH, strideWidth: SW } = info;
  const { top: PT, left: PL } = info.padInfo;
  const CO4 = Math.ceil(CO / 4);
  const wv = CO % 4 === 0 ? w : padColumns(backend, w, KH * KW * CI, CO);
  const P = pixelsPerInvocation(OW, KW, SW);
  const OXB = Math.ceil(OW / P);
  const R = (P - 1) * SW + KW; // input columns one invocation reads per filter row
  const n = B * OH * OXB * CO4;
  const bias = epilogue.bias !== undefined;
  const xAt = (j: number, zero: string, i: string) =>
    `let r${j} = select(${zero}, x[(xrow + clamp(ix0 + ${j}, 0, ${W - 1})) * ${i}], ` +
    `ix0 + ${j} >= 0 && ix0 + ${j} < ${W});`;
  // acc(p) += x(pixel p, tap kx, channel ci) * W(ky, kx, ci, 4 channels), for ci then kx
  const taps = (wb: string, c: (j: number) => string) =>
    unroll(KW, (kx) =>
      `{ let wk = W[${wb} + ${kx * CI * CO4}];
            ${unroll(P, (p) => `a${p} = a${p} + ${c(p * SW + kx)} * wk;`)} }`);
  const scalarLoop = `for (var ci = 0; ci < ${CI}; ci++) {
          ${unroll(R, (j) => xAt(j, "0.0", `${CI} + ci`))}
          ${taps(`(ky * ${KW * CI} + ci) * ${CO4} + cg`, (j) => `r${j}`)}
        }`;
  // With CI a multiple of 4, each input value is read as a vec4 of 4 channels: on lavapipe every
  // storage-buffer load is a loop over the SIMD lanes, and one vec4 load costs about as much as
  // two to three scalar ones (perf.md, "What one invocation's work costs"). The sums keep their
  // order (channel, then tap), so the bits are those of the scalar loop.
  const vecLoop = `for (var c4 = 0; c4 < ${CI / 4}; c4++) {
          ${unroll(R, (j) => xAt(j, "vec4<f32>(0.0)", `${CI / 4} + c4`))}
          ${
    unroll(4, (c) =>
      taps(
        `(ky * ${KW * CI} + c4 * 4 + ${c}) * ${CO4} + cg`,
        (j) => `r${j}.${"xyzw"[c]}`,
      ))
  }
        }`;
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let cg = index % ${CO4};
      let q = index / ${CO4};
      let ox0 = (q % ${OXB}) * ${P};
      let oy = (q / ${OXB}) % ${OH};
      let b = q / ${OXB * OH};
      let ix0 = ox0 * ${SW} - ${PL};
      ${unroll(P, (p) => `var a${p} = vec4<f32>(0.0);`)}
      for (var ky = 0; ky < ${KH}; ky++) {
        let iy = oy * ${SH} - ${PT} + ky;
        if (iy < 0 || iy >= ${H}) { continue; }
        let xrow = (b * ${H} + iy) * ${W};
        ${vec4 ? vecLoop : scalarLoop}
      }
      let valid = ${CO} - cg * 4;
      ${bias ? load4("bv", "bias", "cg * 4", "valid") : ""}
      ${
    unroll(P, (p) => {
      let v = `a${p}`;
      if (bias) v = `(${v} + bv)`;
      if (epilogue.activation === "relu") v = `max(${v}, vec4<f32>(0.0))`;
      return `if (ox0 + ${p} < ${OW}) {
        let o = ((b * ${OH} + oy) * ${OW} + ox0 + ${p}) * ${CO} + cg * 4;
        let v${p} = ${v};
        ${store4("o", `v${p}`, "valid")}
      }`;
    })
  }
    }`;
  const inputs: [string, TensorInfo][] = [["x", x], ["W", wv]];
  if (bias) inputs.push(["bias", epilogue.bias!]);
  const out = runFlat(
    backend,
    "ssl_conv2d",
    inputs,
    info.outShape,
    n,
    code,
    [vec4 ? 4 : 1, 4, 1],
  );
  if (wv !== w) backend.disposeData(wv.dataId);
  return out;
}

/**
 * Channel groups of 4 one filter-gradient invocation accumulates: more reuse of each loaded
 * value, within `taps` x G <= `accumulators` vec4 accumulators (taps = the filter width times the
 * input channels the invocation takes). On lavapipe more than 48 would still be faster (its spills
 * to the stack cost less than its loads), but a GPU invocation holds about 255 registers.
 */
export function filterGradGroups(outChannels: number, taps: number, accumulators = 48): number {
  const co4 = Math.ceil(outChannels / 4);
  for (const g of [4, 2]) if (co4 % g === 0 && g * taps <= accumulators) return g;
  return 1;
}

/**
 * Invocations of the filter gradient's first pass per chunk from which it adds the chunks itself
 * (no second pass): 512 fill lavapipe's cores (8 workgroups of 64) without the chunks.
 */
export const FUSED_FILTER_GRAD_MIN = 512;

/**
 * How many chunks the filter gradient's sum over batch x output rows is split into. The partial
 * sums' boundaries decide the bits, so this depends on the shape alone, not on how invocations
 * tile the filter: it is the count the first version of the kernel (one input channel, groups of
 * 4 output channels with at most 8 accumulators) chose, so every later tiling kept its results.
 */
export function filterGradChunks(info: Info): number {
  const { batchSize: B, inChannels: CI, outChannels: CO } = info;
  const { outHeight: OH, filterHeight: KH, filterWidth: KW } = info;
  const co4 = Math.ceil(CO / 4);
  return chunksFor(KH * CI * (co4 / filterGradGroups(CO, KW, 8)), B * OH);
}

/**
 * Two-pass, deterministic filter gradient dW = sum over pixels of x (patch) * dy. With `vec4`
 * (input channels a multiple of 4) each invocation takes 4 input channels and reads their input
 * values as one vec4 load: on lavapipe loads, not arithmetic, bound this kernel (a vec4 load costs
 * about as much as two scalar ones), so this does 4 channels' multiply-adds per ~2 loads' cost.
 * Each sum runs over the same pixels in the same order, and the chunks are those of the scalar
 * kernel, so both paths give the same bits. From `fuseMin` invocations a chunk on, one pass adds
 * the chunks too (the same bits).
 */
export function conv2dFilterGrad(
  backend: WebGPUBackendLike,
  x: TensorInfo,
  dy: TensorInfo,
  info: Info,
  vec4 = info.inChannels % 4 === 0,
  fuseMin = FUSED_FILTER_GRAD_MIN,
): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const { strideHeight: SH, strideWidth: SW } = info;
  const { top: PT, left: PL } = info.padInfo;
  const CV = vec4 ? 4 : 1, CIV = CI / CV; // input channels per invocation, and their groups
  const G = filterGradGroups(CO, KW * CV), CO4 = Math.ceil(CO / 4), CB = CO4 / G;
  const F = KH * KW * CI * CO;
  const rows = B * OH; // the sum runs over rows x OW output pixels
  const S = filterGradChunks(info);
  const chunk = Math.ceil(rows / S);
  const perChunk = KH * CIV * CB;
  const aligned = CO % 4 === 0;
  const zero = vec4 ? "vec4<f32>(0.0)" : "0.0";
  const xAt = (ix: string) =>
    `select(${zero}, x[(xrow + clamp(${ix}, 0, ${W - 1})) * ${CIV} + cv], ` +
    `${ix} >= 0 && ${ix} < ${W})`;
  // With stride 1 the KW inputs of pixel ox + 1 are those of ox shifted by one: keep them in
  // registers and load one new value per pixel.
  const slide = SW === 1;
  const loads = slide
    ? `let r${KW - 1} = ${xAt(`ox + ${KW - 1 - PL}`)};`
    : unroll(KW, (kx) => `let r${kx} = ${xAt(`ox * ${SW} + ${kx - PL}`)};`);
  // accumulator i = (kx * CV + c) * G + g: tap kx, input channel cv * CV + c, channels group g
  const N = KW * CV * G;
  const part = (i: number) => {
    const g = i % G, c = Math.floor(i / G) % CV, kx = Math.floor(i / (G * CV));
    return { g, c, kx, x: vec4 ? `r${kx}.${"xyzw"[c]}` : `r${kx}` };
  };
  // Enough invocations without the chunks (a large filter over a small output, DrLIM's second
  // layer): each invocation adds its chunks' sums in order itself, the second pass's additions
  // in the second pass's order (the same bits), and nothing is written in between.
  const fused = perChunk >= fuseMin;
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let cb = index % ${CB};
      let t = index / ${CB};
      let cv = t % ${CIV};
      let ky = (t / ${CIV}) % ${KH};
      ${
    fused
      ? `${unroll(N, (i) => `var t${i} = vec4<f32>(0.0);`)}
      for (var s = 0; s < ${S}; s++) {`
      : `let s = t / ${CIV * KH};`
  }
      ${unroll(N, (i) => `var a${i} = vec4<f32>(0.0);`)}
      let r1 = min((s + 1) * ${chunk}, ${rows});
      for (var r = s * ${chunk}; r < r1; r++) {
        let oy = r % ${OH};
        let iy = oy * ${SH} - ${PT} + ky;
        if (iy < 0 || iy >= ${H}) { continue; }
        let xrow = (r / ${OH} * ${H} + iy) * ${W};
        ${slide ? unroll(KW - 1, (j) => `var r${j} = ${xAt(`${j - PL}`)};`) : ""}
        for (var ox = 0; ox < ${OW}; ox++) {
          ${loads}
          ${
    unroll(G, (g) =>
      aligned ? `let d${g} = dy[(r * ${OW} + ox) * ${CO4} + cb * ${G} + ${g}];` : load4(
        `d${g}`,
        "dy",
        `(r * ${OW} + ox) * ${CO} + (cb * ${G} + ${g}) * 4`,
        `${CO} - (cb * ${G} + ${g}) * 4`,
      ))
  }
          ${unroll(N, (i) => `a${i} = a${i} + d${part(i).g} * ${part(i).x};`)}
          ${slide ? unroll(KW - 1, (j) => `r${j} = r${j + 1};`) : ""}
        }
      }
      ${fused ? `${unroll(N, (i) => `t${i} = t${i} + a${i};`)}\n      }` : ""}
      ${
    unroll(N, (i) => {
      const { g, c, kx } = part(i);
      return `{ let c = (cb * ${G} + ${g}) * 4;
        let o = ${
        fused ? "" : `s * ${F} + `
      }((ky * ${KW} + ${kx}) * ${CI} + cv * ${CV} + ${c}) * ${CO} + c;
        ${store4("o", `${fused ? "t" : "a"}${i}`, `${CO} - c`)} }`;
    })
  }
    }`;
  if (fused) {
    const name = "ssl_conv2d_filter_grad_fused";
    const inputs: [string, TensorInfo][] = [["x", x], ["dy", dy]];
    return runFlat(backend, name, inputs, [KH, KW, CI, CO], perChunk, code, [
      CV,
      aligned ? 4 : 1,
    ]);
  }
  const partial = runFlat(
    backend,
    "ssl_conv2d_filter_grad",
    [["x", x], ["dy", dy]],
    [S, F],
    S * perChunk,
    code,
    [CV, aligned ? 4 : 1],
  );
  return sumChunks(backend, partial, S, [KH, KW, CI, CO]);
}

/**
 * Input gradient dx. With stride 1 it is a forward convolution of dy with the filter flipped in
 * space and transposed in channels (padding KH - 1 - top), so it runs on the register-blocked
 * forward kernel; with larger strides each input pixel sums dy x W over exactly the taps that
 * read it.
 */
export function conv2dInputGrad(
  backend: WebGPUBackendLike,
  dy: TensorInfo,
  w: TensorInfo,
  info: Info,
): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const { strideHeight: SH, strideWidth: SW } = info;
  const { top: PT, left: PL } = info.padInfo;
  const top = KH - 1 - PT, left = KW - 1 - PL;
  const bottom = H - OH - top + KH - 1, right = W - OW - left + KW - 1;
  if (SH === 1 && SW === 1 && Math.min(top, left, bottom, right) >= 0) {
    // wf[ky, kx, co, ci] = w[KH - 1 - ky, KW - 1 - kx, ci, co]
    const fcode = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let ci = index % ${CI};
      let co = (index / ${CI}) % ${CO};
      let k = index / ${CI * CO};
      result[index] = w[((${KH * KW - 1} - k) * ${CI} + ci) * ${CO} + co];
    }`;
    const n = KH * KW * CI * CO;
    const wf = runFlat(backend, "ssl_filter_flip", [["w", w]], [KH, KW, CO, CI], n, fcode);
    const flipped = tf.backend_util.computeConv2DInfo(
      [B, OH, OW, CO],
      [KH, KW, CO, CI],
      1,
      1,
      [[0, 0], [top, bottom], [left, right], [0, 0]],
    );
    const out = conv2dForward(backend, dy, wf, flipped);
    backend.disposeData(wf.dataId);
    return out;
  }
  const CI4 = Math.ceil(CI / 4);
  // wt[ky, kx, co, ci] with ci padded to 4 * CI4: the 4 input channels of a group are one vec4
  const tcode = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let ci = index % ${4 * CI4};
      let co = (index / ${4 * CI4}) % ${CO};
      let k = index / ${4 * CI4 * CO};
      result[index] = select(0.0, w[(k * ${CI} + min(ci, ${CI - 1})) * ${CO} + co], ci < ${CI});
    }`;
  const wt = runFlat(
    backend,
    "ssl_filter_transpose",
    [["w", w]],
    [KH * KW * CO * 4 * CI4],
    KH * KW * CO * 4 * CI4,
    tcode,
  );
  const aligned = CO % 4 === 0;
  const inner = aligned
    ? `for (var c4 = 0; c4 < ${CO / 4}; c4++) {
              let d = dy[(db + c4 * 4) / 4];
              let wi = wb + c4 * ${4 * CI4};
              acc = acc + d.x * wt[wi] + d.y * wt[wi + ${CI4}] + d.z * wt[wi + ${2 * CI4}] +
                d.w * wt[wi + ${3 * CI4}];
            }`
    : `for (var co = 0; co < ${CO}; co++) { acc = acc + dy[db + co] * wt[wb + co * ${CI4}]; }`;
  const code = `
    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let cg = index % ${CI4};
      let p = index / ${CI4};
      let ix = p % ${W};
      let iy = (p / ${W}) % ${H};
      let b = p / ${W * H};
      let ty = iy + ${PT};
      let tx = ix + ${PL};
      // output rows oy with oy * SH <= ty <= oy * SH + KH - 1, and the same for columns
      let oy0 = max(0, (ty - ${KH} + ${SH}) / ${SH});
      let oy1 = min(${OH - 1}, ty / ${SH});
      let ox0 = max(0, (tx - ${KW} + ${SW}) / ${SW});
      let ox1 = min(${OW - 1}, tx / ${SW});
      var acc = vec4<f32>(0.0);
      for (var oy = oy0; oy <= oy1; oy++) {
        let ky = ty - oy * ${SH};
        for (var ox = ox0; ox <= ox1; ox++) {
          let kx = tx - ox * ${SW};
          let db = ((b * ${OH} + oy) * ${OW} + ox) * ${CO};
          let wb = (ky * ${KW} + kx) * ${CO * CI4} + cg;
          ${inner}
        }
      }
      let o = p * ${CI} + cg * 4;
      ${store4("o", "acc", `${CI} - cg * 4`)}
    }`;
  const out = runFlat(
    backend,
    "ssl_conv2d_input_grad",
    [["dy", dy], ["wt", wt]],
    [B, H, W, CI],
    B * H * W * CI4,
    code,
    [aligned ? 4 : 1, 4],
  );
  backend.disposeData(wt.dataId);
  return out;
}
