import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../core/backend.ts";
import { hasKernel } from "../core/ops.ts";
import { Rng } from "../core/rng.ts";
import { largestDifference } from "../core/numeric.ts";
import {
  type ColourPca,
  PAPER_TRANSFORMS,
  renderSamples,
  renderSamplesOps,
  sampleParams,
  type SeedPatch,
  type TransformOptions,
  TRANSFORMS,
} from "./exemplar_transforms.ts";

const info = await initBackend("auto", { warn: () => {} });
const onWebgpu = info.backend === "webgpu";
if (Deno.env.get("CI")) assert.ok(onWebgpu, "CI must test the fused rendering on WebGPU");

// a colour PCA with unequal, rotated components (as a real pool's)
const PCA: ColourPca = {
  mean: [0.47, 0.44, 0.4],
  vectors: [[0.58, 0.57, 0.58], [-0.71, 0.0, 0.7], [0.4, -0.82, 0.41]],
};

const cases: [string, number, number, [number, number], Partial<TransformOptions>][] = [
  ["the paper's transformations, 70 samples of 32x32 from 96x96 images", 70, 32, [96, 96], {}],
  ["large moves that reach past the image (reflected borders)", 12, 16, [20, 24], {
    translate: 0.6,
    scale: [0.5, 2.5],
  }],
  ["geometry only (no colour stages)", 9, 32, [40, 40], { without: ["pca", "sv", "hue"] }],
  ["contrast 1 only", 5, 8, [12, 12], { without: ["translate", "scale", "rotate", "sv", "hue"] }],
  ["contrast 2 and hue only", 5, 8, [12, 12], { without: ["translate", "scale", "rotate", "pca"] }],
  ["nothing: the seed patches themselves", 3, 8, [12, 12], { without: [...TRANSFORMS] }],
];

for (const [what, n, patch, [h, w], opts] of cases) {
  Deno.test({
    name: "Exemplar CNN's fused WebGPU rendering matches the TF.js ops on the cpu backend: " +
      `${what} (needs a WebGPU adapter)`,
    ignore: !onWebgpu,
  }, async () => {
    const o: TransformOptions = { ...PAPER_TRANSFORMS, ...opts };
    const r = new Rng(6, "fused-render");
    const images = 4;
    const pixels = Float32Array.from({ length: images * h * w * 3 }, () => r.float());
    const seeds: SeedPatch[] = Array.from({ length: n }, (_, i) => ({
      image: i % images,
      top: r.int(h - patch + 1),
      left: r.int(w - patch + 1),
    }));
    const params = seeds.map((_, i) => sampleParams(3, i, i, patch, o));
    const rows = seeds.map((s) => s.image);
    await tf.setBackend("webgpu");
    assert.ok(hasKernel("SslExemplarRender"));
    const x = tf.tensor4d(pixels, [images, h, w, 3]);
    const runs = [0, 1].map(() => renderSamples(x, rows, seeds, params, patch, PCA));
    const [a, again] = await Promise.all(runs.map((t) => t.data()));
    assert.deepEqual(runs[0]!.shape, [n, patch, patch, 3]);
    tf.dispose([x, ...runs]);
    assert.deepEqual(again, a, "the same bits every run");
    await tf.setBackend("cpu");
    const xc = tf.tensor4d(pixels, [images, h, w, 3]);
    const ref = renderSamplesOps(xc, rows, seeds, params, patch, PCA);
    const want = await ref.data();
    tf.dispose([xc, ref]);
    const worst = largestDifference(a!, want);
    assert.ok(worst.value < 1e-4, `largest difference ${worst.value} at ${worst.at}`);
    await tf.setBackend("webgpu");
  });
}
