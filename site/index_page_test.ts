import assert from "node:assert/strict";
import { headlines } from "./index_page.ts";

const row = (
  method: string,
  metric: string,
  value: number,
  extra: Record<string, string> = {},
) => ({
  method,
  metric,
  value: String(value),
  dataset: "D",
  protocol: "p",
  preset: "ci",
  commit: "c",
  ...extra,
});

Deno.test("headlines: trained methods' downstream accuracies; one configuration or the best of several", () => {
  const rows = [
    row("drlim", "knn_digit_accuracy", 0.7, { features: "embedding" }),
    row("drlim", "knn_digit_accuracy", 0.8, { features: "embedding" }),
    row("drlim", "train_loss", 0.05),
    row("pca", "knn_digit_accuracy", 0.6),
    row("random-init network", "fold_accuracy", 0.3),
    row("exemplar", "surrogate_accuracy", 0.9),
    row("simclr", "linear_accuracy", 0.4, { overrides: "batch=64" }),
    row("simclr", "linear_accuracy", 0.5, { overrides: "batch=128" }),
    row("simclr", "linear_accuracy", 0.6, { overrides: "batch=128" }),
  ];
  assert.deepEqual(headlines(rows), [
    { name: "drlim knn_digit_accuracy (embedding)", text: "0.7500 ± 0.0707 (2)" },
    {
      name: "simclr linear_accuracy",
      text: "0.4000 to 0.5500 over 2 configurations; best 0.5500 ± 0.0707 (2) at ci batch=128",
    },
  ]);
});
