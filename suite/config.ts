/**
 * Typed configuration: each method has one object of defaults (the types come from it), a
 * doc line per key, and presets that are small diffs over the defaults. `key=value` overrides
 * are parsed by the type of the default; an unknown key or a wrong type is an error that lists
 * what is valid. Help text is generated from the same objects, so it cannot drift.
 * @module
 */
import { sha256Hex } from "./sha256.ts";

/** A configuration value. */
export type ConfigValue = number | string | boolean;
/** A resolved configuration. */
export type Config = Record<string, ConfigValue>;

/** What the help says about a key, and the constraints its values must meet. */
export interface KeyDoc {
  help: string;
  /** allowed values of a string key */
  choices?: readonly string[];
  /** numbers: must be integers */
  integer?: boolean;
  /** numbers: inclusive lower bound */
  min?: number;
  /** numbers: inclusive upper bound */
  max?: number;
  /** strings: a check returning an error message, or null when valid */
  check?: (v: string) => string | null;
}

/** One {@linkcode KeyDoc} per key of a config type. */
export type Docs<C extends Config> = { [K in keyof C]: KeyDoc };

/** Error in user input (flags, keys, values): its message says what is valid. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * A run's data is not on this machine (and cannot be fetched): the message says where it was
 * looked for and how to provide it. `bench:ci --skip-missing-data` skips such a method.
 */
export class DataUnavailableError extends ConfigError {
  override name = "DataUnavailableError";
}

function describe(def: ConfigValue, doc: KeyDoc): string {
  if (doc.choices) return `one of ${doc.choices.join(", ")}`;
  if (typeof def === "boolean") return "true or false";
  if (typeof def === "number") {
    const bounds = [
      doc.min !== undefined ? `>= ${doc.min}` : "",
      doc.max !== undefined ? `<= ${doc.max}` : "",
    ]
      .filter(Boolean).join(" and ");
    return `${doc.integer ? "an integer" : "a number"}${bounds ? " " + bounds : ""}`;
  }
  return "a string";
}

/** Checks one value against its default's type and its doc's constraints. */
export function checkValue(
  key: string,
  v: ConfigValue,
  def: ConfigValue,
  doc: KeyDoc,
  /** what the user typed, for the message (default: the value) */
  typed: string = JSON.stringify(v),
): void {
  const want = describe(def, doc);
  const bad = (why = "") =>
    new ConfigError(`Invalid value ${typed} for ${key}: expected ${want}${why}`);
  if (typeof v !== typeof def) throw bad();
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw bad();
    if (doc.integer && !Number.isInteger(v)) throw bad();
    if (doc.min !== undefined && v < doc.min) throw bad();
    if (doc.max !== undefined && v > doc.max) throw bad();
  }
  if (typeof v === "string") {
    if (doc.choices && !doc.choices.includes(v)) throw bad();
    const msg = doc.check?.(v);
    if (msg) throw bad(` (${msg})`);
  }
}

/** Parses the text of a `key=value` override by the type of the key's default. */
export function parseValue(key: string, raw: string, def: ConfigValue, doc: KeyDoc): ConfigValue {
  let v: ConfigValue;
  if (typeof def === "number") {
    v = raw.trim() === "" ? NaN : Number(raw);
  } else if (typeof def === "boolean") {
    if (raw !== "true" && raw !== "false") {
      throw new ConfigError(`Invalid value "${raw}" for ${key}: expected true or false`);
    }
    v = raw === "true";
  } else v = raw;
  checkValue(key, v, def, doc, JSON.stringify(raw));
  return v;
}

/**
 * Resolves defaults + presets (applied in order) + `key=value` overrides, validating all.
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const cfg = resolveConfig({ lr: 0.1, opt: "sgd" }, { lr: { help: "" }, opt: { help: "", choices: ["sgd", "adam"] } },
 *   {}, [], ["lr=0.5"]);
 * cfg.lr; // 0.5
 * ```
 */
export function resolveConfig<C extends Config>(
  defaults: C,
  docs: Docs<C>,
  presets: Record<string, Partial<C>>,
  presetNames: string[],
  overrides: string[],
): C {
  const cfg: Config = { ...defaults };
  for (const name of presetNames) {
    const p = presets[name];
    if (!p) {
      throw new ConfigError(
        `Unknown preset "${name}": valid presets are ${Object.keys(presets).join(", ")}`,
      );
    }
    Object.assign(cfg, p);
  }
  const keys = Object.keys(defaults);
  for (const o of overrides) {
    const eq = o.indexOf("=");
    if (eq <= 0) {
      throw new ConfigError(
        `Cannot read "${o}": overrides are written key=value, e.g. ${keys[0]}=${
          defaults[keys[0]!]
        }`,
      );
    }
    const key = o.slice(0, eq), raw = o.slice(eq + 1);
    if (!(key in defaults)) {
      throw new ConfigError(`Unknown key "${key}": valid keys are ${keys.join(", ")}`);
    }
    cfg[key] = parseValue(key, raw, defaults[key]!, docs[key]!);
  }
  for (const k of keys) checkValue(k, cfg[k]!, defaults[k]!, docs[k]!);
  return cfg as C;
}

/** Stable hash of a method's resolved configuration (sorted keys), 12 hex digits. */
export function configHash(method: string, cfg: Config): string {
  const canonical = JSON.stringify([method, Object.keys(cfg).sort().map((k) => [k, cfg[k]])]);
  return sha256Hex(canonical).slice(0, 12);
}

/** Help for a method's keys, generated from its defaults, docs and presets. */
export function configHelp<C extends Config>(
  defaults: C,
  docs: Docs<C>,
  presets: Record<string, Partial<C>>,
): string {
  const keys = Object.keys(defaults);
  const w = Math.max(...keys.map((k) => k.length));
  const lines = keys.map((k) => {
    const d = docs[k]!;
    return `  ${k.padEnd(w)}  ${JSON.stringify(defaults[k])}  ${d.help} (${
      describe(defaults[k]!, d)
    })`;
  });
  const pre = Object.entries(presets).map(([n, p]) => {
    const diff = Object.entries(p).map(([k, v]) => `${k}=${v}`).join(" ");
    return `  ${n.padEnd(w)}  ${diff || "(the defaults)"}`;
  });
  return `Keys (key=value, default, meaning):\n${
    lines.join("\n")
  }\n\nPresets (--preset NAME[,NAME...], applied in order):\n${pre.join("\n")}`;
}
