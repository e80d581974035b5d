/**
 * The claims about SimCLR the suite tests: the poster's three findings (shared/seed: "the framework
 * shows that ...") and the ablations of Chen et al. 2020 behind them. Each is tested on the
 * linear probe on h, the paper's evaluation (Sec. 2.3), over the runs of the sweep its command
 * makes: the reference tier's (simclr_sweeps.ts), where SimCLR beats its random encoder by 5-6
 * points, so effects of a few points are resolvable (issue 28); the ci sweeps test the claims
 * whose levels they share. The poster's comparisons with supervised learning use the supervised
 * baseline (`objective=supervised`: the same encoder, augmentations and budget, trained on the
 * labels), as an interaction: the change a setting makes to SimCLR against the change it makes to
 * the supervised baseline, per seed.
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

/**
 * A claim that a setting helps SimCLR more than the supervised baseline: SimCLR's change from
 * `worse` to `better` of one key against the supervised baseline's, each per seed (an
 * interaction: the poster's "compared to its supervised counterpart").
 */
function versusSupervised(o: {
  id: string;
  /** what helps, e.g. "larger batches help" */
  what: string;
  key: string;
  better: number;
  worse: number;
  /** the levels in words, e.g. "batch 128 - batch 32" */
  levels: string;
  source: string;
  command: string;
}): Claim {
  const { key, better, worse } = o;
  return {
    id: o.id,
    claim: `${o.what} SimCLR more than the supervised baseline: (${o.levels}) is larger for ` +
      "SimCLR",
    source: o.source,
    measure: `change of the linear-probe accuracy on h from ${key} ${worse} to ${better}, per seed`,
    groups: [
      ["SimCLR", "simclr", simclrLinear("h")],
      ["supervised", "supervised", supervisedLinear],
    ].map(([name, objective, value]) => ({
      name: `${name}: ${key} ${better} - ${worse}`,
      runs: (c) => (c.objective ?? "simclr") === objective && c[key] === better,
      relativeTo: (c) => (c.objective ?? "simclr") === objective && c[key] === worse,
      value: value as ClaimGroup["value"],
    })),
    command: o.command,
  };
}

/** The poster's sentence on batch size and training length against supervised learning. */
const BATCH_AND_EPOCHS = `${POSTER} ("Contrastive learning benefits from larger batch sizes and ` +
  `longer training compared to its supervised counterpart"); ${PAPER}, Sec. 5.2, Fig. 9`;

/** A claim on the encoder's size, tested by the encoder sweep (width crossed with depth). */
function encoderClaim(id: string, claim: string, groups: ClaimGroup[]): Claim {
  return {
    id,
    claim,
    source: `${POSTER} ("Like supervised learning, contrastive learning benefits from deeper and ` +
      `wider networks"); ${PAPER}, Sec. 4.1, Fig. 7`,
    measure: "linear-probe accuracy on h",
    groups,
    command: "deno task sweep simclr-encoder-reference",
  };
}

/** SimCLR's runs with the small encoder (the encoder sweep crosses width with depth). */
const smallEncoder = (c: Record<string, unknown>) => contrastive(c) && c.encoder === "small";

export const simclrClaims: Claim[] = [
  {
    id: "simclr-head",
    claim: "MLP head > linear head > no head",
    source: `${POSTER} ("Applying a simple nonlinear transformation to representations before ` +
      `calculating the contrastive loss significantly enhances the quality of the learned ` +
      `representations"); ${PAPER}, Sec. 4.2, Fig. 8`,
    measure: "linear-probe accuracy on h",
    groups: ["mlp", "linear", "none"].map((head) => ({
      name: head,
      runs: (c) => contrastive(c) && c.head === head,
      value: simclrLinear("h"),
    })),
    command: "deno task sweep simclr-head-reference",
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
    command: "deno task sweep simclr-head-reference",
  },
  {
    id: "simclr-colour",
    claim: "stronger colour distortion helps: strength 1 > strength 0.125",
    source: `${POSTER} ("Unsupervised contrastive learning benefits from stronger data ` +
      `augmentation"); ${PAPER}, Sec. 3, Table 1`,
    measure: "linear-probe accuracy on h",
    groups: ends("strength", 1, 0.125),
    command: "deno task sweep simclr-strength-supervised-reference",
  },
  versusSupervised({
    id: "simclr-augmentation-vs-supervised",
    what: "stronger colour distortion helps",
    key: "strength",
    better: 1,
    worse: 0.125,
    levels: "strength 1 - strength 0.125",
    source: `${POSTER} ("Unsupervised contrastive learning benefits from stronger data ` +
      `augmentation than supervised learning"); ${PAPER}, Sec. 3, Table 1`,
    command: "deno task sweep simclr-strength-supervised-reference",
  }),
  {
    id: "simclr-batch",
    claim: "larger batches help at a fixed number of epochs: batch 128 > batch 32",
    source: `${POSTER} ("Contrastive learning benefits from larger batch sizes"); ${PAPER}, ` +
      "Sec. 5.2, Fig. 9",
    measure: "linear-probe accuracy on h",
    groups: ends("batch", 128, 32),
    command: "deno task sweep simclr-batch-supervised-reference",
  },
  versusSupervised({
    id: "simclr-batch-vs-supervised",
    what: "larger batches help",
    key: "batch",
    better: 128,
    worse: 32,
    levels: "batch 128 - batch 32, at a fixed number of epochs",
    source: BATCH_AND_EPOCHS,
    command: "deno task sweep simclr-batch-supervised-reference",
  }),
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
    claim: "longer training helps: 4 epochs > 1 epoch",
    source: `${POSTER} ("and longer training"); ${PAPER}, Sec. 5.2, Fig. 9`,
    measure: "linear-probe accuracy on h",
    groups: ends("epochs", 4, 1),
    command: "deno task sweep simclr-epochs-supervised-reference",
  },
  versusSupervised({
    id: "simclr-epochs-vs-supervised",
    what: "longer training helps",
    key: "epochs",
    better: 4,
    worse: 1,
    levels: "4 epochs - 1 epoch",
    source: BATCH_AND_EPOCHS,
    command: "deno task sweep simclr-epochs-supervised-reference",
  }),
  encoderClaim(
    "simclr-wider",
    "wider encoders help: width 16 > width 8 (the small CNN)",
    keyGroups("width", 16, 8, simclrLinear("h"), { keep: smallEncoder }),
  ),
  encoderClaim(
    "simclr-deeper",
    "deeper encoders help: 4 conv layers (small-deep) > 3 (small), at width 16",
    keyGroups("encoder", "small-deep", "small", simclrLinear("h"), {
      keep: (c) => contrastive(c) && c.width === 16,
    }),
  ),
];
