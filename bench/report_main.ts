/**
 * `deno task report DIR [DIR ...]`: regenerates each folder's README.md from its results.csv and
 * run logs, without retraining.
 * @module
 */
import { writeReport } from "./report.ts";

if (import.meta.main) {
  if (Deno.args.length === 0) {
    console.error("usage: deno task report DIR [DIR ...]  (folders written by bench or sweep)");
    Deno.exit(2);
  }
  for (const dir of Deno.args) {
    try {
      await writeReport(dir);
      console.log(`${dir}/README.md`);
    } catch (e) {
      console.error(`error: ${dir}: ${(e as Error).message}`);
      Deno.exit(1);
    }
  }
}
