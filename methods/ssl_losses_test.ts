/**
 * The five losses of issue 16 against slow references written out in plain JS from the papers'
 * formulas, on random inputs, and on degenerate ones (identical views, collapsed embeddings) whose
 * values are derived by hand in the comments.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../core/rng.ts";
import { byolLoss, simsiamLoss } from "./cosine_loss.ts";
import { infoNceLoss } from "./infonce_loss.ts";
import { barlowTwinsLoss, vicregLoss } from "./barlow_vicreg_loss.ts";

tf.env().set("PROD", true);
await tf.setBackend("cpu");

type M = number[][];
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a));
const unit = (a: number[]) => a.map((x) => x / norm(a));
const cos = (a: number[], b: number[]) => dot(a, b) / (norm(a) * norm(b));
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const column = (m: M, j: number) => m.map((r) => r[j]!);
/** Column j centred, and its variance with the n - 1 divisor. */
const centredColumn = (m: M, j: number) => {
  const c = column(m, j), mu = mean(c);
  const dev = c.map((x) => x - mu);
  return { dev, variance: dot(dev, dev) / (m.length - 1) };
};

function random(n: number, d: number, seed: number): M {
  const r = new Rng(seed, "ssl-losses");
  return Array.from({ length: n }, () => Array.from({ length: d }, () => r.normal()));
}

async function value(l: tf.Scalar): Promise<number> {
  const v = (await l.data())[0]!;
  l.dispose();
  return v;
}

function close(got: number, want: number, what: string, tol = 1e-4) {
  assert.ok(
    Math.abs(got - want) <= tol * Math.max(1, Math.abs(want)),
    `${what}: ${got} vs ${want}`,
  );
}

const byolRef = (p: M, z: M) => mean(p.map((r, i) => 2 - 2 * cos(r, z[i]!)));
const simsiamRef = (p: M, z: M) => mean(p.map((r, i) => -cos(r, z[i]!)));

function infoNceRef(q: M, k: M, queue: M, tau: number): number {
  return mean(q.map((qi, i) => {
    const u = unit(qi);
    const logits = [dot(u, unit(k[i]!)), ...queue.map((x) => dot(u, unit(x)))].map((x) => x / tau);
    return -Math.log(Math.exp(logits[0]!) / logits.reduce((s, x) => s + Math.exp(x), 0));
  }));
}

function barlowRef(z1: M, z2: M, lambda: number): number {
  const n = z1.length, d = z1[0]!.length;
  const standard = (m: M) =>
    Array.from({ length: d }, (_, j) => {
      const { dev, variance } = centredColumn(m, j);
      return dev.map((x) => x / Math.sqrt(variance + 1e-5));
    }); // [d][n]
  const a = standard(z1), b = standard(z2);
  let loss = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const c = dot(a[i]!, b[j]!) / n;
      loss += i === j ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

function vicregRef(z1: M, z2: M, sim: number, std: number, cov: number): number {
  const n = z1.length, d = z1[0]!.length;
  const invariance = mean(z1.flatMap((r, i) => r.map((x, j) => (x - z2[i]![j]!) ** 2)));
  const terms = (m: M) => {
    const cols = Array.from({ length: d }, (_, j) => centredColumn(m, j));
    const spread = mean(cols.map((c) => Math.max(0, 1 - Math.sqrt(c.variance + 1e-4))));
    let off = 0;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        if (i !== j) off += (dot(cols[i]!.dev, cols[j]!.dev) / (n - 1)) ** 2;
      }
    }
    return { spread, covariance: off / d };
  };
  const a = terms(z1), b = terms(z2);
  return sim * invariance + std * (a.spread + b.spread) + cov * (a.covariance + b.covariance);
}

const t = (m: M) => tf.tensor2d(m);

Deno.test("byolLoss and simsiamLoss match the per-row reference; degenerate views by hand", async () => {
  for (const [n, d] of [[1, 3], [5, 8], [16, 32]] as const) {
    const p = random(n, d, n), z = random(n, d, n + 100);
    close(await value(byolLoss(t(p), t(z))), byolRef(p, z), `byol ${n}x${d}`);
    close(await value(simsiamLoss(t(p), t(z))), simsiamRef(p, z), `simsiam ${n}x${d}`);
  }
  const z = random(6, 4, 7);
  // identical views: cos 1, so BYOL 2 - 2 = 0 and SimSiam -1; scale does not matter
  close(await value(byolLoss(t(z), t(z.map((r) => r.map((x) => 3 * x))))), 0, "byol same");
  close(await value(simsiamLoss(t(z), t(z))), -1, "simsiam same");
  // opposite views: cos -1, BYOL 4; collapsed (every row alike) is not penalised: 0
  close(await value(byolLoss(t(z), t(z.map((r) => r.map((x) => -x))))), 4, "byol opposite");
  const c = Array.from({ length: 6 }, () => [1, 2, 3, 4]);
  close(await value(byolLoss(t(c), t(c))), 0, "byol collapsed");
  assert.throws(() => byolLoss(t(z), t(random(5, 4, 1))), /same shape/);
});

Deno.test("infoNceLoss matches the per-query reference; degenerate queues by hand", async () => {
  for (const [n, d, k, tau] of [[1, 4, 1, 0.2], [8, 16, 32, 0.2], [4, 8, 5, 0.07]] as const) {
    const q = random(n, d, 1), key = random(n, d, 2), queue = random(k, d, 3);
    close(
      await value(infoNceLoss(t(q), t(key), t(queue), { temperature: tau })),
      infoNceRef(q, key, queue, tau),
      `infoNce n=${n} K=${k}`,
    );
  }
  // identical query and key, queue orthogonal to them: logits [1/tau, 0 x K], so the loss is
  // log(1 + K e^(-1/tau)); K = 3, tau = 0.5: log(1 + 3 e^-2)
  const q = [[1, 0, 0], [2, 0, 0]], queue = [[0, 1, 0], [0, 0, 1], [0, 5, 5]];
  close(
    await value(infoNceLoss(t(q), t(q), t(queue), { temperature: 0.5 })),
    Math.log(1 + 3 * Math.exp(-2)),
    "orthogonal queue",
  );
  // collapsed: query, key and queue all alike, every logit 1/tau: log(K + 1)
  const c = [[1, 1], [1, 1]];
  close(
    await value(infoNceLoss(t(c), t(c), t([[2, 2], [3, 3], [1, 1], [4, 4]]), { temperature: 0.2 })),
    Math.log(5),
    "collapsed",
  );
  assert.throws(() => infoNceLoss(t(c), t(c), t([[1, 1, 1]]), { temperature: 0.2 }), /queue/);
  assert.throws(() => infoNceLoss(t(c), t(c), t(c), { temperature: 0 }), /temperature/);
});

Deno.test("barlowTwinsLoss matches the reference; identical and collapsed views by hand", async () => {
  for (const [n, d, lambda] of [[4, 3, 5e-3], [16, 8, 5e-3], [32, 16, 0.1]] as const) {
    const z1 = random(n, d, 4), z2 = random(n, d, 5);
    close(
      await value(barlowTwinsLoss(t(z1), t(z2), { lambda })),
      barlowRef(z1, z2, lambda),
      `barlow ${n}x${d}`,
    );
  }
  // identical views whose columns are centred, +-1 and mutually orthogonal (n = 4, d = 3):
  // variance n / (n - 1) = 4/3, so C_ii = (1/n) sum z^2 / sqrt(4/3 + 1e-5)^2 ~ 3/4 and C_ij = 0:
  // the loss is d (1 - 3/4)^2 = 3/16 (up to the 1e-5 under the root)
  const h = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]];
  close(await value(barlowTwinsLoss(t(h), t(h), { lambda: 5e-3 })), 3 / 16, "identical");
  // collapsed: every column constant, standardised to 0, so C = 0 and the loss is d = 3
  const c = Array.from({ length: 5 }, () => [0.3, -2, 7]);
  close(await value(barlowTwinsLoss(t(c), t(c), { lambda: 5e-3 })), 3, "collapsed");
  assert.throws(() => barlowTwinsLoss(t([[1, 2]]), t([[1, 2]]), { lambda: 0 }), /at least 2/);
});

Deno.test("vicregLoss matches the reference; identical and collapsed views by hand", async () => {
  for (const [n, d] of [[4, 3], [16, 8], [32, 16]] as const) {
    const z1 = random(n, d, 6), z2 = random(n, d, 7);
    close(
      await value(vicregLoss(t(z1), t(z2), { simCoeff: 25, stdCoeff: 25, covCoeff: 1 })),
      vicregRef(z1, z2, 25, 25, 1),
      `vicreg ${n}x${d}`,
    );
  }
  // identical views: invariance 0; the +-1 columns above have variance 4/3 > 1, so the variance
  // term is 0, and they are uncorrelated, so the covariance term is 0: the loss is 0
  const h = [[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]];
  close(
    await value(vicregLoss(t(h), t(h), { simCoeff: 25, stdCoeff: 25, covCoeff: 1 })),
    0,
    "same",
  );
  // collapsed identical views: each column's spread is sqrt(0 + 1e-4) = 0.01, so each view's
  // variance term is 0.99 and the loss 25 x (0.99 + 0.99) = 49.5; covariance 0
  const c = Array.from({ length: 5 }, () => [0.3, -2, 7]);
  close(
    await value(vicregLoss(t(c), t(c), { simCoeff: 25, stdCoeff: 25, covCoeff: 1 })),
    49.5,
    "collapsed",
  );
  // one term at a time: only the invariance, (mean squared difference) x simCoeff
  close(
    await value(vicregLoss(t(h), t(h.map((r) => r.map((x) => x + 1))), {
      simCoeff: 2,
      stdCoeff: 0,
      covCoeff: 0,
    })),
    2,
    "invariance",
  );
});

Deno.test("the losses leak no tensors", async () => {
  const a = t(random(8, 4, 9)), b = t(random(8, 4, 10)), q = t(random(6, 4, 11));
  const before = tf.memory().numTensors;
  await value(byolLoss(a, b));
  await value(simsiamLoss(a, b));
  await value(infoNceLoss(a, b, q, { temperature: 0.2 }));
  await value(barlowTwinsLoss(a, b, { lambda: 5e-3 }));
  await value(vicregLoss(a, b, { simCoeff: 25, stdCoeff: 25, covCoeff: 1 }));
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([a, b, q]);
});

Deno.test("the cosine losses have finite gradients at a zero row (a network's outputs at start)", async () => {
  const p = tf.tensor2d([[0, 0, 0], [1, 2, 3]]), z = tf.tensor2d([[1, 0, 0], [0, 0, 0]]);
  for (const f of [byolLoss, simsiamLoss]) {
    const [gp, gz] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      f(a as tf.Tensor2D, b as tf.Tensor2D)
    )([
      p,
      z,
    ]);
    for (const g of [gp!, gz!]) assert.ok([...await g.data()].every(Number.isFinite));
    tf.dispose([gp!, gz!]);
  }
  const q = tf.grad((a: tf.Tensor) => infoNceLoss(a as tf.Tensor2D, p, z, { temperature: 0.2 }))(
    tf.tensor2d([[0, 0, 0], [0, 0, 0]]),
  );
  assert.ok([...await q.data()].every(Number.isFinite));
  tf.dispose([p, z, q]);
});
