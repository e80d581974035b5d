import assert from "node:assert/strict";
import { keyGroups, rowsValue, trainingRows, WEIGHT_CHANGE_PROTOCOL } from "./method.ts";

Deno.test("keyGroups: two groups at two values of one key, filtered and named", () => {
  const value = rowsValue((r) => r.metric === "acc");
  const runs = [{ t: 0.5 }, { t: 1 }, { t: 0.5, objective: "supervised" }, { t: 2 }];
  const plain = keyGroups("t", 0.5, 1, value);
  assert.deepStrictEqual(plain.map((g) => g.name), ["t 0.5", "t 1"]);
  assert.deepStrictEqual(plain.map((g) => runs.filter(g.runs).length), [2, 1]);
  const kept = keyGroups("t", 0.5, 1, value, {
    keep: (c) => c.objective !== "supervised",
    label: (v) => `temperature ${v}`,
  });
  assert.deepStrictEqual(kept.map((g) => g.name), ["temperature 0.5", "temperature 1"]);
  assert.deepStrictEqual(kept.map((g) => runs.filter(g.runs).length), [1, 1]);
  assert.deepStrictEqual(
    kept[0]!.value([{ metric: "acc", value: "0.25" }, { metric: "x", value: "9" }]),
    0.25,
  );
});

Deno.test("trainingRows: the last epoch's loss, and the weight change where the loop measured it", () => {
  const rows = trainingRows("byol", "CIFAR-10", "2 - 2 cos", {
    epochLosses: [1.7, 1.44],
    weightChange: 0.5,
  });
  assert.deepEqual(rows, [
    {
      method: "byol",
      dataset: "CIFAR-10",
      protocol: "2 - 2 cos, mean over the last epoch's steps",
      metric: "train_loss",
      value: 1.44,
    },
    {
      method: "byol",
      dataset: "CIFAR-10",
      protocol: WEIGHT_CHANGE_PROTOCOL,
      metric: "weight_change",
      value: 0.5,
    },
  ]);
  const noWeights = trainingRows("byol", "CIFAR-10", "2 - 2 cos", {
    epochLosses: [1.44],
    weightChange: NaN,
  });
  assert.deepEqual(noWeights.map((r) => r.metric), ["train_loss"]);
});
