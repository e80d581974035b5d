import assert from "node:assert/strict";
import { groupOf, summarise, variantOf } from "./runs.ts";

Deno.test("variantOf: presets and overrides; old rows without overrides group by config hash", () => {
  assert.equal(variantOf({ preset: "ci", overrides: "margin=2" }), "ci margin=2");
  assert.equal(variantOf({ preset: "ci", overrides: "", config_hash: "abc" }), "ci");
  // a results file from before the overrides column: two margins must not be averaged together
  const old = [0.8, 0.6].flatMap((v, i) =>
    [0, 1].map((seed) => ({
      method: "drlim",
      dataset: "D",
      metric: "acc",
      protocol: "kNN",
      preset: "ci",
      seed: String(seed),
      config_hash: `h${i}`,
      value: String(v + seed / 100),
    }))
  );
  const s = summarise(old);
  assert.equal(s.size, 2);
  assert.deepEqual([...s.values()].map((x) => x.n), [2, 2]);
  assert.equal(groupOf(old[0]!).variant, "ci config h0");
});
