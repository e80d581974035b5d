/**
 * NT-Xent, the normalised temperature-scaled cross-entropy of SimCLR (Chen, Kornblith, Norouzi,
 * Hinton 2020, arXiv 2002.05709, Algorithm 1 and eq. 1).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { unitRows } from "../core/ops.ts";

/** Options of {@linkcode ntXentLoss}. */
export interface NtXentOptions {
  /** tau; the paper's best is 0.5 for CIFAR-10 (appendix B.9) and 0.1 for ImageNet */
  temperature: number;
}

/**
 * NT-Xent over a batch of N pairs: z1[i] and z2[i] are the projections of two views of image i.
 * The 2N views are L2-normalised; each view's logits are its cosine similarities / tau to the
 * other 2N - 1 views; its positive is its pair and the other 2N - 2 are negatives; the loss is the
 * mean cross-entropy over all 2N anchors (both orders of each pair, as the paper's l(2k-1, 2k) +
 * l(2k, 2k-1)). Pure: it reads only its arguments. Swapping z1 and z2 gives the same loss.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { ntXentLoss } from "./nt_xent.ts";
 * await tf.setBackend("cpu");
 * const z = tf.tensor2d([[1, 0], [0, 1]]);
 * const l = ntXentLoss(z, z, { temperature: 0.5 }); // each view's positive is identical to it
 * console.log((await l.data())[0]! < 1); // true
 * ```
 */
export function ntXentLoss(z1: tf.Tensor2D, z2: tf.Tensor2D, opts: NtXentOptions): tf.Scalar {
  if (
    z1.rank !== 2 || z2.rank !== 2 || z1.shape[0] !== z2.shape[0] || z1.shape[1] !== z2.shape[1]
  ) {
    throw new RangeError(
      `ntXentLoss needs two [N, d] tensors of the same shape, got [${z1.shape}] and [${z2.shape}]`,
    );
  }
  if (!(opts.temperature > 0)) {
    throw new RangeError(`ntXentLoss: temperature must be > 0, got ${opts.temperature}`);
  }
  const n = z1.shape[0];
  if (n < 2) throw new RangeError(`ntXentLoss needs at least 2 pairs (negatives), got ${n}`);
  return tf.tidy(() => {
    const a = unitRows(z1), b = unitRows(z2);
    const z = tf.concat([a, b], 0); // [2N, d]
    const inv = 1 / opts.temperature;
    const logits = tf.mul(tf.matMul(z, z, false, true), inv); // [2N, 2N]
    // a view is not its own negative: push the diagonal far below every other logit. The
    // diagonal is built on the device (tf.eye would upload a 2N x 2N host array every step).
    const i = tf.cumsum(tf.fill([2 * n], 1)); // 1..2N, exact in float32
    const diagonal = tf.equal(tf.expandDims(i, 1), tf.expandDims(i, 0));
    const masked = tf.where(diagonal, tf.sub(logits, 1e9), logits);
    const pos = tf.mul(tf.sum(tf.mul(a, b), 1), inv); // [N]: logit of each anchor's positive
    const lse = tf.logSumExp(masked, 1); // [2N]
    return tf.sub(tf.mean(lse), tf.mean(pos)) as tf.Scalar; // mean over 2N of lse - pos
  });
}
