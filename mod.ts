/**
 * ssl-bench: self-supervised image representation learning, reproduced and benchmarked in
 * TypeScript on Deno with TensorFlow.js (WebGPU).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { contrastiveLoss } from "./mod.ts";
 * await tf.setBackend("cpu");
 * const loss = contrastiveLoss(tf.tensor2d([[0, 0]]), tf.tensor2d([[0.6, 0.8]]), tf.tensor1d([0]), { margin: 2 });
 * console.log((await loss.data())[0]); // 0.5 * (2 - 1)^2 = 0.5
 * ```
 * @module
 */
export { contrastiveLoss, type ContrastiveLossOptions } from "./methods/contrastive_loss.ts";
export {
  createNetwork,
  drlim,
  type DrlimConfig,
  drlimDefaults,
  embed,
  trainDrlim,
} from "./methods/drlim.ts";
export { ntXentLoss, type NtXentOptions } from "./methods/nt_xent.ts";
// the neighbouring methods' losses (issue 16): BYOL, SimSiam, MoCo v2, Barlow Twins, VICReg
export { byolLoss, simsiamLoss } from "./methods/cosine_loss.ts";
export { infoNceLoss, type InfoNceOptions } from "./methods/infonce_loss.ts";
export {
  barlowTwinsLoss,
  type BarlowTwinsOptions,
  vicregLoss,
  type VicregOptions,
} from "./methods/barlow_vicreg_loss.ts";
export {
  createSimclrModel,
  simclr,
  type SimclrConfig,
  simclrDefaults,
  simclrLoss,
  simclrStep,
  trainSimclr,
} from "./methods/simclr.ts";
export { createEncoder, createHead, ENCODERS, HEADS } from "./methods/encoders.ts";
export {
  exemplar,
  type ExemplarConfig,
  exemplarDefaults,
  trainExemplar,
} from "./methods/exemplar.ts";
export { createExemplarNet, exemplarFeatures, quadrantMaxPool } from "./methods/exemplar_net.ts";
export {
  PAPER_TRANSFORMS,
  renderSamples,
  sampleParams,
  sampleSeedPatches,
  TRANSFORMS,
} from "./methods/exemplar_transforms.ts";
export { knnProtocol, type LabelledFeatures, weightedKnnAccuracy } from "./eval/features.ts";
export { foldAccuracies, foldProtocol, probeAccuracy, probeProtocol } from "./eval/probe.ts";
export { createOptimizer, OPTIMIZERS, warmupCosine } from "./core/optim.ts";
export { deriveStreams, Rng, type Streams } from "./core/rng.ts";
export { type BackendChoice, type BackendInfo, initBackend } from "./core/backend.ts";
export { loadMnist, type Mnist, type MnistSplit } from "./datasets/mnist.ts";
export { encodeIdx, type IdxArray, parseIdx } from "./datasets/idx.ts";
export { accuracy, knnAccuracy, knnIndices, knnPredict } from "./eval/knn.ts";
export { fitPca, projectPca } from "./eval/pca.ts";
export { shiftInvariance } from "./eval/invariance.ts";
export { buildData, neighbourGraph, similarPairs } from "./methods/drlim_data.ts";
export { appendResults, readResults, RESULT_COLUMNS, type ResultRow } from "./io/csv.ts";
export { lineSvg, scatterSvg } from "./io/svg.ts";
export { METHODS } from "./bench/methods.ts";
export {
  defineMethod,
  type Method,
  type MethodSpec,
  type MetricRow,
  type RunContext,
  type RunOutput,
} from "./suite/method.ts";
export { train, type TrainSpec, type TrainStats } from "./core/train.ts";
export { chanceRow, classifierRows, extractBatched } from "./eval/harness.ts";
export { runBenchmark } from "./bench/runner.ts";
export { parseCli } from "./bench/cli.ts";
