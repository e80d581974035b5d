/**
 * Exemplar CNN's surrogate data (Dosovitskiy et al. 2014, Sec. 2; TPAMI Sec. 3.1): seed patches
 * taken where images have gradients, and K random transformations of each, every one a sample of
 * the seed's surrogate class.
 *
 * Transformations, as the paper lists them (parameters drawn per sample, the same for every
 * pixel of it):
 * - translation: vertical and horizontal, each up to 0.2 of the patch size;
 * - scale: the patch's scale multiplied by a factor in [0.7, 1.4];
 * - rotation: up to 20 degrees either way;
 * - contrast 1 ("pca"): the projection of each pixel onto each principal component of the set of
 *   all pixels multiplied by a factor in [0.5, 2] (one factor per component);
 * - contrast 2 ("sv"): saturation and value (HSV) each raised to a power in [0.25, 4], multiplied
 *   by a factor in [0.7, 1.4], plus a value in [-0.1, 0.1];
 * - colour ("hue"): a value in [-0.1, 0.1] added to the hue.
 *
 * Choices the paper leaves open, made here and named in every report: factors and powers are
 * drawn log-uniformly (symmetric around 1: [0.7, 1.4] and [0.25, 4] are a factor 2 and 16 wide
 * around 1), offsets uniformly; saturation and value draw their own power, factor and offset;
 * the geometric transformation samples the seed's source image (so a translated or zoomed-out
 * patch shows real surroundings, reflected at the image border), then contrast 1, then contrast
 * 2 and hue in one HSV round trip, clipping to [0, 1]. The released code differs slightly (scale
 * 1/sqrt2-sqrt2, position +/-0.25, log-normal PCA factors); it is not what this follows.
 *
 * Every sample's parameters come from its own stream, Rng(seed, "exemplar/<class>/<k>"), so the
 * surrogate data set is exactly N x K fixed samples, as in the paper, whatever the batch order,
 * and nothing needs storing.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng.ts";
import type { ImageSet } from "../datasets/images.ts";
import { fromHsv, LUMA, toHsv } from "./augment.ts";
import { hasKernel } from "../core/ops.ts";
import { RENDER_PARAMS } from "../core/kernels/augment_params.ts";

/** The transformations by name (the `without` ablation removes some). */
export const TRANSFORMS = ["translate", "scale", "rotate", "pca", "sv", "hue"] as const;
export type TransformName = (typeof TRANSFORMS)[number];

/** Ranges of the transformations (paper's values by default). */
export interface TransformOptions {
  /** max translation, fraction of the patch side, each axis */
  translate: number;
  /** scale factor range */
  scale: [number, number];
  /** max rotation, degrees */
  rotate: number;
  /** factor range per principal component (contrast 1) */
  pca: [number, number];
  /** power range for S and V (contrast 2) */
  svPower: [number, number];
  /** factor range for S and V (contrast 2) */
  svFactor: [number, number];
  /** max offset added to S and V (contrast 2) */
  svAdd: number;
  /** max hue shift, in turns */
  hue: number;
  /** transformations left out (each then keeps its identity parameters) */
  without: TransformName[];
}

/** The paper's ranges (Sec. 2 of the NIPS paper). */
export const PAPER_TRANSFORMS: Readonly<TransformOptions> = Object.freeze<TransformOptions>({
  translate: 0.2,
  scale: [0.7, 1.4],
  rotate: 20,
  pca: [0.5, 2],
  svPower: [0.25, 4],
  svFactor: [0.7, 1.4],
  svAdd: 0.1,
  hue: 0.1,
  without: [],
});

/** One sample's transformation parameters. */
export interface TransformParams {
  /** translation in pixels (x, y) */
  tx: number;
  ty: number;
  scale: number;
  /** radians */
  angle: number;
  /** factors of the three principal components */
  pca: [number, number, number];
  /** saturation and value: power, factor, offset */
  s: [number, number, number];
  v: [number, number, number];
  /** turns */
  hue: number;
}

/** The parameters that change nothing. */
export const IDENTITY: Readonly<TransformParams> = Object.freeze<TransformParams>({
  tx: 0,
  ty: 0,
  scale: 1,
  angle: 0,
  pca: [1, 1, 1],
  s: [1, 1, 0],
  v: [1, 1, 0],
  hue: 0,
});

function logUniform(rng: Rng, [lo, hi]: [number, number]): number {
  return Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
}

/** Checks ranges; throws RangeError naming the bad one. */
export function checkTransformOptions(o: TransformOptions): void {
  const pos = (name: string, [lo, hi]: [number, number]) => {
    if (!(lo > 0 && hi >= lo)) {
      throw new RangeError(`Exemplar transform ${name} range [${lo}, ${hi}] must be 0 < lo <= hi`);
    }
  };
  pos("scale", o.scale);
  pos("pca", o.pca);
  pos("svPower", o.svPower);
  pos("svFactor", o.svFactor);
  for (const k of ["translate", "rotate", "svAdd", "hue"] as const) {
    if (!(o[k] >= 0)) throw new RangeError(`Exemplar transform ${k} must be >= 0, got ${o[k]}`);
  }
  for (const w of o.without) {
    if (!TRANSFORMS.includes(w)) {
      throw new RangeError(`Unknown transformation "${w}"; known: ${TRANSFORMS.join(", ")}`);
    }
  }
}

/**
 * The parameters of sample k of surrogate class c, from its own stream. Every transformation
 * draws its values even when left out, so removing one leaves the others' values unchanged.
 */
export function sampleParams(
  seed: number,
  c: number,
  k: number,
  patch: number,
  o: TransformOptions,
): TransformParams {
  const rng = new Rng(seed, `exemplar/${c}/${k}`);
  const t = o.translate * patch;
  const p: TransformParams = {
    tx: rng.uniform(-t, t),
    ty: rng.uniform(-t, t),
    scale: logUniform(rng, o.scale),
    angle: rng.uniform(-o.rotate, o.rotate) * Math.PI / 180,
    pca: [logUniform(rng, o.pca), logUniform(rng, o.pca), logUniform(rng, o.pca)],
    s: [logUniform(rng, o.svPower), logUniform(rng, o.svFactor), rng.uniform(-o.svAdd, o.svAdd)],
    v: [logUniform(rng, o.svPower), logUniform(rng, o.svFactor), rng.uniform(-o.svAdd, o.svAdd)],
    hue: rng.uniform(-o.hue, o.hue),
  };
  const off = new Set(o.without);
  if (off.has("translate")) [p.tx, p.ty] = [0, 0];
  if (off.has("scale")) p.scale = 1;
  if (off.has("rotate")) p.angle = 0;
  if (off.has("pca")) p.pca = [1, 1, 1];
  if (off.has("sv")) [p.s, p.v] = [[1, 1, 0], [1, 1, 0]];
  if (off.has("hue")) p.hue = 0;
  return p;
}

// ---------------------------------------------------------------------------------------------
// Seed patches

/** Per-pixel gradient magnitude of an image's luma (central differences, one-sided at borders). */
export function gradientMagnitude(set: ImageSet, i: number): Float64Array {
  const { height: h, width: w, channels: ch } = set;
  const base = i * h * w * ch;
  const y = new Float64Array(h * w);
  for (let p = 0; p < h * w; p++) {
    for (let c = 0; c < Math.min(ch, 3); c++) {
      y[p]! += (ch === 1 ? 1 : LUMA[c]!) * set.images[base + p * ch + c]! / 255;
    }
  }
  const g = new Float64Array(h * w);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const gx = (y[r * w + Math.min(c + 1, w - 1)]! - y[r * w + Math.max(c - 1, 0)]!) / 2;
      const gy = (y[Math.min(r + 1, h - 1) * w + c]! - y[Math.max(r - 1, 0) * w + c]!) / 2;
      g[r * w + c] = Math.hypot(gx, gy);
    }
  }
  return g;
}

/** A seed patch: its source image and the patch's top-left corner there. */
export interface SeedPatch {
  image: number;
  top: number;
  left: number;
}

/** How seed patches are placed in their images (the `seedSampling` key). */
export const SEED_SAMPLING = ["gradient", "uniform"] as const;

/**
 * Draws `n` seed patches of side `patch` from `n` different images of `set` (chosen by `rng`),
 * each placed inside its image with probability proportional to the patch's summed gradient
 * magnitude (the paper samples "from regions containing considerable gradients"; TPAMI: with
 * probability proportional to the mean gradient magnitude). An image without any gradient gets
 * a uniform position, as every patch does with `by` = "uniform" (the ablation of the patch
 * extraction strategy the poster names as a limitation).
 */
export function sampleSeedPatches(
  set: ImageSet,
  n: number,
  patch: number,
  rng: Rng,
  by: (typeof SEED_SAMPLING)[number] = "gradient",
): SeedPatch[] {
  if (set.height < patch || set.width < patch) {
    throw new RangeError(
      `${set.name}: images are ${set.width}x${set.height}, smaller than the ${patch}-pixel patch; ` +
        `lower patch= or raise upsample=`,
    );
  }
  if (n > set.n) {
    throw new RangeError(
      `${n} surrogate classes need ${n} different images, but ${set.name} has ${set.n}`,
    );
  }
  const order = rng.shuffle(Int32Array.from({ length: set.n }, (_, i) => i));
  const { height: h, width: w } = set;
  const rows = h - patch + 1, cols = w - patch + 1;
  return Array.from(order.subarray(0, n), (image) => {
    if (by === "uniform") {
      const pick = rng.int(rows * cols);
      return { image, top: Math.floor(pick / cols), left: pick % cols };
    }
    const g = gradientMagnitude(set, image);
    // integral image: box sums of every patch position in O(1)
    const s = new Float64Array((h + 1) * (w + 1));
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        s[(r + 1) * (w + 1) + c + 1] = g[r * w + c]! + s[r * (w + 1) + c + 1]! +
          s[(r + 1) * (w + 1) + c]! - s[r * (w + 1) + c]!;
      }
    }
    const score = new Float64Array(rows * cols);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const at = (rr: number, cc: number) => s[rr * (w + 1) + cc]!;
        const v = at(r + patch, c + patch) - at(r, c + patch) - at(r + patch, c) + at(r, c);
        score[r * cols + c] = Math.max(v, 0);
        total += score[r * cols + c]!;
      }
    }
    let pick = rows * cols - 1;
    if (total > 0) {
      let u = rng.float() * total;
      for (let j = 0; j < score.length; j++) {
        u -= score[j]!;
        if (u < 0) {
          pick = j;
          break;
        }
      }
    } else pick = rng.int(rows * cols);
    return { image, top: Math.floor(pick / cols), left: pick % cols };
  });
}

/** The mean colour and the principal components (rows of `vectors`) of a set's pixels. */
export interface ColourPca {
  mean: number[];
  vectors: number[][];
}

/**
 * The principal components of the colours of all pixels of `set` (contrast 1 acts on them):
 * the mean colour and the eigenvectors of the 3x3 covariance, in [0, 1] units, rows of `vectors`.
 */
export function colourPca(set: ImageSet): ColourPca {
  if (set.channels !== 3) throw new RangeError(`${set.name}: colour PCA needs RGB images`);
  const m = [0, 0, 0], c = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const px = set.images.length / 3;
  for (let p = 0; p < px; p++) for (let i = 0; i < 3; i++) m[i]! += set.images[3 * p + i]! / 255;
  for (let i = 0; i < 3; i++) m[i]! /= px;
  for (let p = 0; p < px; p++) {
    const d = [0, 1, 2].map((i) => set.images[3 * p + i]! / 255 - m[i]!);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) c[i]![j]! += d[i]! * d[j]!;
  }
  return { mean: m, vectors: symmetricEigenvectors(c.map((r) => r.map((v) => v / px))) };
}

/** Eigenvectors (rows, by decreasing eigenvalue) of a symmetric 3x3 matrix, by Jacobi sweeps. */
export function symmetricEigenvectors(a0: number[][]): number[][] {
  const a = a0.map((r) => [...r]);
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < 3; p++) for (let q = p + 1; q < 3; q++) off += a[p]![q]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < 3; p++) {
      for (let q = p + 1; q < 3; q++) {
        if (Math.abs(a[p]![q]!) < 1e-300) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * a[p]![q]!);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const cs = 1 / Math.sqrt(t * t + 1), sn = t * cs;
        for (let k = 0; k < 3; k++) { // columns p, q of a
          const akp = a[k]![p]!, akq = a[k]![q]!;
          a[k]![p] = cs * akp - sn * akq;
          a[k]![q] = sn * akp + cs * akq;
        }
        for (let k = 0; k < 3; k++) { // rows p, q of a
          const apk = a[p]![k]!, aqk = a[q]![k]!;
          a[p]![k] = cs * apk - sn * aqk;
          a[q]![k] = sn * apk + cs * aqk;
        }
        for (let k = 0; k < 3; k++) { // accumulate the rotation in v's columns
          const vkp = v[k]![p]!, vkq = v[k]![q]!;
          v[k]![p] = cs * vkp - sn * vkq;
          v[k]![q] = sn * vkp + cs * vkq;
        }
      }
    }
  }
  return [0, 1, 2].sort((i, j) => a[j]![j]! - a[i]![i]!).map((i) =>
    [0, 1, 2].map((k) => v[k]![i]!)
  );
}

// ---------------------------------------------------------------------------------------------
// Rendering, batched on the device

/**
 * tf.image.transform's 8 numbers for one sample: output pixel (x, y) of the patch reads source
 * pixel centre + translation + scale * R(angle) * ((x, y) - (patch - 1) / 2).
 */
export function affineOf(p: TransformParams, seed: SeedPatch, patch: number): number[] {
  const h = (patch - 1) / 2;
  const cx = seed.left + h + p.tx, cy = seed.top + h + p.ty;
  const a0 = p.scale * Math.cos(p.angle), a1 = -p.scale * Math.sin(p.angle);
  const b0 = p.scale * Math.sin(p.angle), b1 = p.scale * Math.cos(p.angle);
  return [a0, a1, cx - (a0 + a1) * h, b0, b1, cy - (b0 + b1) * h, 0, 0];
}

/**
 * Renders samples: for each, its seed's source image (`sources` [S, H, W, 3] in [0, 1], row
 * `sourceRow[i]`), warped by its geometric parameters to a `patch` x `patch` crop, then its
 * colour transformations. Returns [B, patch, patch, 3] in [0, 1]. Call inside tf.tidy.
 */
export function renderSamples(
  sources: tf.Tensor4D,
  sourceRow: number[],
  seeds: SeedPatch[],
  params: TransformParams[],
  patch: number,
  pca: ColourPca,
): tf.Tensor4D {
  if (hasKernel("SslExemplarRender") && params.length > 0) {
    return tf.tidy(() => {
      const packed = packRenderParams(sourceRow, seeds, params, patch, pca);
      const p = tf.tensor2d(packed, [params.length, RENDER_PARAMS]);
      return tf.engine().runKernel("SslExemplarRender", { sources, params: p }, {
        patch,
        pcaMean: usesPca(params) ? pca.mean : [], // the kernel's RenderStages
        colour: usesColour(params) ? 1 : 0,
      }) as tf.Tensor4D;
    });
  }
  return renderSamplesOps(sources, sourceRow, seeds, params, patch, pca);
}

/** Whether a batch applies contrast 1 (its colour matrix), and contrast 2 and hue. */
const usesPca = (params: TransformParams[]) => params.some((p) => p.pca.some((f) => f !== 1));
const usesColour = (params: TransformParams[]) =>
  params.some((p) =>
    p.hue !== 0 || p.s.some((v, i) => v !== IDENTITY.s[i]) ||
    p.v.some((v, i) => v !== IDENTITY.v[i])
  );

/**
 * Contrast 1's colour matrix of one sample: pixel -> mean + V^T diag(f) V (pixel - mean) (rows
 * of V: the principal components), as M[j][i], input channel j to output channel i (x @ M).
 */
function colourMatrix(p: TransformParams, pca: ColourPca): number[] {
  const v = pca.vectors;
  return [0, 1, 2].flatMap((i) =>
    [0, 1, 2].map((j) => v.reduce((acc, row, k) => acc + row[j]! * p.pca[k]! * row[i]!, 0))
  );
}

/** The fused kernel's parameters, RENDER_PARAMS per sample (layout: augment_params.ts). */
export function packRenderParams(
  sourceRow: number[],
  seeds: SeedPatch[],
  params: TransformParams[],
  patch: number,
  pca: ColourPca,
): Float32Array {
  const out = new Float32Array(params.length * RENDER_PARAMS);
  params.forEach((p, i) => {
    out.set(
      [
        sourceRow[i]!,
        ...affineOf(p, seeds[i]!, patch).slice(0, 6),
        ...colourMatrix(p, pca),
        ...p.s,
        ...p.v,
        6 * p.hue,
      ],
      i * RENDER_PARAMS,
    );
  });
  return out;
}

/** {@linkcode renderSamples} written with TF.js ops, on any backend. */
export function renderSamplesOps(
  sources: tf.Tensor4D,
  sourceRow: number[],
  seeds: SeedPatch[],
  params: TransformParams[],
  patch: number,
  pca: ColourPca,
): tf.Tensor4D {
  const b = params.length;
  const src = tf.gather(sources, sourceRow);
  const affine = tf.tensor2d(params.flatMap((p, i) => affineOf(p, seeds[i]!, patch)), [b, 8]);
  let x = tf.image.transform(src, affine, "bilinear", "reflect", 0, [patch, patch]);
  if (usesPca(params)) {
    const mats = params.flatMap((p) => colourMatrix(p, pca));
    const mean = tf.tensor1d(pca.mean);
    const flat = tf.reshape(tf.sub(x, mean), [b, patch * patch, 3]) as tf.Tensor3D;
    const y = tf.matMul(flat, tf.tensor3d(mats, [b, 3, 3]));
    x = tf.clipByValue(tf.add(tf.reshape(y, [b, patch, patch, 3]), mean), 0, 1) as tf.Tensor4D;
  }
  if (usesColour(params)) {
    const per = (f: (p: TransformParams) => number) => tf.tensor4d(params.map(f), [b, 1, 1, 1]);
    const { maxc, chroma, h6 } = toHsv(x);
    // S = chroma / V (0 for black); S' and V' = clip(x^power * factor + offset, 0, 1)
    const sat = tf.div(chroma, tf.where(tf.equal(maxc, 0), tf.onesLike(maxc), maxc));
    const adjust = (t: tf.Tensor, q: (p: TransformParams) => [number, number, number]) =>
      tf.clipByValue(
        tf.add(tf.mul(tf.pow(t, per((p) => q(p)[0])), per((p) => q(p)[1])), per((p) => q(p)[2])),
        0,
        1,
      );
    const v2 = adjust(maxc, (p) => p.v), s2 = adjust(sat, (p) => p.s);
    x = tf.clipByValue(
      fromHsv(v2 as tf.Tensor4D, tf.mul(v2, s2) as tf.Tensor4D, tf.add(h6, per((p) => 6 * p.hue))),
      0,
      1,
    ) as tf.Tensor4D;
  }
  return x;
}
