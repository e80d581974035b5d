/**
 * Exemplar CNN sweeps, the paper's ablations (Dosovitskiy et al. 2014, Fig. 3 and TPAMI Sec. 5):
 * the number of surrogate classes N, the samples per class K, and each transformation removed;
 * and the training budget, the other suspect (besides the protocol) for the poster's 42.10 %
 * against the paper's 74.2 %, and where trained features overtake random ones (papers.md).
 * At the reference tier (where trained features beat the random network's: issue 28), CPU-sized
 * on the ci preset, GPU-sized on the default (CIFAR-10 JPEG copy, 64c5-64c5-128f). The reference
 * sweeps share the reference preset's own runs: pass `--reuse reports/sweep-exemplar-budget` to
 * take them from the budget study rather than train them again.
 */
import { budgetSweep, type SweepSpec } from "../suite/method.ts";
import { TRANSFORMS } from "./exemplar_transforms.ts";

const cpu = { presets: ["ci"], seeds: [0, 1, 2] };
const gpu = { presets: ["default"], seeds: [0] };
const reference = { presets: ["reference"], seeds: [0, 1, 2] };
// "" = all transformations, then each one left out
const without = ["", ...TRANSFORMS];

export const exemplarSweeps: SweepSpec[] = [
  budgetSweep("exemplar", [4, 8, 16], "the 6,400 samples"),
  {
    ...reference,
    name: "exemplar-classes-reference",
    summary: "surrogate classes N within the paper's range (50-32,000), reference preset " +
      "(epochs fixed: more classes, more samples and steps, as when each class keeps its K)",
    axes: [["classes", [50, 100, 200]]],
  },
  {
    ...reference,
    name: "exemplar-samples-reference",
    summary: "samples per class K, reference preset (epochs fixed: fewer samples, fewer steps)",
    axes: [["perClass", [4, 16, 64]]],
  },
  {
    ...reference,
    name: "exemplar-transforms-reference",
    summary: "each transformation removed, reference preset",
    axes: [["without", without]],
  },
  {
    ...cpu,
    name: "exemplar-classes-cpu",
    summary: "surrogate classes N, ci preset (epochs fixed: fewer classes, fewer steps)",
    axes: [["classes", [25, 50, 100]]],
  },
  {
    ...gpu,
    name: "exemplar-classes-gpu",
    summary: "surrogate classes N (paper: 50-32,000, best ~8,000)",
    axes: [["classes", [500, 2000, 8000, 16000]]],
  },
  {
    ...cpu,
    name: "exemplar-samples-cpu",
    summary: "samples per class K, ci preset (epochs fixed: fewer samples, fewer steps)",
    axes: [["perClass", [4, 16, 64]]],
  },
  {
    ...gpu,
    name: "exemplar-samples-gpu",
    summary: "samples per class K (paper: levels off near 100)",
    axes: [["perClass", [8, 32, 100, 300]]],
  },
  {
    ...cpu,
    name: "exemplar-sampling-cpu",
    summary: "seed patches cut where the gradients are (paper) or anywhere, ci preset",
    axes: [["seedSampling", ["gradient", "uniform"]]],
  },
  {
    ...cpu,
    name: "exemplar-transforms-cpu",
    summary: "each transformation removed, ci preset",
    axes: [["without", without]],
  },
  {
    ...gpu,
    name: "exemplar-transforms-gpu",
    summary: "each transformation removed (paper Fig. 3 right)",
    axes: [["without", without]],
  },
  {
    ...cpu,
    name: "exemplar-budget-cpu",
    summary: "training budget: epochs over the 6,400 samples (8 = ci), ci preset",
    axes: [["epochs", [2, 8, 24]]],
  },
  {
    ...gpu,
    name: "exemplar-budget-gpu",
    summary: "training budget: epochs over the 800,000 samples (30 = default)",
    axes: [["epochs", [3, 10, 30, 64]]],
  },
];
