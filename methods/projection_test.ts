import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  barlowTwins,
  type BarlowTwinsConfig,
  barlowTwinsDefaults,
  barlowTwinsSpec,
} from "./barlow_twins.ts";
import { vicreg, type VicregConfig, vicregDefaults, vicregSpec } from "./vicreg.ts";
import { collapseBelow, type ProjectionSpec, projectionTrainer } from "./projection.ts";
import { deriveStreams } from "../core/rng.ts";
import { runTrainer } from "../core/train.ts";
import { TINY_VIEWS, tinySet } from "./testing.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

/** Barlow Twins and VICReg over tiny configs. */
const cases = [
  { cfg: { ...barlowTwinsDefaults, ...TINY_VIEWS } as BarlowTwinsConfig, spec: barlowTwinsSpec },
  { cfg: { ...vicregDefaults, ...TINY_VIEWS } as VicregConfig, spec: vicregSpec },
] as const;

Deno.test("Barlow Twins and VICReg train on the loop: same seed same losses, finite, no leak", async () => {
  const set = tinySet(24, 1);
  for (const { cfg, spec } of cases) {
    const before = tf.memory().numTensors;
    const run = async () => {
      const t = projectionTrainer(
        spec as unknown as ProjectionSpec<typeof cfg>,
        cfg,
        set,
        deriveStreams(3),
      );
      assert.equal(t.spec.collapseBelow, 0.1 / Math.sqrt(8));
      const r = await runTrainer(t, { quiet: true });
      r.model.dispose();
      return r;
    };
    const a = await run(), b = await run();
    assert.deepEqual(a.stepLosses, b.stepLosses, spec.title);
    assert.ok(a.stepLosses.every((p) => Number.isFinite(p.loss) && p.loss >= 0), spec.title);
    assert.equal(tf.memory().numTensors, before, spec.title);
  }
});

Deno.test("Barlow Twins' and VICReg's declarations: keys, ci presets, sweeps of their knobs", () => {
  const b = barlowTwins.resolve(["ci"], []).config as BarlowTwinsConfig;
  assert.deepEqual([b.encoder, b.trainPerClass, b.headDim, b.lambda], ["small", 150, 128, 5e-3]);
  const v = vicreg.resolve(["ci"], ["stdCoeff=5"]).config as VicregConfig;
  assert.deepEqual([v.simCoeff, v.stdCoeff, v.covCoeff], [25, 5, 1]);
  assert.throws(() => vicreg.resolve(["ci"], ["covCoeff=-1"]), /covCoeff/);
  assert.deepEqual(barlowTwins.sweeps.map((s) => s.axes[0]![0]), ["epochs", "lambda"]);
  assert.deepEqual(vicreg.sweeps.map((s) => s.axes[0]![0]), ["epochs", "stdCoeff"]);
  assert.equal(collapseBelow(0, 128), undefined);
});
