/**
 * `deno task perf`: step time (median after warm-up) and images/s of the suite's training steps,
 * with the PyTorch peer (bench/peers/) run in the same invocation when a Python with torch is
 * present, so each row carries a ratio measured on one machine in one run. Writes perf.csv and
 * perf.md (atomically) to --out.
 *
 * Models timed so far: (a) the DrLIM paper network, pair step (2 x batch images), Adam.
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { stringify } from "csv-stringify/sync";
import { initBackend } from "../core/backend.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { provenance } from "../core/provenance.ts";
import { Rng } from "../core/rng.ts";
import {
  createNetwork,
  disposeOptimizer,
  drlimOptimizer,
  drlimStep,
  SIDE,
} from "../methods/drlim.ts";
import { ConfigError } from "./config.ts";
import { parseBackend } from "./cli.ts";

/** The PyTorch peer's answer for one workload. */
export interface PeerResult {
  torch: string;
  device: string;
  median_ms: number;
  images_per_s: number;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Times the DrLIM pair step: returns per-step wall times in ms (after `warmup` steps). */
export async function timeDrlimStep(
  batch: number,
  steps: number,
  warmup: number,
): Promise<number[]> {
  const rng = new Rng(0, "perf");
  const net = createNetwork("paper", "relu", rng);
  const opt = drlimOptimizer({ optimizer: "adam", lr: 1e-3, momentum: 0 });
  const xb = Float32Array.from({ length: 2 * batch * SIDE * SIDE }, () => rng.float());
  const yb = Float32Array.from({ length: batch }, () => rng.int(2));
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const l = drlimStep(net, opt, xb, yb, 1);
    await l.data(); // the training loop reads the loss every step too
    l.dispose();
    if (i >= warmup) times.push(performance.now() - t0);
  }
  net.dispose();
  disposeOptimizer(opt);
  return times;
}

/** Runs a PyTorch peer script; null (with the reason) when no Python with torch is present. */
export async function runPeer(
  script: string,
  args: string[],
): Promise<PeerResult | { error: string }> {
  const candidates = [Deno.env.get("PYTHON"), "/usr/bin/python3", "python3"].filter(
    Boolean,
  ) as string[];
  let last = "no python3 found";
  for (const py of candidates) {
    try {
      const out = await new Deno.Command(py, {
        args: [script, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
      if (out.success && text.startsWith("{")) return JSON.parse(text) as PeerResult;
      last = `${py}: ${new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "failed"}`;
    } catch (e) {
      last = `${py}: ${(e as Error).message}`;
    }
  }
  return { error: last };
}

if (import.meta.main) {
  try {
    const { values: v } = parseArgs({
      args: Deno.args,
      options: {
        batch: { type: "string", default: "512" },
        steps: { type: "string", default: "5" },
        warmup: { type: "string", default: "2" },
        backend: { type: "string", default: "auto" },
        out: { type: "string", default: "reports/perf" },
        "no-peer": { type: "boolean", default: false },
      },
      strict: true,
    });
    const int = (name: string, s: string) => {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 1) {
        throw new ConfigError(`Invalid --${name} "${s}": expected an integer >= 1`);
      }
      return n;
    };
    const batch = int("batch", v.batch!),
      steps = int("steps", v.steps!),
      warmup = int("warmup", v.warmup!);
    const backendChoice = parseBackend(v.backend!);
    await Deno.mkdir(v.out!, { recursive: true });
    const backend = await initBackend(backendChoice);
    const prov = await provenance();
    console.error(
      `timing the DrLIM pair step, ${batch} pairs, on ${backend.backend} (${backend.adapter})...`,
    );
    const ms = median(await timeDrlimStep(batch, steps, warmup));
    const threads = String(navigator.hardwareConcurrency || 1);
    const peer = v["no-peer"]
      ? { error: "skipped (--no-peer)" }
      : await runPeer(new URL("./peers/drlim_step.py", import.meta.url).pathname, [
        "--batch",
        String(batch),
        "--steps",
        String(Math.max(steps, 5)),
        "--warmup",
        String(warmup),
        "--threads",
        threads,
      ]);
    const ok = "median_ms" in peer;
    const row = {
      work: "drlim paper net, pair step (fwd+bwd+Adam), loss read every step",
      batch_images: 2 * batch,
      backend: backend.backend,
      adapter: backend.adapter,
      kernels: backend.kernels,
      median_ms: Number(ms.toFixed(2)),
      images_per_s: Number((2 * batch / (ms / 1000)).toFixed(1)),
      peer: ok ? `PyTorch ${peer.torch}` : "none",
      peer_device: ok ? peer.device : peer.error,
      peer_median_ms: ok ? Number(peer.median_ms.toFixed(2)) : "",
      ratio: ok ? Number((ms / peer.median_ms).toFixed(1)) : "",
      deno: prov.deno,
      tfjs: prov.tfjs,
      commit: prov.commit + (prov.dirty ? "-dirty" : ""),
      date: new Date().toISOString(),
    };
    const cols = Object.keys(row);
    await writeFileAtomic(
      join(v.out!, "perf.csv"),
      stringify([row], { header: true, columns: cols }),
    );
    const md = [
      "# Training step time: TF.js in Deno vs PyTorch, same machine, same run",
      "",
      "Generated by `deno task perf`; median after warm-up; ratio = TF.js time / PyTorch time.",
      "",
      `| ${cols.join(" | ")} |`,
      `| ${cols.map(() => "---").join(" | ")} |`,
      `| ${
        cols.map((c) => String((row as Record<string, unknown>)[c]).replaceAll("|", "\\|")).join(
          " | ",
        )
      } |`,
      "",
    ].join("\n");
    await writeFileAtomic(join(v.out!, "perf.md"), md);
    console.log(md);
    tf.disposeVariables();
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(e instanceof ConfigError ? 2 : 1);
  }
}
