import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import jpeg from "jpeg-js";
// @ts-types="@types/pngjs"
import { PNG } from "pngjs";
import {
  CIFAR10_JPEG_NOTE,
  defaultCifar10JpegDir,
  loadCifar10Jpeg,
  loadImageFolder,
} from "./image_folder.ts";
import { CIFAR10_CLASSES } from "./images.ts";

/** RGBA pixels where pixel (y, x) = (r + x, g + y, b, a). */
function rgba(w: number, h: number, r: number, g: number, b: number, a = 255): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      data[i] = r + x;
      data[i + 1] = g + y;
      data[i + 2] = b;
      data[i + 3] = a;
    }
  }
  return data;
}

function png(w: number, h: number, data: Uint8Array, colorType: 0 | 2 | 6 = 6): Uint8Array {
  const img = new PNG({ width: w, height: h });
  img.data = Buffer.from(data);
  return new Uint8Array(PNG.sync.write(img, { colorType }));
}

function jpg(w: number, h: number, data: Uint8Array): Uint8Array {
  return new Uint8Array(jpeg.encode({ width: w, height: h, data }, 95).data);
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "image_folder_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeTree(root: string, files: Record<string, Uint8Array | string>): Promise<void> {
  for (const [rel, data] of Object.entries(files)) {
    const path = join(root, rel);
    await Deno.mkdir(join(path, ".."), { recursive: true });
    if (typeof data === "string") await Deno.writeTextFile(path, data);
    else await Deno.writeFile(path, data);
  }
}

function pixel(
  set: { images: Uint8Array; height: number; width: number },
  i: number,
  y: number,
  x: number,
) {
  const o = ((i * set.height + y) * set.width + x) * 3;
  return [set.images[o], set.images[o + 1], set.images[o + 2]];
}

Deno.test("loadImageFolder: sorted classes and files, PNG RGB/RGBA/gray and JPEG to RGB", async () => {
  await withTempDir(async (dir) => {
    await writeTree(dir, {
      // Written out of order: the loader must sort classes and files by name.
      "zebra/b.png": png(4, 3, rgba(4, 3, 10, 20, 30)),
      "zebra/a.PNG": png(4, 3, rgba(4, 3, 100, 110, 120, 7)), // alpha dropped
      "zebra/notes.txt": "not an image",
      "zebra/.hidden.png": "ignored",
      "apple/x.JPG": jpg(4, 3, rgba(4, 3, 200, 50, 60).map((v, i) => i % 4 < 3 ? 200 : v)),
      "apple/y.png": png(4, 3, rgba(4, 3, 77, 77, 77).map((v, i) => i % 4 < 3 ? 77 : v), 0),
      "README.md": "top-level files are ignored",
    });
    const set = await loadImageFolder(dir, { name: "fixture" });
    assert.equal(set.name, "fixture");
    assert.deepEqual(set.classes, ["apple", "zebra"]);
    assert.equal(set.n, 4);
    assert.equal(set.height, 3);
    assert.equal(set.width, 4);
    assert.equal(set.channels, 3);
    assert.equal(set.images.length, 4 * 3 * 4 * 3);
    assert.deepEqual([...set.labels], [0, 0, 1, 1]);
    // apple/x.JPG: solid 200 grey, JPEG is lossy so allow a small error.
    for (const v of pixel(set, 0, 2, 3)) assert.ok(Math.abs(v! - 200) <= 3, `jpeg value ${v}`);
    // apple/y.png: grayscale PNG expanded to RGB.
    assert.deepEqual(pixel(set, 1, 1, 1), [77, 77, 77]);
    // zebra/a.PNG before zebra/b.png; pixel (y=2, x=3) = (r+3, g+2, b).
    assert.deepEqual(pixel(set, 2, 2, 3), [103, 112, 120]);
    assert.deepEqual(pixel(set, 3, 0, 0), [10, 20, 30]);
  });
});

Deno.test("loadImageFolder: limitPerClass takes the first K files per class after sorting", async () => {
  await withTempDir(async (dir) => {
    const files: Record<string, Uint8Array> = {};
    for (const c of ["b", "a"]) {
      for (const k of [3, 1, 2]) files[`${c}/${k}.png`] = png(2, 2, rgba(2, 2, k * 10, 0, 0));
    }
    await writeTree(dir, files);
    const set = await loadImageFolder(dir, { limitPerClass: 2 });
    assert.equal(set.n, 4);
    assert.equal(set.name, dir);
    assert.deepEqual([...set.labels], [0, 0, 1, 1]);
    assert.deepEqual([0, 1, 2, 3].map((i) => pixel(set, i, 0, 0)[0]), [10, 20, 10, 20]);
    await assert.rejects(() => loadImageFolder(dir, { limitPerClass: 0 }), /positive integer/);
  });
});

Deno.test("loadImageFolder: size mismatch names the file and both sizes", async () => {
  await withTempDir(async (dir) => {
    await writeTree(dir, {
      "a/1.png": png(4, 3, rgba(4, 3, 0, 0, 0)),
      "a/2.png": png(5, 3, rgba(5, 3, 0, 0, 0)),
    });
    await assert.rejects(
      () => loadImageFolder(dir),
      (err: Error) => {
        assert.match(err.message, /a\/2\.png" is 5x3/);
        assert.match(err.message, /a\/1\.png" is 4x3/);
        return true;
      },
    );
  });
});

Deno.test("loadImageFolder: empty, missing, no classes and class without images", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(() => loadImageFolder(dir), /has no class sub-folders/);
    await assert.rejects(() => loadImageFolder(join(dir, "nope")), /Could not read image folder/);
    await writeTree(dir, { "loose.png": png(2, 2, rgba(2, 2, 0, 0, 0)) });
    await assert.rejects(() => loadImageFolder(dir), /has no class sub-folders \(1 other/);
    await writeTree(dir, { "cls/readme.txt": "x" });
    await assert.rejects(() => loadImageFolder(dir), /"[^"]*cls" has no \.png\/\.jpg\/\.jpeg/);
  });
});

Deno.test("loadImageFolder: corrupt and truncated files get errors naming the file", async () => {
  const good = jpg(8, 8, rgba(8, 8, 10, 20, 30));
  const cases: Record<string, [Uint8Array, RegExp]> = {
    "text.jpg": [new TextEncoder().encode("hello"), /neither PNG nor JPEG/],
    "trunc.jpg": [good.slice(0, Math.floor(good.length / 2)), /Could not decode JPEG/],
    "trunc.png": [png(8, 8, rgba(8, 8, 1, 2, 3)).slice(0, 40), /Could not decode PNG/],
  };
  for (const [name, [bytes, re]] of Object.entries(cases)) {
    await withTempDir(async (dir) => {
      await writeTree(dir, { [`c/${name}`]: bytes });
      await assert.rejects(
        () => loadImageFolder(dir),
        (err: Error) => {
          assert.match(err.message, re);
          assert.ok(err.message.includes(join(dir, "c", name)), err.message);
          return true;
        },
      );
    });
  }
});

Deno.test("defaultCifar10JpegDir: env override, else ../shared next to the repository", () => {
  const old = Deno.env.get("SSL_BENCH_CIFAR10_JPEG");
  try {
    Deno.env.delete("SSL_BENCH_CIFAR10_JPEG");
    assert.match(defaultCifar10JpegDir(), /[\\/]shared[\\/]datasets[\\/]cifar10-jpeg$/);
    assert.ok(!defaultCifar10JpegDir().includes("datasets/../"));
    Deno.env.set("SSL_BENCH_CIFAR10_JPEG", "/somewhere/else");
    assert.equal(defaultCifar10JpegDir(), "/somewhere/else");
  } finally {
    if (old === undefined) Deno.env.delete("SSL_BENCH_CIFAR10_JPEG");
    else Deno.env.set("SSL_BENCH_CIFAR10_JPEG", old);
  }
});

Deno.test("loadCifar10Jpeg: labelled as the JPEG copy; checks classes (fixture)", async () => {
  await withTempDir(async (dir) => {
    const classes = [...CIFAR10_CLASSES];
    const files: Record<string, Uint8Array> = {};
    for (const c of classes) files[`test/${c}/0000.jpg`] = jpg(32, 32, rgba(32, 32, 0, 0, 0));
    await writeTree(dir, files);
    const set = await loadCifar10Jpeg("test", { dir });
    assert.equal(set.name, `${CIFAR10_JPEG_NOTE} test`);
    assert.ok(!/^CIFAR-10 test/.test(set.name));
    assert.deepEqual(set.classes, classes);
    assert.equal(set.n, 10);
    await Deno.remove(join(dir, "test", "truck"), { recursive: true });
    await assert.rejects(() => loadCifar10Jpeg("test", { dir }), /expected the CIFAR-10 classes/);
  });
});

Deno.test({
  name: "loadCifar10Jpeg: reads the offline copy when present (10 per class)",
  ignore: (() => {
    try {
      return !Deno.statSync(join(defaultCifar10JpegDir(), "test")).isDirectory;
    } catch {
      return true;
    }
  })(),
  fn: async () => {
    const set = await loadCifar10Jpeg("test", { limitPerClass: 10 });
    assert.equal(set.n, 100);
    assert.equal(set.height, 32);
    assert.equal(set.labels[99], 9);
  },
});
