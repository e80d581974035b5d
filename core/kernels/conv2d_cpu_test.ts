import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../rng.ts";
import { registerCpuKernels, unregisterCpuKernels } from "./conv2d_cpu.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

// [x shape, filter shape, stride, pad]: odd sizes, stride 2, valid and same, batch 1, wide sums
const cases: [number[], number[], number, "same" | "valid"][] = [
  [[2, 9, 7, 3], [3, 3, 3, 5], 1, "same"],
  [[1, 8, 8, 4], [5, 5, 4, 6], 2, "same"],
  [[3, 11, 10, 2], [4, 3, 2, 7], 2, "valid"],
  [[1, 5, 5, 1], [5, 5, 1, 1], 1, "valid"],
  [[128, 28, 28, 1], [6, 6, 1, 15], 1, "valid"], // DrLIM's first layer at its ci batch
];

for (const [xs, fs, stride, pad] of cases) {
  Deno.test(`the cpu filter gradient matches TF.js's own: x ${xs}, filter ${fs}, stride ${stride}, ${pad}`, () => {
    const r = new Rng(6, "cpu-conv");
    const rand = (s: number[], zeros: boolean) =>
      tf.tensor(
        Float32Array.from(
          { length: s.reduce((a, b) => a * b, 1) },
          // some exact zeros, as ReLU outputs have, which the kernel skips
          () => zeros && r.float() < 0.3 ? 0 : r.uniform(-1, 1),
        ),
        s,
      );
    const x = rand(xs, true) as tf.Tensor4D;
    const y = tf.conv2d(x, tf.zeros(fs as [number, number, number, number]), stride, pad);
    const dy = rand(y.shape, false) as tf.Tensor4D;
    const grad = () =>
      tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: [stride, stride],
        pad,
        dataFormat: "NHWC",
        filterShape: fs,
      }) as tf.Tensor;
    unregisterCpuKernels();
    const want = grad();
    registerCpuKernels();
    const got = grad();
    const a = got.dataSync(), b = want.dataSync();
    assert.deepEqual(got.shape, fs);
    let worst = 0;
    for (let i = 0; i < b.length; i++) {
      worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
    }
    assert.ok(worst < 1e-6, `largest relative difference ${worst}`);
    tf.dispose([x, y, dy, want, got]);
  });
}
