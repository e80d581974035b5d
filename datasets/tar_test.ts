import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { md5Hex } from "./download.ts";
import { encodeTar, extractTarGz, TarError, type TarHeader, walkTar } from "./tar.ts";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function* chunked(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function collect(tar: Uint8Array, chunk: number): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  await walkTar(chunked(tar, chunk), "fixture.tar", (h: TarHeader) => {
    const parts: Uint8Array[] = [];
    return {
      write: (c) => void parts.push(c.slice()),
      close: () => {
        const all = new Uint8Array(h.size);
        let o = 0;
        for (const p of parts) {
          all.set(p, o);
          o += p.length;
        }
        out.set(h.name, all);
      },
    };
  });
  return out;
}

const FILES = [
  { name: "dir/a.bin", data: bytes(1000, 1) },
  { name: "dir/empty.txt", data: new Uint8Array(0) },
  { name: "dir/exact.bin", data: bytes(1024, 2) },
];

Deno.test("walkTar: reads encodeTar output whatever the chunk size", async () => {
  const tar = encodeTar(FILES);
  for (const chunk of [1, 7, 512, 100000]) {
    const got = await collect(tar, chunk);
    assert.deepEqual([...got.keys()], FILES.map((f) => f.name));
    for (const f of FILES) assert.deepEqual(got.get(f.name), f.data);
  }
});

Deno.test("walkTar: truncated archives and bad headers are TarErrors", async () => {
  const tar = encodeTar(FILES);
  await assert.rejects(
    () => collect(tar.subarray(0, 700), 64),
    /member "dir\/a\.bin" declares 1000/,
  );
  await assert.rejects(() => collect(tar.subarray(0, 1536 + 100), 64), /header at byte 1536/);
  await assert.rejects(() => collect(tar.subarray(0, tar.length - 1024), 64), /end-of-archive/);
  const bad = tar.slice();
  bad[10] = 0x41; // name byte changed, checksum now wrong
  await assert.rejects(
    () => collect(bad, 512),
    (e: Error) => e instanceof TarError && /checksum/.test(e.message),
  );
});

Deno.test("extractTarGz: writes selected members atomically with md5s", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tar_test_" });
  try {
    const gz = gzipSync(encodeTar(FILES));
    const archive = join(dir, "x.tar.gz");
    await Deno.writeFile(archive, gz);
    const out = join(dir, "out");
    const sel = (e: string) => e.endsWith(".bin") ? e.split("/").pop() : undefined;
    for (const src of [archive, gz]) {
      const done = await extractTarGz(src, out, sel);
      assert.deepEqual(done.map((d) => [d.entry, d.size, d.md5]), [
        ["dir/a.bin", 1000, md5Hex(FILES[0]!.data)],
        ["dir/exact.bin", 1024, md5Hex(FILES[2]!.data)],
      ]);
      assert.deepEqual(await Deno.readFile(join(out, "a.bin")), FILES[0]!.data);
      assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
        "a.bin",
        "exact.bin",
      ]);
      await Deno.remove(out, { recursive: true });
    }
    // Truncated gzip: an error naming the archive, and no file (not even a temp) left.
    const cut = join(dir, "cut.tar.gz");
    await Deno.writeFile(cut, gz.subarray(0, gz.length - 200));
    await assert.rejects(() => extractTarGz(cut, out, sel), /cut\.tar\.gz/);
    const left = [...Deno.readDirSync(out)].map((e) => e.name);
    assert.ok(left.every((n) => !n.endsWith(".tmp")), `temp files left: ${left}`);
    for (const n of left) {
      const want = FILES.find((f) => f.name.endsWith(n))!.data;
      assert.deepEqual(await Deno.readFile(join(out, n)), want, `partial file ${n}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
