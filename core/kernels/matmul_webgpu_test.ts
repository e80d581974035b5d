import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { Rng } from "../rng.ts";
import { largestDifference } from "../numeric.ts";
import { registerSuiteKernels } from "./register.ts";

const info = await initBackend("auto", { warn: () => {} });
const onWebgpu = info.backend === "webgpu";
if (Deno.env.get("CI")) assert.ok(onWebgpu, "CI must test the WebGPU kernels");

// [a shape, b shape, transposeA, transposeB]
const cases: [number[], number[], boolean, boolean][] = [
  [[64, 1024], [1024, 32], false, false], // Exemplar CNN's first dense layer, a long sum
  [[64, 100], [32, 100], false, true], // its input gradient
  [[64, 1024], [64, 32], true, false], // its weight gradient
  [[12, 8], [20, 12], true, true],
  [[3, 8, 12], [3, 12, 16], false, false], // batches
  [[3, 12, 4], [1, 12, 8], true, false], // a broadcast batch
  [[4, 4], [4, 4], false, false],
  [[6, 10], [10, 4], false, false], // sizes the kernel leaves to TF.js's (not multiples of 4)
];

for (const [as, bs, ta, tb] of cases) {
  Deno.test({
    name: `suite BatchMatMul matches the cpu backend and repeats its bits: ${as} x ${bs}, ` +
      `transposeA ${ta}, transposeB ${tb} (needs a WebGPU adapter)`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      const r = new Rng(12, "matmul");
      const va = Float32Array.from({ length: as.reduce((p, q) => p * q) }, () => r.uniform(-1, 1));
      const vb = Float32Array.from({ length: bs.reduce((p, q) => p * q) }, () => r.uniform(-1, 1));
      const run = async (backend: "cpu" | "webgpu") => {
        await tf.setBackend(backend);
        const a = tf.tensor(va, as), b = tf.tensor(vb, bs);
        const y = tf.matMul(a, b, ta, tb);
        const out = { shape: y.shape, values: await y.data() as Float32Array };
        tf.dispose([a, b, y]);
        return out;
      };
      const ref = await run("cpu"), got = await run("webgpu"), again = await run("webgpu");
      assert.deepEqual(got.shape, ref.shape);
      assert.deepEqual(again.values, got.values);
      const d = largestDifference(got.values, ref.values);
      assert.ok(d.value < 1e-4 * Math.sqrt(as.at(ta ? -2 : -1)!), `${d.value} at ${d.at}`);
    },
  });
}
