/**
 * The common in-memory shape of an image data set, returned by every image
 * loader (image folders, CIFAR-10, STL-10), so methods and evaluation code
 * never depend on the file format a set came from.
 *
 * @module
 */

/** A labelled (or unlabelled) set of same-sized 8-bit RGB images. */
export interface ImageSet {
  /** Human name that says exactly what the data is, e.g. `"CIFAR-10 (JPEG copy) train"`. */
  name: string;
  /** Number of images. */
  n: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Channels per pixel (3 for RGB). */
  channels: number;
  /** `n * height * width * channels` bytes, NHWC, RGB, each image row-major. */
  images: Uint8Array;
  /** Class index per image; -1 when unlabeled. */
  labels: Int32Array;
  /** Class names in index order. */
  classes: string[];
}

/** Code-unit string order, so that sorting never depends on the user's locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Message text of an unknown thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The ten CIFAR-10 class names in label order (as in `batches.meta.txt`). */
export const CIFAR10_CLASSES: readonly string[] = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
];
