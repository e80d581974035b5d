/**
 * The evaluation settings every method's config shares (weighted kNN and probes on frozen
 * features, eval/features.ts and eval/probe.ts), with their documentation, so each method spreads
 * one definition.
 * @module
 */
import type { Docs } from "../suite/config.ts";

/** Defaults of the shared evaluation keys. */
export const evalDefaults = {
  knnK: 200,
  knnT: 0.1,
  probeEpochs: 30,
  probeLr: 0.001,
  probeBatch: 256,
  evalBatch: 100,
};

/** Documentation of the shared evaluation keys. */
export const evalDocs: Docs<typeof evalDefaults> = {
  knnK: { help: "neighbours of the weighted kNN evaluation", integer: true, min: 1 },
  knnT: { help: "temperature of the kNN vote weights exp(sim / T)", min: 1e-6 },
  probeEpochs: { help: "epochs of the linear (and MLP) probes", integer: true, min: 1 },
  probeLr: { help: "Adam learning rate of the probes", min: 0 },
  probeBatch: { help: "feature rows per step of the probes", integer: true, min: 1 },
  evalBatch: { help: "images per batch when computing features", integer: true, min: 1 },
};

/** The evaluation settings of a run's config. */
export type EvalSettings = Pick<
  typeof evalDefaults,
  "knnK" | "knnT" | "probeEpochs" | "probeLr" | "probeBatch"
>;
