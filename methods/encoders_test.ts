import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createEncoder, createHead } from "./encoders.ts";
import { Rng } from "../core/rng.ts";

tf.env().set("PROD", true); // no advice to install tfjs-node
await tf.setBackend("cpu");

Deno.test("ResNet-18 with the CIFAR stem has torchvision's 11,168,832 weights and 512-d output", () => {
  const e = createEncoder("resnet18", new Rng(0, "i"), { stem: "cifar", width: 64, channels: 3 });
  assert.equal(e.params.count(), 11_168_832); // as PyTorch counts bench/peers/simclr_step.py's
  assert.equal(e.outDim, 512);
  e.params.dispose();
});

Deno.test("encoders map [B, 32, 32, 3] to [B, outDim] in both modes, with either stem", () => {
  const x = tf.randomUniform([2, 32, 32, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  for (
    const [kind, stem, width, out] of [
      ["small", "cifar", 8, 32],
      ["small-deep", "cifar", 8, 32],
      ["resnet18", "imagenet", 4, 32],
      ["resnet50", "cifar", 2, 64],
    ] as const
  ) {
    const e = createEncoder(kind, new Rng(0, "i"), { stem, width, channels: 3 });
    for (const training of [true, false]) {
      const h = tf.tidy(() => e.apply(x, training));
      assert.deepEqual(h.shape, [2, out], `${kind} ${stem}`);
      h.dispose();
    }
    e.params.dispose();
  }
  x.dispose();
});

Deno.test("small-deep is small plus one 3x3 conv-BN-ReLU of 4w -> 4w", () => {
  const opts = { stem: "cifar", width: 8, channels: 3 } as const;
  const small = createEncoder("small", new Rng(0, "i"), opts);
  const deep = createEncoder("small-deep", new Rng(0, "i"), opts);
  // a 3x3 conv without bias (BN follows), BN's scale and shift
  assert.equal(deep.params.count() - small.params.count(), 9 * 32 * 32 + 2 * 32);
  small.params.dispose();
  deep.params.dispose();
});

Deno.test("projection heads: none is the identity, linear and mlp map to the output dimension", async () => {
  const h = tf.randomNormal([4, 6], 0, 1, "float32", 2) as tf.Tensor2D;
  const none = createHead("none", new Rng(0, "h"), 6, 3);
  assert.equal(none.outDim, 6);
  assert.deepEqual(await none.apply(h, true).data(), await h.data());
  for (const kind of ["linear", "mlp"] as const) {
    const g = createHead(kind, new Rng(0, "h"), 6, 3);
    const z = tf.tidy(() => g.apply(h, true));
    assert.deepEqual(z.shape, [4, 3]);
    assert.equal(g.params.count(), kind === "linear" ? 6 * 3 + 3 : 6 * 6 + 6 + 12 + 6 * 3 + 3);
    z.dispose();
    g.params.dispose();
  }
  h.dispose();
});
