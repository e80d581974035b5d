/**
 * Generic download-verify-cache helpers for dataset files (MNIST, CIFAR-10,
 * STL-10): verified fetches and the default cache folder.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { readFileIfExists, writeFileAtomic } from "../io/atomic.ts";

/**
 * Hex MD5 digest of `bytes`.
 *
 * @param bytes The data to hash.
 * @returns 32 lowercase hex digits.
 */
export function md5Hex(bytes: Uint8Array): string {
  return createHash("md5").update(bytes).digest("hex");
}

/** One mirror that {@linkcode fetchVerified} tried, and why it failed. */
export interface MirrorFailure {
  /** The full URL that was fetched. */
  url: string;
  /** Human-readable reason (HTTP status, network error or MD5 mismatch). */
  reason: string;
}

/** Thrown by {@linkcode fetchVerified} when no mirror gave a file with the right MD5. */
export class DownloadError extends Error {
  /** Name of the file that could not be downloaded. */
  readonly file: string;
  /** Every mirror tried, in order, with the reason it failed. */
  readonly failures: readonly MirrorFailure[];

  /**
   * @param file Name of the file that could not be downloaded.
   * @param failures Every mirror tried, in order, with the reason it failed.
   * @param message What went wrong and how to fix it.
   */
  constructor(file: string, failures: readonly MirrorFailure[], message: string) {
    super(message);
    this.name = "DownloadError";
    this.file = file;
    this.failures = failures;
  }
}

/** Options for {@linkcode fetchVerified}. */
export interface FetchVerifiedOptions {
  /** File name: appended to each mirror URL and used as the cache file name. */
  name: string;
  /** Base URLs tried in order; a missing trailing `/` is added. */
  mirrors: string[];
  /** Expected MD5 (hex) of the file exactly as downloaded. */
  md5: string;
  /** Folder where the verified file is cached as `cacheDir/name`; created if missing. */
  cacheDir: string;
  /** `fetch` implementation (default: the global one); tests inject a fake. */
  fetch?: typeof fetch;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Returns the bytes of file `name`, verified against `md5`, downloading it if
 * no verified copy is cached.
 *
 * If `cacheDir/name` exists and its MD5 matches, it is returned without any
 * network access. Otherwise the mirrors are tried in order: each response must
 * be HTTP 2xx and have the expected MD5, else the next mirror is tried. The
 * first verified download is written to `cacheDir/name` atomically (temp file
 * + rename), so an interrupted or failed download never leaves a file under
 * the final name. A cached file with the wrong MD5 is deleted before the
 * mirrors are tried.
 *
 * @param opts What to download, from where, and where to cache it.
 * @returns The verified file bytes.
 * @throws {DownloadError} If every mirror failed; the message lists each
 *   mirror URL with its reason.
 */
export async function fetchVerified(opts: FetchVerifiedOptions): Promise<Uint8Array> {
  const { name, mirrors, md5, cacheDir } = opts;
  const doFetch = opts.fetch ?? fetch;
  const expected = md5.toLowerCase();
  const cachePath = join(cacheDir, name);

  const cached = await readFileIfExists(cachePath);
  if (cached !== undefined) {
    if (md5Hex(cached) === expected) return cached;
    // A corrupt cached copy must not survive under the final name.
    await Deno.remove(cachePath);
  }

  const failures: MirrorFailure[] = [];
  for (const mirror of mirrors) {
    const url = (mirror.endsWith("/") ? mirror : mirror + "/") + name;
    let bytes: Uint8Array;
    try {
      const res = await doFetch(url);
      if (!res.ok) {
        await res.body?.cancel();
        failures.push({ url, reason: `HTTP ${res.status} ${res.statusText}`.trimEnd() });
        continue;
      }
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      failures.push({ url, reason: `request failed: ${errorText(err)}` });
      continue;
    }
    const actual = md5Hex(bytes);
    if (actual !== expected) {
      failures.push({
        url,
        reason: `MD5 mismatch: expected ${expected}, got ${actual} (${bytes.length} bytes)`,
      });
      continue;
    }
    await Deno.mkdir(cacheDir, { recursive: true });
    await writeFileAtomic(cachePath, bytes);
    return bytes;
  }

  const listing = failures.length === 0
    ? "  (no mirrors were given)"
    : failures.map((f) => `  - ${f.url}: ${f.reason}`).join("\n");
  throw new DownloadError(
    name,
    failures,
    `Could not download "${name}" (expected MD5 ${expected}) from any mirror:\n${listing}\n` +
      `Check your internet connection or pass other mirrors; no file was left at ` +
      `"${cachePath}".`,
  );
}

/**
 * The default download cache of data set `name`: `$XDG_CACHE_HOME/ssl-bench/<name>`, else
 * `~/.cache/ssl-bench/<name>`. Throws when neither variable is set, naming `label` and how to pass
 * a folder instead (`fix`).
 */
export function datasetCacheDir(name: string, label: string, fix: string): string {
  const xdg = Deno.env.get("XDG_CACHE_HOME");
  if (xdg) return join(xdg, "ssl-bench", name);
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
  if (home) return join(home, ".cache", "ssl-bench", name);
  throw new Error(
    `Cannot choose ${label} cache folder: neither XDG_CACHE_HOME nor HOME is set. ${fix}.`,
  );
}
