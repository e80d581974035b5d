import assert from "node:assert/strict";
import { shiftInvariance } from "./invariance.ts";
import { Rng } from "../core/rng.ts";

function make(images: number, copies: number, spread: number, r: Rng) {
  const z = new Float32Array(images * copies * 2), base = new Int32Array(images * copies);
  for (let b = 0; b < images; b++) {
    const cx = 10 * r.normal(), cy = 10 * r.normal();
    for (let c = 0; c < copies; c++) {
      const i = b * copies + c;
      base[i] = b;
      z[2 * i] = cx + spread * r.normal();
      z[2 * i + 1] = cy + spread * r.normal();
    }
  }
  return { z, base };
}

Deno.test("shiftInvariance is 1 when copies coincide and near 0 when they are unrelated", () => {
  const r = new Rng(1, "inv");
  const tight = make(50, 5, 0, r);
  assert.equal(shiftInvariance(tight.z, tight.base, 5, 2, new Rng(1, "e")), 1);
  // copies spread as widely as the images themselves: no invariance
  const loose = make(200, 5, 1000, r);
  const s = shiftInvariance(loose.z, loose.base, 5, 2, new Rng(1, "e"));
  assert.ok(Math.abs(s) < 0.1, `${s}`);
  const mid = make(50, 5, 2, r);
  const m = shiftInvariance(mid.z, mid.base, 5, 2, new Rng(1, "e"));
  assert.ok(m > 0.5 && m < 1, `${m}`);
});

Deno.test("shiftInvariance rejects inputs without copies", () => {
  assert.throws(
    () => shiftInvariance(new Float32Array(4), new Int32Array(2), 1, 2, new Rng(1)),
    /2\+ copies/,
  );
});
