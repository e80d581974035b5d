/**
 * A run's results rows: its measured numbers with the provenance every row carries (seed, config
 * hash, backend, adapter, commit, versions). One function for `deno task bench` and the browser
 * runner, so that a tab's row and a terminal's row have the same columns and meanings.
 * @module
 */
import type { ResultRow } from "../io/csv.ts";
import type { BackendInfo } from "../core/backend.ts";
import type { MetricRow } from "./method.ts";

/** A run's id: a function of method, presets, seed and the resolved config's hash. */
export function runIdFor(method: string, presets: string[], seed: number, hash: string): string {
  return `${method}-${presets.join("+")}-seed${seed}-${hash.slice(0, 8)}`;
}

/** What a run's rows say besides its numbers. */
export interface RunMeta {
  seed: number;
  /** configHash of the resolved config */
  hash: string;
  runId: string;
  presets: string[];
  overrides: string[];
  backend: BackendInfo;
  /** the code's commit, "-dirty" appended when the working tree differs from it */
  commit: string;
  startedAt: string;
  wallS: number;
  imagesPerS: number;
  /** the host: Deno's version, or the browser's name and version */
  deno: string;
  tfjs: string;
}

/** The results rows of a run's measured numbers. */
export function resultRows(rows: MetricRow[], m: RunMeta): ResultRow[] {
  return rows.map((r) => ({
    method: r.method,
    dataset: r.dataset,
    protocol: r.protocol,
    features: r.features ?? "",
    metric: r.metric,
    value: r.value,
    seed: m.seed,
    config_hash: m.hash,
    backend: m.backend.backend,
    adapter: m.backend.adapter,
    commit: m.commit,
    started_at: m.startedAt,
    wall_s: Number(m.wallS.toFixed(1)),
    images_per_s: Number(m.imagesPerS.toFixed(1)),
    run_id: m.runId,
    preset: m.presets.join("+"),
    overrides: m.overrides.join(" "),
    fallback_adapter: String(m.backend.fallbackAdapter),
    kernels: m.backend.kernels,
    deno: m.deno,
    tfjs: m.tfjs,
  }));
}
