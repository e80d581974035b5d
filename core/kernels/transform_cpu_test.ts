import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import { registerCpuKernels } from "./conv2d_cpu.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

Deno.test(
  "tf.image.transform on the cpu backend transforms every image of a batch as it does " +
    "each alone (TF.js 4.22's own returned the fill value for all but the first)",
  async () => {
    registerCpuKernels();
    const r = new Rng(8, "cpu-transform");
    const [b, h, w] = [4, 9, 11];
    const images = tf.tensor4d(Float32Array.from({ length: b * h * w * 3 }, () => r.float()), [
      b,
      h,
      w,
      3,
    ]);
    // each image its own rotation and shift, reaching past the borders
    const rows = Array.from({ length: b }, (_, i) => {
      const a = 0.3 * i - 0.4, s = 1 + 0.1 * i;
      return [
        s * Math.cos(a),
        -s * Math.sin(a),
        i - 1,
        s * Math.sin(a),
        s * Math.cos(a),
        1 - i,
        0,
        0,
      ];
    });
    for (const mode of ["reflect", "constant"] as const) {
      const batch = tf.image.transform(images, tf.tensor2d(rows, [b, 8]), "bilinear", mode, 0, [
        7,
        6,
      ]);
      assert.deepEqual(batch.shape, [b, 7, 6, 3]);
      const got = await batch.data();
      for (let i = 0; i < b; i++) {
        const one = tf.image.transform(
          tf.slice(images, [i, 0, 0, 0], [1, h, w, 3]),
          tf.tensor2d([rows[i]!], [1, 8]),
          "bilinear",
          mode,
          0,
          [7, 6],
        );
        const want = await one.data();
        const part = got.slice(i * want.length, (i + 1) * want.length);
        assert.deepEqual(part, want, `${mode}: image ${i}`);
        assert.ok(want.some((v) => v !== 0), `${mode}: image ${i} is not all fill`);
      }
    }
  },
);
