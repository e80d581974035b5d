/**
 * A small streaming reader (and a writer, for test fixtures) for tar archives,
 * enough for the official CIFAR-10 and STL-10 `.tar.gz` files: ustar/GNU/pax
 * regular files, GNU long names and pax `path`/`size` records. Entries are
 * streamed chunk by chunk, so multi-gigabyte members never sit in memory.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { errorText } from "./images.ts";

/** Thrown when an archive is not valid tar or is truncated. */
export class TarError extends Error {
  /**
   * @param message What is wrong with the archive and how to fix it.
   */
  constructor(message: string) {
    super(message);
    this.name = "TarError";
  }
}

/** One archive member's header. */
export interface TarHeader {
  /** Path inside the archive, e.g. `cifar-10-batches-bin/data_batch_1.bin`. */
  name: string;
  /** Size of the member's data in bytes. */
  size: number;
  /** `"file"` for regular files, `"directory"`, or `"other"` (links, devices...). */
  type: "file" | "directory" | "other";
}

/** Receives one member's bytes, in order; `close` is called after the last chunk. */
export interface TarSink {
  /** Called with consecutive pieces of the member's data. */
  write(chunk: Uint8Array): Promise<void> | void;
  /** Called once all `size` bytes were written. */
  close(): Promise<void> | void;
}

const BLOCK = 512;
const decoder = new TextDecoder();

/** Pulls exact byte counts out of an async stream of arbitrary chunks. */
class ByteReader {
  #it: AsyncIterator<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #off = 0;
  /** Bytes consumed so far (offset in the uncompressed archive). */
  pos = 0;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<boolean> {
    while (this.#off >= this.#buf.length) {
      const r = await this.#it.next();
      if (r.done) return false;
      this.#buf = r.value;
      this.#off = 0;
    }
    return true;
  }

  /** Passes up to `n` bytes to `fn` without copying; returns how many there were. */
  async pipe(n: number, fn?: (chunk: Uint8Array) => Promise<void> | void): Promise<number> {
    let done = 0;
    while (done < n && (await this.#fill())) {
      const take = Math.min(n - done, this.#buf.length - this.#off);
      const chunk = this.#buf.subarray(this.#off, this.#off + take);
      this.#off += take;
      this.pos += take;
      done += take;
      if (fn) await fn(chunk);
    }
    return done;
  }

  /** Reads up to `n` bytes into a new array (shorter only at end of stream). */
  async read(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    await this.pipe(n, (c) => {
      out.set(c, got);
      got += c.length;
    });
    return out.subarray(0, got);
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
}

function parseNumber(field: Uint8Array): number {
  // GNU base-256: high bit of the first byte set, big-endian binary follows.
  if ((field[0]! & 0x80) !== 0) {
    let v = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) v = v * 256 + field[i]!;
    return v;
  }
  const text = cString(field).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) return NaN;
  return parseInt(text, 8);
}

function parsePax(data: Uint8Array): Map<string, string> {
  const out = new Map<string, string>();
  const text = decoder.decode(data);
  let i = 0;
  while (i < text.length) {
    const sp = text.indexOf(" ", i);
    if (sp < 0) break;
    const len = parseInt(text.slice(i, sp), 10);
    if (!(len > 0)) break;
    // Lengths count bytes; the records we use (path, size) are ASCII in practice.
    const rec = text.slice(sp + 1, i + len - 1);
    const eq = rec.indexOf("=");
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    i += len;
  }
  return out;
}

/**
 * Reads a tar archive from `source` and hands each member to `onEntry`; if it
 * returns a sink, the member's data is streamed into it, else skipped. Header
 * checksums are verified, and a truncated archive (a short header or member,
 * or no end-of-archive marker) is an error. After the end marker the rest of
 * `source` is drained, so a gzip layer below can check its trailer.
 *
 * @param source The uncompressed archive bytes, in chunks of any size.
 * @param label Archive name used in error messages.
 * @param onEntry Called per member (file, directory or other).
 * @throws {TarError} If the archive is corrupt or truncated.
 */
export async function walkTar(
  source: AsyncIterable<Uint8Array>,
  label: string,
  onEntry: (header: TarHeader) => TarSink | undefined | Promise<TarSink | undefined>,
): Promise<void> {
  const r = new ByteReader(source);
  let longName: string | undefined;
  let pax = new Map<string, string>();
  for (;;) {
    const at = r.pos;
    const block = await r.read(BLOCK);
    if (block.length === 0) {
      throw new TarError(
        `Tar archive "${label}" ends at byte ${at} without an end-of-archive marker; it is ` +
          `truncated. Delete it and download it again.`,
      );
    }
    if (block.length < BLOCK) {
      throw new TarError(
        `Tar archive "${label}" is truncated: a header at byte ${at} has only ` +
          `${block.length} of ${BLOCK} bytes. Delete it and download it again.`,
      );
    }
    if (block.every((b) => b === 0)) {
      await r.pipe(Number.MAX_SAFE_INTEGER);
      return;
    }
    const stored = parseNumber(block.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
    if (stored !== sum) {
      throw new TarError(
        `Tar archive "${label}" has a corrupt header at byte ${at} (checksum ${stored}, ` +
          `computed ${sum}); the file is damaged or not a tar archive. Delete it and download ` +
          `it again.`,
      );
    }
    const typeflag = String.fromCharCode(block[156]!);
    let name = cString(block.subarray(0, 100));
    if (cString(block.subarray(257, 263)) === "ustar") {
      const prefix = cString(block.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    let size = parseNumber(block.subarray(124, 136));
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new TarError(
        `Tar archive "${label}" has a bad size field in the header at byte ${at}.`,
      );
    }
    if (longName !== undefined) name = longName;
    if (pax.has("path")) name = pax.get("path")!;
    if (pax.has("size")) size = Number(pax.get("size"));
    longName = undefined;
    pax = new Map();

    const truncated = (got: number): TarError =>
      new TarError(
        `Tar archive "${label}" is truncated: member "${name}" declares ${size} bytes but ` +
          `only ${got} remain. Delete it and download it again.`,
      );
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === "L" || typeflag === "x" || typeflag === "g") {
      const data = await r.read(size);
      if (data.length < size) throw truncated(data.length);
      if (await r.pipe(padded - size) < padded - size) throw truncated(size);
      if (typeflag === "L") longName = cString(data);
      else if (typeflag === "x") pax = parsePax(data);
      continue;
    }
    const type = typeflag === "0" || typeflag === "\0" || typeflag === "7"
      ? "file"
      : typeflag === "5"
      ? "directory"
      : "other";
    const sink = await onEntry({ name, size, type });
    const got = await r.pipe(size, sink ? (c) => sink.write(c) : undefined);
    if (got < size) throw truncated(got);
    if (await r.pipe(padded - size) < padded - size) throw truncated(size);
    if (sink) await sink.close();
  }
}

/**
 * Encodes files as a ustar archive (with the two zero end blocks); used to
 * build test fixtures in the official layout.
 *
 * @param entries Members in order; names up to 100 bytes.
 * @returns The archive bytes.
 */
export function encodeTar(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (const { name, data } of entries) {
    const h = new Uint8Array(BLOCK);
    const nameBytes = enc.encode(name);
    if (nameBytes.length > 100) throw new RangeError(`encodeTar: name too long: ${name}`);
    h.set(nameBytes, 0);
    const octal = (v: number, len: number) => enc.encode(v.toString(8).padStart(len - 1, "0"));
    h.set(octal(0o644, 8), 100);
    h.set(octal(0, 8), 108);
    h.set(octal(0, 8), 116);
    h.set(octal(data.length, 12), 124);
    h.set(octal(0, 12), 136);
    h[156] = "0".charCodeAt(0);
    h.set(enc.encode("ustar\x0000"), 257);
    h.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.set(enc.encode(sum.toString(8).padStart(6, "0") + "\0 "), 148);
    parts.push(h, data, new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK));
  }
  parts.push(new Uint8Array(2 * BLOCK));
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A member written by {@linkcode extractTarGz}. */
export interface ExtractedFile {
  /** Path inside the archive. */
  entry: string;
  /** Where it was written. */
  path: string;
  /** Its size in bytes. */
  size: number;
  /** Its MD5 (hex), computed while writing. */
  md5: string;
}

let tmpCounter = 0;

/**
 * Streams a `.tar.gz` (a file path or bytes in memory) and writes the members
 * that `select` names into `destDir`. Each member goes to a temp file in
 * `destDir` and is renamed to its final name only when complete, so an error
 * (corrupt gzip, truncated archive, full disk) never leaves a partial file
 * under a final name; the temp file of the member being written is removed.
 *
 * @param archive Path of the `.tar.gz` file, or its bytes.
 * @param destDir Output folder; created if missing.
 * @param select Returns the output file name for a member path, or undefined to skip it.
 * @returns The written members, in archive order.
 * @throws {TarError | Error} Naming the archive, if it is corrupt or truncated.
 */
export async function extractTarGz(
  archive: string | Uint8Array,
  destDir: string,
  select: (entry: string) => string | undefined,
): Promise<ExtractedFile[]> {
  const label = typeof archive === "string" ? archive : "(in-memory .tar.gz)";
  await Deno.mkdir(destDir, { recursive: true });
  const raw: ReadableStream<BufferSource> = typeof archive === "string"
    ? (await Deno.open(archive, { read: true })).readable
    : ReadableStream.from([archive as BufferSource]);
  const source = raw.pipeThrough(new DecompressionStream("gzip"));
  const done: ExtractedFile[] = [];
  let open: { file: Deno.FsFile; tmp: string } | undefined;
  try {
    await walkTar(source, label, async (h) => {
      if (h.type !== "file") return undefined;
      const outName = select(h.name);
      if (outName === undefined) return undefined;
      const path = join(destDir, outName);
      tmpCounter += 1;
      const tmp = join(
        destDir,
        `.${basename(outName)}.${Deno.pid}.${tmpCounter}.${Date.now()}.tmp`,
      );
      const file = await Deno.open(tmp, { write: true, createNew: true });
      open = { file, tmp };
      const hash = createHash("md5");
      return {
        async write(chunk: Uint8Array) {
          hash.update(chunk);
          let o = 0;
          while (o < chunk.length) o += await file.write(chunk.subarray(o));
        },
        async close() {
          file.close();
          open = undefined;
          await Deno.rename(tmp, path);
          done.push({ entry: h.name, path, size: h.size, md5: hash.digest("hex") });
        },
      };
    });
  } catch (err) {
    if (open) {
      try {
        open.file.close();
      } catch {
        // Already closed.
      }
      await Deno.remove(open.tmp).catch(() => {});
    }
    if (err instanceof TarError) throw err;
    throw new Error(
      `Could not extract "${label}" into "${destDir}": ${errorText(err)}. If the archive is ` +
        `corrupt or truncated, delete it and download it again.`,
      { cause: err },
    );
  }
  return done;
}
