/**
 * Registers the suite's WebGPU kernels with TF.js: its own Conv2D, Conv2DBackpropFilter,
 * Conv2DBackpropInput, AvgPool, AvgPoolGrad, MaxPool, MaxPoolGrad, BatchMatMul and TopK replace
 * the stock ones (cases they do not cover go to the stock kernels), and kernels of the suite's own
 * are added: SslConv2D (convolution with fused bias and ReLU), SslReluGrad, SslColumnSums,
 * SslBatchNorm(Grad), SslRunningStat, SslDropout and SslSpatialMean(Grad), used by core/ops.ts,
 * the fused optimiser updates used by core/optim.ts, SslAugment (SimCLR's views,
 * methods/augment.ts) and SslExemplarRender (Exemplar CNN's samples,
 * methods/exemplar_transforms.ts).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { conv2dFilterGrad, conv2dForward, conv2dInputGrad } from "./conv2d_webgpu.ts";
import {
  avgPoolForwardTiled,
  avgPoolGrad,
  batchNormTrain,
  batchNormTrainGrad,
  columnSums,
  dropoutApply,
  maxPoolForwardTiled,
  maxPoolGradTiled,
  reluGrad,
  runningStat,
  spatialMean,
  spatialMeanGrad,
} from "./elementwise_webgpu.ts";
import type { TensorInfo, WebGPUBackendLike } from "./program.ts";
import { convInfo, supported } from "./conv_attrs.ts";
import { registerSuiteGradients } from "../ops.ts";
import { adamApply, adamMoments, momentumUpdate } from "./optim_webgpu.ts";
import { augmentViews } from "./augment_webgpu.ts";
import { batchMatMul } from "./matmul_webgpu.ts";
import { topK } from "./topk_webgpu.ts";
import { renderExemplar, type RenderStages } from "./render_webgpu.ts";

type KernelFunc = tf.KernelConfig["kernelFunc"];
type Attrs = Record<string, unknown>;
type Inputs = Record<string, TensorInfo>;

const REPLACED = [
  "Conv2D",
  "Conv2DBackpropFilter",
  "Conv2DBackpropInput",
  "AvgPoolGrad",
  "MaxPoolGrad",
  "MaxPool",
  "BatchMatMul",
  "AvgPool",
  "TopK",
] as const;
const ADDED = [
  "SslConv2D",
  "SslReluGrad",
  "SslColumnSums",
  "SslBatchNorm",
  "SslBatchNormGrad",
  "SslAdamMoments",
  "SslAdamApply",
  "SslMomentum",
  "SslDropout",
  "SslRunningStat",
  "SslAugment",
  "SslExemplarRender",
  "SslSpatialMean",
  "SslSpatialMeanGrad",
] as const;
let stock: Record<(typeof REPLACED)[number], KernelFunc> | null = null;

/** Whether the suite's kernels are registered for the webgpu backend. */
export function suiteKernelsActive(): boolean {
  return stock !== null;
}

function setKernel(name: string, kernelFunc: KernelFunc): void {
  if (tf.getKernel(name, "webgpu")) tf.unregisterKernel(name, "webgpu");
  tf.registerKernel({ kernelName: name, backendName: "webgpu", kernelFunc });
}

const gpu = (args: { backend: unknown }) => args.backend as WebGPUBackendLike;

/**
 * Registers the suite's kernels for `webgpu` (idempotent), keeping the stock kernels for the
 * cases they do not cover. Throws when the webgpu backend's kernels are not loaded.
 */
export function registerSuiteKernels(): void {
  if (stock) return;
  registerSuiteGradients();
  const found = REPLACED.map((k) => tf.getKernel(k, "webgpu"));
  if (found.some((k) => !k)) {
    throw new Error(
      "The webgpu backend's kernels are not registered: import @tensorflow/tfjs-backend-webgpu first",
    );
  }
  const [conv, filt, inp, pool, maxPool, maxPoolFwd, matMul, avgPoolFwd, topk] = found.map((k) =>
    k!.kernelFunc
  ) as KernelFunc[];
  stock = {
    Conv2D: conv!,
    Conv2DBackpropFilter: filt!,
    Conv2DBackpropInput: inp!,
    AvgPoolGrad: pool!,
    MaxPoolGrad: maxPool!,
    MaxPool: maxPoolFwd!,
    BatchMatMul: matMul!,
    AvgPool: avgPoolFwd!,
    TopK: topk!,
  };
  setKernel("Conv2D", (args) => {
    const attrs = args.attrs as Attrs, { x, filter } = args.inputs as Inputs;
    if (!supported(attrs)) return conv!(args);
    return conv2dForward(gpu(args), x!, filter!, convInfo(x!.shape, filter!.shape, attrs));
  });
  setKernel("Conv2DBackpropFilter", (args) => {
    const attrs = args.attrs as Attrs, { x, dy } = args.inputs as Inputs;
    if (!supported(attrs)) return filt!(args);
    const info = convInfo(x!.shape, attrs.filterShape as number[], attrs);
    return conv2dFilterGrad(gpu(args), x!, dy!, info);
  });
  setKernel("Conv2DBackpropInput", (args) => {
    const attrs = args.attrs as Attrs, { dy, filter } = args.inputs as Inputs;
    if (!supported(attrs)) return inp!(args);
    const info = convInfo(attrs.inputShape as number[], filter!.shape, attrs);
    return conv2dInputGrad(gpu(args), dy!, filter!, info);
  });
  const poolInfo = (shape: number[], attrs: Attrs) =>
    tf.backend_util.computePool2DInfo(
      shape as [number, number, number, number],
      attrs.filterSize as [number, number],
      attrs.strides as [number, number],
      1,
      attrs.pad as "valid" | "same" | number,
    );
  setKernel("AvgPoolGrad", (args) => {
    const attrs = args.attrs as Attrs;
    if (attrs.dimRoundingMode != null) return pool!(args);
    const { dy, input } = args.inputs as Inputs;
    return avgPoolGrad(gpu(args), dy!, poolInfo(input!.shape, attrs));
  });
  setKernel("MaxPoolGrad", (args) => {
    const attrs = args.attrs as Attrs;
    if (attrs.dimRoundingMode != null) return maxPool!(args);
    const { dy, input } = args.inputs as Inputs;
    return maxPoolGradTiled(gpu(args), dy!, input!, poolInfo(input!.shape, attrs)) ??
      maxPool!(args);
  });
  setKernel("BatchMatMul", (args) => {
    const { a, b } = args.inputs as Inputs;
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    return batchMatMul(gpu(args), a!, b!, transposeA, transposeB) ?? matMul!(args);
  });
  setKernel("MaxPool", (args) => {
    const attrs = args.attrs as Attrs;
    if (attrs.dimRoundingMode != null) return maxPoolFwd!(args);
    const { x } = args.inputs as Inputs;
    return maxPoolForwardTiled(gpu(args), x!, poolInfo(x!.shape, attrs)) ?? maxPoolFwd!(args);
  });
  setKernel("AvgPool", (args) => {
    const attrs = args.attrs as Attrs;
    if (attrs.dimRoundingMode != null) return avgPoolFwd!(args);
    const { x } = args.inputs as Inputs;
    return avgPoolForwardTiled(gpu(args), x!, poolInfo(x!.shape, attrs)) ?? avgPoolFwd!(args);
  });
  setKernel("TopK", (args) => {
    const { x } = args.inputs as Inputs;
    return topK(gpu(args), x!, (args.attrs as Attrs).k as number) ?? topk!(args);
  });
  setKernel("SslConv2D", (args) => {
    const attrs = args.attrs as Attrs, { x, filter, bias } = args.inputs as Inputs;
    const info = convInfo(x!.shape, filter!.shape, attrs);
    const activation = attrs.activation as "linear" | "relu";
    return conv2dForward(gpu(args), x!, filter!, info, { bias, activation });
  });
  setKernel("SslReluGrad", (args) => {
    const { dy, y } = args.inputs as Inputs;
    return reluGrad(gpu(args), dy!, y!);
  });
  setKernel("SslColumnSums", (args) => columnSums(gpu(args), (args.inputs as Inputs).x!));
  setKernel("SslBatchNorm", (args) => {
    const { x, gamma, beta } = args.inputs as Inputs;
    const { eps, relu } = args.attrs as { eps: number; relu?: boolean };
    return batchNormTrain(gpu(args), x!, gamma!, beta!, eps, relu === true);
  });
  const num = (args: { attrs?: unknown }, k: string) => (args.attrs as Record<string, number>)[k]!;
  setKernel("SslAdamMoments", (args) => {
    const { mv, g, w } = args.inputs as Inputs;
    return adamMoments(gpu(args), mv!, g!, w!, num(args, "b1"), num(args, "b2"), num(args, "wd"));
  });
  setKernel("SslAdamApply", (args) => {
    const { w, mv } = args.inputs as Inputs;
    const [lr, c1, c2, eps] = ["lr", "c1", "c2", "eps"].map((k) => num(args, k)) as number[];
    return adamApply(gpu(args), w!, mv!, lr!, c1!, c2!, eps!);
  });
  setKernel("SslMomentum", (args) => {
    const { buf, g, w, scale } = args.inputs as Inputs;
    return momentumUpdate(
      gpu(args),
      buf!,
      g!,
      w!,
      scale,
      num(args, "lr"),
      num(args, "momentum"),
      num(args, "wd"),
    );
  });
  setKernel("SslDropout", (args) => {
    const { seedHash, threshold, scale } = args.attrs as Record<string, number>;
    return dropoutApply(gpu(args), (args.inputs as Inputs).x!, seedHash!, threshold!, scale!);
  });
  setKernel("SslRunningStat", (args) => {
    const { r, t } = args.inputs as Inputs;
    const { count, momentum, ratio } = args.attrs as Record<string, number>;
    return runningStat(gpu(args), r!, t!, count!, momentum!, ratio!);
  });
  setKernel("SslAugment", (args) => {
    const { images, params } = args.inputs as Inputs;
    const { outH, outW } = args.attrs as Record<string, number>;
    return augmentViews(gpu(args), images!, params!, outH!, outW!);
  });
  setKernel("SslSpatialMean", (args) => spatialMean(gpu(args), (args.inputs as Inputs).x!));
  setKernel("SslSpatialMeanGrad", (args) => {
    const shape = (args.attrs as { shape: number[] }).shape;
    return spatialMeanGrad(gpu(args), (args.inputs as Inputs).dy!, shape);
  });
  setKernel("SslExemplarRender", (args) => {
    const { sources, params } = args.inputs as Inputs;
    const { patch, pcaMean, colour } = args.attrs as {
      patch: number;
      pcaMean: number[];
      colour: number;
    };
    const stages: RenderStages = {
      pcaMean: pcaMean.length === 3 ? [pcaMean[0]!, pcaMean[1]!, pcaMean[2]!] : null,
      colour: colour === 1,
    };
    return renderExemplar(gpu(args), sources!, params!, patch, stages);
  });
  setKernel("SslBatchNormGrad", (args) => {
    const { dy, x, gamma, s, q, y } = args.inputs as Inputs;
    const eps = (args.attrs as { eps: number }).eps;
    return batchNormTrainGrad(gpu(args), dy!, x!, gamma!, s!, q!, eps, y ?? null);
  });
}

/** Restores the stock kernels and removes the suite's own (for comparisons and tests). */
export function unregisterSuiteKernels(): void {
  if (!stock) return;
  for (const k of REPLACED) setKernel(k, stock[k]);
  for (const k of ADDED) tf.unregisterKernel(k, "webgpu");
  stock = null;
}
