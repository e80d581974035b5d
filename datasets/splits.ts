/**
 * One split of a labelled image data set, by name, for the methods' `dataset`/`dataDir` keys:
 * the offline CIFAR-10 JPEG copy, official CIFAR-10, STL-10 (downloaded and cached, or a folder
 * of its extracted files) or any image folder, optionally the first k images of each class.
 * And the step from bytes to a float batch on the device.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ImageSet } from "./images.ts";
import { CIFAR10_JPEG_NOTE, defaultCifar10JpegDir, loadImageFolder } from "./image_folder.ts";
import { loadCifar10 } from "./cifar10.ts";
import { fetchStl10, loadStl10 } from "./stl10.ts";
import { datasetCacheDir } from "./download.ts";
import { ConfigError, DataUnavailableError } from "../suite/config.ts";

/** The data sets a method's `dataset` key can name. */
export const DATASETS = ["cifar10-jpeg", "cifar10", "stl10", "folder"] as const;
export type DatasetName = (typeof DATASETS)[number];

/** What {@linkcode loadSplit} loads. */
export interface SplitOptions {
  dataset: string;
  /** "" = the default place of `dataset` (see the methods' docs) */
  dataDir: string;
  split: "train" | "test";
  /** the first k images of each class; 0 = all */
  perClass: number;
}

/** STL-10's extracted files: `dataDir`, or downloaded once into ~/.cache/ssl-bench/stl10. */
export async function stl10Dir(dataDir: string): Promise<string> {
  if (dataDir) return dataDir;
  return await fetchStl10(
    datasetCacheDir("stl10", "an STL-10", "Pass dataDir=<folder of the extracted STL-10 files>"),
  );
}

/** Loads one split (train or test) of a labelled data set; STL-10 train carries its folds. */
export async function loadSplit(o: SplitOptions): Promise<ImageSet & { folds?: Int32Array[] }> {
  let set: ImageSet & { folds?: Int32Array[] };
  if (o.dataset === "cifar10") {
    set = await loadCifar10({
      split: o.split,
      ...(o.dataDir ? { source: "dir", dir: o.dataDir } : { source: "download" }),
    });
  } else if (o.dataset === "stl10") {
    set = await loadStl10({ split: o.split, dir: await stl10Dir(o.dataDir) });
  } else if (o.dataset === "cifar10-jpeg" || o.dataset === "folder") {
    const root = o.dataset === "folder" ? o.dataDir : (o.dataDir || defaultCifar10JpegDir());
    if (!root) throw new ConfigError("dataset=folder needs dataDir=<folder with train/ and test/>");
    try {
      await Deno.stat(`${root}/${o.split}`);
    } catch {
      throw new DataUnavailableError(
        `No ${o.split}/ folder in "${root}". ` +
          (o.dataset === "cifar10-jpeg"
            ? "The offline CIFAR-10 JPEG copy is expected at ../shared/datasets/cifar10-jpeg " +
              "beside the repository: pass dataDir=<its folder> or set SSL_BENCH_CIFAR10_JPEG, or " +
              "use dataset=cifar10 to download the official binaries."
            : "Pass dataDir=<folder holding train/<class>/ and test/<class>/ images>."),
      );
    }
    // the folder loader reads only k per class, so a small preset does not decode 50,000 files
    return await loadImageFolder(`${root}/${o.split}`, {
      limitPerClass: o.perClass || undefined,
      name: o.dataset === "cifar10-jpeg" ? `${CIFAR10_JPEG_NOTE} ${o.split}` : undefined,
    });
  } else {
    throw new ConfigError(`Unknown dataset "${o.dataset}"; known: ${DATASETS.join(", ")}`);
  }
  return o.perClass ? firstPerClass(set, o.perClass) : set;
}

/**
 * The first `k` images of each class, in order. Predefined folds (STL-10's) are kept, restricted
 * to those images and renumbered, so a smaller run still trains on the official folds.
 */
export function firstPerClass(
  set: ImageSet & { folds?: Int32Array[] },
  k: number,
): ImageSet & { folds?: Int32Array[] } {
  const counts = new Map<number, number>(), keep: number[] = [];
  const at = new Int32Array(set.n).fill(-1); // old index -> new index, -1 when dropped
  for (let i = 0; i < set.n; i++) {
    const c = set.labels[i]!, seen = counts.get(c) ?? 0;
    if (seen < k) {
      at[i] = keep.length;
      keep.push(i);
      counts.set(c, seen + 1);
    }
  }
  const sub = subset(set, keep);
  if (!set.folds) return sub;
  const folds = set.folds.map((f) => Int32Array.from(f.filter((i) => at[i]! >= 0), (i) => at[i]!));
  return { ...sub, folds };
}

/** The images `idx` of `set`, in that order. */
export function subset(set: ImageSet, idx: ArrayLike<number>): ImageSet {
  const px = set.height * set.width * set.channels;
  const images = new Uint8Array(idx.length * px);
  for (let j = 0; j < idx.length; j++) {
    images.set(set.images.subarray(idx[j]! * px, (idx[j]! + 1) * px), j * px);
  }
  return {
    name: set.name,
    n: idx.length,
    height: set.height,
    width: set.width,
    channels: set.channels,
    images,
    labels: Int32Array.from(idx as ArrayLike<number>, (i) => set.labels[i]!),
    classes: set.classes,
  };
}

/** Images idx[0..] of `set` as a float tensor in [0, 1], [m, H, W, C]. */
export function batchTensor(set: ImageSet, idx: ArrayLike<number>): tf.Tensor4D {
  const px = set.height * set.width * set.channels;
  const out = new Float32Array(idx.length * px);
  for (let j = 0; j < idx.length; j++) {
    const src = set.images.subarray(idx[j]! * px, (idx[j]! + 1) * px);
    for (let q = 0; q < px; q++) out[j * px + q] = src[q]! / 255;
  }
  return tf.tensor4d(out, [idx.length, set.height, set.width, set.channels]);
}
