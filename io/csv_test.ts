import assert from "node:assert/strict";
import { join } from "node:path";
import { appendResults, readResults, RESULT_COLUMNS, type ResultRow } from "./csv.ts";

function makeRow(overrides: Partial<Record<string, string | number>> = {}): ResultRow {
  const row: ResultRow = {
    method: "pca",
    dataset: "mnist",
    protocol: "linear_probe",
    metric: "accuracy",
    value: 0.9731,
    seed: 1,
    config_hash: "abc123",
    backend: "webgpu",
    adapter: "NVIDIA H100",
    commit: "42c9cce",
    started_at: "2025-01-01T00:00:00.000Z",
    wall_s: 12.5,
    images_per_s: 4800,
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v !== undefined) row[k] = v;
  }
  return row;
}

function asStrings(row: ResultRow): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]));
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("appendResults writes a CSV that readResults parses back identically", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "results.csv");
    const tricky = makeRow({ method: 'a,b "quoted"\nsecond line', adapter: "x\r\ny" });
    const plain = makeRow({ seed: 2, value: -1.5e-7 });
    await appendResults(path, [tricky, plain]);
    const back = await readResults(path);
    assert.deepEqual(back, [asStrings(tricky), asStrings(plain)]);
    const text = await Deno.readTextFile(path);
    assert.equal(text.split("\n")[0], RESULT_COLUMNS.join(","));
  });
});

Deno.test("appendResults called twice accumulates rows in order", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "results.csv");
    await appendResults(path, [makeRow({ seed: 1 })]);
    await appendResults(path, [makeRow({ seed: 2 }), makeRow({ seed: 3 })]);
    const back = await readResults(path);
    assert.deepEqual(back.map((r) => r.seed), ["1", "2", "3"]);
    const text = await Deno.readTextFile(path);
    assert.equal(text.split("\n").filter((l) => l.startsWith("method,")).length, 1);
  });
});

Deno.test("appendResults serialises concurrent appends to the same file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "results.csv");
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => appendResults(path, [makeRow({ seed: i })])),
    );
    const seeds = (await readResults(path)).map((r) => r.seed);
    assert.deepEqual(seeds, Array.from({ length: 10 }, (_, i) => String(i)));
  });
});

Deno.test("adding an extra column later keeps old rows with empty cells", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "results.csv");
    await appendResults(path, [makeRow({ run_id: "r1" })]);
    await appendResults(path, [makeRow({ preset: "quick", fallback_adapter: "cpu" })]);
    const text = await Deno.readTextFile(path);
    assert.equal(
      text.split("\n")[0],
      [...RESULT_COLUMNS, "run_id", "preset", "fallback_adapter"].join(","),
    );
    const back = await readResults(path);
    assert.equal(back.length, 2);
    assert.equal(back[0]?.run_id, "r1");
    assert.equal(back[0]?.preset, "");
    assert.equal(back[0]?.fallback_adapter, "");
    assert.equal(back[0]?.method, "pca");
    assert.equal(back[1]?.run_id, "");
    assert.equal(back[1]?.preset, "quick");
    assert.equal(back[1]?.fallback_adapter, "cpu");
  });
});

Deno.test("appendResults puts required columns first even when extras come first in a row", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "results.csv");
    const row = { zeta: "z", ...makeRow(), alpha: "a" } as ResultRow;
    await appendResults(path, [row]);
    const header = (await Deno.readTextFile(path)).split("\n")[0];
    assert.equal(header, [...RESULT_COLUMNS, "zeta", "alpha"].join(","));
  });
});

Deno.test("appendResults with no rows leaves the file untouched", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "results.csv");
    await appendResults(path, []);
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("readResults names the file and line of malformed CSV", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "bad.csv");
    const header = RESULT_COLUMNS.join(",");
    const good = RESULT_COLUMNS.map(() => "x").join(",");
    await Deno.writeTextFile(path, `${header}\n${good}\nonly,three,cells\n`);
    await assert.rejects(() => readResults(path), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /bad\.csv/);
      assert.match(err.message, /line 3/);
      return true;
    });
    // appendResults refuses to touch it and leaves it as it was.
    await assert.rejects(() => appendResults(path, [makeRow()]), /line 3/);
    assert.equal(await Deno.readTextFile(path), `${header}\n${good}\nonly,three,cells\n`);
  });
});

Deno.test("readResults reports an unclosed quote with file and line", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "quote.csv");
    const header = RESULT_COLUMNS.join(",");
    await Deno.writeTextFile(path, `${header}\n"unclosed,${RESULT_COLUMNS.slice(1).join(",")}\n`);
    await assert.rejects(() => readResults(path), /quote\.csv.*line \d+/s);
  });
});

Deno.test("readResults names missing required columns", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "cols.csv");
    const cols = RESULT_COLUMNS.filter((c) => c !== "seed" && c !== "backend");
    await Deno.writeTextFile(path, `${cols.join(",")}\n${cols.map(() => "1").join(",")}\n`);
    await assert.rejects(() => readResults(path), (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /cols\.csv/);
      assert.match(err.message, /line 1/);
      assert.match(err.message, /seed, backend/);
      return true;
    });
    await assert.rejects(() => appendResults(path, [makeRow()]), /seed, backend/);
  });
});

Deno.test("readResults rejects duplicate header columns and missing files", async () => {
  await withTempDir(async (dir) => {
    const dup = join(dir, "dup.csv");
    await Deno.writeTextFile(dup, `${RESULT_COLUMNS.join(",")},seed\n`);
    await assert.rejects(() => readResults(dup), /"seed" twice/);
    await assert.rejects(() => readResults(join(dir, "nope.csv")), /nope\.csv" does not exist/);
  });
});

Deno.test("appendResults rejects rows lacking required columns or with bad values", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "results.csv");
    const { seed: _seed, ...noSeed } = makeRow();
    await assert.rejects(
      () => appendResults(path, [makeRow(), noSeed as ResultRow]),
      /row 1 lacks required column\(s\) seed/,
    );
    const bad = { ...makeRow(), value: undefined } as unknown as ResultRow;
    await assert.rejects(() => appendResults(path, [bad]), /column "value" is undefined/);
    await assert.rejects(() => Deno.stat(path), Deno.errors.NotFound);
  });
});

Deno.test("appendResults with replaceRun drops the earlier rows of a run done again", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/results.csv`;
  const row = (run: string, value: number) => ({
    method: "m",
    dataset: "d",
    protocol: "p",
    metric: "acc",
    value,
    seed: 0,
    config_hash: "h",
    backend: "cpu",
    adapter: "none",
    commit: "c",
    started_at: "t",
    wall_s: 1,
    images_per_s: 1,
    run_id: run,
  });
  await appendResults(path, [row("a", 1), row("b", 2)]);
  await appendResults(path, [row("a", 3)], { replaceRun: "a" });
  const rows = await readResults(path);
  assert.deepEqual(rows.map((r) => [r.run_id, r.value]), [["b", "2"], ["a", "3"]]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("readResults refuses a value that is not a number, naming its line", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/results.csv`;
  const header = RESULT_COLUMNS.join(",");
  const row = (v: string) => RESULT_COLUMNS.map((c) => c === "value" ? v : "x").join(",");
  await Deno.writeTextFile(path, [header, row("0.5"), row("abc"), ""].join("\n"));
  await assert.rejects(() => readResults(path), /line 3: value "abc" is not a number/);
  await Deno.writeTextFile(path, [header, row("0.5"), row(""), ""].join("\n"));
  await assert.rejects(() => readResults(path), /line 3: value "" is not a number/);
  await Deno.remove(dir, { recursive: true });
});
