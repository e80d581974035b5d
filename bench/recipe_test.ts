import assert from "node:assert/strict";
import { join } from "node:path";
import { RECIPE_FIELDS, recipeDifferences, recipeOf, referenceDifference } from "./recipe.ts";
import { methodNamed } from "./methods.ts";
import { referencesTable } from "./report.ts";

const resolved = (method: string, preset: string) =>
  methodNamed(method).resolve([preset], []).config as Record<string, unknown>;

Deno.test("recipeOf reads each field from a run's config: two-view, Exemplar CNN, DrLIM", () => {
  const simclr = recipeOf(resolved("simclr", "reference"), {
    metric: "knn_accuracy",
    features: "h",
  });
  assert.deepEqual(simclr, {
    dataset: "CIFAR-10 (JPEG copy)",
    image_size: "32",
    network: "small CNN (CIFAR stem)",
    width: "16",
    train_images: "10000",
    epochs: "4",
    steps: "312", // 4 x floor(10,000 / 128)
    batch: "128",
    protocol: "kNN (k=200, T=0.1) on h",
    probe: "-",
  });
  assert.equal(
    recipeOf(resolved("simclr", "reference"), { metric: "linear_accuracy", features: "h" }).probe,
    "softmax regression, 20 epochs",
  );
  const exemplar = recipeOf(resolved("exemplar", "ci"), {
    metric: "fold_accuracy",
    features: "quadrants",
  });
  assert.equal(exemplar.network, "16c5-16c5-32f");
  assert.equal(exemplar.image_size, "64"); // evaluated upsampled 2x, as the paper's CIFAR-10
  assert.equal(exemplar.train_images, "100"); // seed images, one a surrogate class
  assert.equal(exemplar.steps, "800"); // 100 classes x 64 samples x 8 epochs / 64
  assert.equal(exemplar.protocol, "linear on quadrants, 3 folds of 40 a class");
  const drlim = recipeOf(resolved("drlim", "ci"), {
    metric: "knn_digit_accuracy",
    features: "embedding",
  });
  assert.deepEqual([drlim.dataset, drlim.train_images, drlim.steps], ["MNIST", "1200", ""]);
});

Deno.test("recipeDifferences: each differing or unstated field, the budget as epochs or steps", () => {
  const here = recipeOf(resolved("simclr", "reference"), {
    metric: "linear_accuracy",
    features: "h",
  });
  assert.deepEqual(recipeDifferences(here, here), []);
  const solo = {
    ...here,
    dataset: "CIFAR-10",
    network: "ResNet-18 (CIFAR stem)",
    width: "64",
    train_images: "50000",
    epochs: "1000",
    steps: "",
    batch: "256",
    probe: "",
  };
  assert.deepEqual(recipeDifferences(solo, here), [
    "dataset CIFAR-10 (JPEG copy) vs CIFAR-10",
    "network small CNN (CIFAR stem) vs ResNet-18 (CIFAR stem)",
    "width 16 vs 64",
    "train images 10000 vs 50000",
    "epochs 4 vs 1000", // steps unstated: the source's budget is its epochs
    "batch 128 vs 256",
    "probe softmax regression, 20 epochs vs unstated",
  ]);
  // no budget stated at all: both named
  const none = { ...here, epochs: "", steps: "" };
  assert.deepEqual(recipeDifferences(none, here), [
    "epochs 4 vs unstated",
    "steps 312 vs unstated",
  ]);
  // numbers compare as numbers, words without case and punctuation
  assert.deepEqual(
    recipeDifferences({ ...here, steps: "312.0", probe: "Softmax regression; 20 epochs" }, here),
    [],
  );
  assert.equal(RECIPE_FIELDS.length, 10);
});

Deno.test("referenceDifference: the run's interval against an exact number, Welch's against a spread", () => {
  const here = { mean: 0.45, std: 0.01, n: 3 };
  const exact = referenceDifference(here, { value: 0.4 });
  // t(0.975, 2) = 4.303: half-width 4.303 x 0.01 / sqrt 3 = 0.02484
  assert.ok(Math.abs(exact.difference - 0.05) < 1e-12);
  assert.ok(Math.abs(exact.low - (0.05 - 0.024843)) < 1e-5, String(exact.low));
  const welch = referenceDifference(here, { value: 0.4, plusMinus: 0.01, n: 3 });
  // Welch with equal spreads and counts: df 4, t 2.776, se 0.01 x sqrt(2 / 3)
  assert.ok(Math.abs(welch.high - (0.05 + 2.776445 * 0.01 * Math.sqrt(2 / 3))) < 1e-5);
  assert.ok(Number.isNaN(referenceDifference({ mean: 0.4, std: 0, n: 1 }, { value: 0.4 }).low));
});

Deno.test("a reference row written from a preset's recipe matches its runs by construction", async () => {
  // the fixture: SimCLR's reference preset, its recipe as a references.csv row, and two runs
  const config = resolved("simclr", "reference");
  const recipe = recipeOf(config, { metric: "knn_accuracy", features: "h" });
  const dir = await Deno.makeTempDir();
  try {
    const csv = join(dir, "refs.csv");
    const cells = RECIPE_FIELDS.map((f) => `"${recipe[f]}"`).join(",");
    await Deno.writeTextFile(
      csv,
      `method,${RECIPE_FIELDS.join(",")},metric,value,plus_minus,n,source,note\n` +
        `simclr,${cells},knn_accuracy,0.40,,,fixture,\n` +
        `simclr,${cells.replace('"4"', '"40"')},knn_accuracy,0.49,,,fixture 40,\n`,
    );
    const run = (value: number, seed: number) => ({
      method: "simclr",
      config,
      rows: [{
        method: "simclr",
        metric: "knn_accuracy",
        features: "h",
        value: String(value),
        seed: String(seed),
      }],
    });
    const text = (await referencesTable([run(0.41, 0), run(0.43, 1)], csv)).join("\n");
    assert.match(
      text,
      /\| fixture \| 0\.4200 \+\/- 0\.0141 \(2\) \| \+0\.0200 \[-0\.1071, \+0\.1471\] \|/,
    );
    // the same recipe at 40 epochs (its steps left as they were): the epochs named
    assert.match(text, /\| fixture 40 \| .* not comparable: epochs 4 vs 40 \|/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
