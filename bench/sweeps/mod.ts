/** The sweeps `deno task sweep NAME` knows, by name. @module */
import type { Sweep } from "../sweep.ts";
import { drlimMargin, drlimPairs } from "./drlim.ts";
import { simclrSweeps } from "./simclr.ts";
import { exemplarSweeps } from "./exemplar.ts";

/** Every shipped sweep by name. */
export const SWEEPS: Record<string, Sweep> = Object.fromEntries(
  [...drlimMargin, ...drlimPairs, ...simclrSweeps, ...exemplarSweeps].map((s) => [s.name, s]),
);
