/**
 * Shift-invariance score of an embedding: how close the shifted copies of one image land,
 * compared with random pairs of different images.
 *
 *   score = 1 - mean d(copies of the same image) / mean d(copies of two different images)
 *
 * 1 means the copies coincide (fully invariant); 0 means copies are as far apart as unrelated
 * images; negative means they are farther apart. The random pairs are drawn from `rng`.
 * @module
 */
import type { Rng } from "../core/rng.ts";

function dist(z: Float32Array, dim: number, i: number, j: number): number {
  let s = 0;
  for (let t = 0; t < dim; t++) {
    const v = z[i * dim + t]! - z[j * dim + t]!;
    s += v * v;
  }
  return Math.sqrt(s);
}

/**
 * @param z [n, dim] embeddings, sample b * copies + c being copy c of image b
 * @param base [n] image index of each sample
 * @param copies copies per image (the original plus its shifts)
 */
export function shiftInvariance(
  z: Float32Array,
  base: Int32Array,
  copies: number,
  dim: number,
  rng: Rng,
): number {
  const n = base.length, images = n / copies;
  if (copies < 2 || !Number.isInteger(images) || images < 2) {
    throw new RangeError(
      `shiftInvariance needs at least 2 images with 2+ copies each; got n=${n}, copies=${copies}`,
    );
  }
  let same = 0, nSame = 0, other = 0, nOther = 0;
  for (let b = 0; b < images; b++) {
    for (let c1 = 0; c1 < copies; c1++) {
      for (let c2 = c1 + 1; c2 < copies; c2++) {
        same += dist(z, dim, b * copies + c1, b * copies + c2);
        nSame++;
        // one random pair of copies of two different images for each same-image pair
        let b2 = rng.int(images - 1);
        if (b2 >= b) b2++;
        other += dist(z, dim, b * copies + rng.int(copies), b2 * copies + rng.int(copies));
        nOther++;
      }
    }
  }
  const meanOther = other / nOther;
  return meanOther === 0 ? 0 : 1 - (same / nSame) / meanOther;
}
