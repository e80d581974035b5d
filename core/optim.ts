/**
 * Optimisers with per-parameter weight-decay masks and an explicit learning rate per step, as
 * SimCLR trains (Chen et al. 2020, section B.6): LARS (You, Gitman, Ginsburg 2017) with
 * lr = base x batch / 256, weight decay 1e-6, biases and BatchNorm parameters excluded from both
 * decay and the trust ratio; SGD with momentum; Adam. TF.js's optimisers decay every variable
 * alike and offer no LARS.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { Param } from "./layers.ts";

/** Optimisers the suite trains with. */
export const OPTIMIZERS = ["lars", "sgd", "adam"] as const;
export type OptimizerKind = (typeof OPTIMIZERS)[number];

/** Settings of {@linkcode createOptimizer}. */
export interface OptimizerConfig {
  kind: OptimizerKind;
  momentum: number;
  weightDecay: number;
  /** LARS trust coefficient (eta); SimCLR's implementation uses 0.001 */
  eta?: number;
}

/** Applies gradients to the parameters with the step's learning rate. */
export interface SuiteOptimizer {
  apply(params: Param[], grads: tf.NamedTensorMap, lr: number): void;
  dispose(): void;
}

/** Creates an optimiser whose state (momenta, moments) lives on the device. */
export function createOptimizer(cfg: OptimizerConfig): SuiteOptimizer {
  const state = new Map<tf.Variable, tf.Variable[]>();
  const slots = (v: tf.Variable, n: number) => {
    let s = state.get(v);
    if (!s) {
      s = Array.from({ length: n }, () => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
      state.set(v, s);
    }
    return s;
  };
  let t = 0;
  const eta = cfg.eta ?? 0.001;
  return {
    apply(params, grads, lr) {
      t++;
      tf.tidy(() => {
        for (const p of params) {
          const g0 = grads[p.v.name];
          if (!g0) continue;
          const wd = p.decay ? cfg.weightDecay : 0;
          const g = wd > 0 ? tf.add(g0, tf.mul(p.v, wd)) : g0;
          if (cfg.kind === "adam") {
            const [m, v] = slots(p.v, 2) as [tf.Variable, tf.Variable];
            const b1 = 0.9, b2 = 0.999;
            m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
            v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
            const mh = tf.div(m, 1 - b1 ** t), vh = tf.div(v, 1 - b2 ** t);
            p.v.assign(tf.sub(p.v, tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), 1e-8)), lr)));
            continue;
          }
          // SGD and LARS: v = momentum v + scaled_lr g; w -= v (SimCLR's LARS formulation)
          let scaled: tf.Tensor | number = lr;
          if (cfg.kind === "lars" && p.decay) {
            const wn = tf.norm(p.v), gn = tf.norm(g);
            const ok = tf.logicalAnd(tf.greater(wn, 0), tf.greater(gn, 0));
            scaled = tf.mul(tf.where(ok, tf.div(tf.mul(wn, eta), tf.maximum(gn, 1e-30)), 1), lr);
          }
          const [mom] = slots(p.v, 1) as [tf.Variable];
          mom.assign(tf.add(tf.mul(mom, cfg.momentum), tf.mul(g, scaled)));
          p.v.assign(tf.sub(p.v, mom));
        }
      });
    },
    dispose() {
      for (const s of state.values()) tf.dispose(s);
      state.clear();
    },
  };
}

/**
 * Learning rate at `step` (0-based) of `total`: linear warm-up over `warmup` steps to `peak`,
 * then cosine decay to 0 (SimCLR, section B.6).
 */
export function warmupCosine(step: number, total: number, warmup: number, peak: number): number {
  if (step < warmup) return peak * (step + 1) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return peak * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}
