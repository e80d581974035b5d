/**
 * The claims about Exemplar CNN the suite tests (Dosovitskiy et al. 2014, Sec. 4 and Fig. 3): more
 * surrogate classes help (within the paper's range, N >= 50), more samples per class help, and
 * each transformation contributes. All on the paper's protocol: a linear classifier on every
 * layer's features max-pooled over the four quadrants, mean accuracy over the folds
 * (`fold_accuracy`), over the runs of the reference tier's sweeps (exemplar_sweeps.ts), where
 * trained features leave the random network's behind; the ci sweeps test the claims whose levels
 * they share.
 */
import { type Claim, keyGroups, rowsValue } from "../suite/method.ts";
import { TRANSFORMS } from "./exemplar_transforms.ts";

const PAPER = "Dosovitskiy et al. 2014";
/** The method's rows: named "exemplar" since the method contract (06b15e7), "exemplar-cnn"
 * in the reports of runs from before it. */
const own = (r: Record<string, string>) => r.method === "exemplar" || r.method === "exemplar-cnn";
const folds = rowsValue((r) => own(r) && r.metric === "fold_accuracy");
const MEASURE = "paper protocol: linear classifier on quadrant-pooled features of all layers, " +
  "mean over folds";

/** Two groups of runs at two values of one key, the first claimed better. */
const values = (key: string, better: unknown, worse: unknown) =>
  keyGroups(key, better, worse, folds, {
    label: (v) =>
      key === "without" ? (v === "" ? "all transformations" : `without ${v}`) : `${key} ${v}`,
  });

export const exemplarClaims: Claim[] = [
  {
    id: "exemplar-classes",
    claim: "more surrogate classes help: N = 200 > N = 100 > N = 50",
    source: `${PAPER}, Sec. 2 (N from 50 to 32,000 seed patches) and Fig. 3 left (accuracy ` +
      "rises with N up to about 8,000 classes)",
    measure: MEASURE,
    groups: [200, 100, 50].map((n) => ({
      name: `classes ${n}`,
      runs: (c) => c.classes === n,
      value: folds,
    })),
    command: "deno task sweep exemplar-classes-reference",
  },
  {
    id: "exemplar-samples",
    claim: "more samples per class help: K = 64 > K = 4",
    source: `${PAPER}, Fig. 3 middle (accuracy rises with the samples per class, levelling off ` +
      "near 100)",
    measure: MEASURE,
    groups: values("perClass", 64, 4),
    command: "deno task sweep exemplar-samples-reference",
  },
  {
    id: "exemplar-pooled-features",
    claim: "quadrant-pooled features of all layers > the fully connected layer's features",
    source: `${PAPER}, Sec. 4.1 (features of all layers, max-pooled over the 4 quadrants)`,
    measure: "linear classifier accuracy: the paper protocol (3 folds of 400, images at 64x64) " +
      "against the simple one (the fully connected layer at 32x32, all training images): the " +
      "pooled side trains on fewer images",
    groups: [
      ["quadrant-pooled, all layers", folds],
      [
        "fully connected",
        rowsValue((r) => own(r) && r.metric === "linear_accuracy"),
      ],
    ].map(([name, value]) => ({
      name: name as string,
      runs: () => true,
      value: value as (rows: Record<string, string>[]) => number | undefined,
    })),
    command: "deno task sweep exemplar-classes-reference",
  },
  {
    id: "exemplar-seed-sampling",
    claim: "seed patches cut where the gradients are > patches cut anywhere",
    source: `${PAPER}, Sec. 3 (patches "from regions containing considerable gradients"); ` +
      "poster, limitations (dependency on the patch extraction strategy)",
    measure: MEASURE,
    groups: values("seedSampling", "gradient", "uniform"),
    command: "deno task sweep exemplar-sampling-cpu",
  },
  ...TRANSFORMS.map((t): Claim => ({
    id: `exemplar-without-${t}`,
    claim: `the ${t} transformation contributes: all transformations > without ${t}`,
    source: `${PAPER}, Fig. 3 right (the accuracy lost when a group of transformations is ` +
      "left out)",
    measure: MEASURE,
    groups: values("without", "", t),
    command: "deno task sweep exemplar-transforms-reference",
  })),
];
