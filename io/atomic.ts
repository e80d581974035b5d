/**
 * Atomic file writes: write to a temporary file in the destination folder, then
 * rename it over the destination, so readers never see a half-written file.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

let counter = 0;

/**
 * Writes `data` to `path` atomically.
 *
 * The data is first written to a uniquely named temporary file in the same
 * folder as `path` (suffix built from the process id, a per-process counter and
 * `Date.now()`), then renamed onto `path`. Rename within one folder is atomic
 * on POSIX file systems, so a crash leaves either the old or the new content,
 * never a partial file. If anything fails, the temporary file is removed and
 * the error is rethrown with the destination path in its message.
 *
 * @param path Destination file path. Its parent folder must already exist.
 * @param data Bytes, or a string that is written as UTF-8.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  counter += 1;
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${Deno.pid}.${counter}.${Date.now()}.tmp`,
  );
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  try {
    await Deno.writeFile(tmp, bytes, { createNew: true });
    await Deno.rename(tmp, path);
  } catch (err) {
    try {
      await Deno.remove(tmp);
    } catch {
      // The temp file may never have been created; nothing to clean up.
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `writeFileAtomic: could not write "${path}" (via temp file "${tmp}"): ${reason}. ` +
        `Check that the folder "${dirname(path)}" exists and is writable.`,
      { cause: err },
    );
  }
}

/** Reads `path`, returning `undefined` when it does not exist (other errors propagate). */
export async function readFileIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await Deno.readFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}
