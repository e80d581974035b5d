/**
 * `deno task bench:ci [--out DIR] [--baseline FILE] [--backend B]`: every method at its `ci`
 * preset with its CI seeds, into one folder (resumable: finished runs are skipped), then the
 * comparison against the committed baseline (`deno task compare`'s rule). Exits 1 on a failed run
 * or a regression. About 10 minutes on 2 cores with lavapipe; SimCLR's ci preset needs the
 * CIFAR-10 JPEG copy (see the README).
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { readResults } from "../core/csv.ts";
import { ConfigError } from "./config.ts";
import { parseBackend } from "./cli.ts";
import { runBenchmark } from "./runner.ts";
import { runSweep, type Sweep } from "./sweep.ts";
import { compare, comparisonTable } from "./compare.ts";
import { runIdOf } from "./report.ts";

/** What CI runs: each method's ci preset and seeds. */
export const CI_RUNS: Sweep[] = [
  { name: "ci", summary: "DrLIM ci", method: "drlim", presets: ["ci"], axes: [], seeds: [0, 1, 2] },
  { name: "ci", summary: "SimCLR ci", method: "simclr", presets: ["ci"], axes: [], seeds: [0, 1] },
];

if (import.meta.main) {
  try {
    const { values: v } = parseArgs({
      args: Deno.args,
      options: {
        out: { type: "string", default: "reports/ci-run" },
        baseline: { type: "string", default: "reports/baselines/ci.csv" },
        backend: { type: "string", default: "auto" },
        only: { type: "string" },
      },
      strict: true,
    });
    const backend = parseBackend(v.backend!);
    const only = v.only?.split(",");
    let failed = 0;
    for (const s of CI_RUNS.filter((s) => !only || only.includes(s.method))) {
      const st = await runSweep(s, { out: v.out, backend, quiet: true }, (a) => runBenchmark(a));
      failed += st.filter((x) => x.status === "failed").length;
    }
    const now = await readResults(join(v.out!, "results.csv"));
    // baseline rows of the methods run (a run id starts with its method's name)
    const base = (await readResults(v.baseline!)).filter((r) =>
      !only || only.includes(runIdOf(r).split("-")[0]!)
    );
    const cs = compare(now, base, { k: 3, floor: 0.02 });
    console.log(comparisonTable(cs));
    const bad = cs.filter((c) => c.verdict === "regression" || c.verdict === "missing").length;
    console.log(`\n${failed} failed run(s); ${bad} regression(s) or missing metric(s)`);
    Deno.exit(failed + bad > 0 ? 1 : 0);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(e instanceof ConfigError ? 2 : 1);
  }
}
