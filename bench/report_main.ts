/**
 * `deno task report DIR [DIR ...]`: regenerates each folder's README.md from its results.csv and
 * run logs, without retraining.
 * @module
 */
import { runCommand } from "./cli.ts";
import { ConfigError } from "../suite/config.ts";
import { writeReport } from "./report.ts";

if (import.meta.main) {
  await runCommand({
    name: "deno task report",
    summary: "Regenerates each folder's README.md (and plots) from its results.csv and run " +
      "logs, without training. Each DIR is a folder written by bench, sweep or merge.",
    flags: {},
    positionals: "DIR [DIR ...]",
    minPositionals: 1,
    maxPositionals: Infinity,
  }, async (_, dirs) => {
    for (const dir of dirs) {
      try {
        await writeReport(dir);
      } catch (e) {
        // the folder the user named is missing or holds a bad results.csv: bad input (exit 2)
        throw new ConfigError(`${dir}: ${(e as Error).message}`);
      }
      console.log(`${dir}/README.md`);
    }
    return 0;
  });
}
