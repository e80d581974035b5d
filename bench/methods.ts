/**
 * The registry: every method the drivers know, one line each. Everything else a driver needs
 * (presets, CI runs, sweeps, perf workloads, claims) comes from the method's declaration.
 * @module
 */
import type { Method, SweepSpec } from "../suite/method.ts";
import type { Sweep } from "./sweep.ts";
import { ConfigError } from "../suite/config.ts";
import { drlim } from "../methods/drlim.ts";
import { simclr } from "../methods/simclr.ts";
import { exemplar } from "../methods/exemplar.ts";
import { simsiam } from "../methods/simsiam.ts";
import { byol } from "../methods/byol.ts";
import { moco } from "../methods/moco.ts";
import { barlowTwins } from "../methods/barlow_twins.ts";
import { vicreg } from "../methods/vicreg.ts";

/** Every method by name. */
export const METHODS: Record<string, Method> = byName([
  drlim,
  simclr,
  exemplar,
  byol,
  simsiam,
  moco,
  barlowTwins,
  vicreg,
]);

/** Every method's sweeps by name. */
export const SWEEPS: Record<string, Sweep> = {};

/** What `bench:ci` runs: each method's CI grids, named "ci". */
export const CI_RUNS: Sweep[] = [];

for (const m of Object.values(METHODS)) addDerived(m);

/**
 * Registers a method defined outside this folder's list (a plugin, or the test that proves the
 * contract): every driver then knows it, its sweeps and its CI runs, as if it had a line above.
 */
export function registerMethod(m: Method): void {
  if (METHODS[m.name]) throw new TypeError(`a method named "${m.name}" is already registered`);
  METHODS[m.name] = m;
  addDerived(m);
}

function addDerived(m: Method): void {
  for (const s of m.sweeps as SweepSpec[]) {
    if (SWEEPS[s.name]) throw new TypeError(`two sweeps are named "${s.name}"`);
    SWEEPS[s.name] = { ...s, method: m.name };
  }
  CI_RUNS.push(...m.ci.map((g) => ({ ...g, name: "ci", method: m.name })));
}

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
