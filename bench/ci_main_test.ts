import assert from "node:assert/strict";
import { join } from "node:path";
import { appendResults, type ResultRow } from "../io/csv.ts";
import {
  dataAxes,
  parseData,
  parseInject,
  parseSeedOffset,
  runCi,
  withoutInjected,
} from "./ci_main.ts";
import type { CliArgs } from "./cli.ts";
import { DataUnavailableError } from "../suite/config.ts";
import { planRun } from "./runner.ts";
import { resultRow } from "./testing.ts";

const row = (
  runId: string,
  method: string,
  value: number,
  seed: number,
  overrides = "",
): ResultRow =>
  resultRow({ method, protocol: "kNN", value, seed, run_id: runId, preset: "ci", overrides });

/** A stand-in for runBenchmark: DrLIM scores `drlim`; SimCLR finds no data. */
const fakeRun = (drlim: number) => async (a: CliArgs) => {
  if (a.method === "simclr") throw new DataUnavailableError("No train/ folder in /nowhere");
  const { runId } = planRun(a);
  await Deno.mkdir(a.out!, { recursive: true });
  await appendResults(join(a.out!, "results.csv"), [row(runId, a.method, drlim, a.seed)]);
};

async function baseline(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await appendResults(join(dir, "results.csv"), [
    ...[0, 1, 2].map((s) => row(`drlim-ci-seed${s}-x`, "drlim", 0.8, s)),
    ...[0, 1].map((s) => row(`simclr-ci-seed${s}-x`, "simclr", 0.35, s)),
  ]);
  return dir;
}

Deno.test("bench:ci skips a method without its data only when asked, and says so", async () => {
  const base = await baseline();
  const o = { baseline: base, backend: "cpu" as const, say: () => {} };
  let out = await Deno.makeTempDir();
  const ok = await runCi({ ...o, out, skipMissingData: true }, fakeRun(0.8));
  assert.equal(ok.status, 0);
  assert.match(ok.text, /SKIPPED simclr: its data is not on this machine.*No train\/ folder/);
  assert.doesNotMatch(ok.text, /\| simclr/); // its baseline rows are left out, not "missing"
  assert.match(await Deno.readTextFile(join(out, "compare.md")), /no regression/);
  out = await Deno.makeTempDir();
  const strict = await runCi({ ...o, out }, fakeRun(0.8));
  assert.equal(strict.status, 1);
  assert.match(strict.text, /3 failed run\(s\)/); // SimCLR: its gate grid, 3 seeds
  assert.match(strict.text, /simclr .* \| missing \|/);
});

Deno.test("bench:ci fails, and does not throw, when every run failed", async () => {
  const base = await baseline();
  const o = { baseline: base, backend: "cpu" as const, say: () => {}, only: ["drlim"] };
  const collapse = () => Promise.reject(new Error("CollapseError: collapsed at step 15"));
  const r = await runCi({ ...o, out: await Deno.makeTempDir() }, collapse);
  assert.equal(r.status, 1);
  assert.equal(r.failed, 8); // DrLIM's 8 CI seeds
  assert.match(r.text, /drlim .* \| missing \|/);
});

Deno.test("bench:ci fails on a regression and on bad input", async () => {
  const base = await baseline();
  const o = { baseline: base, backend: "cpu" as const, say: () => {}, only: ["drlim"] };
  const bad = await runCi({ ...o, out: await Deno.makeTempDir() }, fakeRun(0.5));
  assert.equal(bad.status, 1);
  assert.match(bad.text, /\| regression \|/);
  await assert.rejects(
    () => runCi({ ...o, only: ["swav"], out: "x" }, fakeRun(0.8)),
    /unknown method\(s\) swav/,
  );
  await assert.rejects(
    () => runCi({ ...o, baseline: "/nonexistent", out: "x" }, fakeRun(0.8)),
    /"\/nonexistent" does not exist/,
  );
});

Deno.test("bench:ci measures its own power: other seeds (--seed-offset) and an injected bug (--inject)", async () => {
  const base = await baseline();
  const seen: number[] = [];
  // DrLIM scores 0.8 at its CI seeds, and 0.5 whenever lr is overridden (the injected bug)
  const run = async (a: CliArgs) => {
    seen.push(a.seed);
    const { runId } = planRun(a);
    const bug = a.overrides.some((o) => o.startsWith("lr="));
    await Deno.mkdir(a.out!, { recursive: true });
    await appendResults(join(a.out!, "results.csv"), [
      row(runId, a.method, bug ? 0.5 : 0.8, a.seed, a.overrides.join(" ")),
    ]);
  };
  const o = { baseline: base, backend: "cpu" as const, say: () => {}, only: ["drlim"] };
  const other = await runCi({ ...o, out: await Deno.makeTempDir(), seedOffset: 100 }, run);
  assert.ok(seen.length > 0 && seen.every((s) => s >= 100), `${seen}`);
  assert.equal(other.status, 0);
  assert.match(other.text, /Seeds offset by 100/);
  const bug = await runCi(
    { ...o, out: await Deno.makeTempDir(), inject: parseInject("drlim:lr=0.0001") },
    run,
  );
  assert.equal(bug.status, 1);
  assert.match(bug.text, /INJECTED BUG: drlim ran with lr=0\.0001/);
  assert.match(bug.text, /\| regression \|/); // compared as the CI runs, not "missing"
  assert.doesNotMatch(bug.text, /\| missing \|/);
  assert.deepEqual(
    withoutInjected([{ overrides: "margin=2 lr=0.0001" }], [["lr", "0.0001"]]),
    [{ overrides: "margin=2" }],
  );
  assert.throws(() => parseInject("drlim"), /METHOD:key=value/);
  assert.throws(() => parseSeedOffset("1.5"), /whole number/);
  await assert.rejects(
    () => runCi({ ...o, out: "x", inject: parseInject("swav:lr=1") }, run),
    /unknown method swav/,
  );
});

Deno.test("bench:ci --data cifar10 reads the official files where a CI preset reads the JPEG copy", () => {
  const axes = (method: string) =>
    dataAxes({ method, summary: "", presets: ["ci"], axes: [], seeds: [0] }, parseData("cifar10"));
  assert.deepEqual(axes("simclr"), [["dataset", ["cifar10"]]]);
  assert.deepEqual(axes("exemplar"), [["dataset", ["cifar10"]]]);
  assert.deepEqual(axes("drlim"), []); // MNIST, embedded
  assert.deepEqual(
    dataAxes({ method: "simclr", summary: "", presets: ["ci"], axes: [], seeds: [0] }),
    [],
  );
  assert.throws(() => parseData("stl10"), /the one choice is cifar10/);
});
