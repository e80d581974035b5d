/**
 * Loader for a folder of image files laid out one sub-folder per class
 * (`dir/<class>/<file>.png|.jpg|.jpeg`), e.g. the offline CIFAR-10 JPEG copy
 * in `../shared/datasets/cifar10-jpeg/{train,test}`.
 *
 * @module
 */

import jpeg from "jpeg-js";
// @ts-types="@types/pngjs"
import { PNG } from "pngjs";
import { Buffer } from "node:buffer";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CIFAR10_CLASSES, compareNames, errorText, type ImageSet } from "./images.ts";

/** Options for {@linkcode loadImageFolder}. */
export interface LoadImageFolderOptions {
  /** Take only the first K files (in name order) of each class. */
  limitPerClass?: number;
  /** Name of the returned set; default the folder path. */
  name?: string;
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;

/** A decoded image, always 3-channel RGB. */
interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes PNG or JPEG bytes to RGB. The format is taken from the file's
 * signature, not its extension, so a mis-named file still decodes and a
 * non-image file gets a clear error.
 */
function decodeRgb(bytes: Uint8Array, path: string): Rgb {
  const isPng = bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 &&
    bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 &&
    bytes[2] === 0xff;
  if (!isPng && !isJpeg) {
    throw new Error(
      `Image file "${path}" (${bytes.length} bytes) is neither PNG nor JPEG (bad signature). ` +
        `Delete or replace it.`,
    );
  }
  try {
    if (isJpeg) {
      // tolerantDecoding: false so a truncated or corrupt JPEG fails instead of
      // silently decoding to grey pixels.
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
      });
      if (img.width <= 0 || img.height <= 0) throw new Error("image has no pixels");
      return { width: img.width, height: img.height, data: img.data };
    }
    // pngjs always yields 8-bit RGBA (grayscale expanded, 16-bit rescaled); drop alpha.
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    const n = png.width * png.height;
    const rgba = png.data;
    const data = new Uint8Array(n * 3);
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      data[i * 3] = rgba[j]!;
      data[i * 3 + 1] = rgba[j + 1]!;
      data[i * 3 + 2] = rgba[j + 2]!;
    }
    return { width: png.width, height: png.height, data };
  } catch (err) {
    throw new Error(
      `Could not decode ${isPng ? "PNG" : "JPEG"} image "${path}" (${bytes.length} bytes): ` +
        `${errorText(err)}. The file is corrupt or truncated; delete or replace it.`,
      { cause: err },
    );
  }
}

async function isDirectory(path: string, entry: Deno.DirEntry): Promise<boolean> {
  if (entry.isDirectory) return true;
  // Follow symlinks so a folder of linked class folders also works.
  if (entry.isSymlink) return (await Deno.stat(path)).isDirectory;
  return false;
}

async function isFile(path: string, entry: Deno.DirEntry): Promise<boolean> {
  if (entry.isFile) return true;
  if (entry.isSymlink) return (await Deno.stat(path)).isFile;
  return false;
}

async function listDir(dir: string): Promise<Deno.DirEntry[]> {
  const out: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(dir)) {
    // Hidden entries (.DS_Store, editors' temp files) are never data.
    if (!e.name.startsWith(".")) out.push(e);
  }
  return out.sort((a, b) => compareNames(a.name, b.name));
}

/**
 * Loads an image-folder data set: one sub-folder per class, classes numbered
 * in sorted name order, files `.png`/`.jpg`/`.jpeg` (any case) read in sorted
 * name order, so the result is the same on every machine. Other files and
 * hidden entries are ignored. Images are decoded to RGB (alpha dropped,
 * grayscale expanded) and must all have the same size.
 *
 * @param dir Folder holding one sub-folder per class.
 * @param opts `limitPerClass` takes the first K files of each class after sorting.
 * @returns The images in NHWC RGB order with their class labels.
 * @throws {Error} If the folder is missing or has no class sub-folders, a
 *   class has no image files, a file cannot be decoded (named), or an image's
 *   size differs from the first image's (both files and sizes named).
 */
export async function loadImageFolder(
  dir: string,
  opts: LoadImageFolderOptions = {},
): Promise<ImageSet> {
  const limit = opts.limitPerClass;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(
      `loadImageFolder: limitPerClass must be a positive integer, got ${limit}.`,
    );
  }
  let entries: Deno.DirEntry[];
  try {
    entries = await listDir(dir);
  } catch (err) {
    throw new Error(
      `Could not read image folder "${dir}": ${errorText(err)}. Pass a folder that holds ` +
        `one sub-folder per class.`,
      { cause: err },
    );
  }
  const classes: string[] = [];
  const files: { path: string; label: number }[] = [];
  for (const e of entries) {
    const classDir = join(dir, e.name);
    if (!(await isDirectory(classDir, e))) continue;
    const label = classes.length;
    classes.push(e.name);
    const names: string[] = [];
    for (const f of await listDir(classDir)) {
      if (IMAGE_EXT.test(f.name) && (await isFile(join(classDir, f.name), f))) names.push(f.name);
    }
    if (names.length === 0) {
      throw new Error(
        `Class folder "${classDir}" has no .png/.jpg/.jpeg files. Remove the folder or add ` +
          `its images.`,
      );
    }
    for (const name of names.slice(0, limit ?? names.length)) {
      files.push({ path: join(classDir, name), label });
    }
  }
  if (classes.length === 0) {
    throw new Error(
      `Image folder "${dir}" has no class sub-folders (${entries.length} other entries). ` +
        `Put each class's images in their own sub-folder: "${dir}/<class>/<image>.png".`,
    );
  }

  let images = new Uint8Array(0);
  let height = 0, width = 0, first = "";
  const labels = new Int32Array(files.length);
  for (let i = 0; i < files.length; i++) {
    const { path, label } = files[i]!;
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (err) {
      throw new Error(`Could not read image file "${path}": ${errorText(err)}.`, { cause: err });
    }
    const img = decodeRgb(bytes, path);
    if (i === 0) {
      // Allocated once the first image fixes the size, to avoid growing a buffer.
      height = img.height;
      width = img.width;
      first = path;
      images = new Uint8Array(files.length * height * width * 3);
    } else if (img.height !== height || img.width !== width) {
      throw new Error(
        `Image "${path}" is ${img.width}x${img.height} (width x height) but the first image ` +
          `"${first}" is ${width}x${height}; all images in an image folder must have the ` +
          `same size. Resize or remove the odd image.`,
      );
    }
    images.set(img.data, i * height * width * 3);
    labels[i] = label;
  }
  return {
    name: opts.name ?? dir,
    n: files.length,
    height,
    width,
    channels: 3,
    images,
    labels,
    classes,
  };
}

/**
 * Label that must accompany any result on the offline CIFAR-10 JPEG copy: it
 * is lossily re-encoded, so numbers on it are close to, not equal to, official
 * CIFAR-10 numbers.
 */
export const CIFAR10_JPEG_NOTE = "CIFAR-10 (JPEG copy)";

/**
 * Folder of the offline CIFAR-10 JPEG copy: `$SSL_BENCH_CIFAR10_JPEG` if set,
 * else `../shared/datasets/cifar10-jpeg` relative to the repository root (the
 * folder above `datasets/`).
 */
export function defaultCifar10JpegDir(): string {
  const env = Deno.env.get("SSL_BENCH_CIFAR10_JPEG");
  if (env) return env;
  const repoRoot = dirname(dirname(fileURLToPath(import.meta.url)));
  return resolve(repoRoot, "..", "shared", "datasets", "cifar10-jpeg");
}

/**
 * Loads one split of the offline CIFAR-10 JPEG copy, named
 * `"CIFAR-10 (JPEG copy) <split>"` so it is never mistaken for official CIFAR-10.
 *
 * @param split `"train"` (5000 per class) or `"test"` (1000 per class).
 * @param opts `dir` (default {@linkcode defaultCifar10JpegDir}) and `limitPerClass`.
 * @throws {Error} As {@linkcode loadImageFolder}, or if the class folders are
 *   not the ten CIFAR-10 classes or the images are not 32x32.
 */
export async function loadCifar10Jpeg(
  split: "train" | "test",
  opts: { dir?: string; limitPerClass?: number } = {},
): Promise<ImageSet> {
  const dir = join(opts.dir ?? defaultCifar10JpegDir(), split);
  const set = await loadImageFolder(dir, {
    limitPerClass: opts.limitPerClass,
    name: `${CIFAR10_JPEG_NOTE} ${split}`,
  });
  if (set.classes.join(",") !== CIFAR10_CLASSES.join(",")) {
    throw new Error(
      `"${dir}" has class folders [${set.classes.join(", ")}], expected the CIFAR-10 classes ` +
        `[${CIFAR10_CLASSES.join(", ")}]. Point SSL_BENCH_CIFAR10_JPEG at the cifar10-jpeg ` +
        `folder.`,
    );
  }
  if (set.height !== 32 || set.width !== 32) {
    throw new Error(
      `"${dir}" holds ${set.width}x${set.height} images; the CIFAR-10 JPEG copy is 32x32.`,
    );
  }
  return set;
}
