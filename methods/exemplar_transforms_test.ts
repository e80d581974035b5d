import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng.ts";
import type { ImageSet } from "../datasets/images.ts";
import {
  checkTransformOptions,
  colourPca,
  IDENTITY,
  PAPER_TRANSFORMS,
  renderSamples,
  sampleParams,
  sampleSeedPatches,
  type SeedPatch,
  symmetricEigenvectors,
  type TransformParams,
  TRANSFORMS,
} from "./exemplar_transforms.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

const P = 8; // patch side in these tests

function imageSet(
  n: number,
  h: number,
  w: number,
  pixel: (i: number, r: number, c: number, ch: number) => number,
): ImageSet {
  const images = new Uint8Array(n * h * w * 3);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        for (let ch = 0; ch < 3; ch++) images[((i * h + r) * w + c) * 3 + ch] = pixel(i, r, c, ch);
      }
    }
  }
  return {
    name: "test set",
    n,
    height: h,
    width: w,
    channels: 3,
    images,
    labels: new Int32Array(n).fill(-1),
    classes: [],
  };
}

const noise = (seed: number) => {
  const rng = new Rng(seed, "pixels");
  return imageSet(2, 16, 16, () => rng.int(256));
};

function sources(set: ImageSet): tf.Tensor4D {
  return tf.tidy(() =>
    tf.div(tf.tensor4d(set.images, [set.n, set.height, set.width, 3], "int32"), 255)
  );
}

function render(set: ImageSet, seed: SeedPatch, params: TransformParams[]): Float32Array {
  const src = sources(set);
  const pca = colourPca(set);
  const out = tf.tidy(() =>
    renderSamples(src, params.map(() => seed.image), params.map(() => seed), params, P, pca)
  );
  const v = out.dataSync() as Float32Array;
  tf.dispose([src, out]);
  return v;
}

/** The untransformed patch, read from the bytes. */
function crop(set: ImageSet, s: SeedPatch, map = (r: number, c: number) => [r, c]): Float32Array {
  const out = new Float32Array(P * P * 3);
  for (let r = 0; r < P; r++) {
    for (let c = 0; c < P; c++) {
      const [rr, cc] = map(r, c);
      for (let ch = 0; ch < 3; ch++) {
        out[(r * P + c) * 3 + ch] =
          set.images[((s.image * set.height + s.top + rr!) * set.width + s.left + cc!) * 3 + ch]! /
          255;
      }
    }
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

const at = (p: Partial<TransformParams>): TransformParams => ({
  ...structuredClone(IDENTITY),
  ...p,
});

Deno.test("identity parameters render the seed patch itself", () => {
  const set = noise(1), seed = { image: 1, top: 3, left: 5 };
  assert.ok(maxDiff(render(set, seed, [at({})]), crop(set, seed)) < 1e-6);
});

Deno.test("geometry: whole-pixel translations and a half turn move pixels exactly", () => {
  const set = noise(2), seed = { image: 0, top: 4, left: 4 };
  const shifted = render(set, seed, [at({ tx: 2, ty: -3 })]);
  assert.ok(maxDiff(shifted, crop(set, seed, (r, c) => [r - 3, c + 2])) < 1e-6);
  const turned = render(set, seed, [at({ angle: Math.PI })]);
  assert.ok(maxDiff(turned, crop(set, seed, (r, c) => [P - 1 - r, P - 1 - c])) < 1e-5);
  const zoomed = render(set, seed, [at({ scale: 1.4 })]);
  assert.ok(maxDiff(zoomed, crop(set, seed)) > 0.05);
});

Deno.test("colour: PCA factors of 1, SV of (1, 1, 0) and a whole hue turn change nothing", () => {
  const set = noise(3), seed = { image: 0, top: 2, left: 2 };
  const base = crop(set, seed);
  assert.ok(maxDiff(render(set, seed, [at({ pca: [1, 1, 1], hue: 1 })]), base) < 1e-5);
  // one common PCA factor f scales every pixel's distance from the mean colour by f
  const pca = colourPca(set);
  const half = render(set, seed, [at({ pca: [0.5, 0.5, 0.5] })]);
  const want = base.map((v, i) => pca.mean[i % 3]! + 0.5 * (v - pca.mean[i % 3]!));
  assert.ok(maxDiff(half, want) < 1e-5);
  // value raised to a power above 1 darkens; hue shifts keep the value (max channel)
  const dark = render(set, seed, [at({ v: [2, 1, 0] })]);
  assert.ok(dark.reduce((a, b) => a + b, 0) < base.reduce((a, b) => a + b, 0));
  const hued = render(set, seed, [at({ hue: 0.3 })]);
  for (let p = 0; p < P * P; p++) {
    const mx = (x: Float32Array) => Math.max(x[3 * p]!, x[3 * p + 1]!, x[3 * p + 2]!);
    assert.ok(Math.abs(mx(hued) - mx(base)) < 1e-5);
  }
});

Deno.test("sampled parameters stay in the paper's ranges, and renders stay in [0, 1]", () => {
  const o = PAPER_TRANSFORMS;
  const ps = Array.from({ length: 2000 }, (_, k) => sampleParams(7, k % 13, k, 32, o));
  for (const p of ps) {
    assert.ok(Math.abs(p.tx) <= 6.4 && Math.abs(p.ty) <= 6.4);
    assert.ok(p.scale >= 0.7 && p.scale <= 1.4);
    assert.ok(Math.abs(p.angle) <= 20 * Math.PI / 180);
    assert.ok(p.pca.every((f) => f >= 0.5 && f <= 2));
    for (const [pw, f, add] of [p.s, p.v]) {
      assert.ok(pw! >= 0.25 && pw! <= 4 && f! >= 0.7 && f! <= 1.4 && Math.abs(add!) <= 0.1);
    }
    assert.ok(Math.abs(p.hue) <= 0.1);
  }
  // log-uniform factors: as many below 1 as above
  const below = ps.filter((p) => p.scale < 1).length;
  assert.ok(below > 850 && below < 1150, `${below} of 2000 scales below 1`);
  const set = noise(4);
  const v = render(
    set,
    { image: 0, top: 4, left: 4 },
    ps.slice(0, 64).map((p) => ({ ...p, tx: p.tx / 4, ty: p.ty / 4 })),
  );
  assert.ok(v.every((x) => x >= 0 && x <= 1));
});

Deno.test("each sample's parameters are fixed by (seed, class, k), and removing one transformation leaves the others", () => {
  const o = PAPER_TRANSFORMS;
  assert.deepEqual(sampleParams(1, 3, 4, 32, o), sampleParams(1, 3, 4, 32, o));
  assert.notDeepEqual(sampleParams(1, 3, 4, 32, o), sampleParams(1, 3, 5, 32, o));
  assert.notDeepEqual(sampleParams(1, 3, 4, 32, o), sampleParams(2, 3, 4, 32, o));
  const full = sampleParams(1, 3, 4, 32, o);
  for (const t of TRANSFORMS) {
    const less = sampleParams(1, 3, 4, 32, { ...o, without: [t] });
    const differs = (Object.keys(full) as (keyof TransformParams)[]).filter((k) =>
      JSON.stringify(full[k]) !== JSON.stringify(less[k])
    );
    const expected = {
      translate: ["tx", "ty"],
      scale: ["scale"],
      rotate: ["angle"],
      pca: ["pca"],
      sv: ["s", "v"],
      hue: ["hue"],
    }[t];
    assert.deepEqual(differs, expected, t);
  }
  const none = sampleParams(1, 3, 4, 32, { ...o, without: [...TRANSFORMS] });
  assert.deepEqual(none, IDENTITY);
});

Deno.test("seed patches come from different images, inside them, where the gradients are", () => {
  // flat images with one textured 6x6 corner (top-left, rows 0-5, cols 0-5)
  const set = imageSet(
    20,
    24,
    24,
    (i, r, c, ch) => r < 6 && c < 6 ? ((r * 7 + c * 13 + ch * 5 + i) % 2) * 255 : 128,
  );
  const seeds = sampleSeedPatches(set, 20, P, new Rng(0, "data"));
  assert.equal(new Set(seeds.map((s) => s.image)).size, 20);
  for (const s of seeds) {
    assert.ok(s.top >= 0 && s.left >= 0 && s.top + P <= 24 && s.left + P <= 24);
    assert.ok(s.top < 6 && s.left < 6, `patch at (${s.top}, ${s.left}) misses the texture`);
  }
  assert.deepEqual(seeds, sampleSeedPatches(set, 20, P, new Rng(0, "data")));
  // uniform placement (the ablation): anywhere inside, so most patches miss the textured corner
  const anywhere = sampleSeedPatches(set, 20, P, new Rng(0, "data"), "uniform");
  assert.ok(anywhere.every((s) => s.top + P <= 24 && s.left + P <= 24));
  assert.ok(anywhere.filter((s) => s.top >= 6 || s.left >= 6).length >= 5);
  assert.deepEqual(anywhere, sampleSeedPatches(set, 20, P, new Rng(0, "data"), "uniform"));
  assert.throws(
    () => sampleSeedPatches(set, 21, P, new Rng(0, "data")),
    /21 surrogate classes need 21 different images/,
  );
  assert.throws(
    () => sampleSeedPatches(set, 2, 32, new Rng(0, "data")),
    /smaller than the 32-pixel patch/,
  );
});

Deno.test("colour PCA: orthonormal components, the first along the colours' spread", () => {
  // colours vary only along (1, 1, 0): that is the first component
  const set = imageSet(1, 8, 8, (_, r, c, ch) => ch === 2 ? 100 : 20 + 25 * ((r + c) % 8));
  const { vectors } = colourPca(set);
  const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      assert.ok(Math.abs(dot(vectors[i]!, vectors[j]!) - (i === j ? 1 : 0)) < 1e-9);
    }
  }
  assert.ok(Math.abs(Math.abs(dot(vectors[0]!, [Math.SQRT1_2, Math.SQRT1_2, 0])) - 1) < 1e-9);
  const ev = symmetricEigenvectors([[2, 1, 0], [1, 2, 0], [0, 0, 5]]);
  assert.ok(Math.abs(Math.abs(ev[0]![2]!) - 1) < 1e-9); // eigenvalue 5 first, then 3, then 1
  assert.ok(Math.abs(Math.abs(dot(ev[1]!, [Math.SQRT1_2, Math.SQRT1_2, 0])) - 1) < 1e-9);
});

Deno.test("checkTransformOptions accepts the paper's ranges and names a bad one", () => {
  checkTransformOptions(PAPER_TRANSFORMS);
  checkTransformOptions({ ...PAPER_TRANSFORMS, without: ["rotate", "hue"] });
  assert.throws(
    () => checkTransformOptions({ ...PAPER_TRANSFORMS, scale: [0, 1] }),
    /scale range \[0, 1\] must be 0 < lo <= hi/,
  );
  assert.throws(
    () => checkTransformOptions({ ...PAPER_TRANSFORMS, rotate: -1 }),
    /rotate must be >= 0/,
  );
  assert.throws(
    () => checkTransformOptions({ ...PAPER_TRANSFORMS, without: ["blur" as "hue"] }),
    /Unknown transformation "blur"/,
  );
});
