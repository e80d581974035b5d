import assert from "node:assert/strict";
import { join } from "node:path";
import {
  expandSweep,
  parseShard,
  parseWhere,
  runSweep,
  selectPoints,
  shardPoints,
  type Sweep,
} from "./sweep.ts";
import { SWEEPS } from "./methods.ts";
import { planRun, runBenchmark } from "./runner.ts";
import { readResults } from "../io/csv.ts";
import type { CliArgs } from "./cli.ts";
import { CI_RUNS } from "./methods.ts";

const TINY: Sweep = {
  name: "tiny",
  summary: "test",
  method: "drlim",
  presets: ["ci"],
  axes: [["margin", [1, 2]], ["trainPerDigit", [12]], ["testPerDigit", [10]], ["batch", [8]]],
  seeds: [0, 1],
};

Deno.test("expandSweep: fixed order, first axis slowest, seeds fastest", () => {
  const p = expandSweep({ ...TINY, axes: [["margin", [1, 2]], ["batch", [8, 16]]] });
  assert.deepEqual(p.map((x) => `${x.overrides.join(",")}/${x.seed}`), [
    "margin=1,batch=8/0",
    "margin=1,batch=8/1",
    "margin=1,batch=16/0",
    "margin=1,batch=16/1",
    "margin=2,batch=8/0",
    "margin=2,batch=8/1",
    "margin=2,batch=16/0",
    "margin=2,batch=16/1",
  ]);
  assert.deepEqual(p.map((x) => x.index), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.throws(() => expandSweep({ ...TINY, seeds: [] }), /no seeds/);
  assert.throws(() => expandSweep({ ...TINY, axes: [["margin", []]] }), /no values/);
});

Deno.test("shards are disjoint, cover the sweep and parse with clear errors", () => {
  const p = expandSweep(SWEEPS["simclr-head-cpu"]!);
  const shards = [1, 2, 3].map((i) => shardPoints(p, { i, n: 3 }));
  assert.deepEqual(shards.flat().map((x) => x.index).sort((a, b) => a - b), p.map((x) => x.index));
  assert.deepEqual(parseShard("2/3"), { i: 2, n: 3 });
  for (const bad of ["0/3", "4/3", "a/b", "3"]) assert.throws(() => parseShard(bad), /--shard/);
});

Deno.test("--seeds and --where keep the points asked for, and name what is valid", () => {
  const s = { ...TINY, axes: [["margin", [1, 2]], ["batch", [8, 16]]] } as Sweep;
  const p = expandSweep(s);
  const kept = selectPoints(p, s, { seeds: [1], where: parseWhere("margin=2", s) });
  assert.deepEqual(kept.map((x) => `${x.overrides.join(",")}/${x.seed}`), [
    "margin=2,batch=8/1",
    "margin=2,batch=16/1",
  ]);
  assert.equal(selectPoints(p, s, {}).length, 8);
  assert.deepEqual(parseWhere("margin=1,batch=16", s), { margin: "1", batch: "16" });
  assert.throws(() => parseWhere("lr=1", s), /margin: 1, 2; batch: 8, 16/);
  assert.throws(() => parseWhere("margin=3", s), /margin takes 1, 2/);
  assert.throws(() => parseWhere("margin", s), /key=value/);
  assert.throws(() => selectPoints(p, s, { seeds: [5] }), /runs seeds 0, 1/);
});

Deno.test("every shipped sweep resolves to valid configurations", async () => {
  for (const s of Object.values(SWEEPS)) {
    const out = await Deno.makeTempDir();
    // a run function that only records: resolving happens in runSweep before any run
    const seen: CliArgs[] = [];
    await runSweep(s, { out, say: () => {} }, (a) => {
      seen.push(a);
      return Promise.resolve();
    });
    assert.equal(seen.length, expandSweep(s).length, s.name);
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a bad axis fails before any run starts", async () => {
  let runs = 0;
  await assert.rejects(
    () =>
      runSweep({ ...TINY, axes: [["nope", [1]]] }, { say: () => {} }, () => {
        runs++;
        return Promise.resolve();
      }),
    /nope/,
  );
  assert.equal(runs, 0);
});

Deno.test("runSweep records a failed run, goes on, and a second pass skips finished runs", async () => {
  const out = await Deno.makeTempDir();
  let calls = 0;
  const flaky = async (a: CliArgs) => {
    calls++;
    if (a.seed === 1 && a.overrides.includes("margin=2")) {
      // as a run that stops does: its folder and a log that ends with the error
      const dir = join(out, "runs", planRun(a).runId);
      await Deno.mkdir(dir, { recursive: true });
      const rec = { type: "error", error: "Error", message: "boom" };
      await Deno.writeTextFile(join(dir, "log.jsonl"), JSON.stringify(rec) + "\n");
      throw new Error("boom");
    }
    return runBenchmark(a, { quiet: true, backendOptions: { warn: () => {} } });
  };
  const first = await runSweep(TINY, { out, say: () => {} }, flaky);
  assert.deepEqual(first.map((s) => s.status), ["done", "done", "done", "failed"]);
  assert.match(first[3]!.error!, /boom/);
  const status = JSON.parse(await Deno.readTextFile(join(out, "sweep-status.json")));
  assert.equal(status.statuses.length, 4);
  const rows = await readResults(join(out, "results.csv"));
  assert.equal(new Set(rows.map((r) => r.run_id)).size, 3);
  // the report after the last run names the failed one, and why
  assert.match(
    await Deno.readTextFile(join(out, "README.md")),
    /## Runs that did not finish[\s\S]*\| drlim-[^|]*seed1[^|]* \| Error: boom \|/,
  );
  // resume: the three finished runs are skipped, the failed one runs again
  calls = 0;
  const second = await runSweep(
    TINY,
    { out, backend: "cpu", say: () => {} },
    (a) => runBenchmark(a, { quiet: true }).then(() => calls++),
  );
  assert.deepEqual(second.map((s) => s.status), ["skipped", "skipped", "skipped", "done"]);
  assert.equal(calls, 1);
  assert.equal(new Set((await readResults(join(out, "results.csv"))).map((r) => r.run_id)).size, 4);
  const report = await Deno.readTextFile(join(out, "README.md"));
  assert.match(report, /## Sweep over margin/);
  await Deno.stat(join(out, "sweep_knn_digit_accuracy_vs_margin.svg"));
  await Deno.remove(out, { recursive: true });
});

Deno.test("--reuse copies a run finished in another folder instead of running it again", async () => {
  const a = await Deno.makeTempDir(), b = await Deno.makeTempDir();
  const run = (x: CliArgs) => runBenchmark(x, { quiet: true, backendOptions: { warn: () => {} } });
  const centre: Sweep = { ...TINY, name: "centre", axes: TINY.axes.slice(1), seeds: [0] };
  await runSweep(centre, { out: a, say: () => {} }, run);
  // another sweep through the same point (margin=1 is the ci preset's), listed in another order
  const other: Sweep = {
    ...centre,
    name: "other",
    axes: [...TINY.axes.slice(1), ["margin", [1, 3]]],
  };
  let calls = 0;
  const st = await runSweep(other, { out: b, reuse: [a], say: () => {} }, (x) => {
    calls++;
    return run(x);
  });
  assert.deepEqual(st.map((s) => s.status), ["reused", "done"]);
  assert.equal(calls, 1);
  const [ra, rb] = [
    await readResults(join(a, "results.csv")),
    await readResults(join(b, "results.csv")),
  ];
  const copied = rb.filter((r) => r.run_id === st[0]!.runId);
  assert.deepEqual(copied.map((r) => r.value), ra.map((r) => r.value));
  assert.ok(
    copied.every((r) => r.overrides === "trainPerDigit=12 testPerDigit=10 batch=8 margin=1"),
  );
  await Deno.stat(join(b, "runs", st[0]!.runId, "log.jsonl"));
  // a folder that is not an output folder fails before anything runs
  await assert.rejects(
    () => runSweep(other, { out: b, reuse: [join(a, "nope")], say: () => {} }, run),
    /does not exist/,
  );
  await Deno.remove(a, { recursive: true });
  await Deno.remove(b, { recursive: true });
});

Deno.test("bench:ci's runs resolve: every method's gate preset with its seeds", async () => {
  const out = await Deno.makeTempDir();
  const seen: CliArgs[] = [];
  for (const s of CI_RUNS) {
    await runSweep(s, { out, say: () => {} }, (a) => {
      seen.push(a);
      return Promise.resolve();
    });
  }
  assert.deepEqual(seen.map((a) => `${a.method}/${a.presets}/${a.seed}/${a.overrides}`), [
    ...Array.from({ length: 8 }, (_, s) => `drlim/gate/${s}/`),
    ...[0, 1, 2].map((s) => `simclr/gate/${s}/`),
    ...[0, 1, 2, 3, 4, 5].map((s) => `exemplar/gate/${s}/`),
    ...["byol", "simsiam", "moco", "barlow", "vicreg"].flatMap((m) =>
      [0, 1, 2].map((s) => `${m}/gate/${s}/`)
    ),
  ]);
  await Deno.remove(out, { recursive: true });
});
