/**
 * The one command-line wrapper every entry point (bench, sweep, report, compare, merge, perf,
 * bench:ci) runs under: `--help` on each, usage errors (a bad flag, a missing value, a bad
 * value) exit 2 and say what is valid, runtime failures exit 1; every message names what the
 * user typed. Built on `node:util`'s parseArgs (Deno's std/cli is on JSR, which these machines
 * cannot reach). And the flags of `deno task bench` itself.
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../suite/config.ts";
import { BACKEND_CHOICES, type BackendChoice } from "../core/backend.ts";

/** A flag of a command: a string value or a switch, with its help line. */
export interface Flag {
  type: "string" | "boolean";
  help: string;
  /** placeholder of the value in the help, e.g. "DIR" */
  value?: string;
  default?: string;
}

/** A command's flags and positionals, as the help shows them. */
export interface CommandSpec<F extends Record<string, Flag>> {
  /** how it is run, e.g. "deno task sweep" */
  name: string;
  /** what it does, one paragraph */
  summary: string;
  flags: F;
  /** positionals in the usage line, e.g. "NAME" or "DIR [DIR ...]" ("" = none) */
  positionals: string;
  /** how many positionals it takes */
  minPositionals: number;
  maxPositionals: number;
  /** more help after the flags (keys, presets, sweeps) */
  more?: () => string;
  /** the whole help, when it depends on the flags given (bench: the chosen method's keys) */
  helpFor?: (values: FlagValues<F>) => string;
}

/** The values a command's flags were given. */
export type FlagValues<F extends Record<string, Flag>> = {
  [K in keyof F]: F[K]["type"] extends "boolean" ? boolean : string | undefined;
};

/** Help text of a command, from its spec. */
export function commandHelp<F extends Record<string, Flag>>(spec: CommandSpec<F>): string {
  const all: Record<string, Flag> = {
    ...spec.flags,
    help: { type: "boolean", help: "show this help" },
  };
  const flags = Object.entries(all)
    .map(([f, d]) => {
      const head = `--${f}${d.type === "string" ? ` ${d.value ?? "VALUE"}` : ""}`;
      const def = d.type === "string" && d.default !== undefined ? ` (default ${d.default})` : "";
      return `  ${head.padEnd(22)} ${d.help}${def}`;
    });
  return [
    `${spec.name} [flags]${spec.positionals ? ` ${spec.positionals}` : ""}`,
    "",
    spec.summary,
    "",
    "Flags:",
    ...flags,
    ...(spec.more ? ["", spec.more()] : []),
  ].join("\n");
}

/**
 * Parses `argv` by the spec: string flags take the next word as their value even when it starts
 * with a dash (`--seed -1` is then rejected by the command's own check, naming "-1"); a string
 * flag without a value, an unknown flag or a wrong number of positionals is a ConfigError that
 * lists what is valid.
 */
export function parseCommand<F extends Record<string, Flag>>(
  spec: CommandSpec<F>,
  argv: string[],
): { values: FlagValues<F>; positionals: string[]; help: boolean } {
  const names = Object.keys(spec.flags);
  const valid = () => [...names, "help"].map((f) => `--${f}`).join(", ");
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([^=]+)$/.exec(a);
    const flag = m ? spec.flags[m[1]!] : undefined;
    if (flag?.type === "string") {
      const next = argv[i + 1];
      if (next === undefined || /^--[a-z]/.test(next)) {
        throw new ConfigError(
          `${a} needs a value (${a} ${flag.value ?? "VALUE"}: ${flag.help})`,
        );
      }
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [f, d] of Object.entries(spec.flags)) options[f] = { type: d.type };
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0]!.replace(/\. To specify.*$/, "");
    throw new ConfigError(`${msg}. Valid flags: ${valid()}`);
  }
  const values: Record<string, unknown> = {};
  for (const [f, d] of Object.entries(spec.flags)) {
    const v = (parsed.values as Record<string, unknown>)[f];
    values[f] = d.type === "boolean" ? v === true : (v as string | undefined) ?? d.default;
  }
  const help = parsed.values.help === true;
  const pos = parsed.positionals;
  if (!help && (pos.length < spec.minPositionals || pos.length > spec.maxPositionals)) {
    const got = pos.length ? `got ${pos.map((p) => `"${p}"`).join(" ")}` : "got none";
    throw new ConfigError(
      `usage: ${spec.name} [flags]${spec.positionals ? ` ${spec.positionals}` : ""} (${got})`,
    );
  }
  return { values: values as FlagValues<F>, positionals: pos, help };
}

/** Errors whose message says all (no stack trace): the user's input or the machine's state. */
const EXPECTED = new Set([
  "NonFiniteLossError",
  "BackendError",
  "IdxError",
  "DownloadError",
  "InterruptedError",
]);

/**
 * Runs a command: parses, answers `--help`, calls `main` and exits with its status (0 or 1),
 * 2 on a ConfigError (bad input: "Run with --help" follows), 1 on any other error.
 */
export async function runCommand<F extends Record<string, Flag>>(
  spec: CommandSpec<F>,
  main: (values: FlagValues<F>, positionals: string[]) => Promise<number>,
  argv: string[] = Deno.args,
): Promise<never> {
  let status: number;
  try {
    const { values, positionals, help } = parseCommand(spec, argv);
    if (help) {
      console.log(spec.helpFor ? spec.helpFor(values) : commandHelp(spec));
      Deno.exit(0);
    }
    status = await main(values, positionals);
  } catch (e) {
    const err = e as Error;
    console.error(`\nerror: ${err.message}`);
    if (err instanceof ConfigError) {
      console.error(`Run ${spec.name} --help to see what is valid.`);
      Deno.exit(2);
    }
    if (!EXPECTED.has(err.name) && !err.message.startsWith("Cannot write")) {
      // the frames only: the message was printed above
      const frames = (err.stack ?? "").split("\n").filter((l) => /^\s+at /.test(l));
      if (frames.length) console.error(frames.join("\n"));
    }
    status = 1;
  }
  Deno.exit(status);
}

/** Checks a `--backend` value; throws ConfigError listing the valid ones. */
export function parseBackend(text: string): BackendChoice {
  if (!BACKEND_CHOICES.includes(text as BackendChoice)) {
    throw new ConfigError(
      `Invalid --backend "${text}": expected one of ${BACKEND_CHOICES.join(", ")}`,
    );
  }
  return text as BackendChoice;
}

/** A non-negative integer flag value; a ConfigError naming the flag and the text otherwise. */
export function parseCount(flag: string, text: string, min = 0): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    const want = min === 0 ? "a non-negative integer" : `an integer >= ${min}`;
    throw new ConfigError(`Invalid --${flag} "${text}": expected ${want}`);
  }
  return n;
}

/** A number >= 0 flag value; a ConfigError naming the flag and the text otherwise. */
export function parseNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !(n >= 0) || !Number.isFinite(n)) {
    throw new ConfigError(`Invalid --${flag} "${text}": expected a number >= 0`);
  }
  return n;
}

/** A comma-separated list flag, each item checked against `valid` when given. */
export function parseList(flag: string, text: string, valid?: readonly string[]): string[] {
  const items = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new ConfigError(`--${flag} needs at least one name`);
  const bad = valid ? items.filter((i) => !valid.includes(i)) : [];
  if (bad.length) {
    throw new ConfigError(
      `Invalid --${flag} "${bad.join(",")}": expected one or more of ${valid!.join(", ")}`,
    );
  }
  return items;
}

/** Parsed command line of `deno task bench`. */
export interface CliArgs {
  method: string;
  presets: string[];
  seed: number;
  backend: BackendChoice;
  /** null: the default, out/<method>-<presets> (ignored by git; reports/ is what is published) */
  out: string | null;
  overrides: string[];
  help: boolean;
  quiet: boolean;
}

/** The flags of `deno task bench`. */
export const BENCH_FLAGS = {
  method: { type: "string", value: "M", help: "method to run", default: "drlim" },
  preset: {
    type: "string",
    value: "P[,P...]",
    help: "preset name(s), applied in order over the defaults",
    default: "default",
  },
  seed: {
    type: "string",
    value: "S",
    help: "run seed, a non-negative integer; every random stream derives from it",
    default: "0",
  },
  backend: {
    type: "string",
    value: "B",
    help: "auto (WebGPU, else cpu with a warning), webgpu (fail without it) or cpu",
    default: "auto",
  },
  out: {
    type: "string",
    value: "DIR",
    help:
      "output folder for results.csv, README.md and runs/ (default out/<method>-<preset>, ignored by git; publish with --out reports/...)",
  },
  quiet: { type: "boolean", help: "no progress bar or phase lines" },
} as const satisfies Record<string, Flag>;

/** The command spec of `deno task bench` (its help adds the method's keys and presets). */
export function benchCommand(more?: () => string): CommandSpec<typeof BENCH_FLAGS> {
  return {
    name: "deno task bench",
    summary: "Runs one method under one configuration and seed, and writes its report.",
    flags: BENCH_FLAGS,
    positionals: "[key=value ...]",
    minPositionals: 0,
    maxPositionals: Infinity,
    more,
  };
}

/** Parses `argv` (without the program name); throws ConfigError with what is valid. */
export function parseCli(argv: string[], methods: readonly string[]): CliArgs {
  const { values, positionals, help } = parseCommand(benchCommand(), argv);
  return benchArgs(values, positionals, help, methods);
}

/** The arguments of `deno task bench` from its parsed flags and positionals. */
export function benchArgs(
  v: FlagValues<typeof BENCH_FLAGS>,
  positionals: string[],
  help: boolean,
  methods: readonly string[],
): CliArgs {
  const method = v.method!;
  if (!methods.includes(method)) {
    throw new ConfigError(`Unknown method "${method}": valid methods are ${methods.join(", ")}`);
  }
  const bad = positionals.find((p) => !p.includes("="));
  if (bad !== undefined) {
    throw new ConfigError(
      `Cannot read "${bad}": settings are written key=value (e.g. epochs=2); flags start with --`,
    );
  }
  return {
    method,
    presets: parseList("preset", v.preset!),
    seed: parseCount("seed", v.seed!),
    backend: parseBackend(v.backend!),
    out: v.out ?? null,
    overrides: positionals,
    help,
    quiet: v.quiet,
  };
}
