/**
 * Barlow Twins (Zbontar, Jing, Misra, LeCun, Deny 2021, arXiv 2103.03230): f and g trained so the
 * cross-correlation of the two views' standardised projections nears the identity (its loss:
 * methods/barlow_vicreg_loss.ts). No negatives, no predictor, no momentum encoder.
 * @module
 */
import { budgetSweep } from "../suite/method.ts";
import { barlowTwinsLoss } from "./barlow_vicreg_loss.ts";
import {
  collapseDefaults,
  collapseDocs,
  projectionHeadDoc,
  projectionMethod,
  projectionPresets,
  type ProjectionSpec,
  SOLO_LEARN_CIFAR,
} from "./projection.ts";
import { twoViewDefaults, twoViewDocs } from "./two_view.ts";

/**
 * Barlow Twins' defaults. The paper trains on ImageNet (a 3-layer 8192-d projector, LARS, batch
 * 2048, lambda 5e-3); for CIFAR-10 these follow solo-learn's published config (a 2048-d
 * projection, LARS at 0.3 x batch / 256, batch 256, weight decay 1e-4, 10 warm-up epochs, 1000
 * epochs). Here the projector is the suite's Linear-BN-ReLU-Linear with the encoder's width as its
 * hidden layer.
 */
export const barlowTwinsDefaults = {
  ...twoViewDefaults,
  ...SOLO_LEARN_CIFAR,
  lambda: 5e-3,
  ...collapseDefaults,
};
/** Barlow Twins' resolved configuration. */
export type BarlowTwinsConfig = typeof barlowTwinsDefaults;

/** What the method declares to projectionMethod (its loss wiring, tested beside it). */
export const barlowTwinsSpec: ProjectionSpec<BarlowTwinsConfig> = {
  name: "barlow",
  title: "Barlow Twins",
  summary: "Barlow Twins (Zbontar et al. 2021): the views' cross-correlation towards the identity",
  defaults: barlowTwinsDefaults,
  docs: {
    ...twoViewDocs,
    headDim: projectionHeadDoc,
    lambda: { help: "weight of the redundancy (off-diagonal) term (paper: 5e-3)", min: 0 },
    ...collapseDocs,
  },
  // reference: Adam at 0.001, which learned faster than at 0.01, and batch 64: twice the steps
  // of batch 128 in the same epochs, which the PyTorch peer found worth more than a 1024-d
  // projector (reports/peer-barlow-recipes, seed 0 at 4 epochs: kNN +3.9 and linear +4.4 points
  // over the random encoder at batch 64, against +2.6 and +2.4 at 128)
  presets: projectionPresets({ lr: 0.001, epochs: 4, batch: 64 }),
  loss: (z1, z2, cfg) => barlowTwinsLoss(z1, z2, { lambda: cfg.lambda }),
  lossName: "Barlow Twins loss (sum (1 - C_ii)^2 + lambda sum C_ij^2)",
  advice: (cfg) => `lower lr (now ${cfg.lr})`,
  perfPeer: (cfg) => ["--lambda", String(cfg.lambda)],
  sweeps: [budgetSweep("barlow", [1, 2, 4], "10,000 images"), {
    name: "barlow-lambda-cpu",
    summary: "the redundancy term's weight lambda, ci preset",
    presets: ["ci"],
    axes: [["lambda", [0.001, 0.005, 0.05]]],
    seeds: [0, 1, 2],
  }],
};

/** The method as the suite runs it. */
export const barlowTwins = projectionMethod(barlowTwinsSpec);
