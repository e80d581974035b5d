import assert from "node:assert/strict";
import { parseCli } from "./cli.ts";
import { ConfigError } from "../suite/config.ts";
import { helpText } from "./runner.ts";
import { METHODS } from "./methods.ts";

const M = ["drlim"];

Deno.test("parseCli reads flags and key=value overrides", () => {
  const a = parseCli([
    "--preset",
    "ci,poster",
    "--seed",
    "7",
    "--backend",
    "cpu",
    "--out",
    "x",
    "lr=0.1",
  ], M);
  assert.deepEqual(a, {
    method: "drlim",
    presets: ["ci", "poster"],
    seed: 7,
    backend: "cpu",
    out: "x",
    overrides: ["lr=0.1"],
    help: false,
    quiet: false,
  });
  assert.equal(parseCli([], M).backend, "auto");
});

Deno.test("parseCli rejects unknown flags, methods, seeds and backends, saying what is valid", () => {
  const cases: [string[], RegExp][] = [
    [["--epochs", "3"], /Valid flags: --method, --preset, --seed, --backend, --out/],
    [["--method", "swav"], /valid methods are drlim/],
    [["--seed=-1"], /non-negative integer/],
    [["--seed", "1.5"], /non-negative integer/],
    [["--backend", "wasm"], /one of auto, webgpu, cpu/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(
      () => parseCli(argv, M),
      (e: unknown) => e instanceof ConfigError && re.test((e as Error).message),
      argv.join(" "),
    );
  }
});

Deno.test("helpText is generated from the defaults and lists every key and preset", () => {
  const h = helpText("drlim");
  for (
    const k of [
      "digits",
      "trainPerDigit",
      "margin",
      "pairing",
      "--backend",
      "shifted-euclidean",
      "ci",
      "paper",
    ]
  ) {
    assert.ok(h.includes(k), k);
  }
});

const ENTRY_POINTS = [
  "bench/main.ts",
  "bench/sweep_main.ts",
  "bench/report_main.ts",
  "bench/compare.ts",
  "bench/merge.ts",
  "bench/ci_main.ts",
  "bench/perf.ts",
];

async function runEntry(script: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("every entry point answers --help (exit 0) and a bad flag (exit 2, naming it)", async () => {
  for (const script of ENTRY_POINTS) {
    const help = await runEntry(script, ["--help"]);
    assert.equal(help.code, 0, `${script} --help: ${help.stderr}`);
    assert.match(help.stdout, /^deno task [a-z:]+ \[flags\]/, script);
    assert.match(help.stdout, /--help/, script);
    const bad = await runEntry(script, ["--frobnicate"]);
    assert.equal(bad.code, 2, `${script} --frobnicate: ${bad.stderr}`);
    assert.match(bad.stderr, /--frobnicate.*Valid flags: /s, script);
  }
});

Deno.test("a flag without its value, and values that are not valid, name what was typed", async () => {
  const cases: [string[], RegExp][] = [
    [["--seed"], /--seed needs a value/],
    [["--seed", "-1"], /Invalid --seed "-1": expected a non-negative integer/],
    [["epochs=abc"], /Invalid value "abc" for epochs: expected an integer >= 1/],
    [["--method", "nope"], /Unknown method "nope": valid methods are drlim, simclr, exemplar/],
  ];
  for (const [argv, re] of cases) {
    assert.throws(
      () => {
        const a = parseCli(argv, ["drlim", "simclr", "exemplar"]);
        helpText(a.method); // resolves nothing; the overrides are checked by the run
        METHODS[a.method]!.resolve(a.presets, a.overrides);
      },
      (e: unknown) => e instanceof ConfigError && re.test((e as Error).message),
      argv.join(" "),
    );
  }
  // and through the real command line: usage errors exit 2
  const r = await runEntry("bench/main.ts", ["--seed", "-1"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Invalid --seed "-1"/);
});
