/** Fixtures shared by the methods' tests. @module */
import { Rng } from "../core/rng.ts";
import type { ImageSet } from "../datasets/images.ts";

/** n random 8x8 RGB images in 2 classes (class 1 brighter), labels alternating. */
export function tinySet(n: number, seed: number): ImageSet {
  const r = new Rng(seed, "tiny");
  const images = new Uint8Array(n * 8 * 8 * 3);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  for (let i = 0; i < images.length; i++) {
    images[i] = Math.min(255, Math.floor(r.float() * 128) + 100 * labels[Math.floor(i / 192)]!);
  }
  return {
    name: "tiny train",
    n,
    height: 8,
    width: 8,
    channels: 3,
    images,
    labels,
    classes: ["a", "b"],
  };
}

/** Two-view keys at a size the tests train in a second: a width-2 CNN on 8x8 images. */
export const TINY_VIEWS = {
  encoder: "small",
  width: 2,
  headDim: 8,
  batch: 8,
  epochs: 2,
  optimizer: "adam",
  lr: 0.001,
  warmupEpochs: 0,
  logEvery: 2,
};
