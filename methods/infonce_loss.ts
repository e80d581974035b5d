/**
 * InfoNCE with a queue of negatives, MoCo's loss (He et al. 2020, arXiv 1911.05722, eq. 1 and
 * Algorithm 1; MoCo v2, Chen, Fan, Girshick, He 2020, arXiv 2003.04297: temperature 0.2).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { safeRowNorms } from "./cosine_loss.ts";

/** Options of {@linkcode infoNceLoss}. */
export interface InfoNceOptions {
  /** tau: MoCo v1 0.07, MoCo v2 0.2 */
  temperature: number;
}

/**
 * Queries q [N, d], their keys k [N, d] (the momentum encoder's view of the same images) and a
 * queue [K, d] of earlier keys: rows of all three L2-normalised; each query's logits are
 * [q_i . k_i, q_i . queue_1, ..., q_i . queue_K] / tau; the cross-entropy with the positive at
 * index 0, mean over the N queries. The queue is the caller's (it enqueues k after the step).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { infoNceLoss } from "./infonce_loss.ts";
 * await tf.setBackend("cpu");
 * // all logits equal: the positive is one of K + 1 alike, loss log(K + 1)
 * const v = tf.tensor2d([[1, 0]]);
 * const l = infoNceLoss(v, v, tf.tensor2d([[1, 0], [1, 0], [1, 0]]), { temperature: 0.2 });
 * console.log(Math.abs((await l.data())[0]! - Math.log(4)) < 1e-6); // true
 * ```
 */
export function infoNceLoss(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  queue: tf.Tensor2D,
  opts: InfoNceOptions,
): tf.Scalar {
  if (q.rank !== 2 || k.rank !== 2 || q.shape[0] !== k.shape[0] || q.shape[1] !== k.shape[1]) {
    throw new RangeError(
      `infoNceLoss needs q and k of the same shape [N, d], got [${q.shape}] and [${k.shape}]`,
    );
  }
  if (queue.rank !== 2 || queue.shape[1] !== q.shape[1]) {
    throw new RangeError(`infoNceLoss: the queue must be [K, ${q.shape[1]}], got [${queue.shape}]`);
  }
  if (q.shape[0] === 0) throw new RangeError("infoNceLoss needs at least one query");
  if (!(opts.temperature > 0)) {
    throw new RangeError(`infoNceLoss: temperature must be > 0, got ${opts.temperature}`);
  }
  return tf.tidy(() => {
    const unit = (x: tf.Tensor2D) => tf.div(x, safeRowNorms(x, true));
    const qn = unit(q), kn = unit(k), nn = unit(queue);
    const inv = 1 / opts.temperature;
    const pos = tf.mul(tf.sum(tf.mul(qn, kn), 1, true), inv); // [N, 1]
    const neg = tf.mul(tf.matMul(qn, nn, false, true), inv); // [N, K]
    const logits = tf.concat([pos, neg], 1);
    // cross-entropy with the positive at index 0: logsumexp - the positive's logit
    return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.squeeze(pos, [1]))) as tf.Scalar;
  });
}
