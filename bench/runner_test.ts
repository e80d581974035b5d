import assert from "node:assert/strict";
import { join } from "node:path";
import { defaultOut, phaseClock, runBenchmark } from "./runner.ts";
import { parseCli } from "./cli.ts";
import { ConfigError } from "../suite/config.ts";
import { readResults, RESULT_COLUMNS } from "../io/csv.ts";
import { METHODS } from "./methods.ts";

const M = Object.keys(METHODS);
const TINY = ["trainPerDigit=12", "testPerDigit=10", "batch=8", "epochs=1"];

Deno.test("runBenchmark writes a log, a results.csv that parses back, plots and a report", async () => {
  const out = await Deno.makeTempDir();
  const s = await runBenchmark(parseCli(["--out", out, "--seed", "3", ...TINY], M), {
    quiet: true,
  });
  const rows = await readResults(join(out, "results.csv"));
  assert.equal(rows.length, s.rows.length);
  for (const c of RESULT_COLUMNS) assert.ok(c in rows[0]!, c);
  const acc = rows.find((r) => r.method === "drlim" && r.metric === "knn_digit_accuracy")!;
  assert.ok(Number(acc.value) >= 0 && Number(acc.value) <= 1);
  assert.equal(acc.seed, "3");
  assert.match(acc.protocol!, /kNN \(k=5\)/);
  const log = (await Deno.readTextFile(join(s.runDir, "log.jsonl"))).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.equal(log[0].type, "config");
  assert.equal(log[0].seed, 3);
  assert.equal(log[0].config.trainPerDigit, 12);
  assert.ok("commit" in log[0] && "dirty" in log[0] && "adapter" in log[0] && "deno" in log[0]);
  assert.ok(log.some((l) => l.type === "epoch"));
  assert.equal(log.at(-1).type, "result");
  // every phase timed, and together no longer than the run
  const phases = log.at(-3);
  assert.equal(phases.type, "phases");
  // every step's loss, for the reports' loss plots: the same losses as the epochs' means
  const curve = log.at(-2);
  assert.equal(curve.type, "loss_curve");
  assert.equal(curve.every, 1);
  const epochs = log.filter((l) => l.type === "epoch");
  assert.equal(curve.points.length, epochs.at(-1).step);
  assert.deepEqual(
    curve.points.map((p: number[]) => p[0]),
    curve.points.map((_: unknown, i: number) => i + 1),
  );
  const mean = curve.points.reduce((a: number, p: number[]) => a + p[1]!, 0) / curve.points.length;
  assert.ok(Math.abs(mean - epochs.reduce((a, e) => a + e.loss, 0) / epochs.length) < 1e-6);
  for (const p of ["data_s", "train_s", "eval_s"]) assert.ok(phases[p] > 0, p);
  assert.ok(phases.data_s + phases.train_s + phases.eval_s <= Number(acc.wall_s) + 0.2);
  const report = await Deno.readTextFile(join(out, "README.md"));
  assert.ok(report.includes("knn_digit_accuracy") && report.includes("drlim_test_by_digit.svg"));
  assert.match(report, /## Wall time by phase/);
  assert.ok(report.includes(`| ${s.runId} | 3 | `), "the run has its row of phase times");
  // and its peak tensor memory, from the log's first-step profile
  const memory = log.find((l) => l.type === "memory");
  assert.ok(memory.peak_bytes > 0);
  const row = report.split("\n").find((l) => l.startsWith(`| ${s.runId} | 3 | `))!;
  assert.ok(row.endsWith(` | ${(memory.peak_bytes / 2 ** 20).toFixed(1)} |`), row);
  await Deno.stat(join(s.runDir, "drlim_test_by_digit.svg"));
  // a second run appends to the same results.csv
  await runBenchmark(parseCli(["--out", out, "--seed", "4", ...TINY], M), { quiet: true });
  assert.equal((await readResults(join(out, "results.csv"))).length, 2 * s.rows.length);
  // two seeds of one configuration: their loss curves overlaid in one plot
  const two = await Deno.readTextFile(join(out, "README.md"));
  assert.match(two, /!\[drlim: training loss of every seed\]\(sweep_loss_drlim\.svg\)/);
  const svg = await Deno.readTextFile(join(out, "sweep_loss_drlim.svg"));
  assert.match(svg, /seed 3/);
  assert.match(svg, /seed 4/);
  await Deno.remove(out, { recursive: true });
});

Deno.test("runBenchmark fails on an unwritable --out before training starts", async () => {
  const dir = await Deno.makeTempDir();
  const file = join(dir, "a-file");
  await Deno.writeTextFile(file, "x");
  const t0 = performance.now();
  await assert.rejects(
    () => runBenchmark(parseCli(["--out", join(file, "sub"), ...TINY], M), { quiet: true }),
    /Cannot write to the output folder .* --out DIR/,
  );
  assert.ok(performance.now() - t0 < 5000, "failed fast, before training");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("runBenchmark rejects bad keys and values before doing anything", async () => {
  const out = await Deno.makeTempDir();
  await assert.rejects(
    () => runBenchmark(parseCli(["--out", out, "epoch=3"], M)),
    (e: unknown) => e instanceof ConfigError && /valid keys are/.test((e as Error).message),
  );
  await assert.rejects(
    () => runBenchmark(parseCli(["--out", out, "network=lenet"], M)),
    /expected one of paper, poster/,
  );
  await assert.rejects(
    () => runBenchmark(parseCli(["--out", out, "--preset", "huge"], M)),
    /valid presets are/,
  );
  assert.deepEqual([...Deno.readDirSync(out)], []);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a NaN loss stops the run with a clear error and keeps the log written so far", async () => {
  const out = await Deno.makeTempDir();
  await assert.rejects(
    () =>
      runBenchmark(parseCli(["--out", out, ...TINY, "epochs=4", "optimizer=sgd", "lr=1e30"], M), {
        quiet: true,
      }),
    /loss became NaN/,
  );
  const [run] = [...Deno.readDirSync(join(out, "runs"))];
  const log = (await Deno.readTextFile(join(out, "runs", run!.name, "log.jsonl"))).trim().split(
    "\n",
  ).map((l) => JSON.parse(l));
  assert.equal(log[0].type, "config");
  assert.equal(log.at(-1).type, "error");
  assert.equal(log.at(-1).error, "NonFiniteLossError");
  // nothing was appended to results for the failed run
  await assert.rejects(() => Deno.stat(join(out, "results.csv")));
  await Deno.remove(out, { recursive: true });
});

Deno.test("a training set too small for dissimilar pairs is a clear error, not a hang", async () => {
  const out = await Deno.makeTempDir();
  await assert.rejects(
    () =>
      runBenchmark(
        parseCli(["--out", out, "trainPerDigit=3", "neighbours=5", "testPerDigit=2"], M),
        { quiet: true },
      ),
    /too few dissimilar/,
  );
  await Deno.remove(out, { recursive: true });
});

Deno.test("a malformed results.csv in the output folder fails before any training", async () => {
  const out = await Deno.makeTempDir();
  await Deno.writeTextFile(join(out, "results.csv"), `${RESULT_COLUMNS.join(",")}\n"unclosed\n`);
  await assert.rejects(
    () => runBenchmark(parseCli(["--out", out, ...TINY], M), { quiet: true }),
    (e: unknown) => e instanceof ConfigError && /Malformed CSV.*before training/s.test(String(e)),
  );
  // nothing ran: no run folder was made
  await assert.rejects(() => Deno.stat(join(out, "runs")), Deno.errors.NotFound);
  await Deno.remove(out, { recursive: true });
});

Deno.test("Ctrl-C during a run: the log records the interruption and the exit status is 130", async () => {
  const out = await Deno.makeTempDir();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "bench/main.ts", "--out", out, "--quiet", ...TINY, "epochs=50"],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // wait until the run has started its log, then interrupt it
  const started = Date.now();
  let log = "";
  while (Date.now() - started < 60_000) {
    try {
      for await (const d of Deno.readDir(join(out, "runs"))) {
        log = join(out, "runs", d.name, "log.jsonl");
      }
      if (log && (await Deno.readTextFile(log)).includes('"type":"epoch"')) break;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGINT");
  const status = await child.status;
  await child.stderr.cancel();
  assert.equal(status.code, 130);
  const last = JSON.parse((await Deno.readTextFile(log)).trim().split("\n").at(-1)!);
  assert.equal(last.type, "interrupted");
  // the interrupted run left no rows behind
  await assert.rejects(() => Deno.stat(join(out, "results.csv")), Deno.errors.NotFound);
  await Deno.remove(out, { recursive: true });
});

Deno.test("phaseClock: each phase lasts until the next starts; a phase entered twice adds up", () => {
  let t = 0;
  const clock = phaseClock(() => t);
  t = 1000;
  clock.start("data");
  t = 1500;
  clock.start("train");
  t = 4500;
  clock.start("data");
  t = 4750;
  clock.start("eval");
  t = 6000;
  assert.deepEqual(clock.stop(), { data: 0.75, train: 3, eval: 1.25 });
  t = 9000;
  assert.deepEqual(clock.stop(), { data: 0.75, train: 3, eval: 1.25 }, "stopped stays stopped");
});

Deno.test("without --out a run goes to the ignored out/ folder, not over a published report", async () => {
  assert.equal(defaultOut("drlim", ["default"]), join("out", "drlim-default"));
  assert.equal(defaultOut("exemplar", ["ci", "cpu-long"]), join("out", "exemplar-ci+cpu-long"));
  const ignore = await Deno.readTextFile(new URL("../.gitignore", import.meta.url));
  assert.match(ignore, /^\/out\/$/m);
});
