import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend.ts";
import { Rng } from "../rng.ts";
import { registerSuiteKernels } from "./register.ts";

const info = await initBackend("auto", { warn: () => {} });
const onWebgpu = info.backend === "webgpu";
if (Deno.env.get("CI")) assert.ok(onWebgpu, "CI must test the WebGPU kernels");

// [shape, k, distinct values drawn from (few: many ties)]
const cases: [number[], number, number][] = [
  [[3, 37], 5, 1e9],
  [[4, 9], 9, 4], // k = n, ties everywhere
  [[2, 3, 50], 7, 6], // rows over two leading axes, many ties
  [[5, 1000], 200, 1e9], // the kNN's k
  [[2, 300], 200, 10],
  [[64, 2000], 200, 50], // many rows whose insertions diverge
  [[2, 600], 257, 1e9], // above TOPK_MAX: TF.js's own kernel
];

for (const [shape, k, distinct] of cases) {
  Deno.test({
    name: `suite TopK gives the cpu backend's values and indices, bit for bit: ${shape}, k ${k}` +
      `${distinct < 100 ? ", with ties" : ""} (needs a WebGPU adapter)`,
    ignore: !onWebgpu,
    fn: async () => {
      registerSuiteKernels();
      const r = new Rng(5, "topk");
      const size = shape.reduce((a, b) => a * b);
      const v = Float32Array.from(
        { length: size },
        () => Math.floor(r.float() * distinct) / distinct - 0.5,
      );
      const run = async (backend: "cpu" | "webgpu") => {
        await tf.setBackend(backend);
        const x = tf.tensor(v, shape);
        const { values, indices } = tf.topk(x, k);
        const out = {
          shape: values.shape,
          values: await values.data() as Float32Array,
          indices: await indices.data() as Int32Array,
          dtype: indices.dtype,
        };
        tf.dispose([x, values, indices]);
        return out;
      };
      const ref = await run("cpu"), got = await run("webgpu");
      assert.deepEqual(got.shape, ref.shape);
      assert.equal(got.dtype, "int32");
      assert.deepEqual(got.indices, ref.indices);
      assert.deepEqual(got.values, ref.values);
    },
  });
}
