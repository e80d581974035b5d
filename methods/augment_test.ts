import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  applyAugment,
  augmentBatch,
  type AugmentOptions,
  type AugmentParams,
  blurKernelSize,
  cropBoxes,
  type ImageAugmentParams,
  type JitterParams,
  sampleAugmentParams,
  SIMCLR_CIFAR_AUGMENT,
  twoViews,
} from "./augment.ts";
import { Rng } from "../core/rng.ts";

tf.env().set("PROD", true); // no advice to install tfjs-node
await tf.setBackend("cpu");

/** Options that change nothing but what a test turns on. */
const PLAIN: AugmentOptions = {
  strength: 0,
  cropScale: [1, 1],
  cropRatio: [1, 1],
  flip: false,
  jitterProb: 0,
  grayProb: 0,
  blurProb: 0,
  solarizeProb: 0,
  outSize: [8, 8],
};

function randomImages(n: number, h: number, w: number, seed: number): tf.Tensor4D {
  const r = new Rng(seed, "images");
  return tf.tensor4d(Array.from({ length: n * h * w * 3 }, () => r.float()), [n, h, w, 3]);
}

/** One image's parameters: the whole image, nothing else, unless overridden. */
function plainImage(h: number, w: number, over: Partial<ImageAugmentParams> = {}) {
  return {
    crop: { top: 0, left: 0, height: h, width: w, fallback: false, scale: 1, ratio: w / h },
    flip: false,
    jitter: null,
    gray: false,
    blurSigma: null,
    solarize: false,
    ...over,
  } satisfies ImageAugmentParams;
}

async function values(t: tf.Tensor): Promise<Float32Array> {
  const v = await t.data() as Float32Array;
  t.dispose();
  return v;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

// ---- references written out per pixel, following torchvision's functional tensor code ----

type Px = [number, number, number];
const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const lumaOf = ([r, g, b]: Px) => 0.299 * r + 0.587 * g + 0.114 * b;

/** torchvision _rgb2hsv / _hsv2rgb with the hue shifted, for one pixel. */
function hueRef([r, g, b]: Px, shift: number): Px {
  const maxc = Math.max(r, g, b), minc = Math.min(r, g, b), cr = maxc - minc;
  const v = maxc, s = maxc === 0 ? 0 : cr / maxc;
  let h = 0;
  if (cr > 0) {
    if (maxc === r) h = (g - b) / cr;
    else if (maxc === g) h = 2 + (b - r) / cr;
    else h = 4 + (r - g) / cr;
    h = ((h / 6) % 1 + 1) % 1;
  }
  h = ((h + shift) % 1 + 1) % 1;
  const i = Math.floor(h * 6) % 6, f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  const table: Px[] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]];
  return table[i]!;
}

/** torchvision ColorJitter on one image (array of pixels) with fixed factors and order. */
function jitterRef(img: Px[], j: JitterParams): Px[] {
  let x = img.map((p) => [...p] as Px);
  for (const op of j.order) {
    if (op === "brightness") x = x.map((p) => p.map((v) => clamp01(j.brightness * v)) as Px);
    if (op === "contrast") {
      const m = x.reduce((s, p) => s + lumaOf(p), 0) / x.length;
      x = x.map((p) => p.map((v) => clamp01(j.contrast * v + (1 - j.contrast) * m)) as Px);
    }
    if (op === "saturation") {
      x = x.map((p) => {
        const g = lumaOf(p);
        return p.map((v) => clamp01(j.saturation * v + (1 - j.saturation) * g)) as Px;
      });
    }
    if (op === "hue") x = x.map((p) => hueRef(p, j.hue).map(clamp01) as Px);
  }
  return x;
}

function pixels(v: ArrayLike<number>, image: number, hw: number): Px[] {
  return Array.from({ length: hw }, (_, k) => {
    const o = (image * hw + k) * 3;
    return [v[o]!, v[o + 1]!, v[o + 2]!] as Px;
  });
}

// ---- tests ----

Deno.test("crops stay in bounds and in the scale and ratio ranges over many draws", () => {
  const o: AugmentOptions = { ...SIMCLR_CIFAR_AUGMENT, outSize: [32, 32] };
  for (const [h, w] of [[32, 32], [24, 40], [96, 64]] as const) {
    const p = sampleAugmentParams(5000, h, w, new Rng(1, "augment"), o);
    const boxes = cropBoxes(p, o.outSize);
    let fallbacks = 0;
    p.images.forEach(({ crop: c }, i) => {
      assert.ok(c.top >= 0 && c.left >= 0 && c.height >= 1 && c.width >= 1);
      assert.ok(c.top + c.height <= h && c.left + c.width <= w, JSON.stringify(c));
      for (const b of boxes[i]!) assert.ok(b >= 0 && b <= 1, `box ${boxes[i]}`);
      if (c.fallback) {
        fallbacks++;
        return;
      }
      // the drawn area and ratio are in range; rounding to pixels moves each side by <= 1/2
      assert.ok(c.scale >= 0.08 && c.scale < 1 && c.ratio >= 3 / 4 && c.ratio < 4 / 3);
      assert.ok(Math.abs(c.width - Math.sqrt(h * w * c.scale * c.ratio)) <= 0.5);
      assert.ok(Math.abs(c.height - Math.sqrt(h * w * c.scale / c.ratio)) <= 0.5);
      const area = c.width * c.height / (h * w);
      assert.ok(area > 0.06 && area <= 1, `area ${area}`);
    });
    // ten failed attempts are rare for these ranges
    assert.ok(fallbacks < 50, `${fallbacks} fallbacks`);
    // the crops cover the range: small and, where the ratio range allows, nearly whole
    const areas = p.images.map(({ crop: c }) => c.width * c.height / (h * w));
    const largest = Math.min(1, Math.min(h, w) * Math.min(h, w) * 4 / 3 / (h * w));
    assert.ok(Math.min(...areas) < 0.1 && Math.max(...areas) > 0.9 * largest, `${largest}`);
  }
});

Deno.test("box grids stay inside the image in float32 arithmetic, as webgpu computes them", () => {
  // webgpu's cropAndResize computes y1 * (H - 1) + y * (y2 - y1) * (H - 1) / (outH - 1) in
  // float32; past the edge it reads 0, which blackened last rows before cropBoxes kept a margin
  const f = Math.fround;
  const o: AugmentOptions = { ...SIMCLR_CIFAR_AUGMENT, outSize: [32, 32] };
  for (const [h, w] of [[32, 32], [24, 40], [224, 224]] as const) {
    const p = sampleAugmentParams(3000, h, w, new Rng(3, "augment"), o);
    for (const b of cropBoxes(p, o.outSize)) {
      const [y1, x1, y2, x2] = b.map(f) as [number, number, number, number];
      for (const [lo, hi, size, out] of [[y1, y2, h, 32], [x1, x2, w, 32]] as const) {
        const step = f(f(f(hi - lo) * (size - 1)) / (out - 1));
        for (const k of [0, out - 1]) {
          const at = f(f(lo * (size - 1)) + f(k * step));
          assert.ok(at >= 0 && at <= size - 1, `sample ${at} outside [0, ${size - 1}]: ${b}`);
        }
      }
    }
  }
});

Deno.test("after 10 failed attempts the crop is torchvision's central fallback", () => {
  // a 2:1 crop of the whole 32x32 area never fits, so every image falls back
  const o: AugmentOptions = { ...PLAIN, cropScale: [1, 1], cropRatio: [2, 2] };
  const p = sampleAugmentParams(3, 32, 32, new Rng(2, "augment"), o);
  for (const { crop } of p.images) {
    assert.deepEqual(
      { ...crop, scale: 0, ratio: 0 },
      { top: 8, left: 0, height: 16, width: 32, fallback: true, scale: 0, ratio: 0 },
    );
  }
  // a 20x30 image (ratio 1.5) above the range [1, 1.2] keeps its height, width 20 * 1.2
  const q = sampleAugmentParams(1, 20, 30, new Rng(2, "augment"), {
    ...PLAIN,
    cropScale: [1, 1],
    cropRatio: [1, 1.2],
  });
  const c = q.images[0]!.crop;
  assert.deepEqual([c.fallback, c.top, c.left, c.height, c.width], [true, 0, 3, 20, 24]);
  // below the range [1.6, 2] it keeps its width, height round(30 / 1.6) = 19
  const wide = sampleAugmentParams(1, 20, 30, new Rng(2, "augment"), {
    ...PLAIN,
    cropScale: [1, 1],
    cropRatio: [1.6, 2],
  }).images[0]!.crop;
  assert.deepEqual([wide.fallback, wide.top, wide.left, wide.height, wide.width], [
    true,
    0,
    0,
    19,
    30,
  ]);
});

Deno.test("a full-image crop at the input size is exact, and a halving crop averages 2x2 blocks", async () => {
  const x = randomImages(2, 8, 8, 3);
  const p: AugmentParams = { height: 8, width: 8, images: [plainImage(8, 8), plainImage(8, 8)] };
  assert.equal(maxAbsDiff(await values(applyAugment(x, p, PLAIN)), await x.data()), 0);
  // torchvision's half-pixel grid samples midway between source pixels when halving
  const half = applyAugment(x, p, { ...PLAIN, outSize: [4, 4] });
  const pooled = tf.avgPool(x, 2, 2, "valid");
  assert.ok(maxAbsDiff(await values(half), await values(pooled)) < 1e-6);
  x.dispose();
});

Deno.test("flip is exact: a flipped full crop is tf.reverse along width, and twice is identity", async () => {
  const x = randomImages(3, 8, 8, 4);
  const flipped: AugmentParams = {
    height: 8,
    width: 8,
    images: [0, 1, 2].map(() => plainImage(8, 8, { flip: true })),
  };
  const once = applyAugment(x, flipped, PLAIN);
  const rev = tf.reverse(x, 2);
  assert.equal(maxAbsDiff(await once.data(), await values(rev)), 0);
  const twice = applyAugment(once, flipped, PLAIN);
  assert.equal(maxAbsDiff(await values(twice), await x.data()), 0);
  once.dispose();
  // on a partial crop, the flip mirrors the unflipped view (it acts after the resize)
  const crop = { top: 1, left: 2, height: 5, width: 4, fallback: false, scale: NaN, ratio: NaN };
  const part = (flip: boolean): AugmentParams => ({
    height: 8,
    width: 8,
    images: [0, 1, 2].map(() => plainImage(8, 8, { crop, flip })),
  });
  const a = applyAugment(x, part(false), PLAIN), b = applyAugment(x, part(true), PLAIN);
  assert.ok(maxAbsDiff(await values(tf.reverse(a, 2)), await values(b)) < 1e-6);
  tf.dispose([a, x]);
  // sampled flips happen about half the time, and never when flip is off
  const on = sampleAugmentParams(2000, 8, 8, new Rng(5, "augment"), { ...PLAIN, flip: true });
  const k = on.images.filter((q) => q.flip).length;
  assert.ok(k > 900 && k < 1100, `${k} flips`);
  const off = sampleAugmentParams(200, 8, 8, new Rng(5, "augment"), PLAIN);
  assert.ok(off.images.every((q) => !q.flip));
});

Deno.test("strength 0 colour jitter is the identity", async () => {
  const x = randomImages(4, 8, 8, 6);
  const o: AugmentOptions = { ...PLAIN, strength: 0, jitterProb: 1 };
  const p = sampleAugmentParams(4, 8, 8, new Rng(7, "augment"), o);
  for (const q of p.images) {
    assert.deepEqual(
      [q.jitter?.brightness, q.jitter?.contrast, q.jitter?.saturation, q.jitter?.hue],
      [1, 1, 1, 0],
    );
  }
  assert.equal(maxAbsDiff(await values(applyAugment(x, p, o)), await x.data()), 0);
  x.dispose();
});

Deno.test("colour jitter matches torchvision's per-pixel formulas in each image's order", async () => {
  const r = new Rng(8, "test");
  const n = 6, h = 5, w = 7;
  const x = randomImages(n, h, w, 9);
  const orders = [
    ["brightness", "contrast", "saturation", "hue"],
    ["hue", "saturation", "contrast", "brightness"],
    ["contrast", "hue", "brightness", "saturation"],
    ["saturation", "brightness", "hue", "contrast"],
    ["brightness", "hue", "contrast", "saturation"],
  ] as const;
  const jitters: (JitterParams | null)[] = orders.map((order) => ({
    brightness: r.uniform(0.2, 1.8),
    contrast: r.uniform(0.2, 1.8),
    saturation: r.uniform(0.2, 1.8),
    hue: r.uniform(-0.2, 0.2),
    order: [...order],
  }));
  jitters.push(null); // the last image is not jittered
  const p: AugmentParams = {
    height: h,
    width: w,
    images: jitters.map((jitter) => plainImage(h, w, { jitter })),
  };
  const got = await values(applyAugment(x, p, { ...PLAIN, outSize: [h, w] }));
  const src = await x.data();
  for (let i = 0; i < n; i++) {
    const j = jitters[i];
    const want = j ? jitterRef(pixels(src, i, h * w), j) : pixels(src, i, h * w);
    const d = maxAbsDiff(pixels(got, i, h * w).flat(), want.flat());
    assert.ok(d < 2e-5, `image ${i}: max error ${d}`);
  }
  x.dispose();
});

Deno.test("hue rotation turns known colours: red by 1/3 is green, by 1/6 yellow; grays stay", async () => {
  const x = tf.tensor4d([1, 0, 0, 1, 0, 0, 0.4, 0.4, 0.4, 0.5, 0.25, 0], [4, 1, 1, 3]);
  const j = (hue: number): JitterParams => ({
    brightness: 1,
    contrast: 1,
    saturation: 1,
    hue,
    order: ["hue", "brightness", "contrast", "saturation"],
  });
  const p: AugmentParams = {
    height: 1,
    width: 1,
    images: [1 / 3, 1 / 6, 0.2, 0.2].map((s) => plainImage(1, 1, { jitter: j(s) })),
  };
  const got = await values(applyAugment(x, p, { ...PLAIN, outSize: [1, 1] }));
  const want = [0, 1, 0, 1, 1, 0, 0.4, 0.4, 0.4];
  assert.ok(maxAbsDiff(got.slice(0, 9), want) < 1e-6, `${got}`);
  // orange (hue 30 degrees) + 72 degrees = 102 degrees: V and S are kept
  assert.ok(maxAbsDiff(got.slice(9), hueRef([0.5, 0.25, 0], 0.2)) < 1e-6, `${got.slice(9)}`);
  x.dispose();
});

Deno.test("colour drop uses the ITU-R 601 luma weights replicated to 3 channels", async () => {
  const x = tf.tensor4d([0.2, 0.4, 0.6, 1, 0, 0, 0.3, 0.3, 0.3], [3, 1, 1, 3]);
  const p: AugmentParams = {
    height: 1,
    width: 1,
    images: [true, true, false].map((gray) => plainImage(1, 1, { gray })),
  };
  const got = await values(applyAugment(x, p, { ...PLAIN, outSize: [1, 1] }));
  const g = 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6; // 0.363
  const want = [g, g, g, 0.299, 0.299, 0.299, 0.3, 0.3, 0.3];
  assert.ok(maxAbsDiff(got, want) < 1e-6, `${got}`);
  assert.equal(got[6], Math.fround(0.3)); // undropped images are untouched
  x.dispose();
  const s = sampleAugmentParams(4000, 8, 8, new Rng(10, "augment"), { ...PLAIN, grayProb: 0.2 });
  const k = s.images.filter((q) => q.gray).length;
  assert.ok(k > 700 && k < 900, `${k} dropped`);
});

Deno.test("Gaussian blur matches a reflect-padded reference; kernel is ~10% of the side, odd", async () => {
  assert.deepEqual([10, 32, 30, 40, 96, 224].map(blurKernelSize), [1, 3, 3, 5, 9, 23]);
  const h = 30, w = 40, kh = 3, kw = 5;
  const x = randomImages(2, h, w, 11);
  const sigmas = [1.3, null];
  const p: AugmentParams = {
    height: h,
    width: w,
    images: sigmas.map((blurSigma) => plainImage(h, w, { blurSigma })),
  };
  const got = await values(applyAugment(x, p, { ...PLAIN, outSize: [h, w] }));
  const src = await x.data();
  const kernel = (k: number, s: number) => {
    const v = Array.from(
      { length: k },
      (_, i) => Math.exp(-((i - (k - 1) / 2) ** 2) / (2 * s * s)),
    );
    const t = v.reduce((a, b) => a + b, 0);
    return v.map((e) => e / t);
  };
  const reflect = (i: number, n: number) => i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
  const ky = kernel(kh, 1.3), kx = kernel(kw, 1.3);
  let err = 0;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let a = 0; a < kh; a++) {
          for (let b = 0; b < kw; b++) {
            const sy = reflect(y + a - 1, h), sx = reflect(xx + b - 2, w);
            s += ky[a]! * kx[b]! * src[(sy * w + sx) * 3 + c]!;
          }
        }
        err = Math.max(err, Math.abs(got[(y * w + xx) * 3 + c]! - s));
      }
    }
  }
  assert.ok(err < 1e-5, `blur error ${err}`);
  const second = h * w * 3;
  assert.equal(maxAbsDiff(got.slice(second), src.slice(second)), 0); // unblurred: untouched
  x.dispose();
});

Deno.test("the same seed gives identical views, different seeds different ones", async () => {
  const o: AugmentOptions = { ...SIMCLR_CIFAR_AUGMENT, strength: 1, blurProb: 0.5 };
  const x = randomImages(8, 32, 32, 12);
  const a = await values(augmentBatch(x, new Rng(1, "augment"), o));
  const b = await values(augmentBatch(x, new Rng(1, "augment"), o));
  const c = await values(augmentBatch(x, new Rng(2, "augment"), o));
  assert.equal(maxAbsDiff(a, b), 0);
  assert.ok(maxAbsDiff(a, c) > 0.1);
  assert.deepEqual(
    sampleAugmentParams(16, 32, 32, new Rng(3, "augment"), o),
    sampleAugmentParams(16, 32, 32, new Rng(3, "augment"), o),
  );
  // a strength sweep with one seed keeps the crops, flips and decisions (common random numbers)
  const p1 = sampleAugmentParams(16, 32, 32, new Rng(3, "augment"), o);
  const p2 = sampleAugmentParams(16, 32, 32, new Rng(3, "augment"), { ...o, strength: 0.125 });
  assert.deepEqual(
    p1.images.map((q) => [q.crop, q.flip, q.jitter === null, q.gray, q.blurSigma]),
    p2.images.map((q) => [q.crop, q.flip, q.jitter === null, q.gray, q.blurSigma]),
  );
  x.dispose();
});

Deno.test("outputs lie in [0, 1] with every augmentation at full strength", async () => {
  const o: AugmentOptions = { ...SIMCLR_CIFAR_AUGMENT, strength: 1, blurProb: 0.5 };
  const x = randomImages(32, 40, 40, 13);
  const v = await values(augmentBatch(x, new Rng(4, "augment"), o));
  assert.equal(v.length, 32 * 32 * 32 * 3);
  for (const e of v) assert.ok(e >= 0 && e <= 1 && Number.isFinite(e), `${e}`);
  x.dispose();
});

Deno.test("twoViews returns n first then n second views with independent parameters", async () => {
  const o: AugmentOptions = { ...SIMCLR_CIFAR_AUGMENT, outSize: [24, 24], blurProb: 0.5 };
  const n = 6;
  const x = randomImages(n, 32, 32, 14);
  const v = twoViews(x, new Rng(5, "augment"), o);
  assert.deepEqual(v.shape, [2 * n, 24, 24, 3]);
  // the same draws, made one view at a time from the same stream, give the same rows
  const r = new Rng(5, "augment");
  const first = augmentBatch(x, r, o), second = augmentBatch(x, r, o);
  const got = await values(v);
  const want = await values(tf.concat([first, second], 0));
  assert.ok(maxAbsDiff(got, want) < 1e-6);
  // and the two views of each image differ
  const half = got.length / 2;
  for (let i = 0; i < n; i++) {
    const size = half / n;
    const d = maxAbsDiff(
      got.slice(i * size, (i + 1) * size),
      got.slice(half + i * size, half + (i + 1) * size),
    );
    assert.ok(d > 0.05, `views of image ${i} differ by only ${d}`);
  }
  const p = sampleAugmentParams(n, 32, 32, new Rng(5, "augment"), o);
  const q = sampleAugmentParams(n, 32, 32, new Rng(5, "augment"), o);
  assert.deepEqual(p, q);
  tf.dispose([first, second, x]);
});

Deno.test("no tensors leak across calls", async () => {
  const o: AugmentOptions = { ...SIMCLR_CIFAR_AUGMENT, strength: 1, blurProb: 0.5 };
  const x = randomImages(8, 32, 32, 15);
  const r = new Rng(6, "augment");
  // warm-up: first calls may create backend-level constants
  tf.dispose([augmentBatch(x, r, o), twoViews(x, r, o)]);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) {
    const a = augmentBatch(x, r, o), b = twoViews(x, r, o);
    await a.data();
    tf.dispose([a, b]);
  }
  assert.equal(tf.memory().numTensors, before);
  // and the input survives
  assert.ok(!x.isDisposed);
  x.dispose();
});

Deno.test("bad options and mismatched shapes are rejected with clear errors", () => {
  const r = new Rng(0, "augment");
  const bad: Partial<AugmentOptions>[] = [
    { strength: -1 },
    { strength: 3 },
    { cropScale: [0, 1] },
    { cropScale: [0.5, 0.2] },
    { cropRatio: [2, 1] },
    { jitterProb: 1.5 },
    { grayProb: NaN },
    { outSize: [0, 32] },
  ];
  for (const b of bad) {
    assert.throws(
      () => sampleAugmentParams(1, 8, 8, r, { ...SIMCLR_CIFAR_AUGMENT, ...b }),
      RangeError,
    );
  }
  const p = sampleAugmentParams(2, 8, 8, r, SIMCLR_CIFAR_AUGMENT);
  const x = tf.zeros([3, 8, 8, 3]) as tf.Tensor4D;
  assert.throws(() => applyAugment(x, p, SIMCLR_CIFAR_AUGMENT), /shape \[3,8,8,3\]/);
  x.dispose();
});

Deno.test("solarisation turns values at or above 0.5 into 1 - x, only on the views that ask", async () => {
  const x = tf.tensor4d([0.25, 0.5, 1, 1, 0.49, 0.75], [2, 1, 1, 3]);
  const p = {
    height: 1,
    width: 1,
    images: [plainImage(1, 1, { solarize: true }), plainImage(1, 1)],
  };
  const out = await values(applyAugment(x, p, { ...PLAIN, outSize: [1, 1] }));
  assert.deepEqual(Array.from(out), [0.25, 0.5, 0, 1, 0.49, 0.75].map(Math.fround));
  x.dispose();
});

Deno.test("a pipeline without solarisation draws exactly as before it existed; one with it draws once more", () => {
  const without = sampleAugmentParams(6, 32, 32, new Rng(4, "augment"), SIMCLR_CIFAR_AUGMENT);
  assert.ok(without.images.every((q) => q.solarize === false));
  const r = new Rng(4, "augment");
  const withIt = sampleAugmentParams(6, 32, 32, r, { ...SIMCLR_CIFAR_AUGMENT, solarizeProb: 1 });
  assert.ok(withIt.images.every((q) => q.solarize));
  // the first image's draws are the same; the solarisation draw shifts the later images'
  assert.deepEqual(withIt.images[0]!.crop, without.images[0]!.crop);
  assert.throws(
    () => sampleAugmentParams(1, 8, 8, r, { ...PLAIN, solarizeProb: 2 }),
    /solarizeProb 2: it must be a probability/,
  );
});

Deno.test("twoViews: the second views may follow their own options (BYOL's asymmetric pipeline)", async () => {
  const x = randomImages(3, 8, 8, 5);
  const same = await values(twoViews(x, new Rng(1, "a"), PLAIN));
  const asym = await values(twoViews(x, new Rng(1, "a"), PLAIN, { ...PLAIN, solarizeProb: 1 }));
  const half = same.length / 2;
  // the first views are identical, every second view is solarised
  assert.deepEqual(asym.subarray(0, half), same.subarray(0, half));
  for (let i = half; i < same.length; i++) {
    assert.equal(asym[i], same[i]! >= 0.5 ? Math.fround(1 - same[i]!) : same[i]);
  }
  assert.throws(
    () => twoViews(x, new Rng(1, "a"), PLAIN, { ...PLAIN, outSize: [4, 4] }),
    /two views/,
  );
  x.dispose();
});
