/** The registry of methods `deno task bench --method M` can run. @module */
import type { MethodSpec } from "./method.ts";
import type { Config } from "./config.ts";
import { drlim } from "../methods/drlim.ts";
import { simclr } from "../methods/simclr.ts";
import { exemplarCnn } from "../methods/exemplar_cnn.ts";

/** Every method by name. */
export const METHODS: Record<string, MethodSpec<Config>> = {
  drlim: drlim as unknown as MethodSpec<Config>,
  simclr: simclr as unknown as MethodSpec<Config>,
  exemplar: exemplarCnn as unknown as MethodSpec<Config>,
};
