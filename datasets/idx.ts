/**
 * Reader and writer for the IDX file format used by MNIST.
 *
 * An IDX file is big-endian: a 4-byte magic number `0x0000TTNN` (TT = element
 * type, NN = number of dimensions), then one uint32 per dimension, then the
 * elements in row-major order. Only the two variants MNIST uses are supported:
 * unsigned bytes with 1 dimension (labels, magic `0x00000801`) and unsigned
 * bytes with 3 dimensions (images, magic `0x00000803`).
 *
 * @module
 */

/** An n-dimensional array of unsigned bytes, as stored in an IDX file. */
export interface IdxArray {
  /** Size of each dimension, outermost first (e.g. `[n, 28, 28]` for images). */
  dims: number[];
  /** The elements in row-major order; `data.length` equals the product of `dims`. */
  data: Uint8Array;
}

/** Thrown when bytes are not a valid IDX file of the supported kinds. */
export class IdxError extends Error {
  /** Name of the offending file, as passed to {@linkcode parseIdx}. */
  readonly file: string;

  /**
   * @param file Name of the offending file.
   * @param message What is wrong and how to fix it.
   */
  constructor(file: string, message: string) {
    super(message);
    this.name = "IdxError";
    this.file = file;
  }
}

const MAGIC_LABELS = 0x00000801;
const MAGIC_IMAGES = 0x00000803;

const KIND_OF_MAGIC: ReadonlyMap<number, "labels" | "images"> = new Map([
  [MAGIC_LABELS, "labels"],
  [MAGIC_IMAGES, "images"],
]);

const MAGIC_OF_KIND = { labels: MAGIC_LABELS, images: MAGIC_IMAGES } as const;

function hex32(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}

function describeMagic(kind: "labels" | "images"): string {
  const ndims = kind === "labels" ? 1 : 3;
  return `${hex32(MAGIC_OF_KIND[kind])} (${kind}: unsigned byte, ${ndims} dim${
    ndims === 1 ? "" : "s"
  })`;
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * Parses an IDX file of unsigned bytes with 1 (labels) or 3 (images) dimensions.
 *
 * The returned `data` is a view into `bytes` (no copy), so it stays valid only
 * as long as `bytes` is not modified.
 *
 * @param bytes The whole file content (uncompressed).
 * @param name File name used in error messages.
 * @param expect If given, the kind of file required; a file of the other kind is rejected.
 * @returns The dimensions and a view of the element bytes.
 * @throws {IdxError} If the file is truncated, has trailing bytes, has an
 *   unsupported magic number, or is not of the `expect`ed kind.
 */
export function parseIdx(
  bytes: Uint8Array,
  name: string,
  expect?: "labels" | "images",
): IdxArray {
  const fix = "Re-download or regenerate the file (delete it from any cache folder first).";
  if (bytes.length < 4) {
    throw new IdxError(
      name,
      `IDX file "${name}" is truncated: it has ${bytes.length} bytes, fewer than the 4-byte ` +
        `magic number of its header. ${fix}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const kind = KIND_OF_MAGIC.get(magic);
  if (kind === undefined) {
    const allowed = expect === undefined
      ? `${describeMagic("labels")} or ${describeMagic("images")}`
      : describeMagic(expect);
    const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b
      ? " The file starts with the gzip signature 1f 8b: decompress it (gunzip) first."
      : "";
    throw new IdxError(
      name,
      `IDX file "${name}" has wrong magic number ${hex32(magic)}; expected ${allowed}.` +
        `${gzip} Check that "${name}" really is an uncompressed IDX file. ${fix}`,
    );
  }
  if (expect !== undefined && kind !== expect) {
    throw new IdxError(
      name,
      `IDX file "${name}" holds ${kind} (magic ${hex32(magic)}) but ${expect} ` +
        `(magic ${hex32(MAGIC_OF_KIND[expect])}) were expected. Check that the image and label ` +
        `file names are not swapped.`,
    );
  }
  const ndims = magic & 0xff;
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw new IdxError(
      name,
      `IDX file "${name}" is truncated: it has ${bytes.length} bytes, fewer than its ` +
        `${headerLength}-byte header (magic + ${ndims} dimension sizes). ${fix}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const expected = product(dims);
  const actual = bytes.length - headerLength;
  if (actual !== expected) {
    const problem = actual < expected
      ? `is truncated: ${expected - actual} bytes are missing`
      : `has ${actual - expected} trailing bytes after the data`;
    throw new IdxError(
      name,
      `IDX file "${name}" ${problem}; dims [${dims.join(", ")}] need ${expected} data bytes ` +
        `after the ${headerLength}-byte header, but ${actual} are present. ${fix}`,
    );
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/**
 * Encodes an array as an IDX file (inverse of {@linkcode parseIdx}).
 *
 * @param arr A labels array (1 dimension) or an images array (3 dimensions).
 * @returns The complete file content.
 * @throws {RangeError} If `arr.dims` has neither 1 nor 3 entries, a dimension is
 *   not a uint32, or `arr.data.length` does not equal the product of `arr.dims`.
 */
export function encodeIdx(arr: IdxArray): Uint8Array {
  const { dims, data } = arr;
  if (dims.length !== 1 && dims.length !== 3) {
    throw new RangeError(
      `encodeIdx: dims [${dims.join(", ")}] have ${dims.length} entries; only 1 (labels) or ` +
        `3 (images) dimensions are supported.`,
    );
  }
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new RangeError(
        `encodeIdx: dimension ${d} in [${dims.join(", ")}] is not an integer in [0, 2^32).`,
      );
    }
  }
  const expected = product(dims);
  if (data.length !== expected) {
    throw new RangeError(
      `encodeIdx: dims [${dims.join(", ")}] need ${expected} data bytes but data has ` +
        `${data.length}; make the data length match the dims.`,
    );
  }
  const headerLength = 4 + 4 * dims.length;
  const out = new Uint8Array(headerLength + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, dims.length === 1 ? MAGIC_LABELS : MAGIC_IMAGES, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, headerLength);
  return out;
}
