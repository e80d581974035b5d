import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.ts";

Deno.test("writeFileAtomic writes a string as UTF-8 and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "out.txt");
    await writeFileAtomic(path, "héllo\n");
    assert.equal(await Deno.readTextFile(path), "héllo\n");
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["out.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic writes bytes and replaces existing content", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "out.bin");
    await Deno.writeTextFile(path, "old content that is longer");
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual(await Deno.readFile(path), new Uint8Array([1, 2, 3]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic handles many concurrent writes to one file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "race.txt");
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}`);
    await Promise.all(values.map((v) => writeFileAtomic(path, v)));
    assert.ok(values.includes(await Deno.readTextFile(path)));
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["race.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic removes the temp file and explains when rename fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A non-empty directory at the destination makes the rename fail.
    const path = join(dir, "target");
    await Deno.mkdir(join(path, "child"), { recursive: true });
    await assert.rejects(
      () => writeFileAtomic(path, "data"),
      (err: unknown) => err instanceof Error && err.message.includes(path),
    );
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["target"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic says which folder is missing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "missing", "out.txt");
    await assert.rejects(
      () => writeFileAtomic(path, "data"),
      (err: unknown) =>
        err instanceof Error && err.message.includes(join(dir, "missing")) &&
        err.cause instanceof Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
