/**
 * The regression losses of BYOL (Grill et al. 2020, arXiv 2006.07733, eq. 2) and SimSiam (Chen &
 * He 2021, arXiv 2011.10566, eq. 1): a prediction p of one view against the other view's
 * projection z, row by row, by cosine. One direction each; the methods symmetrise, and stop the
 * gradient on z (BYOL: z comes from the target network; SimSiam: stop-gradient).
 * @module
 */
import * as tf from "@tensorflow/tfjs";

function checkPair(name: string, p: tf.Tensor2D, z: tf.Tensor2D): void {
  if (p.rank !== 2 || z.rank !== 2 || p.shape[0] !== z.shape[0] || p.shape[1] !== z.shape[1]) {
    throw new RangeError(
      `${name} needs two [N, d] tensors of the same shape, got [${p.shape}] and [${z.shape}]`,
    );
  }
  if (p.shape[0] === 0) throw new RangeError(`${name} needs at least one row`);
}

/**
 * Each row's norm, sqrt(|x|^2 + 1e-24): the same as |x| in float32 for any row that is not all
 * but zero, and with a finite gradient at a zero row (|x|'s is 0/0 there, which would turn every
 * weight into NaN after one step of a network whose outputs start at zero).
 */
export function safeRowNorms(x: tf.Tensor2D, keepDims = false): tf.Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(x), 1, keepDims), 1e-24));
}

/** Each row's cosine of p_i and z_i, [N] (0 for a zero row). */
function rowCosines(p: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor1D {
  return tf.div(tf.sum(tf.mul(p, z), 1), tf.mul(safeRowNorms(p), safeRowNorms(z))) as tf.Tensor1D;
}

/**
 * BYOL's loss: rows L2-normalised, the mean over rows of ||p_i/|p_i| - z_i/|z_i|||^2 = 2 - 2
 * cos(p_i, z_i). 0 when each p_i points as z_i does, 4 when opposite.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { byolLoss } from "./cosine_loss.ts";
 * await tf.setBackend("cpu");
 * const l = byolLoss(tf.tensor2d([[1, 0]]), tf.tensor2d([[0, 3]])); // orthogonal: 2 - 0
 * console.log((await l.data())[0]); // 2
 * ```
 */
export function byolLoss(p: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  checkPair("byolLoss", p, z);
  return tf.tidy(() => tf.sub(2, tf.mul(2, tf.mean(rowCosines(p, z)))) as tf.Scalar);
}

/**
 * SimSiam's loss: the mean over rows of -cos(p_i, z_i); -1 when each p_i points as z_i does.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { simsiamLoss } from "./cosine_loss.ts";
 * await tf.setBackend("cpu");
 * const l = simsiamLoss(tf.tensor2d([[1, 1]]), tf.tensor2d([[2, 2]]));
 * console.log((await l.data())[0]); // -1
 * ```
 */
export function simsiamLoss(p: tf.Tensor2D, z: tf.Tensor2D): tf.Scalar {
  checkPair("simsiamLoss", p, z);
  return tf.tidy(() => tf.neg(tf.mean(rowCosines(p, z))) as tf.Scalar);
}
