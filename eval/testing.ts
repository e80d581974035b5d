/** Labelled features for the evaluation tests. @module */
import { Rng } from "../core/rng.ts";
import type { LabelledFeatures } from "./features.ts";

/** n points per class around class-specific directions (separable), with noise. */
export function clusters(
  perClass: number,
  classes: number,
  dim: number,
  seed: number,
): LabelledFeatures {
  const r = new Rng(seed, "clusters");
  const x = new Float32Array(perClass * classes * dim), y = new Int32Array(perClass * classes);
  for (let i = 0; i < y.length; i++) {
    const c = i % classes;
    y[i] = c;
    for (let j = 0; j < dim; j++) x[i * dim + j] = (j % classes === c ? 3 : 0) + 0.5 * r.normal();
  }
  return { x, y, dim };
}

/** XOR of the signs of the first two coordinates: not linearly separable. */
export function xor(n: number, seed: number): LabelledFeatures {
  const r = new Rng(seed, "xor");
  const x = new Float32Array(n * 2), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = r.uniform(-1, 1), b = r.uniform(-1, 1);
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = (a > 0) !== (b > 0) ? 1 : 0;
  }
  return { x, y, dim: 2 };
}
