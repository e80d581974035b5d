/**
 * Command line of `deno task bench`:
 *   [--method M] [--preset P[,P...]] [--seed S] [--backend auto|webgpu|cpu] [--out DIR] [key=value ...]
 * Built on `node:util`'s parseArgs (Deno's std/cli is on JSR, which these machines cannot reach).
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "./config.ts";
import { BACKEND_CHOICES, type BackendChoice } from "../core/backend.ts";

/** Parsed command line. */
export interface CliArgs {
  method: string;
  presets: string[];
  seed: number;
  backend: BackendChoice;
  /** null: the default, reports/<method>-<presets> */
  out: string | null;
  overrides: string[];
  help: boolean;
  quiet: boolean;
}

/** Flags, for the error that lists them and for the help. */
export const FLAGS = {
  method: "method to run (default drlim)",
  preset: "preset name(s), comma-separated, applied in order over the defaults (default: default)",
  seed: "run seed, a non-negative integer; every random stream derives from it (default 0)",
  backend: "auto (WebGPU, else cpu with a warning), webgpu (fail without it) or cpu (default auto)",
  out: "output folder for results.csv, README.md and runs/ (default reports/<method>-<preset>)",
  quiet: "no progress bar",
  help: "show this help, generated from the method's defaults",
} as const;

/** Checks a `--backend` value; throws ConfigError listing the valid ones. */
export function parseBackend(text: string): BackendChoice {
  if (!BACKEND_CHOICES.includes(text as BackendChoice)) {
    throw new ConfigError(
      `Invalid --backend "${text}": expected one of ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  return text as BackendChoice;
}

/** Parses `argv` (without the program name); throws ConfigError with what is valid. */
export function parseCli(argv: string[], methods: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        method: { type: "string" },
        preset: { type: "string" },
        seed: { type: "string" },
        backend: { type: "string" },
        out: { type: "string" },
        quiet: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    const flags = Object.keys(FLAGS).map((f) => `--${f}`).join(", ");
    throw new ConfigError(
      `${(e as Error).message.split("\n")[0]}. Valid flags: ${flags}; other settings are key=value`,
    );
  }
  const v = parsed.values;
  const method = v.method ?? "drlim";
  if (!methods.includes(method)) {
    throw new ConfigError(`Unknown method "${method}": valid methods are ${methods.join(", ")}`);
  }
  const seedText = v.seed ?? "0";
  const seed = Number(seedText);
  if (!/^\d+$/.test(seedText) || !Number.isSafeInteger(seed)) {
    throw new ConfigError(`Invalid --seed "${seedText}": expected a non-negative integer`);
  }
  const backend = parseBackend(v.backend ?? "auto");
  const presets = (v.preset ?? "default").split(",").map((s) => s.trim()).filter(Boolean);
  if (presets.length === 0) throw new ConfigError("--preset needs at least one name");
  return {
    method,
    presets,
    seed,
    backend,
    out: v.out ?? null,
    overrides: parsed.positionals,
    help: v.help ?? false,
    quiet: v.quiet ?? false,
  };
}
