import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ntXentLoss } from "./nt_xent.ts";
import { Rng } from "../core/rng.ts";

tf.env().set("PROD", true); // no advice to install tfjs-node
await tf.setBackend("cpu");

/** The loss written out per anchor in plain JS, as the paper's eq. 1. */
function reference(z1: number[][], z2: number[][], tau: number): number {
  const norm = (v: number[]) => {
    const s = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    return v.map((x) => x / s);
  };
  const z = [...z1, ...z2].map(norm);
  const n = z1.length;
  let total = 0;
  for (let i = 0; i < 2 * n; i++) {
    const sim = (j: number) => z[i]!.reduce((a, x, k) => a + x * z[j]![k]!, 0) / tau;
    const pos = (i + n) % (2 * n);
    let denom = 0;
    for (let j = 0; j < 2 * n; j++) if (j !== i) denom += Math.exp(sim(j));
    total += -Math.log(Math.exp(sim(pos)) / denom);
  }
  return total / (2 * n);
}

function randomPairs(n: number, d: number, seed: number): [number[][], number[][]] {
  const r = new Rng(seed, "ntxent");
  const m = () => Array.from({ length: n }, () => Array.from({ length: d }, () => r.normal()));
  return [m(), m()];
}

Deno.test("ntXentLoss matches a slow per-anchor reference", async () => {
  for (const [n, d, tau] of [[2, 3, 0.5], [5, 4, 0.1], [8, 16, 1]] as const) {
    const [a, b] = randomPairs(n, d, n);
    const l = ntXentLoss(tf.tensor2d(a), tf.tensor2d(b), { temperature: tau });
    const got = (await l.data())[0]!;
    const want = reference(a, b, tau);
    assert.ok(Math.abs(got - want) < 1e-4 * Math.max(1, want), `n=${n}: ${got} vs ${want}`);
    l.dispose();
  }
});

Deno.test("ntXentLoss is symmetric in its two views and scale-invariant", async () => {
  const [a, b] = randomPairs(6, 8, 7);
  const ab = (await ntXentLoss(tf.tensor2d(a), tf.tensor2d(b), { temperature: 0.5 }).data())[0]!;
  const ba = (await ntXentLoss(tf.tensor2d(b), tf.tensor2d(a), { temperature: 0.5 }).data())[0]!;
  assert.ok(Math.abs(ab - ba) < 1e-6, `${ab} vs ${ba}`);
  const scaled = tf.mul(tf.tensor2d(a), 3) as tf.Tensor2D;
  const s = (await ntXentLoss(scaled, tf.tensor2d(b), { temperature: 0.5 }).data())[0]!;
  assert.ok(Math.abs(ab - s) < 1e-5);
});

Deno.test("ntXentLoss is low when pairs agree and high when they do not", async () => {
  const [a] = randomPairs(16, 32, 3);
  const same = (await ntXentLoss(tf.tensor2d(a), tf.tensor2d(a), { temperature: 0.1 }).data())[0]!;
  const [c, d] = randomPairs(16, 32, 4);
  const diff = (await ntXentLoss(tf.tensor2d(c), tf.tensor2d(d), { temperature: 0.1 }).data())[0]!;
  assert.ok(same < 0.5 && diff > Math.log(31) - 1, `${same} ${diff}`);
});

Deno.test("ntXentLoss rejects bad shapes and temperatures with clear errors", () => {
  const z = tf.zeros([4, 3]) as tf.Tensor2D;
  assert.throws(
    () => ntXentLoss(z, tf.zeros([3, 3]) as tf.Tensor2D, { temperature: 1 }),
    /same shape/,
  );
  assert.throws(() => ntXentLoss(z, z, { temperature: 0 }), /temperature/);
  assert.throws(
    () =>
      ntXentLoss(tf.zeros([1, 3]) as tf.Tensor2D, tf.zeros([1, 3]) as tf.Tensor2D, {
        temperature: 1,
      }),
    /at least 2/,
  );
});

Deno.test("ntXentLoss has a finite gradient at a zero projection", async () => {
  // normalising by max(|x|, 1e-12) gave NaN there (sqrt's gradient at 0)
  const z1 = tf.tensor2d([[0, 0, 0], [1, 2, 3], [-1, 0.5, 2]]);
  const z2 = tf.tensor2d([[1, 0, 0], [1, 2, 2], [0, 0, 0]]);
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    ntXentLoss(a as tf.Tensor2D, b as tf.Tensor2D, { temperature: 0.5 })
  )([z1, z2]);
  for (const t of g) assert.ok((await t.data()).every(Number.isFinite));
  tf.dispose([z1, z2, ...g]);
});
