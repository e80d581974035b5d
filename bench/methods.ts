/**
 * The registry: every method the drivers know, one line each. Everything else a driver needs
 * (presets, CI runs, sweeps, perf workloads, orderings) comes from the method's declaration.
 * @module
 */
import type { Method, SweepSpec } from "../suite/method.ts";
import type { Sweep } from "./sweep.ts";
import { ConfigError } from "../suite/config.ts";
import { drlim } from "../methods/drlim.ts";
import { simclr } from "../methods/simclr.ts";
import { exemplar } from "../methods/exemplar.ts";

/** Every method by name. */
export const METHODS: Record<string, Method> = byName([
  drlim,
  simclr,
  exemplar,
]);

/** Every method's sweeps by name. */
export const SWEEPS: Record<string, Sweep> = Object.fromEntries(
  Object.values(METHODS).flatMap((m) =>
    m.sweeps.map((s: SweepSpec) => [s.name, { ...s, method: m.name }])
  ),
);

/** What `bench:ci` runs: each method's CI grids, named "ci". */
export const CI_RUNS: Sweep[] = Object.values(METHODS).flatMap((m) =>
  m.ci.map((g) => ({ ...g, name: "ci", method: m.name }))
);

/** The method called `name`; a ConfigError listing the known ones otherwise. */
export function methodNamed(name: string): Method {
  const m = METHODS[name];
  if (!m) {
    throw new ConfigError(
      `Unknown method "${name}": valid methods are ${Object.keys(METHODS).join(", ")}`,
    );
  }
  return m;
}

function byName(ms: Method[]): Record<string, Method> {
  const out: Record<string, Method> = {};
  for (const m of ms) {
    if (out[m.name]) throw new TypeError(`two methods are named "${m.name}"`);
    out[m.name] = m;
  }
  return out;
}
