import assert from "node:assert/strict";
import { accuracy, knnAccuracy, knnIndices, knnPredict } from "./knn.ts";
import { Rng } from "../core/rng.ts";

Deno.test("knnIndices finds exact nearest neighbours in order, lower index first on ties", () => {
  const ref = new Float32Array([0, 0, 1, 0, 0, 2, 1, 0]); // points 1 and 3 coincide
  const q = new Float32Array([0.9, 0]);
  assert.deepEqual([...knnIndices(q, ref, 2, 3)], [1, 3, 0]);
});

Deno.test("knnIndices agrees with sorting all distances", () => {
  const r = new Rng(1, "knn");
  const dim = 3, nr = 200, nq = 20, k = 7;
  const ref = Float32Array.from({ length: nr * dim }, () => r.normal());
  const q = Float32Array.from({ length: nq * dim }, () => r.normal());
  const got = knnIndices(q, ref, dim, k);
  for (let i = 0; i < nq; i++) {
    const d = Array.from({ length: nr }, (_, j) => {
      let s = 0;
      for (let t = 0; t < dim; t++) s += (q[i * dim + t]! - ref[j * dim + t]!) ** 2;
      return [s, j] as const;
    }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.deepEqual([...got.subarray(i * k, i * k + k)], d.slice(0, k).map((x) => x[1]));
  }
});

Deno.test("knnPredict votes by majority and breaks ties by the nearer neighbour", () => {
  const ref = new Float32Array([0, 1, 2, 10]);
  const labels = [5, 6, 6, 5];
  assert.deepEqual([...knnPredict(new Float32Array([0.1]), ref, labels, 1, 3)], [6]); // 5,6,6
  assert.deepEqual([...knnPredict(new Float32Array([0.1]), ref, labels, 1, 2)], [5]); // tie: 5 nearer
});

Deno.test("knnAccuracy separates two clusters perfectly and is at chance on noise", () => {
  const r = new Rng(2, "knn");
  const n = 400;
  const mk = (sep: number) => {
    const x = new Float32Array(n * 2), y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % 2;
      x[2 * i] = r.normal() + sep * y[i]!;
      x[2 * i + 1] = r.normal();
    }
    return { x, y };
  };
  const a = mk(20), b = mk(20);
  assert.equal(knnAccuracy(b.x, b.y, a.x, a.y, 2, 5), 1);
  const c = mk(0), d = mk(0);
  const acc = knnAccuracy(d.x, d.y, c.x, c.y, 2, 5);
  assert.ok(acc > 0.35 && acc < 0.65, `${acc}`);
});

Deno.test("accuracy and knnIndices reject bad input", () => {
  assert.throws(() => accuracy([1], [1, 2]), /equal, non-empty/);
  assert.throws(() => knnIndices(new Float32Array(2), new Float32Array(2), 2, 2), /k = 2 with 1/);
});
