import assert from "node:assert/strict";
import { encodeIdx, IdxError, parseIdx } from "./idx.ts";

const images = { dims: [2, 3, 4], data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };
const labels = { dims: [5], data: new Uint8Array([7, 2, 1, 0, 4]) };

/** Asserts that `fn` throws an IdxError whose message contains every fragment. */
function assertIdxError(fn: () => unknown, file: string, ...fragments: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof IdxError, `expected IdxError, got ${err}`);
    assert.equal(err.file, file);
    assert.ok(err.message.includes(`"${file}"`), `message should name the file: ${err.message}`);
    for (const f of fragments) {
      assert.ok(err.message.includes(f), `message should contain "${f}": ${err.message}`);
    }
    return true;
  });
}

Deno.test("encodeIdx then parseIdx round-trips images and labels", () => {
  const imgBytes = encodeIdx(images);
  assert.equal(imgBytes.length, 16 + 24);
  assert.deepEqual([...imgBytes.subarray(0, 4)], [0, 0, 8, 3]);
  const img = parseIdx(imgBytes, "img", "images");
  assert.deepEqual(img.dims, [2, 3, 4]);
  assert.deepEqual(img.data, images.data);

  const lblBytes = encodeIdx(labels);
  assert.deepEqual([...lblBytes.subarray(0, 8)], [0, 0, 8, 1, 0, 0, 0, 5]);
  const lbl = parseIdx(lblBytes, "lbl");
  assert.deepEqual(lbl.dims, [5]);
  assert.deepEqual(lbl.data, labels.data);
});

Deno.test("parseIdx returns a view into the input instead of a copy", () => {
  const bytes = encodeIdx(labels);
  const { data } = parseIdx(bytes, "lbl", "labels");
  assert.equal(data.buffer, bytes.buffer);
  assert.equal(data.byteOffset, 8);
});

Deno.test("parseIdx handles input that is itself a subarray of a larger buffer", () => {
  const inner = encodeIdx(labels);
  const outer = new Uint8Array(inner.length + 6);
  outer.set(inner, 3);
  const { dims, data } = parseIdx(outer.subarray(3, 3 + inner.length), "lbl");
  assert.deepEqual(dims, [5]);
  assert.deepEqual(data, labels.data);
});

Deno.test("parseIdx rejects a wrong magic number and says which magics are expected", () => {
  const bytes = encodeIdx(labels);
  bytes[2] = 0x0d; // float type
  assertIdxError(
    () => parseIdx(bytes, "weird.idx"),
    "weird.idx",
    "wrong magic number 0x00000d01",
    "0x00000801",
    "0x00000803",
  );
  assertIdxError(
    () => parseIdx(bytes, "weird.idx", "images"),
    "weird.idx",
    "wrong magic number 0x00000d01",
    "expected 0x00000803",
  );
});

Deno.test("parseIdx points out gzip-compressed input", () => {
  const gz = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  assertIdxError(() => parseIdx(gz, "x.gz"), "x.gz", "wrong magic number 0x1f8b0800", "gunzip");
});

Deno.test("parseIdx rejects a file shorter than its header as truncated", () => {
  assertIdxError(() => parseIdx(new Uint8Array([0, 0]), "tiny", "labels"), "tiny", "truncated");
  const bytes = encodeIdx(images).subarray(0, 10);
  assertIdxError(() => parseIdx(bytes, "short-header"), "short-header", "truncated", "16-byte");
});

Deno.test("parseIdx rejects truncated data and gives expected and actual byte counts", () => {
  const bytes = encodeIdx(images);
  assertIdxError(
    () => parseIdx(bytes.subarray(0, bytes.length - 3), "cut"),
    "cut",
    "truncated",
    "3 bytes are missing",
    "need 24 data bytes",
    "21 are present",
  );
});

Deno.test("parseIdx rejects trailing bytes after the data", () => {
  const bytes = encodeIdx(labels);
  const longer = new Uint8Array(bytes.length + 2);
  longer.set(bytes);
  assertIdxError(
    () => parseIdx(longer, "long"),
    "long",
    "2 trailing bytes",
    "need 5 data bytes",
    "7 are present",
  );
});

Deno.test("parseIdx rejects a labels file where images are expected and vice versa", () => {
  assertIdxError(
    () => parseIdx(encodeIdx(labels), "lbl", "images"),
    "lbl",
    "holds labels (magic 0x00000801)",
    "images (magic 0x00000803) were expected",
    "swapped",
  );
  assertIdxError(
    () => parseIdx(encodeIdx(images), "img", "labels"),
    "img",
    "holds images",
    "labels (magic 0x00000801) were expected",
  );
});

Deno.test("encodeIdx rejects unsupported dims and mismatched data lengths", () => {
  assert.throws(() => encodeIdx({ dims: [2, 2], data: new Uint8Array(4) }), /only 1 .* or 3/);
  assert.throws(() => encodeIdx({ dims: [3], data: new Uint8Array(4) }), /need 3 data bytes/);
  assert.throws(() => encodeIdx({ dims: [-1], data: new Uint8Array(0) }), /not an integer/);
});
