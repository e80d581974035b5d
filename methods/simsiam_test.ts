import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  createSimsiamModel,
  simsiam,
  simsiamBatchLoss,
  type SimsiamConfig,
  simsiamDefaults,
  simsiamTrainer,
} from "./simsiam.ts";
import { deriveStreams, Rng } from "../core/rng.ts";
import { stopGradient } from "../core/ops.ts";
import { runTrainer } from "../core/train.ts";
import { tinySet } from "./testing.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

const tiny: SimsiamConfig = {
  ...simsiamDefaults,
  encoder: "small",
  width: 2,
  headDim: 8,
  predHidden: 4,
  batch: 8,
  epochs: 2,
  optimizer: "adam",
  lr: 0.001,
  logEvery: 2,
};

Deno.test("stopGradient passes values and stops gradients", async () => {
  const x = tf.tensor1d([1, 2, 3]);
  // d/dx sum(x * sg(x)) = sg(x): one path only
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))))(x);
  assert.deepEqual([...await g.data()], [1, 2, 3]);
  assert.deepEqual([...await stopGradient(x).data()], [1, 2, 3]);
  tf.dispose([x, g]);
});

Deno.test("simsiamBatchLoss: -1 for a model whose prediction matches, the spread kept", async () => {
  const m = createSimsiamModel(tiny, 3, new Rng(0, "init"));
  const views = tf.randomUniform([8, 8, 8, 3], 0, 1, "float32", 1) as tf.Tensor4D;
  const before = tf.memory().numTensors;
  const { loss, spread } = simsiamBatchLoss(m, views, true);
  const l = (await loss.data())[0]!, s = (await spread.data())[0]!;
  assert.ok(l >= -1 && l <= 1, `loss ${l}`);
  assert.ok(s >= 0 && s <= 1, `spread ${s}`);
  assert.equal(tf.memory().numTensors, before + 2);
  tf.dispose([loss, spread, views]);
  m.dispose();
});

Deno.test("SimSiam trains: same seed same losses, finite, the spread watched, nothing leaks", async () => {
  const set = tinySet(24, 1);
  const before = tf.memory().numTensors;
  const run = async () => {
    const r = await runTrainer(simsiamTrainer(tiny, set, deriveStreams(3)), { quiet: true });
    const kept = r.model.vars.length + r.model.encoder.params.state.length +
      r.model.head.params.state.length + r.model.predictor.params.state.length;
    assert.equal(tf.memory().numTensors, before + kept);
    r.model.dispose();
    return r;
  };
  const a = await run(), b = await run();
  assert.deepEqual(a.stepLosses, b.stepLosses);
  assert.ok(a.stepLosses.every((p) => Number.isFinite(p.loss) && p.loss >= -1 && p.loss <= 1));
  assert.equal(tf.memory().numTensors, before);
  // the loop stops a run whose projections collapse: with the threshold at the spread-out value
  // itself (a fraction of 1) these random projections fall below it
  const t = simsiamTrainer({ ...tiny, collapseFraction: 1 }, set, deriveStreams(3));
  assert.equal(t.spec.collapseBelow, 1 / Math.sqrt(8));
  t.dispose();
  t.disposeModel();
});

Deno.test("SimSiam's declaration: presets resolve, the sweeps vary their keys, ci is SimCLR's data", () => {
  const ci = simsiam.resolve(["ci"], []).config as SimsiamConfig;
  assert.equal(ci.encoder, "small");
  assert.equal(ci.trainPerClass, 150); // the neighbours' ci budget (twoViewCiSmall)
  assert.equal(ci.epochs, 4);
  assert.equal(ci.headDim, 128);
  assert.equal(ci.stopGradient, true);
  assert.throws(() => simsiam.resolve(["ci"], ["predHidden=0"]), /predHidden/);
  assert.deepEqual(simsiam.sweeps.map((s) => s.axes[0]![0]), [
    "epochs",
    "predHidden",
    "stopGradient",
  ]);
});
