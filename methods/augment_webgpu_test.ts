import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../core/backend.ts";
import { hasKernel } from "../core/ops.ts";
import { Rng } from "../core/rng.ts";
import { largestDifference } from "../core/numeric.ts";
import {
  applyAugment,
  applyAugmentOps,
  type AugmentOptions,
  sampleAugmentParams,
  SIMCLR_CIFAR_AUGMENT,
} from "./augment.ts";

const info = await initBackend("auto", { warn: () => {} });
const onWebgpu = info.backend === "webgpu";
if (Deno.env.get("CI")) assert.ok(onWebgpu, "CI must test the fused augmentation on WebGPU");

const cases: [string, number, [number, number], Partial<AugmentOptions>][] = [
  ["the CIFAR-10 setting, 70 images (70 workgroups)", 70, [32, 32], {}],
  ["strength 1, every image jittered and some grayed", 9, [32, 32], {
    strength: 1,
    jitterProb: 1,
    grayProb: 0.5,
  }],
  ["small crops upscaled, to 24x20 views of 17x23 images", 12, [17, 23], {
    cropScale: [0.05, 0.3],
    outSize: [24, 20],
  }],
  ["views of one row and one column", 5, [6, 7], { outSize: [1, 9] }],
  ["strength 0 and no jitter: crops and flips only", 6, [32, 32], { strength: 0 }],
  ["half of the views solarised (BYOL's second view has p = 0.2)", 16, [32, 32], {
    solarizeProb: 0.5,
  }],
];

for (const [what, n, [h, w], opts] of cases) {
  Deno.test({
    name: `the fused WebGPU augmentation matches the TF.js ops on the cpu backend: ${what} ` +
      "(needs a WebGPU adapter)",
    ignore: !onWebgpu,
  }, async () => {
    const o: AugmentOptions = { ...SIMCLR_CIFAR_AUGMENT, ...opts };
    const r = new Rng(4, "fused-augment");
    const pixels = Float32Array.from({ length: n * h * w * 3 }, () => r.float());
    const p = sampleAugmentParams(n, h, w, new Rng(5, "augment"), o);
    await tf.setBackend("webgpu");
    assert.ok(hasKernel("SslAugment"));
    const x = tf.tensor4d(pixels, [n, h, w, 3]);
    const runs = [applyAugment(x, p, o), applyAugment(x, p, o)];
    const [a, again] = await Promise.all(runs.map((t) => t.data()));
    tf.dispose([x, ...runs]);
    assert.deepEqual(again, a, "the same bits every run");
    await tf.setBackend("cpu");
    const xc = tf.tensor4d(pixels, [n, h, w, 3]);
    const ref = applyAugmentOps(xc, p, o);
    assert.deepEqual(ref.shape, [n, ...o.outSize, 3]);
    const want = await ref.data();
    tf.dispose([xc, ref]);
    const worst = largestDifference(a!, want);
    assert.ok(worst.value < 1e-4, `largest difference ${worst.value} at ${worst.at}`);
    await tf.setBackend("webgpu");
  });
}
