/**
 * `deno task bench`: runs a method (DrLIM by default) on embedded data and writes its report.
 * @module
 */
import { benchArgs, benchCommand, runCommand } from "./cli.ts";
import { helpText, runBenchmark } from "./runner.ts";
import { METHODS } from "./methods.ts";

if (import.meta.main) {
  const spec = { ...benchCommand(), helpFor: (v: { method?: string }) => helpText(v.method!) };
  await runCommand(spec, async (values, positionals) => {
    const s = await runBenchmark(benchArgs(values, positionals, false, Object.keys(METHODS)));
    console.log(
      `\n${s.runId}: ${s.wallS.toFixed(1)} s on ${s.backend.backend} (${s.backend.adapter})`,
    );
    for (const r of s.rows) {
      console.log(
        `  ${String(r.method).padEnd(11)} ${String(r.metric).padEnd(20)} ${
          Number(r.value).toFixed(4)
        }  [${r.protocol}]`,
      );
    }
    console.log(`Report: ${s.outDir}/README.md`);
    return 0;
  });
}
