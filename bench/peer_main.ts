/**
 * `deno task peer`: a two-view method's run in PyTorch on the same recipe as the suite's
 * (bench/peers/ssl_run.py, bench/peer.ts), one run per seed, into a folder of the suite's own
 * shape (results.csv, runs/<id>/log.jsonl, README.md). Resumable: a seed whose run already has
 * rows is skipped. Needs a python3 with torch (Debian: `apt-get install python3-torch`).
 * @module
 */
import { join } from "node:path";
import { appendResults, readResults, type ResultRow } from "../io/csv.ts";
import { writeFileAtomic } from "../io/atomic.ts";
import { hostCpu, provenance } from "../io/provenance.ts";
import { ConfigError, configHash } from "../suite/config.ts";
import { resultRows, runIdFor } from "../suite/results.ts";
import { type Flag, parseCount, parseList, runCommand } from "./cli.ts";
import { METHODS } from "./methods.ts";
import { checkResultsFile, ensureWritable } from "./runner.ts";
import { writeReport } from "./report.ts";
import {
  checkPeerRun,
  PEER_METHODS,
  PEER_SCRIPT,
  peerArgs,
  peerMetricRows,
  type PeerRun,
  writePeerData,
} from "./peer.ts";

const FLAGS = {
  method: {
    type: "string",
    value: "M",
    help: `two-view method: ${PEER_METHODS.join(", ")}`,
    default: "simclr",
  },
  preset: {
    type: "string",
    value: "P[,P...]",
    help: "the suite's preset(s) whose recipe to run",
    default: "reference",
  },
  seeds: { type: "string", value: "S[,S...]", help: "seeds, one run each", default: "0,1,2" },
  threads: {
    type: "string",
    value: "N",
    help: "torch threads (the suite's runs use every core: give the cores they had)",
    default: "2",
  },
  out: {
    type: "string",
    value: "DIR",
    help: "output folder (default out/<method>-<preset>-pytorch; publish with --out reports/...)",
  },
} as const satisfies Record<string, Flag>;

/** The python that runs the peer: $PYTHON, else Debian's. */
function python(): string {
  return Deno.env.get("PYTHON") ?? "/usr/bin/python3";
}

if (import.meta.main) {
  const repo = new URL("../", import.meta.url).pathname;
  await runCommand({
    name: "deno task peer",
    summary:
      "Runs a two-view method's recipe (a preset and key=value overrides) in PyTorch on the " +
      "same data, networks, augmentation, loss, optimiser, schedule and evaluation as the suite's " +
      "run, one run per seed; writes results.csv and a report whose rows line up with the " +
      "suite's (backend pytorch). Needs python3 with torch ($PYTHON, else /usr/bin/python3).",
    flags: FLAGS,
    positionals: "[key=value ...]",
    minPositionals: 0,
    maxPositionals: Infinity,
  }, async (v, overrides) => {
    const method = v.method!;
    if (!(PEER_METHODS as readonly string[]).includes(method) || !METHODS[method]) {
      throw new ConfigError(
        `Invalid --method "${method}": expected one of ${PEER_METHODS.join(", ")}`,
      );
    }
    const presets = parseList("preset", v.preset!);
    const seeds = parseList("seeds", v.seeds!).map((s) => parseCount("seeds", s));
    const threads = parseCount("threads", v.threads!, 1);
    const config = METHODS[method]!.resolve(presets, overrides).config;
    const args = peerArgs(method, config);
    const hash = configHash(method, config);
    const outDir = v.out ?? join("out", `${method}-${presets.join("+")}-pytorch`);
    await ensureWritable(outDir);
    const csv = join(outDir, "results.csv");
    await checkResultsFile(csv);
    const done = new Set(
      (await readResults(csv).catch(() => [])).map((r) => r.run_id),
    );
    const todo = seeds.filter((s) => !done.has(peerRunId(method, presets, s, hash)));
    for (const s of seeds.filter((s) => !todo.includes(s))) {
      console.error(`seed ${s}: already in ${csv}, skipped`);
    }
    if (todo.length === 0) return 0;
    const prov = await provenance();
    const host = await hostCpu();
    const tmp = await Deno.makeTempDir({ prefix: "ssl-peer-" });
    try {
      const t0 = performance.now();
      console.error(`data: writing the run's ${config.dataset} splits for the peer`);
      const data = await writePeerData(config, tmp);
      const dataS = (performance.now() - t0) / 1000;
      for (const seed of todo) {
        const runId = peerRunId(method, presets, seed, hash);
        const runDir = join(outDir, "runs", runId);
        await Deno.mkdir(runDir, { recursive: true });
        const startedAt = new Date().toISOString();
        const full = [...args, "--data", data.prefix, "--seed", String(seed)];
        full.push("--threads", String(threads));
        const log: Record<string, unknown>[] = [{
          type: "config",
          run_id: runId,
          method,
          presets,
          seed,
          config,
          config_hash: hash,
          ...prov,
          backend: "pytorch",
          host_cpu: host,
          peer: { script: PEER_SCRIPT, args, threads },
          started_at: startedAt,
        }];
        const w0 = performance.now();
        const out = await new Deno.Command(python(), {
          args: [join(repo, PEER_SCRIPT), ...full],
          stdout: "piped",
          stderr: "inherit",
        }).output();
        const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
        if (!out.success || !text.startsWith("{")) {
          log.push({ type: "error", error: "PeerError", message: `exit ${out.code}` });
          await writeLog(runDir, log);
          throw new Error(
            `the PyTorch peer (${python()} ${PEER_SCRIPT}) failed for seed ${seed}, exit ` +
              `${out.code}: its messages are above. Without torch: apt-get install python3-torch`,
          );
        }
        const run = checkPeerRun(JSON.parse(text));
        const wallS = (performance.now() - w0) / 1000 + dataS;
        const rows = peerMetricRows(run, method, config, data);
        const perEpoch = Math.floor(data.train / Math.min(Number(config.batch), data.train));
        log.push(
          { type: "data", dataset: data.dataset, train: data.train, test: data.test },
          { type: "phases", data_s: dataS, train_s: run.train_s, eval_s: run.eval_s },
          {
            type: "loss_curve",
            every: perEpoch,
            points: run.epoch_losses.map((l, i) => [(i + 1) * perEpoch, l]),
          },
          { type: "result", rows, images_per_s: run.images_per_s, torch: run.torch },
        );
        await writeLog(runDir, log);
        await appendResults(
          csv,
          peerResultRows(rows, run, host, {
            seed,
            hash,
            runId,
            presets,
            overrides,
            commit: prov.commit + (prov.dirty ? "-dirty" : ""),
            startedAt,
            wallS,
            deno: prov.deno,
          }),
          { replaceRun: runId },
        );
        console.error(`seed ${seed}: ${runId} done in ${wallS.toFixed(0)} s`);
      }
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
    await writeReport(outDir);
    console.log(`Report: ${outDir}/README.md`);
    return 0;
  });
}

/** A peer run's id: the suite's id of the same config and seed, with "-pytorch". */
export function peerRunId(method: string, presets: string[], seed: number, hash: string): string {
  return `${runIdFor(method, presets, seed, hash)}-pytorch`;
}

async function writeLog(runDir: string, records: Record<string, unknown>[]): Promise<void> {
  await writeFileAtomic(
    join(runDir, "log.jsonl"),
    records.map((r) => JSON.stringify(r)).join("\n") + "\n",
  );
}

/** Results rows of a peer run: the suite's columns, with PyTorch and the host as the backend. */
export function peerResultRows(
  rows: ReturnType<typeof peerMetricRows>,
  run: PeerRun,
  host: string,
  m: {
    seed: number;
    hash: string;
    runId: string;
    presets: string[];
    overrides: string[];
    commit: string;
    startedAt: string;
    wallS: number;
    deno: string;
  },
): ResultRow[] {
  const none = { backend: "cpu", adapter: "", fallbackAdapter: null, kernels: "n/a" } as const;
  return resultRows(rows, { ...m, backend: none, imagesPerS: run.images_per_s, tfjs: "" })
    .map((r) => ({
      ...r,
      backend: "pytorch",
      adapter: `cpu (${host}), ${run.threads} threads`,
      fallback_adapter: "",
      kernels: `torch ${run.torch}`,
    }));
}
