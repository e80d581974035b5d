import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { md5Hex } from "./download.ts";
import {
  CIFAR10_CLASSES,
  CIFAR10_RECORD_BYTES,
  loadCifar10,
  parseCifar10Batch,
} from "./cifar10.ts";
import { encodeTar } from "./tar.ts";

/** A record whose pixel (p, channel c) is (seed + 3p + c) mod 256, label `label`. */
function record(label: number, seed: number): Uint8Array {
  const r = new Uint8Array(CIFAR10_RECORD_BYTES);
  r[0] = label;
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < 1024; p++) r[1 + c * 1024 + p] = (seed + 3 * p + c) % 256;
  }
  return r;
}

function batch(labels: number[], seed: number): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR10_RECORD_BYTES);
  labels.forEach((l, i) => out.set(record(l, seed + i), i * CIFAR10_RECORD_BYTES));
  return out;
}

const R = 2; // records per fixture batch
const META = CIFAR10_CLASSES.join("\n") + "\n\n";

function fixtureFiles(): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 1; i <= 5; i++) files[`data_batch_${i}.bin`] = batch([i, 9 - i], 10 * i);
  files["test_batch.bin"] = batch([0, 3], 100);
  files["batches.meta.txt"] = new TextEncoder().encode(META);
  return files;
}

function fixtureArchive(): Uint8Array {
  const entries = Object.entries(fixtureFiles()).map(([n, data]) => ({
    name: `cifar-10-batches-bin/${n}`,
    data,
  }));
  return new Uint8Array(
    gzipSync(encodeTar([{ name: "readme.html", data: new Uint8Array(3) }, ...entries])),
  );
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "cifar10_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Serves `body` at /kriz/cifar-10-binary.tar.gz on 127.0.0.1, counting requests. */
async function withServer(
  body: Uint8Array,
  fn: (url: string, hits: () => number) => Promise<void>,
): Promise<void> {
  let hits = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    hits++;
    return new URL(req.url).pathname === "/kriz/cifar-10-binary.tar.gz"
      ? new Response(body.slice())
      : new Response("no", { status: 404 });
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/kriz/cifar-10-binary.tar.gz`, () => hits);
  } finally {
    await server.shutdown();
  }
}

function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, pre: string) => {
    for (const e of Deno.readDirSync(d)) {
      if (e.isDirectory) walk(join(d, e.name), `${pre}${e.name}/`);
      else out.push(pre + e.name);
    }
  };
  try {
    walk(dir, "");
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out.sort();
}

const noFetch = (() => Promise.reject(new Error("network used"))) as typeof fetch;

Deno.test("parseCifar10Batch: R,G,B planes become NHWC pixels; sizes and labels checked", () => {
  const b = batch([7, 2], 5);
  const { images, labels } = parseCifar10Batch(b, "b.bin", 2);
  assert.deepEqual([...labels], [7, 2]);
  // Image 1 (seed 6), pixel p = 33 (row 1, col 1): (6 + 99 + c) for c = 0..2.
  const o = (1 * 1024 + 33) * 3;
  assert.deepEqual([...images.subarray(o, o + 3)], [105, 106, 107]);
  assert.throws(
    () => parseCifar10Batch(b.subarray(0, b.length - 1), "b.bin", 2),
    /"b\.bin" has 6145 bytes \(not a multiple.*expected 6146/,
  );
  assert.throws(() => parseCifar10Batch(b, "b.bin", 10000), /2 records\), expected 30730000/);
  assert.throws(() => parseCifar10Batch(batch([1, 10], 0), "b.bin", 2), /label 10 in record 1/);
});

Deno.test("loadCifar10: download via URL, md5 check, extraction cached, then offline", async () => {
  const gz = fixtureArchive();
  await withTempDir(async (cacheDir) => {
    await withServer(gz, async (url, hits) => {
      const opts = { cacheDir, url, md5: md5Hex(gz), recordsPerBatch: R } as const;
      const train = await loadCifar10({ ...opts, split: "train" });
      assert.equal(train.name, "CIFAR-10 train");
      assert.equal(train.n, 10);
      assert.deepEqual([...train.labels], [1, 8, 2, 7, 3, 6, 4, 5, 5, 4]);
      assert.deepEqual(train.classes, CIFAR10_CLASSES);
      // Image 9 = data_batch_5 record 1, seed 51: pixel 0 = (51, 52, 53).
      assert.deepEqual([...train.images.subarray(9 * 3072, 9 * 3072 + 3)], [51, 52, 53]);
      assert.equal(hits(), 1);
      const test = await loadCifar10({ ...opts, split: "test", fetch: noFetch });
      assert.equal(test.n, 2);
      assert.deepEqual([...test.labels], [0, 3]);
      assert.equal(hits(), 1);
      assert.deepEqual(tree(cacheDir), [
        "cifar-10-batches-bin/.extracted.json",
        "cifar-10-batches-bin/batches.meta.txt",
        "cifar-10-batches-bin/data_batch_1.bin",
        "cifar-10-batches-bin/data_batch_2.bin",
        "cifar-10-batches-bin/data_batch_3.bin",
        "cifar-10-batches-bin/data_batch_4.bin",
        "cifar-10-batches-bin/data_batch_5.bin",
        "cifar-10-batches-bin/test_batch.bin",
        "cifar-10-binary.tar.gz",
      ]);
      // A corrupted extracted file is noticed (manifest MD5) and re-extracted from the archive.
      await Deno.writeFile(
        join(cacheDir, "cifar-10-batches-bin/test_batch.bin"),
        new Uint8Array(5),
      );
      const again = await loadCifar10({ ...opts, split: "test", fetch: noFetch });
      assert.deepEqual([...again.labels], [0, 3]);
      // Without the recordsPerBatch override the official size check rejects the fixture.
      await assert.rejects(
        () => loadCifar10({ cacheDir, url, md5: md5Hex(gz), split: "test", fetch: noFetch }),
        /test_batch\.bin" has 6146 bytes \(2 records\), expected 30730000/,
      );
    });
  });
});

Deno.test("loadCifar10: wrong MD5 download leaves nothing in the cache", async () => {
  const gz = fixtureArchive();
  await withTempDir(async (cacheDir) => {
    await withServer(gz, async (url) => {
      await assert.rejects(
        () => loadCifar10({ cacheDir, url, split: "train", recordsPerBatch: R }),
        /MD5 mismatch: expected c32a1d4ab5d03f1284b67883e8d87530/,
      );
      assert.deepEqual(tree(cacheDir), []);
    });
  });
});

Deno.test("loadCifar10: truncated or incomplete archive gives clear errors, no partial files", async () => {
  const gz = fixtureArchive();
  const cut = gz.subarray(0, gz.length - 300);
  await withTempDir(async (cacheDir) => {
    await withServer(cut, async (url) => {
      await assert.rejects(
        () => loadCifar10({ cacheDir, url, md5: md5Hex(cut), split: "train", recordsPerBatch: R }),
        /Could not extract[\s\S]*delete it and download it again/,
      );
      const left = tree(cacheDir);
      assert.ok(!left.includes("cifar-10-batches-bin/.extracted.json"), left.join());
      assert.ok(left.every((f) => !f.endsWith(".tmp")), left.join());
    });
  });
  const partial = new Uint8Array(gzipSync(encodeTar([{
    name: "cifar-10-batches-bin/test_batch.bin",
    data: batch([0], 1),
  }])));
  await withTempDir(async (cacheDir) => {
    await withServer(partial, async (url) => {
      await assert.rejects(
        () =>
          loadCifar10({ cacheDir, url, md5: md5Hex(partial), split: "test", recordsPerBatch: 1 }),
        /lacks cifar-10-batches-bin\/data_batch_1\.bin/,
      );
    });
  });
});

Deno.test("loadCifar10: source dir reads extracted files and names problems", async () => {
  await withTempDir(async (dir) => {
    for (const [n, data] of Object.entries(fixtureFiles())) {
      await Deno.writeFile(join(dir, n), data);
    }
    const test = await loadCifar10({ split: "test", dir, recordsPerBatch: R });
    assert.equal(test.n, 2);
    await Deno.writeFile(join(dir, "data_batch_3.bin"), batch([1, 2], 0).subarray(0, 5000));
    await assert.rejects(
      () => loadCifar10({ split: "train", source: "dir", dir, recordsPerBatch: R }),
      /data_batch_3\.bin" has 5000 bytes \(not a multiple/,
    );
    await Deno.remove(join(dir, "data_batch_3.bin"));
    await assert.rejects(
      () => loadCifar10({ split: "train", dir, recordsPerBatch: R }),
      /Could not read CIFAR-10 file "[^"]*data_batch_3\.bin"/,
    );
    await Deno.writeTextFile(join(dir, "batches.meta.txt"), "apple\nbanana\n");
    await assert.rejects(
      () => loadCifar10({ split: "test", dir, recordsPerBatch: R }),
      /expected \[airplane/,
    );
    await assert.rejects(() => loadCifar10({ split: "test", source: "dir" }), /needs opts\.dir/);
  });
});
