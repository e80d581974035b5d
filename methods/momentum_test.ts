import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { copyWeights, cosineTau, emaUpdate } from "./momentum.ts";
import { byol, type ByolConfig, byolDefaults, byolTrainer, createByolModel } from "./byol.ts";
import { createMocoModel, moco, type MocoConfig, mocoDefaults, mocoTrainer } from "./moco.ts";
import { deriveStreams, Rng } from "../core/rng.ts";
import { runTrainer } from "../core/train.ts";
import { TINY_VIEWS, tinySet } from "./testing.ts";
import { viewOptions } from "./two_view.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

const byolTiny = { ...byolDefaults, ...TINY_VIEWS, predHidden: 4 } as ByolConfig;
const mocoTiny = { ...mocoDefaults, ...TINY_VIEWS, queue: 12 } as MocoConfig;

const values = async (vs: tf.Variable[]) =>
  await Promise.all(vs.map(async (v) => [...await v.data()]));

Deno.test("cosineTau rises from tau_base to 1; emaUpdate and copyWeights move the target", async () => {
  assert.equal(cosineTau(0.99, 0, 100), 0.99);
  assert.ok(Math.abs(cosineTau(0.99, 50, 100) - 0.995) < 1e-12);
  assert.equal(cosineTau(0.99, 100, 100), 1);
  const t = [tf.variable(tf.tensor1d([0, 10]))], o = [tf.variable(tf.tensor1d([1, 20]))];
  emaUpdate(t, o, 0.75); // 0.75 t + 0.25 o
  assert.deepEqual(await values(t), [[0.25, 12.5]]);
  copyWeights(t, o);
  assert.deepEqual(await values(t), [[1, 20]]);
  assert.throws(() => emaUpdate(t, [...o, ...o], 0.5), /2 variables for 1|1 variables for 2/);
  tf.dispose([...t, ...o]);
});

Deno.test("BYOL: the target starts as the online f and g and follows them by EMA", async () => {
  const m = createByolModel(byolTiny, 3, new Rng(0, "init"));
  const online = [...m.encoder.params.vars, ...m.head.params.vars];
  assert.deepEqual(await values(m.target.vars), await values(online));
  assert.equal(m.vars.length, online.length + m.predictor.params.vars.length); // online only
  m.dispose();
  const set = tinySet(24, 1);
  const before = tf.memory().numTensors;
  const run = async () => {
    const t = byolTrainer(byolTiny, set, deriveStreams(3));
    const start = (await values(t.model.target.vars)).flat();
    const r = await runTrainer(t, { quiet: true });
    const target = (await values(r.model.target.vars)).flat();
    const online = (await values([...r.model.encoder.params.vars, ...r.model.head.params.vars]))
      .flat();
    // the target moved from its start towards the online weights, and lags them
    assert.notDeepEqual(target, start);
    assert.notDeepEqual(target, online);
    const losses = r.stepLosses;
    r.model.dispose();
    return { losses };
  };
  const a = await run(), b = await run();
  assert.deepEqual(a.losses, b.losses);
  assert.ok(a.losses.every((p) => Number.isFinite(p.loss) && p.loss >= 0 && p.loss <= 8));
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("MoCo v2: the key encoder starts as the query encoder; the queue takes each batch's keys", async () => {
  const m = createMocoModel(mocoTiny, 3, new Rng(0, "init"));
  assert.deepEqual(await values(m.key.vars), await values(m.vars));
  assert.deepEqual(m.queue.shape, [12, 8]);
  m.dispose();
  const set = tinySet(24, 1);
  const before = tf.memory().numTensors;
  const run = async () => {
    const t = mocoTrainer(mocoTiny, set, deriveStreams(3));
    const q0 = [...await t.model.queue.data()];
    const r = await runTrainer(t, { quiet: true });
    const q = [...await r.model.queue.data()];
    // 6 steps of 4 keys (batch 8 = 4 pairs) went through a queue of 12: all rows are keys now,
    // unit vectors, none of the starting draws
    const norms = Array.from({ length: 12 }, (_, i) => Math.hypot(...q.slice(8 * i, 8 * i + 8)));
    assert.ok(norms.every((x) => Math.abs(x - 1) < 1e-5), `${norms}`);
    assert.notDeepEqual(q, q0);
    const losses = r.stepLosses;
    r.model.dispose();
    return losses;
  };
  const a = await run(), b = await run();
  assert.deepEqual(a, b);
  assert.ok(a.every((p) => Number.isFinite(p.loss) && p.loss > 0));
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("BYOL's augmentation is asymmetric (Table 6); the other two-view methods' views alike", () => {
  const set = tinySet(8, 2);
  const paper = byol.resolve(["default"], []).config as ByolConfig;
  const [first, second] = viewOptions(paper, set);
  assert.deepEqual([first.blurProb, first.solarizeProb], [1, 0]);
  assert.deepEqual([second.blurProb, second.solarizeProb], [0.1, 0.2]);
  const ci = byol.resolve(["ci"], []).config as ByolConfig;
  assert.deepEqual(viewOptions(ci, set).map((o) => [o.blurProb, o.solarizeProb]), [[0, 0], [
    0,
    0.2,
  ]]);
  const [a, b] = viewOptions(moco.resolve(["ci"], []).config as MocoConfig, set);
  assert.equal(a, b);
  assert.equal(a.solarizeProb, 0);
});
