import assert from "node:assert/strict";
import { largestDifference } from "./numeric.ts";

Deno.test("largestDifference finds the largest absolute difference and its first index", () => {
  assert.deepEqual(largestDifference([1, 2, 3], [1, 2.5, 1]), { value: 2, at: 2 });
  assert.deepEqual(largestDifference([0, -1], [0.5, 0.5]), { value: 1.5, at: 1 });
  assert.deepEqual(largestDifference([4, 4], [4, 4]), { value: 0, at: -1 });
  assert.deepEqual(largestDifference(new Float32Array([1, 3]), [2, 2]), { value: 1, at: 0 });
});
