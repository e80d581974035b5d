/**
 * The redundancy-reduction losses on a batch's embeddings of two views: Barlow Twins (Zbontar et
 * al. 2021, arXiv 2103.03230, eq. 1 and Algorithm 1) and VICReg (Bardes, Ponce, LeCun 2022, arXiv
 * 2105.04906, eqs. 1-6). Both work on the batch's columns (features): their spread and their
 * cross-correlation or covariance.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

function checkViews(name: string, z1: tf.Tensor2D, z2: tf.Tensor2D): void {
  if (
    z1.rank !== 2 || z2.rank !== 2 || z1.shape[0] !== z2.shape[0] || z1.shape[1] !== z2.shape[1]
  ) {
    throw new RangeError(
      `${name} needs two [N, d] tensors of the same shape, got [${z1.shape}] and [${z2.shape}]`,
    );
  }
  if (z1.shape[0] < 2) {
    throw new RangeError(`${name} needs at least 2 rows (a spread over the batch)`);
  }
}

/** Columns minus their means over the batch, and each column's variance (n - 1 divisor). */
function centred(z: tf.Tensor2D): { c: tf.Tensor2D; variance: tf.Tensor1D } {
  const n = z.shape[0];
  const c = tf.sub(z, tf.mean(z, 0, true)) as tf.Tensor2D;
  return { c, variance: tf.div(tf.sum(tf.square(c), 0), n - 1) as tf.Tensor1D };
}

/** True on the diagonal of a d x d matrix, built on the device (tf.eye uploads a host array). */
function diagonalMask(d: number): tf.Tensor2D {
  const i = tf.cumsum(tf.fill([d], 1)); // 1..d, exact in float32
  return tf.equal(tf.expandDims(i, 1), tf.expandDims(i, 0)) as tf.Tensor2D;
}

/** The sum of the squared entries of square matrix m off its diagonal. */
function offDiagonalSquares(m: tf.Tensor2D, diagonal: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.where(diagonal, tf.zerosLike(m), tf.square(m))) as tf.Scalar;
}

/** Options of {@linkcode barlowTwinsLoss}. */
export interface BarlowTwinsOptions {
  /** weight of the redundancy term; the paper's 5e-3 (Sec. 2 and Appendix) */
  lambda: number;
}

/**
 * Barlow Twins: each column of z1 and z2 standardised over the batch (mean 0, standard deviation
 * with the n - 1 divisor as in the paper's PyTorch pseudo-code, and 1e-5 under the square root as
 * in the official BatchNorm, so a column without spread standardises to 0 rather than NaN); C =
 * z1n^T z2n / n; the loss is sum_i (1 - C_ii)^2 + lambda sum_{i != j} C_ij^2. Identical views with
 * uncorrelated columns give d / n^2 (C_ii = (n - 1) / n); collapsed ones give d (C = 0).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { barlowTwinsLoss } from "./barlow_vicreg_loss.ts";
 * await tf.setBackend("cpu");
 * const z = tf.tensor2d([[3, 3], [3, 3]]); // collapsed: every column constant
 * console.log((await barlowTwinsLoss(z, z, { lambda: 5e-3 }).data())[0]); // 2
 * ```
 */
export function barlowTwinsLoss(
  z1: tf.Tensor2D,
  z2: tf.Tensor2D,
  opts: BarlowTwinsOptions,
): tf.Scalar {
  checkViews("barlowTwinsLoss", z1, z2);
  if (!(opts.lambda >= 0)) {
    throw new RangeError(`barlowTwinsLoss: lambda must be >= 0, got ${opts.lambda}`);
  }
  return tf.tidy(() => {
    const n = z1.shape[0];
    const standard = (z: tf.Tensor2D) => {
      const { c, variance } = centred(z);
      return tf.div(c, tf.sqrt(tf.add(variance, 1e-5)));
    };
    const cc = tf.div(tf.matMul(standard(z1), standard(z2), true, false), n) as tf.Tensor2D;
    const diagonal = diagonalMask(cc.shape[0]);
    const cii = tf.sum(tf.where(diagonal, cc, tf.zerosLike(cc)), 1);
    const onDiagonal = tf.sum(tf.square(tf.sub(1, cii)));
    return tf.add(onDiagonal, tf.mul(opts.lambda, offDiagonalSquares(cc, diagonal))) as tf.Scalar;
  });
}

/** Options of {@linkcode vicregLoss}: the paper's coefficients are 25, 25 and 1. */
export interface VicregOptions {
  /** lambda, the invariance term's weight */
  simCoeff: number;
  /** mu, the variance term's weight */
  stdCoeff: number;
  /** nu, the covariance term's weight */
  covCoeff: number;
}

/**
 * VICReg: invariance = the mean squared difference of z1 and z2 over all entries; variance = for
 * each of z1 and z2 the mean over columns of max(0, 1 - sqrt(var + 1e-4)) (var with the n - 1
 * divisor), the two summed; covariance = for each of z1 and z2 the sum of the squared off-diagonal
 * entries of its covariance matrix (n - 1 divisor) divided by d, the two summed; the loss is
 * simCoeff x invariance + stdCoeff x variance + covCoeff x covariance. Collapsed identical views
 * give stdCoeff x 2 x 0.99 (every column's spread 0: 1 - sqrt(1e-4) each), nothing else.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { vicregLoss } from "./barlow_vicreg_loss.ts";
 * await tf.setBackend("cpu");
 * const z = tf.tensor2d([[1, 2], [1, 2], [1, 2]]); // collapsed
 * const l = vicregLoss(z, z, { simCoeff: 25, stdCoeff: 25, covCoeff: 1 });
 * console.log(Math.abs((await l.data())[0]! - 49.5) < 1e-4); // true: 25 x 2 x 0.99
 * ```
 */
export function vicregLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, opts: VicregOptions): tf.Scalar {
  checkViews("vicregLoss", z1, z2);
  for (const k of ["simCoeff", "stdCoeff", "covCoeff"] as const) {
    if (!(opts[k] >= 0)) throw new RangeError(`vicregLoss: ${k} must be >= 0, got ${opts[k]}`);
  }
  return tf.tidy(() => {
    const [n, d] = z1.shape;
    const diagonal = diagonalMask(d);
    const invariance = tf.mean(tf.squaredDifference(z1, z2));
    const terms = (z: tf.Tensor2D) => {
      const { c, variance } = centred(z);
      const spread = tf.mean(tf.relu(tf.sub(1, tf.sqrt(tf.add(variance, 1e-4)))));
      const cov = tf.div(tf.matMul(c, c, true, false), n - 1) as tf.Tensor2D;
      return { spread, covariance: tf.div(offDiagonalSquares(cov, diagonal), d) };
    };
    const a = terms(z1), b = terms(z2);
    return tf.addN([
      tf.mul(opts.simCoeff, invariance),
      tf.mul(opts.stdCoeff, tf.add(a.spread, b.spread)),
      tf.mul(opts.covCoeff, tf.add(a.covariance, b.covariance)),
    ]) as tf.Scalar;
  });
}
