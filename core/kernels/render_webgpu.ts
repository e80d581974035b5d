/**
 * Exemplar CNN's sample rendering (methods/exemplar_transforms.ts) in one WebGPU dispatch: for
 * each output pixel, the affine warp of its seed's source image (tf.image.transform's bilinear
 * sampling with "reflect" borders), the colour matrix of contrast 1 and the HSV adjustment of
 * contrast 2 and hue, each clipped to [0, 1] as the TF.js ops do. Written with those ops the same
 * work takes a gather, the transform, a batched 3x3 matrix product and ~40 element-wise kernels a
 * step; here the parameters go up as one [n, RENDER_PARAMS] tensor.
 * @module
 */
import { runFlat, type TensorInfo, type WebGPUBackendLike } from "./program.ts";
import { RENDER_PARAMS as K } from "./augment_params.ts";
import { COLOUR_WGSL } from "./augment_webgpu.ts";

/** What the batch applies after the warp (each as the TF.js ops path decides it). */
export interface RenderStages {
  /** the colour matrix, with the colour PCA's mean (contrast 1), or null to skip it */
  pcaMean: [number, number, number] | null;
  /** contrast 2 and hue */
  colour: boolean;
}

/**
 * Renders [n, patch, patch, 3] samples from `sources` ([S, H, W, 3] in [0, 1]) with the packed
 * per-sample `params` ([n, RENDER_PARAMS], layout in augment_params.ts).
 */
export function renderExemplar(
  backend: WebGPUBackendLike,
  sources: TensorInfo,
  params: TensorInfo,
  patch: number,
  stages: RenderStages,
): TensorInfo {
  const [, H, W] = sources.shape as [number, number, number, number];
  const n = params.shape[0]!, P = patch * patch;
  const f = (x: number) => x.toPrecision(9);
  const mean = stages.pcaMean?.map(f).join(", ");
  const code = `
    ${COLOUR_WGSL}

    // tf.image.transform's "reflect" (TF.js's webgpu TransformProgram, fill mode 2)
    fn reflectCoord(c : f32, len : f32) -> f32 {
      var v = c;
      if (v < 0.0) {
        if (len <= 1.0) {
          v = 0.0;
        } else {
          let sz2 = 2.0 * len;
          if (v < sz2) { v = sz2 * f32(i32(f32(-v / sz2))) + v; }
          if (v < -len) { v = v + sz2; } else { v = -v - 1.0; }
        }
      } else if (v > len - 1.0) {
        if (len <= 1.0) {
          v = 0.0;
        } else {
          let sz2 = 2.0 * len;
          v = v - sz2 * f32(i32(f32(v / sz2)));
          if (v >= len) { v = sz2 - v - 1.0; }
        }
      }
      return clamp(v, 0.0, len - 1.0);
    }

    // a source pixel, or the fill value 0 outside the image
    fn src(img : i32, y : i32, x : i32) -> vec3<f32> {
      if (y < 0 || y >= ${H} || x < 0 || x >= ${W}) { return vec3<f32>(0.0); }
      let i = ((img * ${H} + y) * ${W} + x) * 3;
      return vec3<f32>(sources[i], sources[i + 1], sources[i + 2]);
    }

    // clip(t^power * factor + offset, 0, 1) with (power, factor, offset) at params[q]
    fn adjust(t : f32, q : i32) -> f32 {
      return clamp(pow(t, params[q]) * params[q + 1] + params[q + 2], 0.0, 1.0);
    }

    fn main(index : i32) {
      if (index >= uniforms.n) { return; }
      let pix = index % ${P};
      let q = (index / ${P}) * ${K};
      let img = i32(params[q]);
      let xf = f32(pix % ${patch});
      let yf = f32(pix / ${patch});
      let mapX = reflectCoord(params[q + 1] * xf + params[q + 2] * yf + params[q + 3], ${f(W)});
      let mapY = reflectCoord(params[q + 4] * xf + params[q + 5] * yf + params[q + 6], ${f(H)});
      let yFloor = floor(mapY);
      let xFloor = floor(mapX);
      let yCeil = yFloor + 1.0;
      let xCeil = xFloor + 1.0;
      let top = (xCeil - mapX) * src(img, i32(yFloor), i32(xFloor)) +
        (mapX - xFloor) * src(img, i32(yFloor), i32(xCeil));
      let bottom = (xCeil - mapX) * src(img, i32(yCeil), i32(xFloor)) +
        (mapX - xFloor) * src(img, i32(yCeil), i32(xCeil));
      var c = (yCeil - mapY) * top + (mapY - yFloor) * bottom;
      ${
    stages.pcaMean
      ? `let mean = vec3<f32>(${mean});
      let d = c - mean;
      let m = q + 7;
      // TF.js's matrix product: fused multiply-adds over k from 0
      c = clamp(vec3<f32>(
        fma(d.z, params[m + 6], fma(d.y, params[m + 3], d.x * params[m])),
        fma(d.z, params[m + 7], fma(d.y, params[m + 4], d.x * params[m + 1])),
        fma(d.z, params[m + 8], fma(d.y, params[m + 5], d.x * params[m + 2]))) + mean,
        vec3<f32>(0.0), vec3<f32>(1.0));`
      : ""
  }
      ${
    stages.colour
      ? `let hsv = toHsv(c);
      let sat = hsv.y / select(hsv.x, 1.0, hsv.x == 0.0);
      let v2 = adjust(hsv.x, q + 19);
      let s2 = adjust(sat, q + 16);
      c = clamp(fromHsv(v2, v2 * s2, hsv.z + params[q + 22]), vec3<f32>(0.0),
        vec3<f32>(1.0));`
      : ""
  }
      storeRgb(index * 3, c);
    }`;
  return runFlat(
    backend,
    "ssl_exemplar_render",
    [["sources", sources], ["params", params]],
    [n, patch, patch, 3],
    n * P,
    code,
  );
}
