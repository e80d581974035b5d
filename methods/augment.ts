/**
 * SimCLR's data augmentations (Chen, Kornblith, Norouzi, Hinton 2020, arXiv 2002.05709,
 * appendix A "Data augmentation details"): random resized crop with horizontal flip, colour
 * distortion (colour jitter with p = 0.8, then colour drop with p = 0.2) and, on ImageNet,
 * Gaussian blur with p = 0.5; and BYOL's solarisation (Grill et al. 2020, Table 6), which with
 * {@linkcode twoViews}' per-view options gives BYOL's asymmetric pipeline. The semantics follow torchvision's transforms, which the common
 * PyTorch reimplementations compose as RandomResizedCrop, RandomHorizontalFlip,
 * RandomApply(ColorJitter(0.8s, 0.8s, 0.8s, 0.2s), p=0.8), RandomGrayscale(p=0.2), GaussianBlur.
 *
 * Two halves keep runs reproducible and fast: {@linkcode sampleAugmentParams} makes every random
 * draw on the host from the seeded stream it is given (never JavaScript's global random
 * function), and {@linkcode applyAugment} turns those parameters into batched tensor ops (one
 * `cropAndResize` for all crops and flips, per-image factors as [n, 1, 1, 1] tensors, one
 * depthwise convolution for all blurs), so the pixels never leave the device.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../core/rng.ts";
import { hasKernel } from "../core/ops.ts";
import { AUGMENT_MAX_PIXELS, AUGMENT_PARAMS } from "../core/kernels/augment_params.ts";

/** What to draw; see {@linkcode SIMCLR_CIFAR_AUGMENT} for the paper's CIFAR-10 setting. */
export interface AugmentOptions {
  /**
   * Colour distortion strength s (appendix A): brightness, contrast and saturation factors in
   * [max(0, 1 - 0.8s), 1 + 0.8s], hue shift in [-0.2s, 0.2s]. 0 disables jitter exactly.
   * The paper sweeps 1/8, 1/4, 1/2, 1 (its table 1); at most 2.5, as torchvision bounds the hue
   * shift to half a turn.
   */
  strength: number;
  /** Range of the crop's area as a fraction of the image's (paper: [0.08, 1]). */
  cropScale: [number, number];
  /** Range of the crop's aspect ratio width / height, drawn log-uniformly (paper: [3/4, 4/3]). */
  cropRatio: [number, number];
  /** Whether to flip horizontally with p = 0.5. */
  flip: boolean;
  /** Probability of colour jitter per image (paper: 0.8). */
  jitterProb: number;
  /** Probability of colour drop (grayscale) per image (paper: 0.2). */
  grayProb: number;
  /** Probability of Gaussian blur per image (paper: 0.5 on ImageNet, 0 on CIFAR-10). */
  blurProb: number;
  /**
   * Probability of solarisation per image, last in the pipeline: each value at or above 0.5
   * becomes 1 - x (torchvision's RandomSolarize(0.5) on [0, 1] images). SimCLR: 0; BYOL
   * (Table 6): 0 for the first view, 0.2 for the second.
   */
  solarizeProb: number;
  /** Output [height, width] of every view. */
  outSize: [number, number];
}

/**
 * The paper's CIFAR-10 setting (appendix B.9): crop, flip, colour distortion of strength 0.5
 * (its best on CIFAR-10), no Gaussian blur (left out on CIFAR-10), 32x32 views.
 */
export const SIMCLR_CIFAR_AUGMENT: AugmentOptions = Object.freeze({
  strength: 0.5,
  cropScale: [0.08, 1] as [number, number],
  cropRatio: [3 / 4, 4 / 3] as [number, number],
  flip: true,
  jitterProb: 0.8,
  grayProb: 0.2,
  blurProb: 0,
  solarizeProb: 0,
  outSize: [32, 32] as [number, number],
});

/** A colour jitter operation, in the order torchvision's ColorJitter names them. */
export type JitterOp = "brightness" | "contrast" | "saturation" | "hue";
const JITTER_OPS: readonly JitterOp[] = ["brightness", "contrast", "saturation", "hue"];

/** A crop in pixels of the source image: rows [top, top + height), columns [left, left + width). */
export interface CropParams {
  top: number;
  left: number;
  height: number;
  width: number;
  /** true when all 10 attempts failed and torchvision's central-crop fallback was used */
  fallback: boolean;
  /** the drawn area fraction (before rounding to pixels); NaN for the fallback */
  scale: number;
  /** the drawn aspect ratio width / height (before rounding); NaN for the fallback */
  ratio: number;
}

/** Colour jitter factors of one image. */
export interface JitterParams {
  /** multiplies the image */
  brightness: number;
  /** blends with the image's mean gray: f * x + (1 - f) * mean */
  contrast: number;
  /** blends with the pixel's gray: f * x + (1 - f) * gray */
  saturation: number;
  /** shift of the HSV hue, in turns */
  hue: number;
  /** the order in which the four are applied */
  order: JitterOp[];
}

/** Everything random about one image's view. */
export interface ImageAugmentParams {
  crop: CropParams;
  flip: boolean;
  /** null when colour jitter is not applied to this image */
  jitter: JitterParams | null;
  gray: boolean;
  /** the blur's sigma in pixels of the output, or null when not blurred */
  blurSigma: number | null;
  /** whether the view is solarised (last) */
  solarize: boolean;
}

/** The parameters of a batch of views of images of one source size. */
export interface AugmentParams {
  /** source image height */
  height: number;
  /** source image width */
  width: number;
  images: ImageAugmentParams[];
}

/** ITU-R BT.601 luma weights, as PIL's convert("L") and the paper's colour drop use. */
export const LUMA: readonly [number, number, number] = [0.299, 0.587, 0.114];

function checkOptions(o: AugmentOptions): void {
  const bad = (what: string) => {
    throw new RangeError(`Cannot augment with ${what}`);
  };
  if (!(o.strength >= 0 && o.strength <= 2.5)) {
    bad(`strength ${o.strength}: it must be in [0, 2.5]`);
  }
  const [s0, s1] = o.cropScale, [r0, r1] = o.cropRatio;
  if (!(s0 > 0 && s0 <= s1 && s1 <= 1)) {
    bad(`cropScale [${o.cropScale}]: it must satisfy 0 < lo <= hi <= 1`);
  }
  if (!(r0 > 0 && r0 <= r1 && Number.isFinite(r1))) {
    bad(`cropRatio [${o.cropRatio}]: it must satisfy 0 < lo <= hi < infinity`);
  }
  for (
    const [k, p] of [
      ["jitterProb", o.jitterProb],
      ["grayProb", o.grayProb],
      ["blurProb", o.blurProb],
      ["solarizeProb", o.solarizeProb],
    ] as const
  ) {
    if (!(p >= 0 && p <= 1)) bad(`${k} ${p}: it must be a probability in [0, 1]`);
  }
  const [oh, ow] = o.outSize;
  if (!(Number.isInteger(oh) && Number.isInteger(ow) && oh > 0 && ow > 0)) {
    bad(`outSize [${o.outSize}]: it must be two positive integers`);
  }
}

/** Python's round(): halves to even, as torchvision's crop sampling uses it. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x), d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * torchvision's RandomResizedCrop.get_params: up to 10 attempts drawing the area fraction
 * uniformly in `scale` and the aspect ratio log-uniformly in `ratio`, accepting the first crop
 * that fits; otherwise the central crop of the whole image, clamped to the ratio range.
 */
function sampleCrop(
  h: number,
  w: number,
  rng: Rng,
  scale: [number, number],
  ratio: [number, number],
): CropParams {
  const area = h * w;
  const lr0 = Math.log(ratio[0]), lr1 = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const s = rng.uniform(scale[0], scale[1]);
    const r = Math.exp(rng.uniform(lr0, lr1));
    const cw = roundHalfEven(Math.sqrt(area * s * r));
    const ch = roundHalfEven(Math.sqrt(area * s / r));
    if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
      const top = rng.int(h - ch + 1), left = rng.int(w - cw + 1);
      return { top, left, height: ch, width: cw, fallback: false, scale: s, ratio: r };
    }
  }
  const inRatio = w / h;
  let cw = w, ch = h;
  if (inRatio < ratio[0]) ch = Math.max(1, roundHalfEven(w / ratio[0]));
  else if (inRatio > ratio[1]) cw = Math.max(1, roundHalfEven(h * ratio[1]));
  return {
    top: Math.floor((h - ch) / 2),
    left: Math.floor((w - cw) / 2),
    height: ch,
    width: cw,
    fallback: true,
    scale: NaN,
    ratio: NaN,
  };
}

/**
 * Draws every random parameter of `n` views of h x w images, on the host, from `rng` alone, so
 * that a seed fixes the views. Per image, in pipeline order: the crop (2 draws per attempt, then
 * its position), flip, whether to jitter, the four jitter factors, the jitter order (a
 * Fisher-Yates shuffle), whether to drop colour, whether to blur, the blur's sigma, and (only
 * where solarizeProb > 0, so that pipelines without it draw as they always did) whether to
 * solarise. The
 * factors, order and sigma are drawn as uniforms mapped to their ranges whether or not they are
 * used, so a sweep over `strength` or the probabilities with one seed sees the same crops and
 * the same underlying draws (common random numbers), and s = 0 gives factors of exactly 1.
 *
 * @example
 * ```ts
 * import { Rng } from "../core/rng.ts";
 * import { sampleAugmentParams, SIMCLR_CIFAR_AUGMENT } from "./augment.ts";
 * const p = sampleAugmentParams(4, 32, 32, new Rng(0, "augment"), SIMCLR_CIFAR_AUGMENT);
 * p.images.length; // 4
 * ```
 */
export function sampleAugmentParams(
  n: number,
  h: number,
  w: number,
  rng: Rng,
  o: AugmentOptions,
): AugmentParams {
  checkOptions(o);
  for (const [k, v] of [["n", n], ["h", h], ["w", w]] as const) {
    if (!Number.isInteger(v) || v < (k === "n" ? 0 : 1)) {
      throw new RangeError(`Cannot sample augmentations with ${k} = ${v}: it must be an integer`);
    }
  }
  const s = o.strength;
  // appendix A: ColorJitter(0.8s, 0.8s, 0.8s, 0.2s); torchvision clamps the low end at 0
  const lo = Math.max(0, 1 - 0.8 * s), hi = 1 + 0.8 * s;
  const images: ImageAugmentParams[] = [];
  for (let i = 0; i < n; i++) {
    const crop = sampleCrop(h, w, rng, o.cropScale, o.cropRatio);
    const flip = rng.float() < 0.5 && o.flip;
    const doJitter = rng.float() < o.jitterProb;
    const brightness = lo + (hi - lo) * rng.float();
    const contrast = lo + (hi - lo) * rng.float();
    const saturation = lo + (hi - lo) * rng.float();
    const u = rng.float();
    // exactly 0 (not -0) when s = 0, so the hue step is skipped as torchvision skips it
    const hue = s === 0 ? 0 : 0.2 * s * (2 * u - 1);
    const order = rng.shuffle([...JITTER_OPS]);
    const gray = rng.float() < o.grayProb;
    const doBlur = rng.float() < o.blurProb;
    // appendix A: sigma uniform in [0.1, 2.0]
    const sigma = rng.uniform(0.1, 2.0);
    const solarize = o.solarizeProb > 0 && rng.float() < o.solarizeProb;
    images.push({
      crop,
      flip,
      jitter: doJitter ? { brightness, contrast, saturation, hue, order } : null,
      gray,
      blurSigma: doBlur ? sigma : null,
      solarize,
    });
  }
  return { height: h, width: w, images };
}

/**
 * The normalised [y1, x1, y2, x2] boxes that `tf.image.cropAndResize` samples for each image's
 * crop, with x1 and x2 swapped for a flipped image (cropAndResize samples from x1 towards x2,
 * so x1 > x2 mirrors the crop; the tests check it is exact).
 *
 * The samples are torchvision's: output pixel k of a crop [left, left + width) resized to W
 * pixels samples source column left + (k + 1/2) * width / W - 1/2 (half-pixel centres, as
 * `F.interpolate(..., align_corners=False)`), clamped to the crop's first and last pixel centres
 * as torchvision's crop-then-resize does. When downscaling no clamp applies and the grid is
 * torchvision's exactly (without its antialiasing); when upscaling, the clamp becomes a grid
 * from the first to the last pixel centre, within half a pixel of torchvision's. Every box lies
 * in [0, 1].
 *
 * The end of the grid that cropAndResize reaches by accumulation (the far end: y2, and x2, or x1
 * when flipped) is pulled 1e-3 pixels inside when it lies on the image's edge: webgpu computes
 * the sample positions in float32, which can overshoot the edge by ~1e-5 pixels and then reads
 * the extrapolation value 0 (a black last row or column; seen on lavapipe with 22 rows upscaled
 * to 32). The whole axis at its own size is exempt, as it computes exactly (the identity and the
 * mirror stay exact).
 */
export function cropBoxes(p: AugmentParams, outSize: [number, number]): number[][] {
  const [oh, ow] = outSize;
  const EDGE = 1e-3;
  const axis = (
    start: number,
    len: number,
    out: number,
    size: number,
    flip: boolean,
  ): [number, number] => {
    if (size === 1) return [0, 0];
    const margin = Math.max(0, 0.5 * len / out - 0.5);
    let a = start + margin, b = start + len - 1 - margin;
    if (!(len === size && out === size)) {
      if (!flip && b >= size - 1) b = Math.max(a, size - 1 - EDGE);
      if (flip && a <= 0) a = Math.min(b, EDGE);
    }
    return flip ? [b / (size - 1), a / (size - 1)] : [a / (size - 1), b / (size - 1)];
  };
  return p.images.map(({ crop, flip }) => {
    const [y1, y2] = axis(crop.top, crop.height, oh, p.height, false);
    const [x1, x2] = axis(crop.left, crop.width, ow, p.width, flip);
    return [y1, x1, y2, x2];
  });
}

/** Runs `f` on `x` in its own tidy and frees `x` unless it is `keep` or the result. */
function stage(x: tf.Tensor4D, keep: tf.Tensor, f: (x: tf.Tensor4D) => tf.Tensor): tf.Tensor4D {
  const y = tf.tidy(() => f(x)) as tf.Tensor4D;
  if (y !== x && x !== keep) x.dispose();
  return y;
}

/** [n, 1, 1, 1] tensor of per-image values. */
function perImage(v: number[]): tf.Tensor4D {
  return tf.tensor4d(v, [v.length, 1, 1, 1]);
}

/**
 * Per-pixel luma, [n, H, W, 1], as a 1x1 convolution: on webgpu a sum over the 3-wide channel
 * axis runs one workgroup per pixel and is 15x slower (330 ms vs 20 ms for 512 CIFAR images on
 * lavapipe); the convolution is also the fast path on the cpu backend.
 */
function luma(x: tf.Tensor4D): tf.Tensor4D {
  return tf.conv2d(x, tf.tensor4d([...LUMA], [1, 1, 3, 1]), 1, "valid");
}

/**
 * RGB to HSV as torchvision's _rgb2hsv computes the hue, kept in the parts the way back needs:
 * V = max, chroma C = max - min (S = C / V), and the hue in sixths of a turn, h6 in [-1, 5).
 * Gray pixels (C = 0) get hue 0.
 */
export function toHsv(x: tf.Tensor4D): { maxc: tf.Tensor4D; chroma: tf.Tensor4D; h6: tf.Tensor4D } {
  // gather, not split: split along the channel axis is 10x slower on the cpu backend
  const [r, g, b] = [0, 1, 2].map((c) => tf.gather(x, [c], 3)) as [
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
  ];
  const maxc = tf.maximum(tf.maximum(r, g), b);
  const chroma = tf.sub(maxc, tf.minimum(tf.minimum(r, g), b));
  const safe = tf.where(tf.equal(chroma, 0), tf.onesLike(chroma), chroma);
  const isR = tf.equal(maxc, r), isG = tf.logicalAnd(tf.equal(maxc, g), tf.logicalNot(isR));
  const h6 = tf.where(
    isR,
    tf.div(tf.sub(g, b), safe),
    tf.where(isG, tf.add(tf.div(tf.sub(b, r), safe), 2), tf.add(tf.div(tf.sub(r, g), safe), 4)),
  );
  return { maxc, chroma, h6 } as { maxc: tf.Tensor4D; chroma: tf.Tensor4D; h6: tf.Tensor4D };
}

/**
 * HSV (as V, chroma and h6, see {@linkcode toHsv}) back to RGB, by the closed form
 * channel_n = V - C * clip(min(k_n, 4 - k_n), 0, 1) with k_n = (n + h6) mod 6, n = 5, 3, 1 for
 * R, G, B, which needs no per-sector selection and runs on all three channels at once.
 */
export function fromHsv(maxc: tf.Tensor4D, chroma: tf.Tensor4D, h6: tf.Tensor): tf.Tensor4D {
  const k = tf.mod(tf.add(h6, tf.tensor1d([5, 3, 1])), 6); // [m, H, W, 3], floor-mod
  const ramp = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1);
  return tf.sub(maxc, tf.mul(chroma, ramp));
}

/**
 * Rotates the hue of every pixel by `shift` turns ([m, 1, 1, 1]) through HSV, exactly as
 * torchvision's adjust_hue (and TensorFlow's tf.image.adjust_hue, which the paper's code uses):
 * saturation and value are kept.
 */
function rotateHue(x: tf.Tensor4D, shift: tf.Tensor4D): tf.Tensor4D {
  const { maxc, chroma, h6 } = toHsv(x);
  return fromHsv(maxc, chroma, tf.add(h6, tf.mul(shift, 6)));
}

/**
 * Colour jitter in each image's own random order, as torchvision's ColorJitter (and the paper's
 * official color_jitter_rand) apply it, clipping to [0, 1] after every operation as both do.
 * Brightness, contrast and saturation are each a*x + b*gray(x) + c*mean(gray(x)) with per-image
 * (a, b, c), so one batched step serves all three and the identity (1, 0, 0); the hue, the only
 * costly one, runs only on the images whose order puts it at that step, gathered and scattered
 * back, so the batch pays for one HSV round trip in all.
 */
function colorJitter(
  x0: tf.Tensor4D,
  params: (JitterParams | null)[],
  keep: tf.Tensor,
): tf.Tensor4D {
  const n = params.length;
  let x = x0;
  for (let step = 0; step < 4; step++) {
    const a = new Array<number>(n).fill(1), b = new Array<number>(n).fill(0);
    const c = new Array<number>(n).fill(0);
    const hueIdx: number[] = [], hueShift: number[] = [];
    params.forEach((p, i) => {
      if (!p) return;
      const op = p.order[step];
      if (op === "brightness") a[i] = p.brightness;
      else if (op === "contrast") [a[i], c[i]] = [p.contrast, 1 - p.contrast];
      else if (op === "saturation") [a[i], b[i]] = [p.saturation, 1 - p.saturation];
      else if (op === "hue" && p.hue !== 0) {
        hueIdx.push(i);
        hueShift.push(p.hue);
      }
    });
    if (a.some((v) => v !== 1) || b.some((v) => v !== 0) || c.some((v) => v !== 0)) {
      x = stage(x, keep, (x) => {
        const scaled = tf.mul(x, perImage(a));
        if (b.every((v) => v === 0) && c.every((v) => v === 0)) return tf.clipByValue(scaled, 0, 1);
        // the gray terms on one channel, then broadcast: fewer full-size ops
        const gray = luma(x);
        const mean = tf.mean(gray, [1, 2, 3], true);
        const shift = tf.add(tf.mul(gray, perImage(b)), tf.mul(mean, perImage(c)));
        return tf.clipByValue(tf.add(scaled, shift), 0, 1);
      });
    }
    if (hueIdx.length > 0) {
      x = stage(x, keep, (x) => {
        const turned = tf.clipByValue(
          rotateHue(tf.gather(x, hueIdx), perImage(hueShift)),
          0,
          1,
        );
        // image i comes from row i of x, or from row n + j of the turned ones
        const from = Array.from({ length: n }, (_, i) => i);
        hueIdx.forEach((i, j) => from[i] = n + j);
        return tf.gather(tf.concat([x, turned], 0), from) as tf.Tensor4D;
      });
    }
  }
  return x;
}

/** torchvision's Gaussian kernel: exp(-x^2 / 2 sigma^2) on x = -(k-1)/2 .. (k-1)/2, summing to 1. */
function gaussianKernel(k: number, sigma: number): number[] {
  const half = (k - 1) / 2;
  const v = Array.from({ length: k }, (_, i) => Math.exp(-0.5 * ((i - half) / sigma) ** 2));
  const s = v.reduce((p, q) => p + q, 0);
  return v.map((x) => x / s);
}

/** Kernel size: 10% of the side (appendix A), made odd as torchvision requires; at least 1. */
export function blurKernelSize(side: number): number {
  return 2 * Math.floor(Math.floor(0.1 * side) / 2) + 1;
}

/**
 * Separable Gaussian blur with a per-image sigma (null: untouched, by a unit kernel, which is
 * exact), with reflect padding as torchvision's GaussianBlur. All images run in one depthwise
 * convolution per direction by stacking them along the channels: [n, H, W, 3] -> [1, H, W, 3n].
 */
function gaussianBlur(x: tf.Tensor4D, sigmas: (number | null)[]): tf.Tensor4D {
  const [n, h, w] = x.shape;
  const kh = blurKernelSize(h), kw = blurKernelSize(w);
  const filters = (k: number) => {
    const v = new Float32Array(k * n * 3);
    sigmas.forEach((sigma, i) => {
      const ker = sigma === null ? null : gaussianKernel(k, sigma);
      for (let t = 0; t < k; t++) {
        const val = ker ? ker[t]! : (t === (k - 1) / 2 ? 1 : 0);
        for (let ch = 0; ch < 3; ch++) v[t * n * 3 + i * 3 + ch] = val;
      }
    });
    return v;
  };
  const stacked = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [1, h, w, n * 3]) as tf.Tensor4D;
  const rh = (kh - 1) / 2, rw = (kw - 1) / 2;
  const padded = tf.mirrorPad(stacked, [[0, 0], [rh, rh], [rw, rw], [0, 0]], "reflect");
  const fv = tf.tensor4d(filters(kh), [kh, 1, n * 3, 1]);
  const fh = tf.tensor4d(filters(kw), [1, kw, n * 3, 1]);
  const blurred = tf.depthwiseConv2d(tf.depthwiseConv2d(padded, fv, 1, "valid"), fh, 1, "valid");
  return tf.transpose(tf.reshape(blurred, [h, w, n, 3]), [2, 0, 1, 3]);
}

/**
 * The parameters of a batch packed for the fused WebGPU kernel (core/kernels/augment_webgpu.ts;
 * the layout: core/kernels/augment_params.ts): [n x AUGMENT_PARAMS] floats.
 */
export function packAugmentParams(p: AugmentParams, outSize: [number, number]): Float32Array {
  const boxes = cropBoxes(p, outSize);
  const out = new Float32Array(p.images.length * AUGMENT_PARAMS);
  p.images.forEach((q, i) => {
    const j = q.jitter, o = i * AUGMENT_PARAMS;
    out.set(boxes[i]!, o);
    if (j) {
      const order = j.order.reduce((code, op, k) => code + JITTER_OPS.indexOf(op) * 4 ** k, 0);
      out.set([1, j.brightness, j.contrast, j.saturation, j.hue, order], o + 4);
    }
    out[o + 10] = q.gray ? 1 : 0;
  });
  return out;
}

/**
 * Applies sampled parameters to a batch, in the paper's order: crop + resize + flip, colour
 * jitter, colour drop, blur. Returns a new [n, outH, outW, 3] tensor in [0, 1]; the input is
 * not disposed, and no other tensor outlives the call.
 *
 * On WebGPU, views without blur of at most AUGMENT_MAX_PIXELS pixels (64x64: the CIFAR-10
 * settings) take one fused kernel (SslAugment) for the ~190 dispatches of the TF.js ops
 * ({@linkcode applyAugmentOps}); the two agree to float rounding (tested). Larger views (STL-10's
 * 96x96) and blurred ones take the TF.js ops.
 *
 * @param images [n, H, W, 3] floats in [0, 1]
 */
export function applyAugment(
  images: tf.Tensor4D,
  p: AugmentParams,
  o: AugmentOptions,
): tf.Tensor4D {
  const [oh, ow] = o.outSize;
  const fused = hasKernel("SslAugment") && oh * ow <= AUGMENT_MAX_PIXELS &&
    p.images.every((q) => q.blurSigma === null);
  if (!fused || p.images.length === 0) return applyAugmentOps(images, p, o);
  checkBatch(images, p, o);
  return tf.tidy(() => {
    const params = tf.tensor2d(packAugmentParams(p, o.outSize), [p.images.length, AUGMENT_PARAMS]);
    const x = tf.engine().runKernel("SslAugment", { images, params }, { outH: oh, outW: ow });
    return solarizeViews(x as tf.Tensor4D, p);
  }) as tf.Tensor4D;
}

/** Solarises the views whose parameters ask for it: x >= 0.5 becomes 1 - x (the rest: as is). */
function solarizeViews(x: tf.Tensor4D, p: AugmentParams): tf.Tensor4D {
  const flags = p.images.map((q) => q.solarize ? 1 : 0);
  if (!flags.some((f) => f === 1)) return x;
  return tf.tidy(() => {
    const flip = tf.logicalAnd(tf.greater(perImage(flags), 0), tf.greaterEqual(x, 0.5));
    return tf.where(flip, tf.sub(1, x), x) as tf.Tensor4D;
  });
}

function checkBatch(images: tf.Tensor4D, p: AugmentParams, o: AugmentOptions): void {
  checkOptions(o);
  const [n, h, w, c] = images.shape;
  if (images.rank !== 4 || c !== 3 || n !== p.images.length || h !== p.height || w !== p.width) {
    throw new RangeError(
      `Cannot augment images of shape [${images.shape}] with parameters for ` +
        `[${p.images.length},${p.height},${p.width},3]`,
    );
  }
}

/** {@linkcode applyAugment} written with TF.js ops, on any backend. */
export function applyAugmentOps(
  images: tf.Tensor4D,
  p: AugmentParams,
  o: AugmentOptions,
): tf.Tensor4D {
  checkBatch(images, p, o);
  const n = images.shape[0];
  if (n === 0) return tf.zeros([0, o.outSize[0], o.outSize[1], 3]) as tf.Tensor4D;
  let x = stage(images, images, (x) => {
    const boxes = tf.tensor2d(cropBoxes(p, o.outSize), [n, 4]);
    const ind = tf.tensor1d(Array.from({ length: n }, (_, i) => i), "int32");
    return tf.image.cropAndResize(x, boxes, ind, o.outSize, "bilinear");
  });
  const jitter = p.images.map((q) => q.jitter);
  if (jitter.some((q) => q !== null)) x = colorJitter(x, jitter, images);
  const gray = p.images.map((q) => q.gray ? 1 : 0);
  if (gray.some((g) => g === 1)) {
    // appendix A's colour drop: luma replicated to 3 channels. (1 - m) x + m g is exact for
    // m in {0, 1}.
    x = stage(x, images, (x) => {
      const m = perImage(gray);
      return tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(luma(x), m));
    });
  }
  const sigmas = p.images.map((q) => q.blurSigma);
  if (sigmas.some((s) => s !== null)) x = stage(x, images, (x) => gaussianBlur(x, sigmas));
  if (p.images.some((q) => q.solarize)) x = stage(x, images, (x) => solarizeViews(x, p));
  return x;
}

/**
 * Draws parameters from `rng` and applies them: one augmented view of each image.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Rng } from "../core/rng.ts";
 * import { augmentBatch, SIMCLR_CIFAR_AUGMENT } from "./augment.ts";
 * const v = augmentBatch(tf.zeros([2, 32, 32, 3]), new Rng(0, "augment"), SIMCLR_CIFAR_AUGMENT);
 * v.shape; // [2, 32, 32, 3]
 * ```
 */
export function augmentBatch(images: tf.Tensor4D, rng: Rng, o: AugmentOptions): tf.Tensor4D {
  const [n, h, w] = images.shape;
  return applyAugment(images, sampleAugmentParams(n, h, w, rng, o), o);
}

/**
 * SimCLR's two views (its figure 2): [2n, outH, outW, 3], the n first views then the n second
 * views, with independent parameters (drawn from `rng` one after the other), so rows i and
 * n + i form the positive pair NT-Xent expects. Both views go through one batched call. The
 * second views follow `secondOptions` where a method's pipeline is asymmetric (BYOL, Table 6:
 * blur always on the first view and with p = 0.1 on the second, solarisation on the second only);
 * by default both follow `o`.
 */
export function twoViews(
  images: tf.Tensor4D,
  rng: Rng,
  o: AugmentOptions,
  secondOptions: AugmentOptions = o,
): tf.Tensor4D {
  const [n, h, w] = images.shape;
  if (secondOptions.outSize[0] !== o.outSize[0] || secondOptions.outSize[1] !== o.outSize[1]) {
    throw new RangeError(
      `Cannot make two views of sizes [${o.outSize}] and [${secondOptions.outSize}]`,
    );
  }
  const first = sampleAugmentParams(n, h, w, rng, o);
  const second = sampleAugmentParams(n, h, w, rng, secondOptions);
  const both: AugmentParams = { height: h, width: w, images: [...first.images, ...second.images] };
  const doubled = tf.concat([images, images], 0);
  try {
    return applyAugment(doubled, both, o);
  } finally {
    doubled.dispose();
  }
}
