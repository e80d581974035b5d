import assert from "node:assert/strict";
import { deriveStreams, Rng } from "./rng.ts";

const draw = (r: Rng, n: number) => Array.from({ length: n }, () => r.uint32());

Deno.test("Rng gives the same sequence for the same seed and name", () => {
  assert.deepEqual(draw(new Rng(42, "data"), 100), draw(new Rng(42, "data"), 100));
});

Deno.test("Rng streams differ across seeds and across names", () => {
  const base = draw(new Rng(42, "data"), 20);
  assert.notDeepEqual(draw(new Rng(43, "data"), 20), base);
  assert.notDeepEqual(draw(new Rng(42, "init"), 20), base);
  assert.notDeepEqual(draw(new Rng(0, ""), 20), draw(new Rng(1, ""), 20));
  // seeds that differ only above 2^32 still differ
  assert.notDeepEqual(draw(new Rng(2 ** 32 + 5, "x"), 5), draw(new Rng(5, "x"), 5));
});

Deno.test("deriveStreams makes independent streams: drawing from one leaves the others", () => {
  const a = deriveStreams(7), b = deriveStreams(7);
  draw(a.init, 1000);
  assert.deepEqual(draw(a.data, 10), draw(b.data, 10));
});

Deno.test("Rng.float is in [0, 1) with mean near 1/2", () => {
  const r = new Rng(3, "f");
  let s = 0;
  for (let i = 0; i < 20000; i++) {
    const x = r.float();
    assert.ok(x >= 0 && x < 1);
    s += x;
  }
  assert.ok(Math.abs(s / 20000 - 0.5) < 0.01);
});

Deno.test("Rng.int covers [0, n) evenly and rejects bad n", () => {
  const r = new Rng(5, "i");
  const counts = new Array(7).fill(0);
  for (let i = 0; i < 70000; i++) counts[r.int(7)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `count ${c}`);
  assert.throws(() => r.int(0), /must be an integer/);
  assert.throws(() => r.int(2.5), /must be an integer/);
});

Deno.test("Rng.normal has mean 0 and variance 1", () => {
  const r = new Rng(9, "n");
  let s = 0, s2 = 0;
  const n = 40000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 0.03);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
});

Deno.test("Rng.shuffle permutes and is reproducible", () => {
  const a = new Rng(1, "s").shuffle(Array.from({ length: 50 }, (_, i) => i));
  const b = new Rng(1, "s").shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual(a, b);
  assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(a, Array.from({ length: 50 }, (_, i) => i));
});

Deno.test("Rng rejects seeds that are not non-negative integers", () => {
  assert.throws(() => new Rng(-1), /Cannot use seed -1/);
  assert.throws(() => new Rng(1.5), /Cannot use seed 1.5/);
});
