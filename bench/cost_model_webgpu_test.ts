import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../core/backend.ts";
import { measureInvocationCosts } from "./cost_model.ts";

const info = await initBackend("auto", { warn: () => {} });

Deno.test({
  name: "measureInvocationCosts runs its probe kernels and gives finite, non-negative costs " +
    "without leaking tensors (needs a WebGPU adapter)",
  ignore: info.backend !== "webgpu",
  fn: async () => {
    const before = tf.memory().numTensors;
    const c = await measureInvocationCosts({ invocations: 256, short: 8, long: 32, repeats: 1 });
    for (const [k, v] of Object.entries(c)) {
      assert.ok(Number.isFinite(v) && v >= 0, `${k} = ${v}`);
    }
    assert.equal(tf.memory().numTensors, before);
  },
});
