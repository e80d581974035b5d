import assert from "node:assert/strict";
import { parseCli } from "./cli.ts";
import { ConfigError } from "../suite/config.ts";
import { helpText } from "./runner.ts";

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
    [["--method", "byol"], /valid methods are drlim/],
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
