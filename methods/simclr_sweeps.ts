/**
 * SimCLR sweeps over the paper's ablation axes (Chen et al. 2020): batch size, colour distortion
 * strength, projection head variant and output dimension, temperature, encoder width and depth.
 * At the reference tier (where SimCLR beats its random encoder by 5-6 points, so the poster's
 * findings are resolvable: issue 28), CPU-sized on the ci preset, GPU-sized on the paper's
 * CIFAR-10 recipe. The reference sweeps share the reference preset's own runs: pass
 * `--reuse reports/sweep-simclr-budget` to take them from the budget study rather than train them
 * again.
 */
import { budgetSweep, type SweepSpec } from "../suite/method.ts";

const cpu = { presets: ["ci"], seeds: [0, 1, 2] };
const gpu = { presets: ["paper-cifar10"], seeds: [0] };
const reference = { presets: ["reference"], seeds: [0, 1, 2] };
/** SimCLR beside its supervised baseline (the same encoder, augmentations and budget). */
const objectives: SweepSpec["axes"][number] = ["objective", ["simclr", "supervised"]];

export const simclrSweeps: SweepSpec[] = [
  budgetSweep("simclr", [1, 2, 3, 4], "10,000 images"),
  {
    ...reference,
    name: "simclr-head-reference",
    summary: "projection head (none, linear, MLP), reference preset",
    axes: [["head", ["none", "linear", "mlp"]]],
  },
  {
    ...reference,
    name: "simclr-strength-supervised-reference",
    summary:
      "colour distortion strength 1/8 and 1 (the paper's Table 1 ends), SimCLR against the " +
      "supervised baseline, reference preset",
    axes: [["strength", [0.125, 1]], objectives],
  },
  {
    ...reference,
    name: "simclr-batch-supervised-reference",
    summary: "batch size 32 and 128 (the preset's) at its 4 epochs, SimCLR against the " +
      "supervised baseline, reference preset",
    axes: [["batch", [32, 128]], objectives],
  },
  {
    ...reference,
    name: "simclr-epochs-supervised-reference",
    summary: "training epochs 1 and 4 (the preset's), SimCLR against the supervised baseline, " +
      "reference preset",
    axes: [["epochs", [1, 4]], objectives],
  },
  {
    ...reference,
    name: "simclr-encoder-reference",
    summary: "encoder width 8 and 16 (the preset's) and depth (small: 3 conv layers; small-deep: " +
      "4), reference preset",
    axes: [["width", [8, 16]], ["encoder", ["small", "small-deep"]]],
  },
  {
    ...gpu,
    name: "simclr-encoder-gpu",
    summary: "encoder depth (ResNet-18, ResNet-50) and width (32, 64), CIFAR-10",
    axes: [["encoder", ["resnet18", "resnet50"]], ["width", [32, 64]]],
  },
  {
    ...cpu,
    name: "simclr-batch-cpu",
    summary: "batch size, ci preset",
    axes: [["batch", [32, 64, 128]]],
  },
  {
    ...gpu,
    name: "simclr-batch-gpu",
    summary: "batch size, ResNet-18 on CIFAR-10",
    axes: [["batch", [256, 512, 1024]]],
  },
  {
    ...cpu,
    name: "simclr-strength-cpu",
    summary: "colour distortion strength, ci preset",
    axes: [["strength", [0.125, 0.25, 0.5, 1]]],
  },
  {
    ...cpu,
    name: "simclr-strength-supervised-cpu",
    summary: "colour distortion strength, SimCLR against the supervised baseline (same encoder, " +
      "augmentations and budget), ci preset",
    axes: [["strength", [0.125, 1]], ["objective", ["simclr", "supervised"]]],
  },
  {
    ...gpu,
    name: "simclr-strength-gpu",
    summary: "colour distortion strength, ResNet-18 on CIFAR-10",
    axes: [["strength", [0.125, 0.25, 0.5, 1]]],
  },
  {
    ...cpu,
    name: "simclr-head-cpu",
    summary: "projection head (none, linear, MLP) x output dimension, ci preset",
    axes: [["head", ["none", "linear", "mlp"]], ["headDim", [32, 128]]],
  },
  {
    ...gpu,
    name: "simclr-head-gpu",
    summary: "projection head (none, linear, MLP) x output dimension, ResNet-18 on CIFAR-10",
    axes: [["head", ["none", "linear", "mlp"]], ["headDim", [32, 128, 512]]],
  },
  {
    ...cpu,
    name: "simclr-epochs-cpu",
    summary: "training epochs at batch 64, ci preset (6 = ci)",
    axes: [["epochs", [6, 12, 24]]],
  },
  {
    ...cpu,
    name: "simclr-temperature-cpu",
    summary: "NT-Xent temperature, ci preset",
    axes: [["temperature", [0.1, 0.2, 0.5, 1]]],
  },
  {
    ...gpu,
    name: "simclr-temperature-gpu",
    summary: "NT-Xent temperature, ResNet-18 on CIFAR-10",
    axes: [["temperature", [0.1, 0.5, 1]]],
  },
];
