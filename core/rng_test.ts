import assert from "node:assert/strict";
import { deriveStreams, dropoutKeeps, dropoutThreshold, pcgHash, Rng } from "./rng.ts";

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

Deno.test("pcgHash gives the reference C implementation's values (Jarzynski and Olano 2020)", () => {
  // from the paper's pcg_hash compiled with gcc
  const want = [129708002, 2831084092, 2055130248, 4099845390, 3861530882];
  assert.deepEqual([0, 1, 2, 12345, 4294967295].map(pcgHash), want);
});

Deno.test("dropout masks: rates outside [0, 1) are refused; rate 0 keeps all; seeds differ", () => {
  assert.throws(() => dropoutThreshold(1), /must be in \[0, 1\)/);
  assert.throws(() => dropoutThreshold(-0.1), /must be in \[0, 1\)/);
  assert.throws(() => dropoutThreshold(NaN), /must be in \[0, 1\)/);
  const mask = (seed: number, rate: number) =>
    Array.from({ length: 1000 }, (_, i) => dropoutKeeps(pcgHash(seed), i, dropoutThreshold(rate)));
  assert.ok(mask(3, 0).every((k) => k));
  const a = mask(3, 0.5), b = mask(4, 0.5);
  assert.ok(a.some((k, i) => k !== b[i]));
  const kept = a.filter((k) => k).length;
  assert.ok(kept > 436 && kept < 564, `${kept} of 1000 kept at rate 0.5`); // 4 sd
});
