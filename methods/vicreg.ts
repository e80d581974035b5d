/**
 * VICReg (Bardes, Ponce, LeCun 2022, arXiv 2105.04906): f and g trained by the invariance,
 * variance and covariance terms on the two views' projections (its loss:
 * methods/barlow_vicreg_loss.ts). No negatives, no predictor, no momentum encoder.
 * @module
 */
import { budgetSweep } from "../suite/method.ts";
import { vicregLoss } from "./barlow_vicreg_loss.ts";
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
 * VICReg's defaults. The paper trains on ImageNet (a 3-layer 8192-d expander, LARS, batch 2048,
 * coefficients 25 / 25 / 1); for CIFAR-10 these follow solo-learn's published config (a 2048-d
 * projection, LARS at 0.3 x batch / 256, batch 256, weight decay 1e-4, 10 warm-up epochs, 1000
 * epochs), with the paper's coefficients.
 */
export const vicregDefaults = {
  ...twoViewDefaults,
  ...SOLO_LEARN_CIFAR,
  simCoeff: 25,
  stdCoeff: 25,
  covCoeff: 1,
  ...collapseDefaults,
};
/** VICReg's resolved configuration. */
export type VicregConfig = typeof vicregDefaults;

/** What the method declares to projectionMethod (its loss wiring, tested beside it). */
export const vicregSpec: ProjectionSpec<VicregConfig> = {
  name: "vicreg",
  title: "VICReg",
  summary: "VICReg (Bardes et al. 2022): invariance, variance and covariance of the projections",
  defaults: vicregDefaults,
  docs: {
    ...twoViewDocs,
    headDim: projectionHeadDoc,
    simCoeff: { help: "weight of the invariance term lambda (paper: 25)", min: 0 },
    stdCoeff: { help: "weight of the variance term mu (paper: 25)", min: 0 },
    covCoeff: { help: "weight of the covariance term nu (paper: 1)", min: 0 },
    ...collapseDocs,
  },
  // reference: Adam at 0.01 (at one seed the PyTorch peer cannot tell it from 0.001:
  // reports/peer-vicreg-recipes, kNN +5.0 against +4.2 points over the random encoder, linear
  // +3.6 against +4.3) and batch 64, twice the steps of 128 in the same epochs: kNN +6.4 and
  // linear +4.7 there (batch 32: +5.1 and +4.8; a 1024-d projector at 128: +5.1 and +4.2, 5x
  // slower)
  presets: projectionPresets({ lr: 0.01, epochs: 4, batch: 64 }),
  loss: (z1, z2, cfg) => vicregLoss(z1, z2, cfg),
  lossName: "VICReg loss (invariance, variance, covariance)",
  advice: (cfg) => `lower lr (now ${cfg.lr}) or raise stdCoeff (now ${cfg.stdCoeff})`,
  perfPeer: (cfg) => [
    ...["--sim-coeff", String(cfg.simCoeff), "--std-coeff", String(cfg.stdCoeff)],
    ...["--cov-coeff", String(cfg.covCoeff)],
  ],
  sweeps: [budgetSweep("vicreg", [1, 2, 4], "10,000 images"), {
    name: "vicreg-variance-cpu",
    summary: "the variance term's weight mu (0: the paper's collapse ablation), ci preset",
    presets: ["ci"],
    axes: [["stdCoeff", [0, 5, 25]]],
    seeds: [0, 1, 2],
  }],
};

/** The method as the suite runs it. */
export const vicreg = projectionMethod(vicregSpec);
