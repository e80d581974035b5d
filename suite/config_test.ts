import assert from "node:assert/strict";
import { ConfigError, configHash, configHelp, type Docs, resolveConfig } from "./config.ts";

const defaults = { lr: 0.001, batch: 64, opt: "adam", fast: false, digits: "4,9" };
const docs: Docs<typeof defaults> = {
  lr: { help: "learning rate", min: 0 },
  batch: { help: "pairs per step", integer: true, min: 1 },
  opt: { help: "optimiser", choices: ["adam", "sgd"] },
  fast: { help: "go fast" },
  digits: { help: "digits", check: (v) => /^\d(,\d)*$/.test(v) ? null : "comma-separated digits" },
};
const presets = { default: {}, ci: { batch: 16 }, big: { batch: 256, lr: 0.01 } };

Deno.test("resolveConfig applies presets in order, then overrides, parsed by type", () => {
  const c = resolveConfig(defaults, docs, presets, ["ci", "big"], [
    "lr=0.5",
    "fast=true",
    "opt=sgd",
  ]);
  assert.deepEqual(c, { lr: 0.5, batch: 256, opt: "sgd", fast: true, digits: "4,9" });
});

Deno.test("resolveConfig rejects unknown keys, listing the valid ones", () => {
  assert.throws(
    () => resolveConfig(defaults, docs, presets, [], ["learning_rate=1"]),
    (e: unknown) =>
      e instanceof ConfigError && /Unknown key "learning_rate"/.test(e.message) &&
      /lr, batch, opt, fast, digits/.test(e.message),
  );
});

Deno.test("resolveConfig rejects wrong types and out-of-range values with what is expected", () => {
  const bad: [string, RegExp][] = [
    ["batch=abc", /Invalid value "abc" for batch: expected an integer >= 1/],
    ["batch=2.5", /expected an integer/],
    ["batch=0", />= 1/],
    ["lr=", /expected a number/],
    ["fast=yes", /expected true or false/],
    ["opt=lbfgs", /expected one of adam, sgd/],
    ["digits=4;9", /comma-separated digits/],
    ["noequals", /written key=value/],
  ];
  for (const [o, re] of bad) {
    assert.throws(() => resolveConfig(defaults, docs, presets, [], [o]), re, o);
  }
});

Deno.test("resolveConfig rejects unknown presets, listing the valid ones", () => {
  assert.throws(
    () => resolveConfig(defaults, docs, presets, ["huge"], []),
    /valid presets are default, ci, big/,
  );
});

Deno.test("configHash depends on values, not on key order", () => {
  assert.equal(configHash("m", { a: 1, b: "x" }), configHash("m", { b: "x", a: 1 }));
  assert.notEqual(configHash("m", { a: 1, b: "x" }), configHash("m", { a: 2, b: "x" }));
  assert.notEqual(configHash("m", { a: 1 }), configHash("n", { a: 1 }));
  assert.match(configHash("m", {}), /^[0-9a-f]{12}$/);
});

Deno.test("configHelp lists every key with its default and every preset", () => {
  const h = configHelp(defaults, docs, presets);
  for (const k of Object.keys(defaults)) assert.ok(h.includes(k));
  assert.ok(h.includes("batch=256 lr=0.01"));
  assert.ok(h.includes("one of adam, sgd"));
});
