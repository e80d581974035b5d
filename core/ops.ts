/**
 * Layer ops the suite's networks use, fused where the backend has the suite's kernels.
 *
 * `conv2dBiasAct` is relu(conv2d(x, w) + b) as one kernel on WebGPU (SslConv2D): on lavapipe the
 * unfused bias add and ReLU over DrLIM's first-layer activations (1,024 x 27 x 27 x 15) cost more
 * than the convolution itself. Its gradient is registered here so that it stays lazy per input
 * (TF.js's own fused conv2d computes the input gradient even for a first layer, whose input needs
 * none) and uses one pass for the ReLU mask and one deterministic pass for the bias.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { dropoutKeeps, dropoutThreshold, pcgHash } from "./rng.ts";

/**
 * Each row of [N, d] divided by its L2 norm, sqrt(sum |x|^2 + 1e-24): the norm is computed as
 * `tf.norm` computes it, so every row whose squared norm is above ~1e-16 gets the bits of
 * x / max(|x|, 1e-12), and a zero row stays 0; but the gradient at a zero row is finite, where
 * max(|x|, 1e-12)'s is 0/0 (sqrt at 0) and turns every weight into NaN.
 */
export function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const squares = tf.pow(tf.abs(x), tf.scalar(2, "int32")); // tf.norm's p = 2
    return tf.div(x, tf.sqrt(tf.add(tf.sum(squares, 1, true), 1e-24))) as tf.Tensor2D;
  });
}

/** Activations `conv2dBiasAct` fuses. */
export type Activation = "linear" | "relu";

const FUSED = "SslConv2D";

/** Whether the current backend has kernel `name` (the suite's fused kernels exist on webgpu only). */
export function hasKernel(name: string): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}

/** ReLU's gradient from its output y: dy where y > 0, else 0. */
export function reluGradFromOutput(dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (hasKernel("SslReluGrad")) return tf.engine().runKernel("SslReluGrad", { dy, y }) as tf.Tensor;
  return tf.tidy(() => tf.mul(dy, tf.step(y)));
}

/** Sums over all axes but the last (a bias gradient), deterministically on WebGPU. */
export function sumToLastAxis(x: tf.Tensor): tf.Tensor1D {
  if (hasKernel("SslColumnSums")) {
    return tf.engine().runKernel("SslColumnSums", { x }) as tf.Tensor1D;
  }
  return tf.sum(x, Array.from({ length: x.rank - 1 }, (_, i) => i)) as tf.Tensor1D;
}

const conv2dBiasActGradient: tf.GradConfig = {
  kernelName: FUSED,
  inputsToSave: ["x", "filter"],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as { strides: [number, number]; pad: string; activation: string };
    // Computed once for all three inputs (each input's thunk runs in its own tidy scope; this
    // runs in the enclosing gradient scope, which disposes it).
    const g = a.activation === "relu" ? reluGradFromOutput(dy as tf.Tensor, y) : dy as tf.Tensor;
    const conv = { strides: a.strides, pad: a.pad, dataFormat: "NHWC" };
    return {
      x: () =>
        tf.engine().runKernel("Conv2DBackpropInput", { dy: g, filter }, {
          ...conv,
          inputShape: x.shape,
        }) as tf.Tensor,
      filter: () =>
        tf.engine().runKernel("Conv2DBackpropFilter", { x, dy: g }, {
          ...conv,
          filterShape: filter.shape,
        }) as tf.Tensor,
      bias: () => sumToLastAxis(g),
    };
  },
};

/**
 * activation(conv2d(x, filter, strides, pad) + bias), NHWC. One fused kernel when the current
 * backend has the suite's kernels, else the same composed from TF.js ops.
 */
export function conv2dBiasAct(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  strides: number,
  pad: "same" | "valid",
  activation: Activation,
): tf.Tensor4D {
  if (hasKernel(FUSED)) {
    return tf.engine().runKernel(FUSED, { x, filter, bias }, {
      strides: [strides, strides],
      pad,
      activation,
    }) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const z = tf.add(tf.conv2d(x, filter, strides, pad), bias) as tf.Tensor4D;
    return activation === "relu" ? tf.relu(z) : z;
  });
}

let reductionGradsRegistered = false;
/**
 * Replaces the gradients of Sum and Mean. TF.js 4.22's multiply dy by `ones(x.shape)`, a tensor
 * built on the host and uploaded every step (on Deno's WebGPU through a slow mapped staging
 * buffer; BatchNorm's statistics hit it in every layer). These broadcast dy on the device
 * instead; the values are identical.
 */
export function registerReductionGradients(): void {
  if (reductionGradsRegistered) return;
  reductionGradsRegistered = true;
  for (const kernelName of ["Sum", "Mean"]) {
    tf.registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved as [tf.Tensor];
        const axes = tf.util.parseAxisParam((attrs as { axis: number | number[] }).axis, x.shape);
        const kept = x.shape.map((d, i) => axes.includes(i) ? 1 : d);
        const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
        return {
          x: () =>
            tf.tidy(() => {
              let g = tf.reshape(dy as tf.Tensor, kept);
              if (kernelName === "Mean") g = tf.div(g, count);
              return tf.broadcastTo(g, x.shape);
            }),
        };
      },
    });
  }
}

const batchNormGradient: tf.GradConfig = {
  kernelName: "SslBatchNorm",
  inputsToSave: ["x", "gamma"],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const [x, gamma, y, s, q] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor, tf.Tensor, tf.Tensor];
    const dy = Array.isArray(dys) ? dys[0]! : dys;
    const { eps, relu } = attrs as { eps: number; relu?: boolean };
    // with the ReLU fused, its output masks dy (ReLU's gradient) inside the same kernels
    const inputs: tf.NamedTensorMap = relu ? { dy, x, gamma, s, q, y } : { dy, x, gamma, s, q };
    // computed once for the three inputs, in the enclosing gradient scope (see conv2dBiasAct)
    const [dx, g] = tf.engine().runKernel("SslBatchNormGrad", inputs, { eps }) as tf.Tensor[];
    const c = gamma.shape[0];
    return {
      x: () => dx!.clone(),
      gamma: () => tf.reshape(tf.slice(g!, [1, 0], [1, c]), [c]),
      beta: () => tf.reshape(tf.slice(g!, [0, 0], [1, c]), [c]),
    };
  },
};

/**
 * The mean over the spatial axes of [B, H, W, C] (global average pooling): [B, C]. One kernel
 * each way on WebGPU (SslSpatialMean); tf.mean elsewhere.
 */
export function spatialMean(x: tf.Tensor4D): tf.Tensor2D {
  if (hasKernel("SslSpatialMean")) {
    return tf.engine().runKernel("SslSpatialMean", { x }) as tf.Tensor2D;
  }
  return tf.mean(x, [1, 2]);
}

const spatialMeanGradient: tf.GradConfig = {
  kernelName: "SslSpatialMean",
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return {
      x: () =>
        tf.engine().runKernel("SslSpatialMeanGrad", { dy: dy as tf.Tensor }, {
          shape: x.shape,
        }) as tf.Tensor,
    };
  },
};

let suiteGradientsRegistered = false;
/**
 * Registers the gradients of the suite's own kernels (SslConv2D, SslBatchNorm, SslDropout,
 * SslSpatialMean); called by registerSuiteKernels, which adds those kernels. Idempotent.
 */
export function registerSuiteGradients(): void {
  if (suiteGradientsRegistered) return;
  suiteGradientsRegistered = true;
  tf.registerGradient(conv2dBiasActGradient);
  tf.registerGradient(batchNormGradient);
  tf.registerGradient(dropoutGradient);
  tf.registerGradient(spatialMeanGradient);
}

// The mask is x's: dropping the same elements of dy is the gradient (the same seed redraws it).
const dropoutGradient: tf.GradConfig = {
  kernelName: "SslDropout",
  gradFunc: (dy, _saved, attrs) => ({
    x: () => tf.engine().runKernel("SslDropout", { x: dy as tf.Tensor }, attrs) as tf.Tensor,
  }),
};

/**
 * Inverted dropout (Srivastava et al. 2014): each element of x is zeroed with probability
 * `rate`, the rest scaled by 1 / (1 - rate). The mask is a counter-based hash of (seed, element
 * index) (core/rng.ts pcgHash), drawn on the device on WebGPU (SslDropout: no upload) and on the
 * host elsewhere, identical on both. TF.js's tf.dropout draws it on the host and uploads it
 * every step (64 KiB a step for Exemplar CNN's paper batch).
 */
export function dropout(x: tf.Tensor, rate: number, seed: number): tf.Tensor {
  const threshold = dropoutThreshold(rate);
  const scale = Math.fround(1 / (1 - rate)), seedHash = pcgHash(seed);
  if (hasKernel("SslDropout")) {
    return tf.engine().runKernel("SslDropout", { x }, { seedHash, threshold, scale }) as tf.Tensor;
  }
  const mask = new Float32Array(x.size);
  for (let i = 0; i < mask.length; i++) {
    if (dropoutKeeps(seedHash, i, threshold)) mask[i] = scale;
  }
  return tf.tidy(() => tf.mul(x, tf.tensor(mask, x.shape)));
}

/** What {@linkcode batchNormTrainOp} returns: the output and the batch's statistics. */
export interface BatchNormTrainResult {
  y: tf.Tensor;
  /** per-channel batch mean and biased variance (for the running estimates) */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * BatchNorm in training mode over all axes but the last: (x - mean) / sqrt(var + eps) * gamma +
 * beta with the batch's mean and biased variance. One fused kernel (and a 2-kernel backward
 * pass) on WebGPU; tf.moments + tf.batchNorm elsewhere.
 */
export function batchNormTrainOp(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormTrainResult {
  if (hasKernel("SslBatchNorm")) {
    const [y, s, q] = batchNormSums(x, gamma, beta, eps, false);
    const m = x.size / x.shape[x.rank - 1]!;
    const [mean, variance] = tf.tidy(() => [tf.div(s, m), tf.div(q, m)]) as tf.Tensor1D[];
    tf.dispose([s, q]);
    return { y, mean: mean!, variance: variance! };
  }
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  const y = tf.batchNorm(x, mean, variance, beta, gamma, eps);
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/**
 * SslBatchNorm: [y (through ReLU when `relu`), the column sums of x, the column sums of the
 * squared deviations].
 */
function batchNormSums(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  relu: boolean,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel("SslBatchNorm", { x, gamma, beta }, { eps, relu }) as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
}

/** BatchNorm's running statistics and how fast they follow the batch's (PyTorch's momentum). */
export interface RunningStats {
  mean: tf.Variable;
  variance: tf.Variable;
  momentum: number;
}

/**
 * {@linkcode batchNormTrainOp}, then the running statistics moved towards the batch's, in place:
 * r (1 - momentum) + batch momentum, the batch variance made unbiased (count / (count - 1)) as
 * PyTorch does. Returns the output, through ReLU when `relu`. On WebGPU the ReLU is fused into
 * the normalisation and its gradient into BatchNorm's (the bits of tf.relu after it), and the two
 * updates are one dispatch each (SslRunningStat) where TF.js ops take nine, with the same bits.
 */
export function batchNormTrainUpdate(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  running: RunningStats,
  relu = false,
): tf.Tensor {
  const count = x.size / x.shape[x.rank - 1]!, m = running.momentum;
  const ratio = count / Math.max(1, count - 1);
  if (hasKernel("SslBatchNorm") && hasKernel("SslRunningStat")) {
    const [y, s, q] = batchNormSums(x, gamma, beta, eps, relu);
    tf.tidy(() => {
      const update = (r: tf.Variable, t: tf.Tensor, ratio: number) =>
        r.assign(
          tf.engine().runKernel("SslRunningStat", { r, t }, {
            count,
            momentum: m,
            ratio,
          }) as tf.Tensor,
        );
      update(running.mean, s, 1);
      update(running.variance, q, ratio);
    });
    tf.dispose([s, q]);
    return y;
  }
  const { y, mean, variance } = batchNormTrainOp(x, gamma, beta, eps);
  tf.tidy(() => {
    running.mean.assign(tf.add(tf.mul(running.mean, 1 - m), tf.mul(mean, m)));
    const unbiased = tf.mul(variance, ratio);
    running.variance.assign(tf.add(tf.mul(running.variance, 1 - m), tf.mul(unbiased, m)));
  });
  tf.dispose([mean, variance]);
  if (!relu) return y;
  const r = tf.relu(y);
  y.dispose();
  return r;
}

/**
 * TF.js's WebGPU matmul switches to a split-K program, which sums partial products with atomic
 * float adds (order-dependent, so not reproducible), when the output is small and the inner
 * dimension reaches 2,000. Below that inner size it never does.
 */
export const SPLIT_K_INNER = 2000;

/**
 * a @ b ([m, k] x [k, n]) that is reproducible bit for bit: an inner dimension of SPLIT_K_INNER or
 * more is cut into chunks below it, multiplied separately and summed in a fixed order. Smaller
 * products are plain tf.matMul (the same numbers as before). Differentiable.
 */
export function reproducibleMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  const k = a.shape[1]!;
  if (k < SPLIT_K_INNER) return tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  return tf.tidy(() => {
    const chunk = SPLIT_K_INNER / 2;
    const parts: tf.Tensor2D[] = [];
    for (let s = 0; s < k; s += chunk) {
      const w = Math.min(chunk, k - s);
      parts.push(tf.matMul(tf.slice(a, [0, s], [-1, w]), tf.slice(b, [s, 0], [w, -1])));
    }
    return parts.reduce((acc, p) => tf.add(acc, p)) as tf.Tensor2D;
  });
}

/**
 * x, with no gradient flowing back through it (TF.js has no stop_gradient): what SimSiam puts on
 * the target branch (Chen & He 2021, Algorithm 1: `z.detach()`).
 */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(
  // the second argument would be TF.js's save function; nothing needs saving
  ((x: tf.Tensor) => ({
    value: tf.clone(x),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0],
) as (x: tf.Tensor) => tf.Tensor;
