/**
 * Official CIFAR-10 loader (binary version, `cifar-10-binary.tar.gz`):
 * download with MD5 check, extraction into a cache, and exact parsing of the
 * batch files. For the offline lossy JPEG copy see `image_folder.ts`.
 *
 * @module
 */

import { join } from "node:path";
import { readFileIfExists, writeFileAtomic } from "../io/atomic.ts";
import { datasetCacheDir, DownloadError, fetchVerified, md5Hex } from "./download.ts";
import { CIFAR10_CLASSES, errorText, type ImageSet } from "./images.ts";
import { extractTarGz } from "./tar.ts";

export { CIFAR10_CLASSES } from "./images.ts";

/** Official download URL of the binary version. */
export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
/** MD5 of the official `cifar-10-binary.tar.gz`. */
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
/** Bytes per record: 1 label byte + 3 planes of 32x32. */
export const CIFAR10_RECORD_BYTES = 1 + 3 * 32 * 32;

const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILES = ["test_batch.bin"];
const META_FILE = "batches.meta.txt";
const ARCHIVE_DIR = "cifar-10-batches-bin";
const MANIFEST = ".extracted.json";

/** Options for {@linkcode loadCifar10}. */
export interface LoadCifar10Options {
  /** Which split: `"train"` (data_batch_1..5) or `"test"` (test_batch). */
  split: "train" | "test";
  /** `"download"` (default unless `dir` is given) or `"dir"` (extracted .bin files in `dir`). */
  source?: "download" | "dir";
  /** Folder holding `data_batch_*.bin`, `test_batch.bin` (and optionally `batches.meta.txt`). */
  dir?: string;
  /** Download cache; default `$XDG_CACHE_HOME/ssl-bench/cifar10` or `~/.cache/ssl-bench/cifar10`. */
  cacheDir?: string;
  /** Archive URL; default {@linkcode CIFAR10_URL}. Its last path part is the cache file name. */
  url?: string;
  /** Expected archive MD5; default {@linkcode CIFAR10_MD5}. Tests pass a fixture's MD5. */
  md5?: string;
  /**
   * Exact number of records each batch file must hold; default 10000 (official).
   * Only tests on small fixtures pass another value.
   */
  recordsPerBatch?: number;
  /** `fetch` implementation for downloads; tests may inject one. */
  fetch?: typeof fetch;
}

interface Manifest {
  archiveMd5: string;
  files: Record<string, { size: number; md5: string }>;
}

function defaultCacheDir(): string {
  return datasetCacheDir("cifar10", "a CIFAR-10", 'Pass loadCifar10({ cacheDir: "..." })');
}

/**
 * Parses one CIFAR-10 binary batch into NHWC RGB images and labels.
 *
 * @param bytes The file contents.
 * @param path File name for error messages.
 * @param records Exact record count expected (10000 for official batches).
 * @returns The images (`records * 32 * 32 * 3` bytes) and labels (0..9).
 * @throws {Error} If the size is not `records * 3073` or a label is above 9.
 */
export function parseCifar10Batch(
  bytes: Uint8Array,
  path: string,
  records: number,
): { images: Uint8Array; labels: Int32Array } {
  const expected = records * CIFAR10_RECORD_BYTES;
  if (bytes.length !== expected) {
    const why = bytes.length % CIFAR10_RECORD_BYTES === 0
      ? `${bytes.length / CIFAR10_RECORD_BYTES} records`
      : `not a multiple of the ${CIFAR10_RECORD_BYTES}-byte record size; truncated or corrupt`;
    throw new Error(
      `CIFAR-10 batch "${path}" has ${bytes.length} bytes (${why}), expected ${expected} ` +
        `(${records} records of ${CIFAR10_RECORD_BYTES} bytes). Delete it and download or ` +
        `extract it again.`,
    );
  }
  const images = new Uint8Array(records * 3072);
  const labels = new Int32Array(records);
  for (let r = 0; r < records; r++) {
    const o = r * CIFAR10_RECORD_BYTES;
    const label = bytes[o]!;
    if (label > 9) {
      throw new Error(
        `CIFAR-10 batch "${path}" has label ${label} in record ${r}; labels must be 0..9. ` +
          `Is this a CIFAR-100 file? Use the CIFAR-10 binary version.`,
      );
    }
    labels[r] = label;
    // Planes R, G, B of 1024 bytes each -> interleaved pixels.
    const out = r * 3072;
    for (let p = 0; p < 1024; p++) {
      images[out + p * 3] = bytes[o + 1 + p]!;
      images[out + p * 3 + 1] = bytes[o + 1 + 1024 + p]!;
      images[out + p * 3 + 2] = bytes[o + 1 + 2048 + p]!;
    }
  }
  return { images, labels };
}

function checkMeta(text: string, path: string): void {
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s !== "");
  if (names.join(",") !== CIFAR10_CLASSES.join(",")) {
    throw new Error(
      `CIFAR-10 class list "${path}" reads [${names.join(", ")}], expected ` +
        `[${CIFAR10_CLASSES.join(", ")}]. Check that the folder holds the CIFAR-10 binary version.`,
    );
  }
}

async function readRequired(path: string, hint: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    throw new Error(`Could not read CIFAR-10 file "${path}": ${errorText(err)}. ${hint}`, {
      cause: err,
    });
  }
}

function assemble(
  split: "train" | "test",
  batches: { bytes: Uint8Array; path: string }[],
  records: number,
): ImageSet {
  const n = batches.length * records;
  const images = new Uint8Array(n * 3072);
  const labels = new Int32Array(n);
  batches.forEach((b, i) => {
    const parsed = parseCifar10Batch(b.bytes, b.path, records);
    images.set(parsed.images, i * records * 3072);
    labels.set(parsed.labels, i * records);
  });
  return {
    name: `CIFAR-10 ${split}`,
    n,
    height: 32,
    width: 32,
    channels: 3,
    images,
    labels,
    classes: [...CIFAR10_CLASSES],
  };
}

async function loadFromDir(
  dir: string,
  split: "train" | "test",
  records: number,
): Promise<ImageSet> {
  const hint = `The folder must hold the extracted CIFAR-10 binary files ` +
    `${[...TRAIN_FILES, ...TEST_FILES].join(", ")}.`;
  const meta = await readFileIfExists(join(dir, META_FILE));
  if (meta !== undefined) checkMeta(new TextDecoder().decode(meta), join(dir, META_FILE));
  const batches = [];
  for (const f of split === "train" ? TRAIN_FILES : TEST_FILES) {
    const path = join(dir, f);
    batches.push({ bytes: await readRequired(path, hint), path });
  }
  return assemble(split, batches, records);
}

/**
 * Returns the folder of verified extracted `.bin` files in `cacheDir`,
 * downloading and extracting the archive if needed. A manifest with each
 * file's MD5 is written (atomically) only after every file was extracted, so
 * a cache without a valid manifest is re-extracted.
 */
async function ensureExtracted(opts: LoadCifar10Options, cacheDir: string): Promise<string> {
  const md5 = (opts.md5 ?? CIFAR10_MD5).toLowerCase();
  const url = opts.url ?? CIFAR10_URL;
  const slash = url.lastIndexOf("/");
  const name = url.slice(slash + 1);
  const outDir = join(cacheDir, ARCHIVE_DIR);
  const manifestPath = join(outDir, MANIFEST);
  const wanted = [...TRAIN_FILES, ...TEST_FILES, META_FILE];

  const manifestBytes = await readFileIfExists(manifestPath);
  if (manifestBytes !== undefined) {
    try {
      const m = JSON.parse(new TextDecoder().decode(manifestBytes)) as Manifest;
      if (m.archiveMd5 === md5 && wanted.every((f) => m.files[f] !== undefined)) {
        let ok = true;
        for (const f of wanted) {
          const bytes = await readFileIfExists(join(outDir, f));
          if (bytes === undefined || md5Hex(bytes) !== m.files[f]!.md5) ok = false;
        }
        if (ok) return outDir;
      }
    } catch {
      // An unreadable manifest just means: extract again.
    }
    await Deno.remove(manifestPath);
  }

  let archive: Uint8Array;
  try {
    archive = await fetchVerified({
      name,
      mirrors: [url.slice(0, slash + 1)],
      md5,
      cacheDir,
      fetch: opts.fetch,
    });
  } catch (err) {
    if (!(err instanceof DownloadError)) throw err;
    throw new Error(
      `${err.message}\nWithout internet access, download ${name} elsewhere and put it in ` +
        `"${cacheDir}", or use loadCifar10({ source: "dir", dir }) on extracted files; for ` +
        `offline checks on natural images there is the CIFAR-10 JPEG copy (loadCifar10Jpeg).`,
      { cause: err },
    );
  }
  const extracted = await extractTarGz(
    archive,
    outDir,
    (entry) => {
      const [top, file, ...rest] = entry.split("/");
      return top === ARCHIVE_DIR && file !== undefined && rest.length === 0 &&
          wanted.includes(file)
        ? file
        : undefined;
    },
  );
  const files: Manifest["files"] = {};
  for (const e of extracted) files[e.path.slice(outDir.length + 1)] = { size: e.size, md5: e.md5 };
  const missing = wanted.filter((f) => files[f] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `Archive "${join(cacheDir, name)}" lacks ${
        missing.map((f) => `${ARCHIVE_DIR}/${f}`)
          .join(", ")
      }; it is not the CIFAR-10 binary version. Check the URL ${url}.`,
    );
  }
  await writeFileAtomic(manifestPath, JSON.stringify({ archiveMd5: md5, files }, null, 1));
  return outDir;
}

/**
 * Loads one split of official CIFAR-10 (binary version): 50000 train or 10000
 * test 32x32 RGB images with labels 0..9.
 *
 * With `source: "download"` (default) the archive is fetched from `url`,
 * checked against its MD5, cached, and its `.bin` files are extracted into
 * `cacheDir/cifar-10-batches-bin` (each written atomically, plus a manifest of
 * their MD5s written last); later calls reuse the verified files without any
 * network access. With `source: "dir"`, extracted `.bin` files are read from
 * `dir`. Every batch must hold exactly `recordsPerBatch` (10000) records.
 *
 * @param opts Split and source; see {@linkcode LoadCifar10Options}.
 * @returns The split as an {@linkcode ImageSet} named `"CIFAR-10 <split>"`.
 * @throws {Error} Naming the file, for a failed download, a corrupt or
 *   truncated archive or batch (with expected and actual sizes), or a bad label.
 */
export async function loadCifar10(opts: LoadCifar10Options): Promise<ImageSet> {
  const records = opts.recordsPerBatch ?? 10000;
  if (!Number.isInteger(records) || records < 1) {
    throw new RangeError(
      `loadCifar10: recordsPerBatch must be a positive integer, got ${records}.`,
    );
  }
  if (opts.split !== "train" && opts.split !== "test") {
    throw new Error(
      `loadCifar10: unknown split ${JSON.stringify(opts.split)}; use "train" or "test".`,
    );
  }
  const source = opts.source ?? (opts.dir !== undefined ? "dir" : "download");
  if (source === "dir") {
    if (opts.dir === undefined) {
      throw new Error(`loadCifar10: source "dir" needs opts.dir, the folder of .bin files.`);
    }
    return await loadFromDir(opts.dir, opts.split, records);
  }
  if (source !== "download") {
    throw new Error(
      `loadCifar10: unknown source ${JSON.stringify(source)}; use "download" or "dir".`,
    );
  }
  const dir = await ensureExtracted(opts, opts.cacheDir ?? defaultCacheDir());
  return await loadFromDir(dir, opts.split, records);
}
