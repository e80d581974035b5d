import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { fitProbe, foldAccuracies, foldProtocol, probeAccuracy, probeProtocol } from "./probe.ts";
import { clusters, xor } from "./testing.ts";
import { Rng } from "../core/rng.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

Deno.test("linear probe separates clusters; only the MLP probe solves XOR; both deterministic", () => {
  const o = { classes: 4, hidden: 0, epochs: 20, batch: 32, lr: 0.01, weightDecay: 1e-4 };
  const lin = probeAccuracy(clusters(30, 4, 8, 3), clusters(10, 4, 8, 4), o, new Rng(0, "p"));
  assert.ok(lin > 0.95, `linear ${lin}`);
  const x = { classes: 2, hidden: 32, epochs: 60, batch: 32, lr: 0.01, weightDecay: 0 };
  const mlp = probeAccuracy(xor(300, 5), xor(200, 6), x, new Rng(0, "p"));
  const linXor = probeAccuracy(xor(300, 5), xor(200, 6), { ...x, hidden: 0 }, new Rng(0, "p"));
  assert.ok(mlp > 0.9 && linXor < 0.75, `mlp ${mlp}, linear ${linXor}`);
  assert.equal(probeAccuracy(xor(300, 5), xor(200, 6), x, new Rng(0, "p")), mlp);
});

/**
 * The reference: the same probe written with TF.js's autodiff, softmax cross-entropy and
 * tf.train.adam (as the suite trained its probes on the device before), from the same initial
 * weights and batch order, in float32 on the cpu backend.
 */
function tfjsProbe(
  x: Float32Array,
  y: Int32Array,
  d: number,
  o: { classes: number; hidden: number; epochs: number; batch: number; lr: number; wd: number },
  rng: Rng,
): Float32Array[] {
  const init = (rows: number, cols: number) => {
    const lim = 1 / Math.sqrt(rows);
    const w = Float32Array.from({ length: rows * cols }, () => rng.uniform(-lim, lim));
    return tf.variable(tf.tensor2d(w, [rows, cols]));
  };
  const mats = o.hidden > 0 ? [init(d, o.hidden), init(o.hidden, o.classes)] : [init(d, o.classes)];
  const biases = mats.map((m) => tf.variable(tf.zeros([m.shape[1]])));
  const xs = tf.tensor2d(x, [y.length, d]), ys = tf.oneHot(tf.tensor1d(y, "int32"), o.classes);
  const opt = tf.train.adam(o.lr);
  const order = Int32Array.from({ length: y.length }, (_, i) => i);
  for (let e = 0; e < o.epochs; e++) {
    rng.shuffle(order);
    for (let s = 0; s < y.length; s += o.batch) {
      const idx = tf.tensor1d(order.subarray(s, Math.min(y.length, s + o.batch)), "int32");
      opt.minimize(() =>
        tf.tidy(() => {
          let h: tf.Tensor2D = tf.gather(xs, idx) as tf.Tensor2D;
          for (let l = 0; l < mats.length; l++) {
            h = tf.add(tf.matMul(h, mats[l]!), biases[l]!);
            if (l < mats.length - 1) h = tf.relu(h);
          }
          const ce = tf.losses.softmaxCrossEntropy(tf.gather(ys, idx), h);
          return tf.add(ce, tf.mul(tf.addN(mats.map((m) => tf.sum(tf.square(m)))), o.wd));
        }) as tf.Scalar
      );
      idx.dispose();
    }
  }
  const out = [...mats, ...biases].map((v) => v.dataSync() as Float32Array);
  opt.dispose();
  tf.dispose([...mats, ...biases, xs, ys]);
  return out;
}

Deno.test("the host probe takes the same steps as TF.js's autodiff and Adam (linear and MLP)", () => {
  const data = clusters(13, 3, 5, 7); // 39 rows: the last batch of each epoch is short
  for (const hidden of [0, 6]) {
    const o = { classes: 3, hidden, epochs: 3, batch: 8, lr: 0.05, weightDecay: 0.01 };
    const probe = fitProbe(data.x, data.y, 5, o, new Rng(3, "p"));
    const want = tfjsProbe(data.x, data.y, 5, { ...o, wd: o.weightDecay }, new Rng(3, "p"));
    const got = [...probe.layers.map((l) => l.w), ...probe.layers.map((l) => l.b)];
    assert.equal(got.length, want.length);
    for (let i = 0; i < got.length; i++) {
      assert.equal(got[i]!.length, want[i]!.length);
      for (let j = 0; j < got[i]!.length; j++) {
        const g = got[i]![j]!, w = want[i]![j]!;
        assert.ok(
          Math.abs(g - w) < 1e-4 * (1 + Math.abs(w)),
          `hidden ${hidden}: ${i}[${j}] ${g} vs ${w}`,
        );
      }
    }
    // and the weights moved away from their initial values (15 steps at lr 0.05)
    const start = fitProbe(data.x, data.y, 5, { ...o, epochs: 0 }, new Rng(3, "p")).layers[0]!.w;
    assert.ok(got[0]!.every((v, j) => Math.abs(v - start[j]!) > 1e-3), `hidden ${hidden}: no step`);
  }
});

Deno.test("probe labels outside 0..classes-1 are refused with the row that has one", () => {
  const data = clusters(2, 3, 4, 1);
  data.y[4] = 7;
  const o = { classes: 3, hidden: 0, epochs: 1, batch: 4, lr: 0.1, weightDecay: 0 };
  assert.throws(() => fitProbe(data.x, data.y, 4, o, new Rng(0, "p")), /label 7 of row 4 is not/);
  assert.throws(() => probeAccuracy({ ...data, dim: 5 }, data, o, new Rng(0, "p")), /do not make/);
});

Deno.test("probe protocol labels name the classifier and its settings", () => {
  assert.match(probeProtocol({ hidden: 0, epochs: 10, batch: 64 }), /^linear probe/);
  assert.match(
    probeProtocol({ hidden: 256, epochs: 10, batch: 64 }),
    /MLP probe \(1 hidden layer of 256/,
  );
});

Deno.test("fold evaluation: one accuracy and chosen penalty per fold, deterministic", () => {
  const train = clusters(20, 3, 6, 1), test = clusters(10, 3, 6, 2);
  const folds = [0, 12].map((a) => Array.from({ length: 12 }, (_, i) => a + i));
  const o = { classes: 3, epochs: 30, batch: 8, lr: 0.05, decays: [1e-4, 10], validation: 0.25 };
  const a = foldAccuracies(train, test, folds, o, new Rng(0, "eval"));
  assert.equal(a.accuracies.length, 2);
  assert.ok(a.accuracies.every((v) => v > 0.9), `fold accuracies ${a.accuracies}`);
  // a huge penalty flattens the classifier: validation picks the small one
  assert.deepEqual(a.decays, [1e-4, 1e-4]);
  assert.deepEqual(foldAccuracies(train, test, folds, o, new Rng(0, "eval")), a);
  assert.match(foldProtocol(o), /L2 penalty from \{0.0001, 10\} chosen on 25 % of each fold/);
  assert.throws(() => foldAccuracies(train, test, [], o, new Rng(0, "e")), /no folds/);
});
