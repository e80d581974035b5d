import assert from "node:assert/strict";
import { CI_RUNS, methodNamed, METHODS, SWEEPS } from "./methods.ts";
import { ConfigError } from "../suite/config.ts";
import { defineMethod } from "../suite/method.ts";

Deno.test("every shipped preset of every method resolves to a valid configuration", () => {
  for (const [name, m] of Object.entries(METHODS)) {
    for (const p of Object.keys(m.presets)) {
      assert.doesNotThrow(() => m.resolve([p], []), `${name}/${p}`);
    }
  }
});

Deno.test("the registry derives sweeps and CI runs from the methods' declarations", () => {
  for (const s of Object.values(SWEEPS)) assert.ok(METHODS[s.method], s.name);
  assert.ok(SWEEPS["simclr-head-cpu"] && SWEEPS["drlim-margin-cpu"]);
  assert.deepEqual([...new Set(CI_RUNS.map((r) => r.method))], Object.keys(METHODS));
  for (const m of ["byol", "simsiam", "moco", "barlow", "vicreg"]) assert.ok(METHODS[m], m);
  assert.throws(
    () => methodNamed("swav"),
    (e) => e instanceof ConfigError && /drlim/.test(String(e)),
  );
});

Deno.test("defineMethod rejects a name a run id cannot carry, and undocumented keys", () => {
  const spec = {
    name: "toy",
    title: "Toy",
    summary: "",
    defaults: { a: 1 },
    docs: { a: { help: "a" } },
    presets: { default: {} },
    run: () => Promise.reject(new Error("not run")),
    ci: [],
  };
  assert.equal(defineMethod(spec).name, "toy");
  assert.throws(() => defineMethod({ ...spec, name: "toy-2" }), /letters and digits/);
  assert.throws(() => defineMethod({ ...spec, docs: {} as typeof spec.docs }), /no doc/);
  assert.throws(() => defineMethod({ ...spec, presets: {} as typeof spec.presets }), /default/);
});
