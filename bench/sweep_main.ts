/**
 * `deno task sweep NAME [--shard i/n] [--out DIR] [--reuse DIR,...] [--backend auto|webgpu|cpu]
 * [--quiet]` runs a shipped sweep (bench/sweeps/); `deno task sweep --list` lists them.
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "./config.ts";
import { parseBackend } from "./cli.ts";
import { runBenchmark } from "./runner.ts";
import { expandSweep, parseShard, runSweep } from "./sweep.ts";
import { SWEEPS } from "./sweeps/mod.ts";

function list(): string {
  return Object.values(SWEEPS).map((s) =>
    `  ${s.name.padEnd(24)} ${String(expandSweep(s).length).padStart(3)} runs  ${s.summary}`
  ).join("\n");
}

if (import.meta.main) {
  try {
    const { values: v, positionals } = parseArgs({
      args: Deno.args,
      options: {
        shard: { type: "string" },
        out: { type: "string" },
        reuse: { type: "string" },
        backend: { type: "string", default: "auto" },
        quiet: { type: "boolean", default: false },
        list: { type: "boolean", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (v.list || positionals.length === 0) {
      console.log(
        `deno task sweep NAME [--shard i/n] [--out DIR] [--reuse DIR,...] [--backend B] [--quiet]\n\n` +
          `--reuse copies runs finished in other output folders (same id = same config and seed)\n` +
          `instead of running them again.\n\nSweeps:\n${list()}`,
      );
      Deno.exit(positionals.length === 0 && !v.list ? 2 : 0);
    }
    const name = positionals[0]!;
    const sweep = SWEEPS[name];
    if (!sweep) throw new ConfigError(`Unknown sweep "${name}". Sweeps:\n${list()}`);
    const statuses = await runSweep(sweep, {
      out: v.out,
      shard: v.shard ? parseShard(v.shard) : undefined,
      reuse: v.reuse ? v.reuse.split(",").map((d) => d.trim()).filter(Boolean) : undefined,
      backend: parseBackend(v.backend!),
      quiet: v.quiet,
    }, (args) => runBenchmark(args));
    const count = (s: string) => statuses.filter((x) => x.status === s).length;
    console.log(
      `sweep ${name}: ${count("done")} ran, ${count("skipped")} skipped (finished before), ${
        count("reused")
      } copied from --reuse, ${count("failed")} failed`,
    );
    Deno.exit(count("failed") > 0 ? 1 : 0);
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(e instanceof ConfigError ? 2 : 1);
  }
}
