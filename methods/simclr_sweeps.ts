/**
 * SimCLR sweeps over the paper's ablation axes (Chen et al. 2020): batch size, colour distortion
 * strength, projection head variant and output dimension, temperature. CPU-sized on the ci
 * preset, GPU-sized on the paper's CIFAR-10 recipe.
 */
import { budgetSweep, type SweepSpec } from "../suite/method.ts";

const cpu = { presets: ["ci"], seeds: [0, 1, 2] };
const gpu = { presets: ["paper-cifar10"], seeds: [0] };

export const simclrSweeps: SweepSpec[] = [
  budgetSweep("simclr", [1, 2, 3, 4], "10,000 images"),
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
