/**
 * MNIST's four IDX files: their names and checksums, and the splits parsed from their bytes.
 * Plain TypeScript: whoever has the bytes (datasets/mnist.ts from files, a browser tab from
 * fetches) builds the same splits.
 * @module
 */
import type { Mnist, MnistSplit } from "../suite/data.ts";
import { parseIdx } from "./idx.ts";

/** Identifies one of the four MNIST files. */
export type MnistFileKey = "trainImages" | "trainLabels" | "testImages" | "testLabels";

/** One MNIST file with the checksums used to verify it. */
export interface MnistFile {
  /** Which file this is. */
  key: MnistFileKey;
  /** Uncompressed file name, e.g. `train-images-idx3-ubyte`; mirrors serve `<name>.gz`. */
  name: string;
  /** MD5 (hex) of the uncompressed file, or null if unknown. */
  md5: string | null;
  /** MD5 (hex) of `<name>.gz` as served by the mirrors. */
  gzMd5: string;
}

/** The four official MNIST files and their checksums. */
export const MNIST_FILES: readonly MnistFile[] = [
  {
    key: "trainImages",
    name: "train-images-idx3-ubyte",
    md5: "6bbc9ace898e44ae57da46a324031adb",
    gzMd5: "f68b3c2dcbeaaa9fbdd348bbdeb94873",
  },
  {
    key: "trainLabels",
    name: "train-labels-idx1-ubyte",
    md5: "a25bea736e30d166cdddb491f175f624",
    gzMd5: "d53e105ee54ea40749a09fcbcd1e9432",
  },
  {
    key: "testImages",
    name: "t10k-images-idx3-ubyte",
    md5: "2646ac647ad5339dbf082846283269ea",
    gzMd5: "9fb629c4189551a2d022fa330f9573f3",
  },
  {
    key: "testLabels",
    name: "t10k-labels-idx1-ubyte",
    md5: "27ae3e4e09519cfbb04c329615203637",
    gzMd5: "ec29112dd5afa0611ce80d1b7f02629c",
  },
];

const EXPECTED_N = { train: 60000, test: 10000 } as const;

/** The four files' bytes, each with the name its errors give. */
export type RawFiles = Record<MnistFileKey, { name: string; bytes: Uint8Array }>;

function buildSplit(
  images: { name: string; bytes: Uint8Array },
  labels: { name: string; bytes: Uint8Array },
  expectedN: number | undefined,
): MnistSplit {
  const img = parseIdx(images.bytes, images.name, "images");
  const lbl = parseIdx(labels.bytes, labels.name, "labels");
  const [n = 0, rows = 0, cols = 0] = img.dims;
  const [nLabels = 0] = lbl.dims;
  if (rows !== 28 || cols !== 28) {
    throw new Error(
      `MNIST images file "${images.name}" has ${rows}x${cols} images; MNIST images are 28x28. ` +
        `Check that the file is an MNIST images file.`,
    );
  }
  if (n !== nLabels) {
    throw new Error(
      `MNIST files "${images.name}" (${n} images) and "${labels.name}" (${nLabels} labels) ` +
        `disagree on the number of examples; use an images file and a labels file of the ` +
        `same split.`,
    );
  }
  if (expectedN !== undefined && n !== expectedN) {
    throw new Error(
      `MNIST file "${images.name}" has ${n} examples, expected ${expectedN}. ` +
        `Re-download the file or use another source.`,
    );
  }
  const bad = lbl.data.findIndex((v) => v > 9);
  if (bad >= 0) {
    throw new Error(
      `MNIST labels file "${labels.name}" has label ${lbl.data[bad]} at index ${bad}; labels ` +
        `must be 0..9. Check that the file is an MNIST labels file.`,
    );
  }
  return { n, rows, cols, images: img.data, labels: lbl.data };
}

/**
 * Both splits from the four files' bytes; `strict` also checks the official sizes (60,000 and
 * 10,000). `source` says where the bytes came from. Throws with the file's name on bad input.
 */
export function buildMnist(raw: RawFiles, strict: boolean, source: string): Mnist {
  return {
    train: buildSplit(raw.trainImages, raw.trainLabels, strict ? EXPECTED_N.train : undefined),
    test: buildSplit(raw.testImages, raw.testLabels, strict ? EXPECTED_N.test : undefined),
    source,
  };
}
