/**
 * The claims about SimCLR the suite tests: the poster's three findings (shared/seed: "the framework
 * shows that ...") and the ablations of Chen et al. 2020 behind them. Each is tested on the
 * linear probe on h, the paper's evaluation (Sec. 2.3), over the runs of the sweep its command
 * makes. The poster's comparison with supervised learning uses the supervised baseline
 * (`objective=supervised`: the same encoder, augmentations and budget, trained on the labels).
 */
import { type Claim, type ClaimGroup, keyGroups, rowsValue } from "../suite/method.ts";

const POSTER = "poster, SimCLR findings";
const PAPER = "Chen et al. 2020";

/** The linear-probe accuracy on `features` (h: encoder output, z: head output) of SimCLR's rows. */
export function simclrLinear(
  features: "h" | "z",
): (rows: Record<string, string>[]) => number | undefined {
  return rowsValue((r) =>
    r.method === "simclr" && r.metric === "linear_accuracy" && r.features === features
  );
}

/** SimCLR's runs, not the supervised baseline's (runs from before the key count as SimCLR). */
const contrastive = (c: Record<string, unknown>) => c.objective !== "supervised";

/** Two groups of SimCLR's runs at two values of one swept key, the first claimed better. */
const ends = (key: string, better: number, worse: number) =>
  keyGroups(key, better, worse, simclrLinear("h"), { keep: contrastive });

/** The supervised baseline's linear-probe accuracy on h (its rows are named "supervised"). */
const supervisedLinear = rowsValue((r) =>
  r.method === "supervised" && r.metric === "linear_accuracy" && r.features === "h"
);

export const simclrClaims: Claim[] = [
  {
    id: "simclr-head",
    claim: "MLP head > linear head > no head",
    source:
      `${POSTER} ("a simple nonlinear transformation ... enhances"); ${PAPER}, Sec. 4.2, Fig. 8`,
    measure: "linear-probe accuracy on h",
    groups: ["mlp", "linear", "none"].map((head) => ({
      name: head,
      runs: (c) => contrastive(c) && c.head === head,
      value: simclrLinear("h"),
    })),
    command: "deno task sweep simclr-head-cpu",
  },
  {
    id: "simclr-h-over-z",
    // without a head z is h, so those runs say nothing about h > z
    claim: "h (before the head) > z (after it)",
    source: `${PAPER}, Sec. 4.2, Fig. 8`,
    measure: "linear-probe accuracy on h and on z, runs with a head",
    groups: (["h", "z"] as const).map((f) => ({
      name: f,
      runs: (c) => contrastive(c) && c.head !== "none",
      value: simclrLinear(f),
    })),
    command: "deno task sweep simclr-head-cpu",
  },
  {
    id: "simclr-colour",
    claim: "stronger colour distortion helps: strength 1 > strength 0.125",
    source: `${POSTER} ("benefits from stronger data augmentation"); ${PAPER}, Sec. 3, Table 1`,
    measure: "linear-probe accuracy on h",
    groups: ends("strength", 1, 0.125),
    command: "deno task sweep simclr-strength-cpu",
  },
  {
    id: "simclr-augmentation-vs-supervised",
    claim: "stronger colour distortion helps SimCLR more than the supervised baseline: " +
      "(strength 1 - strength 0.125) is larger for SimCLR",
    source: `${POSTER} ("benefits from stronger data augmentation than supervised learning"); ` +
      `${PAPER}, Sec. 3, Table 1`,
    measure: "change of the linear-probe accuracy on h from strength 0.125 to 1, per seed",
    groups: [
      ["SimCLR", "simclr", simclrLinear("h")],
      ["supervised", "supervised", supervisedLinear],
    ].map(([name, objective, value]) => ({
      name: `${name}: strength 1 - 0.125`,
      runs: (c) => (c.objective ?? "simclr") === objective && c.strength === 1,
      relativeTo: (c) => (c.objective ?? "simclr") === objective && c.strength === 0.125,
      value: value as ClaimGroup["value"],
    })),
    command: "deno task sweep simclr-strength-supervised-cpu",
  },
  {
    id: "simclr-batch",
    claim: "larger batches help at a fixed number of epochs: batch 128 > batch 32",
    source: `${POSTER} ("benefits from larger batch sizes"); ${PAPER}, Sec. 5.2, Fig. 9`,
    measure: "linear-probe accuracy on h",
    groups: ends("batch", 128, 32),
    command: "deno task sweep simclr-batch-cpu",
  },
  {
    id: "simclr-temperature",
    claim: "a moderate temperature beats a high one: temperature 0.5 > temperature 1",
    source: `${PAPER}, Sec. 5.1, Table 5 (l2-normalised: 0.5 60.7 % against 1 58.0 %) and ` +
      "appendix B.9 (CIFAR-10: 0.5 best)",
    measure: "linear-probe accuracy on h",
    groups: ends("temperature", 0.5, 1),
    command: "deno task sweep simclr-temperature-cpu",
  },
  {
    id: "simclr-epochs",
    claim: "longer training helps: 24 epochs > 6 epochs",
    source: `${POSTER} ("and longer training"); ${PAPER}, Sec. 5.2, Fig. 9`,
    measure: "linear-probe accuracy on h",
    groups: ends("epochs", 24, 6),
    command: "deno task sweep simclr-epochs-cpu",
  },
];
