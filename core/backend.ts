/**
 * Backend selection: WebGPU through Deno's `navigator.gpu` by default, with a loud, explained
 * fallback to TF.js's pure-JS `cpu` backend when no adapter exists. (The `wasm` backend cannot
 * train CNNs: `Conv2DBackpropFilter` is not registered for it, see shared/docs/platform.md.)
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-webgpu";
import { registerSuiteKernels, unregisterSuiteKernels } from "./kernels/register.ts";
import { registerCpuKernels } from "./kernels/conv2d_cpu.ts";
import { registerReductionGradients } from "./ops.ts";

/** What the user asked for: `auto` prefers WebGPU and falls back to `cpu` with a warning. */
export type BackendChoice = "auto" | "webgpu" | "cpu";
/** The backend choices, for validation and help. */
export const BACKEND_CHOICES: readonly BackendChoice[] = ["auto", "webgpu", "cpu"];

/** What a run records about the backend it used. */
export interface BackendInfo {
  /** the TF.js backend that runs the work */
  backend: "webgpu" | "cpu";
  /** the WebGPU adapter's description, or "none" on the cpu backend */
  adapter: string;
  /** whether the adapter is a software (fallback) adapter, e.g. Mesa lavapipe; null on cpu */
  fallbackAdapter: boolean | null;
  /** the warning printed when falling back, if any */
  warning?: string;
  /** which convolution kernels run on webgpu: the suite's (core/kernels) or TF.js's stock ones */
  kernels: "suite" | "stock" | "n/a";
}

/** The message shown when WebGPU has no adapter: what happened and how to fix it. */
export const NO_ADAPTER_HELP =
  "WebGPU has no adapter here (navigator.gpu.requestAdapter() returned null), so TensorFlow.js " +
  "cannot use the webgpu backend.\n" +
  "  Fix: install a GPU driver with Vulkan support, or on a machine without a GPU install " +
  "Mesa's software Vulkan driver:\n" +
  "    sudo apt-get install -y mesa-vulkan-drivers libvulkan1\n" +
  "  WebGPU on the CPU through lavapipe trains the DrLIM network about 20x faster than TF.js's " +
  "pure-JS cpu backend (0.8 s vs 19 s per step of 128 pairs on 2 cores).";

type AdapterLike = {
  info?: {
    description?: string;
    vendor?: string;
    architecture?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
} | null;

/** Options for {@linkcode initBackend}; `requestAdapter` is injectable for tests. */
export interface InitBackendOptions {
  requestAdapter?: () => Promise<AdapterLike>;
  /** where the fallback warning goes (default: stderr) */
  warn?: (msg: string) => void;
}

/**
 * Deno's namespace where the code runs under Deno, with leave to read the environment; undefined
 * in a browser tab (the same methods run there, bundled) or without --allow-env.
 */
function denoWithEnv(): typeof Deno | undefined {
  const deno = (globalThis as { Deno?: typeof Deno }).Deno;
  return deno?.permissions.querySync({ name: "env" }).state === "granted" ? deno : undefined;
}

/**
 * Environment for Deno's WebGPU, set before the first adapter is requested (Deno reads it when
 * it creates its WebGPU instance). Variables the user set are kept. Nothing to do in a browser.
 */
function prepareWebgpuEnv(): void {
  const Deno = denoWithEnv();
  if (!Deno) return;
  // Mesa's Vulkan drivers print an error when XDG_RUNTIME_DIR is unset (as under CI); they
  // only need a writable folder.
  if (!Deno.env.get("XDG_RUNTIME_DIR")) {
    Deno.env.set("XDG_RUNTIME_DIR", Deno.env.get("TMPDIR") ?? "/tmp");
  }
  // On Linux wgpu also probes OpenGL through libEGL, although it picks the Vulkan adapter.
  // libEGL's exit destructor then frees memory while the worker threads of `deno test` shut
  // down: under gdb, about 1 exit in 12 of a test run with several modules on WebGPU aborted
  // with glibc's "corrupted size vs. prev_size in fastbins" after every test had passed, with
  // the main thread in libEGL's fini; 0 in 100 with Vulkan alone.
  if (Deno.build.os === "linux" && !Deno.env.get("DENO_WEBGPU_BACKEND")) {
    Deno.env.set("DENO_WEBGPU_BACKEND", "vulkan");
  }
}

// At import too: a module that runs TF.js ops before choosing a backend gets TF.js's
// highest-priority one, webgpu, which requests its adapter then (some test modules do).
// Entry points without --allow-env (report, compare, merge) never touch WebGPU.
prepareWebgpuEnv();

async function defaultRequestAdapter(): Promise<AdapterLike> {
  const gpu = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu;
  if (!gpu) return null;
  return await gpu.requestAdapter({ powerPreference: "high-performance" }) as AdapterLike;
}

/** Error raised when `--backend webgpu` was demanded and cannot be had. */
export class BackendError extends Error {
  override name = "BackendError";
}

/**
 * Probes WebGPU and selects the TF.js backend. `webgpu` fails with {@linkcode NO_ADAPTER_HELP}
 * when there is no adapter; `auto` warns once, loudly, and falls back to `cpu`.
 */
export async function initBackend(
  choice: BackendChoice,
  opts: InitBackendOptions = {},
): Promise<BackendInfo> {
  const warn = opts.warn ?? ((m: string) => console.error(m));
  // PROD silences TF.js's advice to install tfjs-node (its install downloads a native library,
  // which cannot work here) on the cpu backend; it changes no numerics.
  tf.env().set("PROD", true);
  prepareWebgpuEnv();
  registerReductionGradients();
  registerCpuKernels(); // the cpu backend's filter gradient (also where auto falls back)
  if (choice === "cpu") {
    await setBackend("cpu");
    return { backend: "cpu", adapter: "none", fallbackAdapter: null, kernels: "n/a" };
  }
  const adapter = await (opts.requestAdapter ?? defaultRequestAdapter)();
  if (!adapter) {
    if (choice === "webgpu") {
      throw new BackendError(`--backend webgpu was requested but ${NO_ADAPTER_HELP}`);
    }
    const warning = `\n${"!".repeat(78)}\nWARNING: ${NO_ADAPTER_HELP}\n  Falling back to the ` +
      `slow cpu backend now; pass --backend cpu to choose it knowingly.\n${"!".repeat(78)}\n`;
    warn(warning);
    await setBackend("cpu");
    return { backend: "cpu", adapter: "none", fallbackAdapter: null, warning, kernels: "n/a" };
  }
  await setBackend("webgpu");
  // TF.js 4.22's stock Conv2DBackpropFilter returns wrong gradients on lavapipe for long sums
  // (DrLIM's first layer at 256 images: errors of the size of the values), and its Conv2D is
  // slow for few input channels; the suite's kernels are correct and deterministic.
  // SSL_BENCH_KERNELS=stock restores TF.js's own kernels for comparison.
  const kernels = denoWithEnv()?.env.get("SSL_BENCH_KERNELS") === "stock" ? "stock" : "suite";
  if (kernels === "suite") registerSuiteKernels();
  else unregisterSuiteKernels();
  const info = adapter.info ?? {};
  return {
    backend: "webgpu",
    // Deno gives a description ("llvmpipe (LLVM 15.0.6, 256 bits)"); Chromium only vendor and
    // architecture ("google", "swiftshader")
    adapter: info.description || [info.vendor, info.architecture].filter(Boolean).join(" ") ||
      "unknown WebGPU adapter",
    fallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
    kernels,
  };
}

async function setBackend(name: "webgpu" | "cpu"): Promise<void> {
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new BackendError(`TensorFlow.js could not initialise its ${name} backend`);
  }
}
