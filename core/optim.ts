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
import { hasKernel } from "./ops.ts";

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
  const state = new Map<tf.Variable, tf.Variable>();
  // Adam's m and v packed in one buffer [m; v] (2n values); SGD/LARS: the momentum buffer.
  const slot = (v: tf.Variable) => {
    let s = state.get(v);
    if (!s) {
      const n = cfg.kind === "adam" ? 2 * v.size : v.size;
      s = tf.tidy(() => tf.variable(tf.zeros([n]), false));
      state.set(v, s);
    }
    return s;
  };
  let t = 0;
  const eta = cfg.eta ?? 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  return {
    apply(params, grads, lr) {
      t++;
      // On WebGPU the suite's fused kernels do each update in 1-2 dispatches (core/kernels).
      const fused = hasKernel("SslAdamMoments");
      tf.tidy(() => {
        for (const p of params) {
          const g = grads[p.v.name];
          if (!g) continue;
          const wd = p.decay ? cfg.weightDecay : 0;
          const s = slot(p.v);
          // the gradient with weight decay, flat; built once, only by the paths that need it
          let decayed: tf.Tensor | undefined;
          const gd = () => decayed ??= tf.reshape(wd > 0 ? tf.add(g, tf.mul(p.v, wd)) : g, [-1]);
          if (cfg.kind === "adam") {
            const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
            if (fused) {
              s.assign(
                tf.engine().runKernel("SslAdamMoments", { mv: s, g, w: p.v }, {
                  b1,
                  b2,
                  wd,
                }) as tf.Tensor,
              );
              p.v.assign(
                tf.engine().runKernel("SslAdamApply", { w: p.v, mv: s }, {
                  lr,
                  c1,
                  c2,
                  eps,
                }) as tf.Tensor,
              );
              continue;
            }
            const [m0, v0] = tf.split(s, 2);
            const m = tf.add(tf.mul(m0!, b1), tf.mul(gd(), 1 - b1));
            const v = tf.add(tf.mul(v0!, b2), tf.mul(tf.square(gd()), 1 - b2));
            s.assign(tf.concat([m, v]));
            const step = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
            p.v.assign(tf.sub(p.v, tf.reshape(tf.mul(step, lr), p.v.shape)));
            continue;
          }
          // SGD and LARS: buf = momentum buf + lr trust (g + wd w); w -= buf (SimCLR's LARS)
          let trust: tf.Tensor | undefined;
          if (cfg.kind === "lars" && p.decay) {
            const wn = tf.norm(p.v), gn = tf.norm(gd());
            const ok = tf.logicalAnd(tf.greater(wn, 0), tf.greater(gn, 0));
            trust = tf.reshape(tf.where(ok, tf.div(tf.mul(wn, eta), tf.maximum(gn, 1e-30)), 1), [
              1,
            ]);
          }
          if (fused) {
            s.assign(
              tf.engine().runKernel(
                "SslMomentum",
                trust ? { buf: s, g, w: p.v, scale: trust } : { buf: s, g, w: p.v },
                { lr, momentum: cfg.momentum, wd },
              ) as tf.Tensor,
            );
          } else {
            s.assign(tf.add(tf.mul(s, cfg.momentum), tf.mul(gd(), trust ? tf.mul(trust, lr) : lr)));
          }
          p.v.assign(tf.sub(p.v, tf.reshape(s, p.v.shape)));
        }
      });
    },
    dispose() {
      tf.dispose([...state.values()]);
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
