import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { md5Hex } from "./download.ts";
import {
  fetchStl10,
  loadStl10,
  STL10_CLASSES,
  STL10_IMAGE_BYTES,
  streamStl10Unlabeled,
} from "./stl10.ts";
import { encodeTar } from "./tar.ts";

const S = 96;

/** Images in the official layout: image i, channel c, pixel (row y, col x) = (i*7 + c*50 + y + 2x) mod 256. */
function xFile(n: number): Uint8Array {
  const out = new Uint8Array(n * STL10_IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      for (let x = 0; x < S; x++) {
        for (let y = 0; y < S; y++) {
          out[i * STL10_IMAGE_BYTES + c * S * S + x * S + y] = (i * 7 + c * 50 + y + 2 * x) % 256;
        }
      }
    }
  }
  return out;
}

function expectPixel(set: { images: Uint8Array }, i: number, gi: number, y: number, x: number) {
  const o = ((i * S + y) * S + x) * 3;
  assert.deepEqual(
    [...set.images.subarray(o, o + 3)],
    [0, 1, 2].map((c) => (gi * 7 + c * 50 + y + 2 * x) % 256),
  );
}

function fixture(): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  return {
    "train_X.bin": xFile(3),
    "train_y.bin": new Uint8Array([1, 10, 4]),
    "test_X.bin": xFile(2),
    "test_y.bin": new Uint8Array([2, 3]),
    "unlabeled_X.bin": xFile(5),
    "class_names.txt": enc.encode(STL10_CLASSES.join("\n") + "\n"),
    "fold_indices.txt": enc.encode(
      Array.from({ length: 10 }, (_, f) => `${f % 3} ${(f + 1) % 3} `).join("\n") + "\n",
    ),
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "stl10_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeAll(dir: string, files: Record<string, Uint8Array>) {
  for (const [n, d] of Object.entries(files)) await Deno.writeFile(join(dir, n), d);
}

Deno.test("loadStl10: column-major planes become NHWC, labels 1..10 become 0..9, folds", async () => {
  await withTempDir(async (dir) => {
    await writeAll(dir, fixture());
    const train = await loadStl10({ split: "train", dir, n: 3 });
    assert.equal(train.name, "STL-10 train");
    assert.equal(train.n, 3);
    assert.equal(train.height, 96);
    assert.deepEqual([...train.labels], [0, 9, 3]);
    assert.deepEqual(train.classes, STL10_CLASSES);
    expectPixel(train, 2, 2, 5, 17);
    expectPixel(train, 0, 0, 95, 0);
    assert.equal(train.folds?.length, 10);
    assert.deepEqual([...train.folds![4]!], [1, 2]);
    const test = await loadStl10({ split: "test", dir, n: 2 });
    assert.deepEqual([...test.labels], [1, 2]);
    assert.equal(test.folds, undefined);
    expectPixel(test, 1, 1, 40, 3);
    // The official counts are the default: a tiny fixture is rejected.
    await assert.rejects(
      () => loadStl10({ split: "test", dir }),
      /expected 221184000 \(8000 images/,
    );
  });
});

Deno.test("loadStl10: truncated files, bad labels and bad folds name the file", async () => {
  await withTempDir(async (dir) => {
    const f = fixture();
    await writeAll(dir, { ...f, "train_X.bin": f["train_X.bin"]!.subarray(0, 1000) });
    await assert.rejects(
      () => loadStl10({ split: "train", dir, n: 3 }),
      /train_X\.bin" has 1000 bytes, expected 82944/,
    );
    for (const bad of [0, 11]) {
      await writeAll(dir, { ...f, "train_y.bin": new Uint8Array([1, bad, 2]) });
      await assert.rejects(
        () => loadStl10({ split: "train", dir, n: 3 }),
        new RegExp(`train_y\\.bin" has label ${bad} at index 1`),
      );
    }
    await writeAll(dir, { ...f, "train_y.bin": new Uint8Array([1, 2]) });
    await assert.rejects(() => loadStl10({ split: "train", dir, n: 3 }), /has 2 bytes, expected 3/);
    await writeAll(dir, { ...f, "fold_indices.txt": new TextEncoder().encode("0 1 3\n") });
    await assert.rejects(
      () => loadStl10({ split: "train", dir, n: 3 }),
      /has 1 lines, expected 10/,
    );
    const bad = Array.from({ length: 10 }, () => "0 3").join("\n");
    await writeAll(dir, { ...f, "fold_indices.txt": new TextEncoder().encode(bad) });
    await assert.rejects(() => loadStl10({ split: "train", dir, n: 3 }), /line 1 has "3"/);
    await Deno.remove(join(dir, "test_y.bin"));
    await assert.rejects(
      () => loadStl10({ split: "test", dir, n: 2 }),
      /Could not read STL-10 file "[^"]*test_y\.bin"/,
    );
  });
});

Deno.test("streamStl10Unlabeled: batches through a file handle, limit, truncation", async () => {
  await withTempDir(async (dir) => {
    await writeAll(dir, fixture());
    const sizes: number[] = [];
    let seen = 0;
    for await (const b of streamStl10Unlabeled(dir, { batch: 2 })) {
      sizes.push(b.n);
      assert.ok(b.labels.every((l) => l === -1));
      for (let i = 0; i < b.n; i++) expectPixel(b, i, seen + i, 7, 9);
      seen += b.n;
    }
    assert.deepEqual(sizes, [2, 2, 1]);
    const limited = [];
    for await (const b of streamStl10Unlabeled(dir, { batch: 2, limit: 3 })) limited.push(b.n);
    assert.deepEqual(limited, [2, 1]);
    // Breaking out early closes the handle (the test sanitizer checks for leaks).
    for await (const _ of streamStl10Unlabeled(dir, { batch: 1 })) break;
    await Deno.writeFile(join(dir, "unlabeled_X.bin"), xFile(2).subarray(0, 30000));
    await assert.rejects(async () => {
      for await (const _ of streamStl10Unlabeled(dir, { batch: 2 })) { /* drain */ }
    }, /has 30000 bytes, not a whole number/);
  });
});

function archive(files: Record<string, Uint8Array>): Uint8Array {
  return new Uint8Array(gzipSync(encodeTar(
    Object.entries(files).map(([n, data]) => ({ name: `stl10_binary/${n}`, data })),
  )));
}

function fakeFetch(body: Uint8Array | number): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const f = (() => {
    calls++;
    return Promise.resolve(
      typeof body === "number"
        ? new Response("x", { status: body })
        : new Response(ReadableStream.from([body.subarray(0, 100), body.subarray(100)])),
    );
  }) as typeof fetch;
  return { fetch: f, calls: () => calls };
}

function listAll(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, pre: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(join(d, e.name), `${pre}${e.name}/`);
      else out.push(pre + e.name);
    }
  };
  walk(dir, "");
  return out.sort();
}

Deno.test("fetchStl10: streaming download, md5, extraction, cache reuse", async () => {
  const gz = archive(fixture());
  await withTempDir(async (cache) => {
    const url = "https://example.test/stl10/stl10_binary.tar.gz";
    const ok = fakeFetch(gz);
    const dir = await fetchStl10(cache, url, { md5: md5Hex(gz), fetch: ok.fetch });
    assert.equal(dir, join(cache, "stl10_binary"));
    assert.equal((await loadStl10({ split: "train", dir, n: 3 })).n, 3);
    assert.deepEqual(
      listAll(cache),
      [
        "stl10_binary.tar.gz",
        "stl10_binary/.extracted.json",
        ...Object.keys(fixture()).map((n) => `stl10_binary/${n}`).sort(),
      ].sort(),
    );
    await fetchStl10(cache, url, { md5: md5Hex(gz), fetch: ok.fetch });
    assert.equal(ok.calls(), 1);
    // A truncated extracted file is noticed by size and re-extracted from the cached archive.
    await Deno.writeFile(join(dir, "test_X.bin"), new Uint8Array(3));
    await fetchStl10(cache, url, { md5: md5Hex(gz), fetch: ok.fetch });
    assert.equal(ok.calls(), 1);
    assert.equal((await loadStl10({ split: "test", dir, n: 2 })).n, 2);
  });
});

Deno.test("fetchStl10: bad md5, HTTP error and truncated archive leave nothing half-written", async () => {
  const gz = archive(fixture());
  const url = "https://example.test/stl10/stl10_binary.tar.gz";
  await withTempDir(async (cache) => {
    await assert.rejects(
      () => fetchStl10(cache, url, { fetch: fakeFetch(gz).fetch }),
      /MD5 mismatch: expected 91f7769df0f17e558f3565bffb0c7dfb[\s\S]*no file was left/,
    );
    assert.deepEqual(listAll(cache), []);
    await assert.rejects(
      () => fetchStl10(cache, url, { fetch: fakeFetch(404).fetch }),
      /example\.test[\s\S]*HTTP 404/,
    );
    assert.deepEqual(listAll(cache), []);
    const cut = gz.subarray(0, gz.length - 500);
    await assert.rejects(
      () => fetchStl10(cache, url, { md5: md5Hex(cut), fetch: fakeFetch(cut).fetch }),
      /stl10_binary\.tar\.gz/,
    );
    const left = listAll(cache);
    assert.ok(!left.includes("stl10_binary/.extracted.json"), left.join());
    assert.ok(left.every((f) => !f.endsWith(".tmp")), left.join());
    const missing = archive({ "train_X.bin": xFile(1) });
    await assert.rejects(
      () =>
        fetchStl10(join(cache, "m"), url, {
          md5: md5Hex(missing),
          fetch: fakeFetch(missing).fetch,
        }),
      /lacks stl10_binary\/train_y\.bin/,
    );
  });
});
