/**
 * Momentum (target) networks, BYOL's and MoCo's: a copy of the online network whose weights follow
 * the online ones as an exponential moving average, updated on the device after each step.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/**
 * BYOL's target decay at step k of K: 1 - (1 - tauBase) (cos(pi k / K) + 1) / 2, rising from
 * tauBase to 1 (Grill et al. 2020, Sec. 3.2).
 */
export function cosineTau(tauBase: number, step: number, total: number): number {
  return 1 - (1 - tauBase) * (Math.cos(Math.PI * step / Math.max(1, total)) + 1) / 2;
}

function checkPairs(target: tf.Variable[], online: tf.Variable[]): void {
  if (target.length !== online.length) {
    throw new RangeError(`momentum network: ${target.length} variables for ${online.length}`);
  }
  target.forEach((t, i) => {
    if (t.shape.join() !== online[i]!.shape.join()) {
      throw new RangeError(
        `momentum network: variable ${i} is [${t.shape}], not [${online[i]!.shape}]`,
      );
    }
  });
}

/** target <- online, variable by variable (a momentum network starts as a copy). */
export function copyWeights(target: tf.Variable[], online: tf.Variable[]): void {
  checkPairs(target, online);
  target.forEach((t, i) => t.assign(online[i]!));
}

/** target <- tau target + (1 - tau) online, variable by variable, on the device. */
export function emaUpdate(target: tf.Variable[], online: tf.Variable[], tau: number): void {
  checkPairs(target, online);
  tf.tidy(() => {
    const a = tf.scalar(tau), b = tf.scalar(1 - tau);
    target.forEach((t, i) => t.assign(tf.add(tf.mul(t, a), tf.mul(online[i]!, b))));
  });
}
