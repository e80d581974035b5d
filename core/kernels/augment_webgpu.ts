/**
 * SimCLR's view augmentation (methods/augment.ts) in one WebGPU dispatch: one workgroup per view
 * crops and resizes bilinearly (tf.image.cropAndResize's sampling), applies the colour jitter in
 * the view's own order with a clip after each operation, and the colour drop. Written with
 * TF.js ops the same work takes ~190 dispatches and ~110 uploads a step for SimCLR's ci batch
 * (the jitter's stages gather, scatter and broadcast per operation and per position in the
 * order); here the parameters go up as one [n, 12] tensor.
 *
 * The packed parameters' layout: core/kernels/augment_params.ts.
 * @module
 */
import { runFlat, type TensorInfo, type WebGPUBackendLike } from "./program.ts";
import { AUGMENT_GROUP as WG, AUGMENT_MAX_PIXELS, AUGMENT_PARAMS } from "./augment_params.ts";

/**
 * WGSL the fused colour kernels share: RGB to (V = max, chroma, hue in sixths of a turn) and back
 * by the closed form channel = V - C clip(min(k, 4 - k), 0, 1), k = (n + h6) mod 6, n = 5, 3, 1
 * (methods/augment.ts's toHsv and fromHsv), and the store of one RGB pixel.
 */
export const COLOUR_WGSL = `
    fn storeRgb(o : i32, c : vec3<f32>) {
      result[o] = c.x;
      result[o + 1] = c.y;
      result[o + 2] = c.z;
    }

    fn toHsv(c : vec3<f32>) -> vec3<f32> {
      let maxc = max(max(c.x, c.y), c.z);
      let chroma = maxc - min(min(c.x, c.y), c.z);
      let safe = select(chroma, 1.0, chroma == 0.0);
      var h6 = (c.x - c.y) / safe + 4.0;
      if (maxc == c.x) {
        h6 = (c.y - c.z) / safe;
      } else if (maxc == c.y) {
        h6 = (c.z - c.x) / safe + 2.0;
      }
      return vec3<f32>(maxc, chroma, h6);
    }

    fn fromHsv(maxc : f32, chroma : f32, h6 : f32) -> vec3<f32> {
      let k = vec3<f32>(5.0, 3.0, 1.0) + h6;
      // floor-mod as TF.js's Mod kernel computes it
      let km = select((k % 6.0 + 6.0) % 6.0, k % 6.0, k >= vec3<f32>(0.0));
      return vec3<f32>(maxc) - chroma * clamp(min(km, vec3<f32>(4.0) - km), vec3<f32>(0.0),
        vec3<f32>(1.0));
    }`;

/**
 * Augments [n, H, W, 3] `images` (floats in [0, 1]) with the packed `params` ([n, 12]) into
 * [n, outH, outW, 3]. Sample positions are clamped to the image (cropAndResize would read its
 * extrapolation value 0 beyond it; the suite's boxes never ask for that, see cropBoxes).
 */
export function augmentViews(
  backend: WebGPUBackendLike,
  images: TensorInfo,
  params: TensorInfo,
  outH: number,
  outW: number,
): TensorInfo {
  const [n, H, W] = images.shape as [number, number, number, number];
  const P = outH * outW, per = Math.ceil(P / WG);
  if (P > AUGMENT_MAX_PIXELS) {
    throw new RangeError(`augmentViews: ${outH}x${outW} views exceed ${AUGMENT_MAX_PIXELS} pixels`);
  }
  const f = (x: number) => x.toPrecision(9);
  // cropAndResize's scales: (y2 - y1) (H - 1) / (outH - 1), or the box's centre for one row
  const axis = (a: string, b: string, size: number, out: number, o: string) =>
    out > 1
      ? `${a} * ${f(size - 1)} + f32(${o}) * ((${b} - ${a}) * ${f(size - 1)} / ${f(out - 1)})`
      : `0.5 * (${a} + ${b}) * ${f(size - 1)}`;
  const code = `
    ${COLOUR_WGSL}

    var<workgroup> partial : array<f32, ${WG}>;
    var<workgroup> imageMean : f32;

    fn px(img : i32, y : i32, x : i32) -> vec3<f32> {
      let i = ((img * ${H} + y) * ${W} + x) * 3;
      return vec3<f32>(images[i], images[i + 1], images[i + 2]);
    }

    fn luma(c : vec3<f32>) -> f32 {
      return 0.299 * c.x + 0.587 * c.y + 0.114 * c.z;
    }

    // torchvision's adjust_hue through HSV: saturation and value kept
    fn rotateHue(c : vec3<f32>, shift : f32) -> vec3<f32> {
      let hsv = toHsv(c);
      return fromHsv(hsv.x, hsv.y, hsv.z + shift * 6.0);
    }

    fn main(index : i32) {
      // every invocation is a pixel group of a view: no early return, the barriers below must be
      // reached by the whole workgroup (uniforms.n is read so that it stays bound)
      let total = uniforms.n;
      let img = index / ${WG};
      let lid = index % ${WG};
      let q = img * ${AUGMENT_PARAMS};
      let y1 = params[q];
      let x1 = params[q + 1];
      let y2 = params[q + 2];
      let x2 = params[q + 3];
      var v : array<vec3<f32>, ${per}>;
      for (var j = 0; j < ${per}; j++) {
        let p = lid + j * ${WG};
        if (p < ${P} && index < total) {
          let oy = p / ${outW};
          let ox = p % ${outW};
          let iy = clamp(${axis("y1", "y2", H, outH, "oy")}, 0.0, ${f(H - 1)});
          let ix = clamp(${axis("x1", "x2", W, outW, "ox")}, 0.0, ${f(W - 1)});
          let t = i32(floor(iy));
          let b = i32(ceil(iy));
          let l = i32(floor(ix));
          let r = i32(ceil(ix));
          let yl = iy - f32(t);
          let xl = ix - f32(l);
          let top = px(img, t, l) + (px(img, t, r) - px(img, t, l)) * xl;
          let bottom = px(img, b, l) + (px(img, b, r) - px(img, b, l)) * xl;
          v[j] = top + (bottom - top) * yl;
        }
      }
      let jitter = params[q + 4] == 1.0;
      let order = i32(params[q + 9]);
      for (var step = 0; step < 4; step++) {
        // the view's mean gray, for contrast: fixed-order sums, so the same bits every run
        var s = 0.0;
        for (var j = 0; j < ${per}; j++) {
          if (lid + j * ${WG} < ${P}) { s = s + luma(v[j]); }
        }
        partial[lid] = s;
        workgroupBarrier();
        if (lid == 0) {
          var m = 0.0;
          for (var k = 0; k < ${WG}; k++) { m = m + partial[k]; }
          imageMean = m / ${f(P)};
        }
        workgroupBarrier();
        let mean = imageMean;
        workgroupBarrier();
        // (no continue: a barrier after a branch on the parameters would be non-uniform)
        if (jitter) {
          let op = (order >> u32(2 * step)) & 3;
          let factor = params[q + 5 + op];
          for (var j = 0; j < ${per}; j++) {
            var c = v[j];
            if (op == 0) {
              c = c * factor;
            } else if (op == 1) {
              c = factor * c + (1.0 - factor) * mean;
            } else if (op == 2) {
              c = factor * c + (1.0 - factor) * luma(c);
            } else if (factor != 0.0) {
              c = rotateHue(c, factor);
            }
            v[j] = clamp(c, vec3<f32>(0.0), vec3<f32>(1.0));
          }
        }
      }
      let gray = params[q + 10] == 1.0;
      for (var j = 0; j < ${per}; j++) {
        let p = lid + j * ${WG};
        if (p < ${P} && index < total) {
          var c = v[j];
          if (gray) { c = vec3<f32>(luma(c)); }
          storeRgb((img * ${P} + p) * 3, c);
        }
      }
    }`;
  return runFlat(
    backend,
    "ssl_augment",
    [["images", images], ["params", params]],
    [n, outH, outW, 3],
    n * WG,
    code,
  );
}
