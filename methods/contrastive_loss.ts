import * as tf from "@tensorflow/tfjs";

/** Options of {@linkcode contrastiveLoss}. */
export interface ContrastiveLossOptions {
  /** m in the paper: dissimilar pairs farther apart than this contribute nothing (default 1). */
  margin?: number;
}

/**
 * DrLIM's contrastive loss (Hadsell, Chopra, LeCun 2006, eq. 4 with L_S = D^2/2 and
 * L_D = max(0, m - D)^2 / 2), averaged over pairs:
 *
 *   mean_i [ y_i * 0.5 * D_i^2 + (1 - y_i) * 0.5 * max(0, m - D_i)^2 ]
 *
 * with D_i the Euclidean distance between row i of `za` and `zb`, and y_i = 1 for a similar
 * pair, 0 for a dissimilar one. (The paper writes Y = 0 for similar; we use the more common
 * "similar = 1" so that the argument reads as its name.) Pure: it creates no variables and
 * disposes its intermediates.
 *
 * @param za [N, d] embeddings of the first items of the pairs
 * @param zb [N, d] embeddings of the second items
 * @param similar [N] 1 for similar pairs, 0 for dissimilar
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { contrastiveLoss } from "./contrastive_loss.ts";
 * await tf.setBackend("cpu");
 * const l = contrastiveLoss(tf.tensor2d([[0, 0]]), tf.tensor2d([[3, 4]]), tf.tensor1d([1]));
 * (await l.data())[0]; // 12.5 = 0.5 * 5^2
 * ```
 */
export function contrastiveLoss(
  za: tf.Tensor2D,
  zb: tf.Tensor2D,
  similar: tf.Tensor1D,
  opts: ContrastiveLossOptions = {},
): tf.Scalar {
  const margin = opts.margin ?? 1;
  if (!(margin > 0) || !Number.isFinite(margin)) {
    throw new RangeError(`Cannot use margin ${margin}: it must be a finite number > 0`);
  }
  if (za.rank !== 2 || zb.rank !== 2 || za.shape.join() !== zb.shape.join()) {
    throw new RangeError(
      `contrastiveLoss needs za and zb of the same [N, d] shape; got [${za.shape}] and [${zb.shape}]`,
    );
  }
  if (similar.rank !== 1 || similar.shape[0] !== za.shape[0]) {
    throw new RangeError(
      `contrastiveLoss needs one similar flag per pair: similar has shape [${similar.shape}], ` +
        `za has ${za.shape[0]} rows`,
    );
  }
  return tf.tidy(() => {
    // D^2 directly for the similar term keeps its gradient finite at D = 0; the small epsilon
    // inside the square root does the same for the dissimilar term.
    const d2 = tf.sum(tf.square(tf.sub(za, zb)), 1); // [N]
    const d = tf.sqrt(tf.add(d2, 1e-12)); // [N]
    const y = tf.cast(similar, "float32");
    const pull = tf.mul(y, d2);
    const push = tf.mul(tf.sub(1, y), tf.square(tf.relu(tf.sub(margin, d))));
    return tf.mul(0.5, tf.mean(tf.add(pull, push))) as tf.Scalar;
  });
}
