/**
 * `deno task perf`: step time (median after warm-up) and images/s of the suite's training steps,
 * with the PyTorch peer (bench/peers/) run in the same invocation when a Python with torch is
 * present, so each row carries a ratio measured on one machine in one run. Writes perf.csv and
 * perf.md (atomically) to --out.
 *
 * Workloads: (a) the DrLIM paper network, pair step (2 x batch images), Adam; (b) SimCLR with
 * ResNet-18 (CIFAR stem) + MLP head, NT-Xent over 2 views, Adam, at several batch sizes; (c) the
 * Exemplar CNN network step at the default preset's size (64c5-64c5-128f, 8,000 surrogate
 * classes, batch 128, SGD with momentum and weight decay, dropout 0.5) on ready-made 32x32
 * samples: the transformations that render them are not part of the timed step.
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
import { createSimclrModel, simclrStep } from "../methods/simclr.ts";
import {
  createExemplarNet,
  exemplarDefaults,
  exemplarOptimizer,
  exemplarStep,
} from "../methods/exemplar_cnn.ts";
import { createOptimizer } from "../core/optim.ts";
import { ConfigError } from "./config.ts";
import { parseBackend } from "./cli.ts";

/** The PyTorch peer's answer for one workload. */
export interface PeerResult {
  torch: string;
  device: string;
  median_ms: number;
  images_per_s: number;
  /** CUDA max_memory_allocated in MiB; null on CPU */
  peak_mib?: number | null;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  if (xs.length === 0) throw new RangeError("median of an empty list");
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Timing of one workload: per-step wall times after warm-up, plus one profiled step. */
export interface StepTiming {
  times: number[];
  /** kernels one step launches (from tf.profile) */
  kernelsPerStep: number;
  /** peak bytes of live tensors during the profiled step (TF.js's accounting) */
  peakBytes: number;
  /** tensors alive after the timed steps minus before, per step: 0 when memory is flat */
  tensorGrowthPerStep: number;
  /** host-to-device uploads during the profiled step, and their bytes (webgpu only, else -1) */
  uploads: number;
  uploadBytes: number;
}

interface UploadingBackend {
  uploadToGPU(dataId: object): void;
  tensorMap: { get(dataId: object): { resource?: unknown; values?: ArrayBufferView } | undefined };
}

/**
 * Counts the host-to-device uploads `f` causes on the webgpu backend (by watching its
 * uploadToGPU), to check that a training step builds no large host tensors (issue: TF.js's
 * Sum/Mean gradients uploaded a ones tensor of the input's size). -1 on other backends.
 */
export async function countUploads<T>(
  f: () => Promise<T>,
): Promise<{ result: T; uploads: number; bytes: number }> {
  const b = tf.backend() as unknown as Partial<UploadingBackend>;
  if (tf.getBackend() !== "webgpu" || typeof b.uploadToGPU !== "function" || !b.tensorMap) {
    return { result: await f(), uploads: -1, bytes: -1 };
  }
  const orig = b.uploadToGPU;
  let uploads = 0, bytes = 0;
  b.uploadToGPU = function (this: UploadingBackend, dataId: object) {
    const d = this.tensorMap.get(dataId);
    if (d && d.resource == null && d.values) {
      uploads++;
      bytes += d.values.byteLength;
    }
    return orig.call(this, dataId);
  };
  try {
    return { result: await f(), uploads, bytes };
  } finally {
    b.uploadToGPU = orig;
  }
}

/** Times `step` (which returns the loss; the loss is read every step, as training does). */
export async function timeSteps(
  step: () => tf.Scalar,
  steps: number,
  warmup: number,
): Promise<StepTiming> {
  const times: number[] = [];
  const run = async () => {
    const l = step();
    await l.data();
    l.dispose();
  };
  for (let i = 0; i < warmup; i++) await run();
  const before = tf.memory().numTensors;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  const growth = (tf.memory().numTensors - before) / steps;
  // one more step, both profiled (kernels, peak memory) and watched for uploads
  const up = await countUploads(() =>
    tf.profile(async () => {
      const l = step();
      await l.data();
      return l;
    })
  );
  const prof = up.result;
  tf.dispose(prof.result as tf.Tensor);
  return {
    times,
    kernelsPerStep: prof.kernels.length,
    peakBytes: prof.peakBytes,
    tensorGrowthPerStep: growth,
    uploads: up.uploads,
    uploadBytes: up.bytes,
  };
}

/** Times the DrLIM pair step (2 x batch images, Adam). */
export async function timeDrlimStep(
  batch: number,
  steps: number,
  warmup: number,
): Promise<StepTiming> {
  const rng = new Rng(0, "perf");
  const net = createNetwork("paper", "relu", rng);
  const opt = drlimOptimizer({ optimizer: "adam", lr: 1e-3, momentum: 0 });
  const xb = Float32Array.from({ length: 2 * batch * SIDE * SIDE }, () => rng.float());
  const yb = Float32Array.from({ length: batch }, () => rng.int(2));
  try {
    return await timeSteps(() => drlimStep(net, opt, xb, yb, 1), steps, warmup);
  } finally {
    net.dispose();
    disposeOptimizer(opt);
  }
}

/**
 * Times the SimCLR step of the perf workload: ResNet-18 (CIFAR stem, width 64) + MLP head
 * (512-512-128), NT-Xent at temperature 0.5 over 2 x n views of 32x32x3, Adam 1e-3 (the suite's
 * optimiser, as methods/simclr.ts trains).
 */
export async function timeSimclrStep(
  n: number,
  steps: number,
  warmup: number,
): Promise<StepTiming> {
  const rng = new Rng(0, "perf-simclr");
  const m = createSimclrModel({
    encoder: "resnet18",
    stem: "cifar",
    width: 64,
    head: "mlp",
    headDim: 128,
    channels: 3,
  }, rng);
  const opt = createOptimizer({ kind: "adam", momentum: 0, weightDecay: 0 });
  const views = tf.tensor4d(
    Float32Array.from({ length: 2 * n * 32 * 32 * 3 }, () => rng.float()),
    [2 * n, 32, 32, 3],
  );
  try {
    return await timeSteps(() => simclrStep(m, opt, views, 0.5, 1e-3), steps, warmup);
  } finally {
    views.dispose();
    m.dispose();
    opt.dispose();
  }
}

/**
 * Times the Exemplar CNN step (methods/exemplar_cnn.ts exemplarStep) with the default preset's
 * optimiser and (unless given) network on `batch` random 32x32x3 samples with random labels.
 */
export async function timeExemplarStep(
  batch: number,
  classes: number,
  steps: number,
  warmup: number,
  network: string = exemplarDefaults.network,
): Promise<StepTiming> {
  const d = exemplarDefaults, rng = new Rng(0, "perf-exemplar");
  const net = createExemplarNet(network, d.patch, 3, classes, rng);
  const opt = exemplarOptimizer(d);
  const x = tf.tensor4d(
    Float32Array.from({ length: batch * d.patch * d.patch * 3 }, () => rng.float()),
    [batch, d.patch, d.patch, 3],
  );
  const labels = tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(classes)), "int32");
  try {
    return await timeSteps(
      () => {
        const { loss, hits } = exemplarStep(net, opt, x, labels, {
          rate: d.dropout,
          seed: rng.uint32(),
        }, d.lr);
        hits.dispose();
        return loss;
      },
      steps,
      warmup,
    );
  } finally {
    tf.dispose([x, labels]);
    net.dispose();
    opt.dispose();
  }
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

/** One workload of the perf table. */
interface Workload {
  work: string;
  images: number;
  time: () => Promise<StepTiming>;
  peer: { script: string; args: string[] };
}

/** Parses "128,256" into positive integers. */
function intList(name: string, s: string): number[] {
  return s.split(",").map((t) => {
    const n = Number(t.trim());
    if (!Number.isInteger(n) || n < 2) {
      throw new ConfigError(`Invalid --${name} "${s}": expected integers >= 2, comma-separated`);
    }
    return n;
  });
}

if (import.meta.main) {
  try {
    const { values: v } = parseArgs({
      args: Deno.args,
      options: {
        work: { type: "string", default: "drlim,simclr,exemplar" },
        batch: { type: "string", default: "512" },
        simclr: { type: "string" },
        steps: { type: "string", default: "5" },
        warmup: { type: "string", default: "2" },
        "simclr-steps": { type: "string", default: "3" },
        "simclr-warmup": { type: "string", default: "1" },
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
      warmup = int("warmup", v.warmup!),
      sSteps = int("simclr-steps", v["simclr-steps"]!),
      sWarmup = int("simclr-warmup", v["simclr-warmup"]!);
    const works = v.work!.split(",").map((w) => w.trim());
    for (const w of works) {
      if (w !== "drlim" && w !== "simclr" && w !== "exemplar") {
        throw new ConfigError(
          `Unknown --work "${w}": use drlim, simclr, exemplar or a comma-separated list of them`,
        );
      }
    }
    const backendChoice = parseBackend(v.backend!);
    await Deno.mkdir(v.out!, { recursive: true });
    const backend = await initBackend(backendChoice);
    // The sizes (128, 256, 512 images) take minutes per step without a GPU.
    const slow = backend.backend === "cpu" || backend.fallbackAdapter === true;
    const simclrSizes = intList("simclr", v.simclr ?? (slow ? "32" : "128,256,512"));
    const prov = await provenance();
    const threads = String(navigator.hardwareConcurrency || 1);
    const peerDir = new URL("./peers/", import.meta.url).pathname;
    const workloads: Workload[] = [];
    if (works.includes("drlim")) {
      workloads.push({
        work: "drlim paper net, pair step (fwd+bwd+Adam)",
        images: 2 * batch,
        time: () => timeDrlimStep(batch, steps, warmup),
        peer: {
          script: join(peerDir, "drlim_step.py"),
          args: ["--batch", String(batch), "--steps", String(Math.max(steps, 5))],
        },
      });
    }
    if (works.includes("simclr")) {
      for (const n of simclrSizes) {
        workloads.push({
          work: "simclr resnet18-cifar + mlp head, NT-Xent, 2 views (fwd+bwd+Adam)",
          images: n,
          time: () => timeSimclrStep(n, sSteps, sWarmup),
          peer: { script: join(peerDir, "simclr_step.py"), args: ["--batch", String(n)] },
        });
      }
    }
    if (works.includes("exemplar")) {
      const b = exemplarDefaults.batch, n = exemplarDefaults.classes;
      workloads.push({
        work: `exemplar ${exemplarDefaults.network}, ${n} classes, dropout 0.5 (fwd+bwd+SGD)`,
        images: b,
        time: () => timeExemplarStep(b, n, steps, warmup),
        peer: {
          script: join(peerDir, "exemplar_step.py"),
          args: [
            "--batch",
            String(b),
            "--classes",
            String(n),
            "--steps",
            String(Math.max(steps, 5)),
          ],
        },
      });
    }
    const rows: Record<string, string | number>[] = [];
    for (const w of workloads) {
      console.error(
        `timing ${w.work}, ${w.images} images, on ${backend.backend} (${backend.adapter})...`,
      );
      const t = await w.time();
      const ms = median(t.times);
      const peer = v["no-peer"]
        ? { error: "skipped (--no-peer)" }
        : await runPeer(w.peer.script, [...w.peer.args, "--threads", threads]);
      const ok = "median_ms" in peer;
      rows.push({
        work: `${w.work}, loss read every step`,
        batch_images: w.images,
        backend: backend.backend,
        adapter: backend.adapter,
        kernels: backend.kernels,
        median_ms: Number(ms.toFixed(2)),
        images_per_s: Number((w.images / (ms / 1000)).toFixed(1)),
        kernels_per_step: t.kernelsPerStep,
        peak_mib: Number((t.peakBytes / 2 ** 20).toFixed(1)),
        tensor_growth_per_step: t.tensorGrowthPerStep,
        uploads_per_step: t.uploads,
        upload_kib_per_step: t.uploadBytes < 0 ? -1 : Number((t.uploadBytes / 1024).toFixed(1)),
        peer: ok ? `PyTorch ${peer.torch}` : "none",
        peer_device: ok ? peer.device : peer.error,
        peer_median_ms: ok ? Number(peer.median_ms.toFixed(2)) : "",
        peer_peak_mib: ok && peer.peak_mib != null ? Number(peer.peak_mib.toFixed(1)) : "",
        ratio: ok ? Number((ms / peer.median_ms).toFixed(1)) : "",
        deno: prov.deno,
        tfjs: prov.tfjs,
        commit: prov.commit + (prov.dirty ? "-dirty" : ""),
        date: new Date().toISOString(),
      });
    }
    const cols = Object.keys(rows[0]!);
    await writeFileAtomic(
      join(v.out!, "perf.csv"),
      stringify(rows, { header: true, columns: cols }),
    );
    const cell = (x: unknown) => String(x).replaceAll("|", "\\|");
    const md = [
      "# Training step time: TF.js in Deno vs PyTorch, same machine, same run",
      "",
      "Generated by `deno task perf`; median after warm-up; ratio = TF.js time / PyTorch time.",
      "peak_mib: TF.js's count of live tensor bytes during one profiled step (PyTorch's: CUDA",
      "max_memory_allocated, on GPU only). tensor_growth_per_step 0 means tf.memory() stays flat.",
      "uploads_per_step: host-to-device copies in one step (the batch itself, scalars; -1 = not",
      "webgpu), counted by watching the backend's uploadToGPU.",
      "",
      `| ${cols.join(" | ")} |`,
      `| ${cols.map(() => "---").join(" | ")} |`,
      ...rows.map((r) => `| ${cols.map((c) => cell(r[c])).join(" | ")} |`),
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
