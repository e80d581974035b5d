import assert from "node:assert/strict";
import { meanStd, median } from "./stats.ts";

Deno.test("median handles odd and even lengths and rejects empty lists", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /empty/);
});

Deno.test("meanStd: sample standard deviation, 0 for one value", () => {
  assert.deepEqual(meanStd([1, 2, 3]), { mean: 2, std: 1, n: 3 });
  assert.deepEqual(meanStd([5]), { mean: 5, std: 0, n: 1 });
});
