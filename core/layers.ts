/**
 * Minimal layers for the suite's networks: parameters drawn from the run's seeded init stream
 * (TF.js's own initialisers draw from their own generator), BatchNorm with running statistics,
 * and a record of which parameters take weight decay (LARS and SimCLR exclude biases and
 * BatchNorm parameters).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Rng } from "./rng.ts";
import { batchNormTrainUpdate } from "./ops.ts";

/** One trainable parameter. */
export interface Param {
  name: string;
  v: tf.Variable;
  /** false for biases and BatchNorm's scale and offset (no weight decay, no LARS adaptation) */
  decay: boolean;
}

/** Creates and owns a network's variables. */
export class Params {
  readonly params: Param[] = [];
  /** non-trainable state: BatchNorm running statistics */
  readonly state: tf.Variable[] = [];
  constructor(private readonly rng: Rng) {}

  private add(name: string, shape: number[], draw: () => number, decay: boolean): tf.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(Float32Array.from({ length: size }, draw), shape);
    const v = tf.variable(t); // TF.js names variables globally: let it choose
    t.dispose(); // tf.variable keeps its own reference
    this.params.push({ name, v, decay });
    return v;
  }

  /** He-normal (fan-in, ReLU gain), as torchvision's ResNet convolutions. */
  heNormal(name: string, shape: number[], fanIn: number): tf.Variable {
    const std = Math.sqrt(2 / fanIn);
    return this.add(name, shape, () => std * this.rng.normal(), true);
  }

  /** Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)), PyTorch's default for Linear weights. */
  fanInUniform(name: string, shape: number[], fanIn: number): tf.Variable {
    const lim = 1 / Math.sqrt(fanIn);
    return this.add(name, shape, () => this.rng.uniform(-lim, lim), true);
  }

  /** Uniform(-limit, limit), e.g. LeCun's (limit sqrt(3 / fanIn)) or He's (sqrt(6 / fanIn)). */
  uniform(name: string, shape: number[], limit: number): tf.Variable {
    return this.add(name, shape, () => this.rng.uniform(-limit, limit), true);
  }

  /** A constant vector (biases, BatchNorm scale and offset): no weight decay. */
  constant(name: string, n: number, value: number): tf.Variable {
    return this.add(name, [n], () => value, false);
  }

  /** Non-trainable state of n values. */
  stateVector(n: number, value: number): tf.Variable {
    const t = tf.fill([n], value);
    const v = tf.variable(t, false);
    t.dispose();
    this.state.push(v);
    return v;
  }

  /** The trainable variables, in creation order. */
  get vars(): tf.Variable[] {
    return this.params.map((p) => p.v);
  }

  /** Number of trainable values. */
  count(): number {
    return this.params.reduce((n, p) => n + p.v.size, 0);
  }

  dispose(): void {
    tf.dispose(this.params.map((p) => p.v));
    tf.dispose(this.state);
  }
}

/** A BatchNorm layer's variables. */
export interface BatchNorm {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Variable;
  variance: tf.Variable;
}

/** Creates BatchNorm over n channels (scale 1, offset 0, running mean 0, variance 1). */
export function batchNormParams(p: Params, n: number): BatchNorm {
  return {
    gamma: p.constant("bn_gamma", n, 1),
    beta: p.constant("bn_beta", n, 0),
    mean: p.stateVector(n, 0),
    variance: p.stateVector(n, 1),
  };
}

/** BatchNorm settings, PyTorch's defaults (momentum 0.1 in its convention, eps 1e-5). */
export const BN_MOMENTUM = 0.1, BN_EPS = 1e-5;

/**
 * BatchNorm over all axes but the last. Training: normalises with the batch's statistics and
 * moves the running ones towards them (biased variance for normalising, unbiased for the
 * running estimate, as PyTorch). Evaluation: uses the running statistics. `relu` applies ReLU
 * after it (fused with it in training on WebGPU).
 */
export function batchNorm(
  x: tf.Tensor,
  bn: BatchNorm,
  training: boolean,
  relu = false,
): tf.Tensor {
  if (!training) {
    const norm = () => tf.batchNorm(x, bn.mean, bn.variance, bn.beta, bn.gamma, BN_EPS);
    return relu ? tf.tidy(() => tf.relu(norm())) : norm();
  }
  const { mean, variance } = bn;
  return batchNormTrainUpdate(x, bn.gamma as tf.Tensor1D, bn.beta as tf.Tensor1D, BN_EPS, {
    mean,
    variance,
    momentum: BN_MOMENTUM,
  }, relu);
}
