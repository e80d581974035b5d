/**
 * `deno task bench`: runs a method (DrLIM by default) on embedded data and writes its report.
 * @module
 */
import { parseCli } from "./cli.ts";
import { ConfigError } from "./config.ts";
import { helpText, runBenchmark } from "./runner.ts";
import { METHODS } from "./methods.ts";

if (import.meta.main) {
  try {
    const args = parseCli(Deno.args, Object.keys(METHODS));
    if (args.help) {
      console.log(helpText(args.method));
      Deno.exit(0);
    }
    const s = await runBenchmark(args);
    console.log(
      `\n${s.runId}: ${s.wallS.toFixed(1)} s on ${s.backend.backend} (${s.backend.adapter})`,
    );
    for (const r of s.rows) {
      console.log(
        `  ${String(r.method).padEnd(7)} ${String(r.metric).padEnd(20)} ${
          Number(r.value).toFixed(4)
        }  [${r.protocol}]`,
      );
    }
    console.log(`Report: ${s.outDir}/README.md`);
    Deno.exit(0);
  } catch (e) {
    const err = e as Error;
    console.error(`\nerror: ${err.message}`);
    if (err instanceof ConfigError) {
      console.error("Run with --help to see every flag, key and preset.");
    } else if (
      !["NonFiniteLossError", "BackendError", "IdxError", "DownloadError"].includes(err.name) &&
      !err.message.startsWith("Cannot write")
    ) {
      console.error(err.stack);
    }
    Deno.exit(err instanceof ConfigError ? 2 : 1);
  }
}
