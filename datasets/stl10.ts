/**
 * STL-10 loader (binary version, `stl10_binary.tar.gz`): labelled train/test
 * splits with the 10 predefined train folds, the 100000-image unlabelled split
 * streamed in batches, and a streaming download + extraction of the 2.6 GB
 * archive.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { readFileIfExists, writeFileAtomic } from "../io/atomic.ts";
import { errorText, type ImageSet } from "./images.ts";
import { extractTarGz } from "./tar.ts";

/** The ten STL-10 class names in label order (as in `class_names.txt`). */
export const STL10_CLASSES: readonly string[] = [
  "airplane",
  "bird",
  "car",
  "cat",
  "deer",
  "dog",
  "horse",
  "monkey",
  "ship",
  "truck",
];
/** Official download URL of the binary version. */
export const STL10_URL = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz";
/** MD5 of the official `stl10_binary.tar.gz`. */
export const STL10_MD5 = "91f7769df0f17e558f3565bffb0c7dfb";
/** Image side length in pixels. */
export const STL10_SIZE = 96;
/** Bytes per image: 3 channel planes of 96x96, each stored column by column. */
export const STL10_IMAGE_BYTES = 3 * STL10_SIZE * STL10_SIZE;
/** Official image counts per split. */
export const STL10_COUNTS = { train: 5000, test: 8000, unlabeled: 100000 } as const;

const FILES = [
  "train_X.bin",
  "train_y.bin",
  "test_X.bin",
  "test_y.bin",
  "unlabeled_X.bin",
  "class_names.txt",
  "fold_indices.txt",
];
const ARCHIVE_DIR = "stl10_binary";
const MANIFEST = ".extracted.json";

/**
 * Converts `n` STL-10 images (per image: 3 planes, each column-major) to NHWC RGB row-major.
 */
export function stl10ToNhwc(src: Uint8Array, n: number): Uint8Array {
  const S = STL10_SIZE, plane = S * S;
  const out = new Uint8Array(n * STL10_IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    const base = i * STL10_IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const p = base + c * plane;
      // Source byte x*S + y is pixel (row y, column x).
      for (let x = 0; x < S; x++) {
        for (let y = 0; y < S; y++) out[base + (y * S + x) * 3 + c] = src[p + x * S + y]!;
      }
    }
  }
  return out;
}

async function readRequired(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    throw new Error(
      `Could not read STL-10 file "${path}": ${errorText(err)}. The folder must hold the ` +
        `extracted binary version (${FILES.join(", ")}); see fetchStl10.`,
      { cause: err },
    );
  }
}

async function readClasses(dir: string): Promise<string[]> {
  const path = join(dir, "class_names.txt");
  const bytes = await readFileIfExists(path);
  if (bytes === undefined) return [...STL10_CLASSES];
  const names = new TextDecoder().decode(bytes).split(/\r?\n/).map((s) => s.trim())
    .filter((s) => s !== "");
  if (names.length !== 10) {
    throw new Error(
      `STL-10 class list "${path}" has ${names.length} names, expected 10. Re-extract it.`,
    );
  }
  return names;
}

function parseFolds(text: string, path: string, n: number, official: boolean): Int32Array[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  if (lines.length !== 10) {
    throw new Error(`STL-10 folds file "${path}" has ${lines.length} lines, expected 10 folds.`);
  }
  return lines.map((line, f) => {
    const parts = line.trim().split(/\s+/);
    const fold = new Int32Array(parts.length);
    parts.forEach((s, k) => {
      const v = Number(s);
      if (!/^\d+$/.test(s) || v >= n) {
        throw new Error(
          `STL-10 folds file "${path}" line ${f + 1} has "${s}"; fold entries must be ` +
            `0-based train image indices 0..${n - 1}.`,
        );
      }
      fold[k] = v;
    });
    if (official && fold.length !== 1000) {
      throw new Error(
        `STL-10 folds file "${path}" line ${f + 1} has ${fold.length} indices, expected 1000.`,
      );
    }
    return fold;
  });
}

/** Options for {@linkcode loadStl10}. */
export interface LoadStl10Options {
  /** `"train"` (5000 images, with folds) or `"test"` (8000). */
  split: "train" | "test";
  /** Folder holding the extracted files (`train_X.bin`, ...), e.g. from {@linkcode fetchStl10}. */
  dir: string;
  /** Exact image count expected; default the official count. Only tests pass another. */
  n?: number;
}

/**
 * Loads a labelled STL-10 split: 96x96 RGB images (transposed from the
 * column-major planes to NHWC row-major) with labels converted from 1..10 to
 * 0..9; for `"train"` also the 10 predefined folds of train indices.
 *
 * @param opts Split, folder and (for tests) the expected count.
 * @returns The split, named `"STL-10 <split>"`, plus `folds` for train.
 * @throws {Error} Naming the file, if one is missing, has the wrong size
 *   (expected and actual bytes), a label outside 1..10, or bad folds.
 */
export async function loadStl10(
  opts: LoadStl10Options,
): Promise<ImageSet & { folds?: Int32Array[] }> {
  const { split, dir } = opts;
  if (split !== "train" && split !== "test") {
    throw new Error(`loadStl10: unknown split ${JSON.stringify(split)}; use "train" or "test".`);
  }
  const n = opts.n ?? STL10_COUNTS[split];
  const official = opts.n === undefined;
  const xPath = join(dir, `${split}_X.bin`);
  const yPath = join(dir, `${split}_y.bin`);
  const x = await readRequired(xPath);
  if (x.length !== n * STL10_IMAGE_BYTES) {
    throw new Error(
      `STL-10 images file "${xPath}" has ${x.length} bytes, expected ${n * STL10_IMAGE_BYTES} ` +
        `(${n} images of ${STL10_IMAGE_BYTES} bytes); it is truncated or corrupt. Re-extract it.`,
    );
  }
  const y = await readRequired(yPath);
  if (y.length !== n) {
    throw new Error(
      `STL-10 labels file "${yPath}" has ${y.length} bytes, expected ${n} (one per image). ` +
        `Re-extract it.`,
    );
  }
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = y[i]!;
    if (v < 1 || v > 10) {
      throw new Error(
        `STL-10 labels file "${yPath}" has label ${v} at index ${i}; labels must be 1..10.`,
      );
    }
    labels[i] = v - 1;
  }
  const set: ImageSet & { folds?: Int32Array[] } = {
    name: `STL-10 ${split}`,
    n,
    height: STL10_SIZE,
    width: STL10_SIZE,
    channels: 3,
    images: stl10ToNhwc(x, n),
    labels,
    classes: await readClasses(dir),
  };
  if (split === "train") {
    const fPath = join(dir, "fold_indices.txt");
    set.folds = parseFolds(new TextDecoder().decode(await readRequired(fPath)), fPath, n, official);
  }
  return set;
}

/**
 * Streams `unlabeled_X.bin` in batches through a file handle, so the 2.7 GB
 * file is never held in memory. Each batch is an {@linkcode ImageSet} with
 * labels -1.
 *
 * @param dir Folder holding `unlabeled_X.bin`.
 * @param opts `batch` images per yield; `limit` stops after that many images.
 * @throws {Error} If the file is missing or its size is not a whole number of images.
 */
export async function* streamStl10Unlabeled(
  dir: string,
  opts: { batch: number; limit?: number },
): AsyncGenerator<ImageSet> {
  const { batch } = opts;
  if (!Number.isInteger(batch) || batch < 1) {
    throw new RangeError(`streamStl10Unlabeled: batch must be a positive integer, got ${batch}.`);
  }
  const path = join(dir, "unlabeled_X.bin");
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (err) {
    throw new Error(
      `Could not open STL-10 file "${path}": ${errorText(err)}. See fetchStl10.`,
      { cause: err },
    );
  }
  try {
    const size = (await file.stat()).size;
    if (size % STL10_IMAGE_BYTES !== 0 || size === 0) {
      throw new Error(
        `STL-10 unlabeled file "${path}" has ${size} bytes, not a whole number of ` +
          `${STL10_IMAGE_BYTES}-byte images (official: ${
            STL10_COUNTS.unlabeled * STL10_IMAGE_BYTES
          }` +
          ` bytes); it is truncated or corrupt. Re-extract it.`,
      );
    }
    const total = Math.min(size / STL10_IMAGE_BYTES, opts.limit ?? Infinity);
    const classes = [...STL10_CLASSES];
    const buf = new Uint8Array(batch * STL10_IMAGE_BYTES);
    for (let start = 0; start < total; start += batch) {
      const count = Math.min(batch, total - start);
      const want = count * STL10_IMAGE_BYTES;
      let got = 0;
      while (got < want) {
        const r = await file.read(buf.subarray(got, want));
        if (r === null) {
          throw new Error(
            `STL-10 unlabeled file "${path}" ended early at image ${start} (it shrank while ` +
              `being read?).`,
          );
        }
        got += r;
      }
      yield {
        name: `STL-10 unlabeled [${start}, ${start + count})`,
        n: count,
        height: STL10_SIZE,
        width: STL10_SIZE,
        channels: 3,
        images: stl10ToNhwc(buf, count),
        labels: new Int32Array(count).fill(-1),
        classes,
      };
    }
  } finally {
    file.close();
  }
}

let tmpCounter = 0;

/**
 * Downloads `url` into `path` streaming (never holding the file in memory),
 * hashing on the way; the file appears under `path` only if the MD5 matches.
 */
async function downloadVerified(
  url: string,
  path: string,
  md5: string,
  doFetch: typeof fetch,
): Promise<void> {
  tmpCounter += 1;
  const tmp = `${path}.${Deno.pid}.${tmpCounter}.${Date.now()}.tmp`;
  let file: Deno.FsFile | undefined;
  try {
    const res = await doFetch(url);
    if (!res.ok || res.body === null) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} ${res.statusText}`.trimEnd());
    }
    file = await Deno.open(tmp, { write: true, createNew: true });
    const hash = createHash("md5");
    let bytes = 0;
    for await (const chunk of res.body) {
      hash.update(chunk);
      bytes += chunk.length;
      let o = 0;
      while (o < chunk.length) o += await file.write(chunk.subarray(o));
    }
    file.close();
    file = undefined;
    const actual = hash.digest("hex");
    if (actual !== md5) {
      throw new Error(`MD5 mismatch: expected ${md5}, got ${actual} (${bytes} bytes)`);
    }
    await Deno.rename(tmp, path);
  } catch (err) {
    file?.close();
    await Deno.remove(tmp).catch(() => {});
    throw new Error(
      `Could not download STL-10 from ${url}: ${errorText(err)}. Check the connection or ` +
        `the URL; no file was left at "${path}". Without internet access, put ` +
        `stl10_binary.tar.gz there yourself.`,
      { cause: err },
    );
  }
}

async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  using file = await Deno.open(path, { read: true });
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Makes sure the extracted STL-10 binary files are in `cacheDir/stl10_binary`
 * and returns that folder (for {@linkcode loadStl10} and
 * {@linkcode streamStl10Unlabeled}). The archive is downloaded streaming to
 * `cacheDir/stl10_binary.tar.gz` (MD5-checked, renamed into place only when
 * verified; an existing copy is re-checked), then extracted streaming: each
 * file is written to a temp file and renamed when complete, and a manifest of
 * sizes is written last; a folder with a valid manifest and matching sizes is
 * reused without network access.
 *
 * @param cacheDir Cache folder; created if missing.
 * @param url Archive URL; default {@linkcode STL10_URL}.
 * @param opts `md5` (default {@linkcode STL10_MD5}; tests pass a fixture's) and `fetch`.
 * @returns The folder of extracted files.
 * @throws {Error} For a failed download (URL and reason), MD5 mismatch, or a
 *   corrupt/truncated archive (named).
 */
export async function fetchStl10(
  cacheDir: string,
  url: string = STL10_URL,
  opts: { md5?: string; fetch?: typeof fetch } = {},
): Promise<string> {
  const md5 = (opts.md5 ?? STL10_MD5).toLowerCase();
  const outDir = join(cacheDir, ARCHIVE_DIR);
  const manifestPath = join(outDir, MANIFEST);
  const manifest = await readFileIfExists(manifestPath);
  if (manifest !== undefined) {
    try {
      const m = JSON.parse(new TextDecoder().decode(manifest)) as {
        archiveMd5: string;
        files: Record<string, number>;
      };
      let ok = m.archiveMd5 === md5 && FILES.every((f) => m.files[f] !== undefined);
      // Sizes, not MD5s: re-hashing 3 GB on every load would cost more than the load.
      for (const f of FILES) {
        if (!ok) break;
        const st = await Deno.stat(join(outDir, f)).catch(() => undefined);
        ok = st !== undefined && st.size === m.files[f];
      }
      if (ok) return outDir;
    } catch {
      // Unreadable manifest: extract again.
    }
    await Deno.remove(manifestPath);
  }

  await Deno.mkdir(cacheDir, { recursive: true });
  const archive = join(cacheDir, url.slice(url.lastIndexOf("/") + 1) || "stl10_binary.tar.gz");
  const have = await Deno.stat(archive).then(() => true, () => false);
  if (!have || (await md5OfFile(archive)) !== md5) {
    if (have) await Deno.remove(archive);
    await downloadVerified(url, archive, md5, opts.fetch ?? fetch);
  }
  const extracted = await extractTarGz(archive, outDir, (entry) => {
    const [top, file, ...rest] = entry.split("/");
    return top === ARCHIVE_DIR && file !== undefined && rest.length === 0 && FILES.includes(file)
      ? file
      : undefined;
  });
  const files: Record<string, number> = {};
  for (const e of extracted) files[e.path.slice(outDir.length + 1)] = e.size;
  const missing = FILES.filter((f) => files[f] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `Archive "${archive}" lacks ${missing.map((f) => `${ARCHIVE_DIR}/${f}`).join(", ")}; it ` +
        `is not the STL-10 binary version. Check the URL ${url}.`,
    );
  }
  await writeFileAtomic(manifestPath, JSON.stringify({ archiveMd5: md5, files }, null, 1));
  return outDir;
}
