/**
 * `deno task sweep NAME [--shard i/n] [--seeds S,...] [--where KEY=V,...] [--out DIR]
 * [--reuse DIR,...] [--backend auto|webgpu|cpu] [--quiet]` runs a method's declared sweep; `deno task sweep --list` lists them.
 * @module
 */
import { ConfigError } from "../suite/config.ts";
import { BENCH_FLAGS, parseBackend, parseCount, parseList, runCommand } from "./cli.ts";
import { runBenchmark } from "./runner.ts";
import { expandSweep, parseShard, parseWhere, runSweep } from "./sweep.ts";
import { SWEEPS } from "./methods.ts";

function list(): string {
  return Object.values(SWEEPS).map((s) =>
    `  ${s.name.padEnd(24)} ${String(expandSweep(s).length).padStart(3)} runs  ${s.summary}`
  ).join("\n");
}

if (import.meta.main) {
  await runCommand({
    name: "deno task sweep",
    summary: "Runs a shipped sweep (each method declares its own) into one resumable folder. " +
      "--reuse copies runs finished in other output folders (same id = same config and seed) " +
      "instead of running them again.",
    flags: {
      shard: { type: "string", value: "i/n", help: "run every n-th point, starting at the i-th" },
      seeds: { type: "string", value: "S,...", help: "run only the points of these seeds" },
      where: {
        type: "string",
        value: "KEY=V,...",
        help: "run only the points with these axis values (e.g. epochs=4)",
      },
      out: { type: "string", value: "DIR", help: "output folder (default reports/sweep-NAME)" },
      reuse: { type: "string", value: "DIR,...", help: "folders to copy finished runs from" },
      backend: BENCH_FLAGS.backend,
      quiet: { type: "boolean", help: "no progress bars" },
      list: { type: "boolean", help: "list the sweeps and exit" },
    },
    positionals: "NAME",
    minPositionals: 0,
    maxPositionals: 1,
    more: () => `Sweeps:\n${list()}`,
  }, async (v, positionals) => {
    if (v.list) {
      console.log(`Sweeps:\n${list()}`);
      return 0;
    }
    const name = positionals[0];
    if (name === undefined) {
      throw new ConfigError(`usage: deno task sweep NAME (or --list). Sweeps:\n${list()}`);
    }
    const sweep = SWEEPS[name];
    if (!sweep) throw new ConfigError(`Unknown sweep "${name}". Sweeps:\n${list()}`);
    const statuses = await runSweep(sweep, {
      out: v.out,
      shard: v.shard ? parseShard(v.shard) : undefined,
      seeds: v.seeds ? parseList("seeds", v.seeds).map((x) => parseCount("seeds", x)) : undefined,
      where: v.where ? parseWhere(v.where, sweep) : undefined,
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
    return count("failed") > 0 ? 1 : 0;
  });
}
