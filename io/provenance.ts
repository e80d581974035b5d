/**
 * Where a result came from: git commit (with a dirty flag) of the suite, Deno and TF.js versions.
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Provenance stamped on every log and results row. */
export interface Provenance {
  commit: string;
  dirty: boolean;
  deno: string;
  tfjs: string;
}

const repoRoot = new URL("..", import.meta.url).pathname;

/**
 * The standard output of `cmd args` (trimmed), or null where the command fails, is missing or is
 * not permitted.
 */
export async function commandText(
  cmd: string,
  args: string[],
  cwd?: string,
): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, cwd, stdout: "piped", stderr: "null" })
      .output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null; // missing or not permitted
  }
}

const git = (args: string[]) => commandText("git", args, repoRoot);

/** Reads the commit and dirty flag of the checkout the suite runs from ("unknown" outside git). */
export async function provenance(): Promise<Provenance> {
  const commit = await git(["rev-parse", "HEAD"]);
  // reports/ holds generated output that runs rewrite: it does not make the code dirty.
  const status = commit
    ? await git(["status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)reports"])
    : null;
  return {
    commit: commit ?? "unknown",
    dirty: status !== null && status.length > 0,
    deno: Deno.version.deno,
    tfjs: tf.version.tfjs,
  };
}

/**
 * The host's CPU as Linux names it, its cores and its widest vector extension ("unknown CPU"
 * where /proc/cpuinfo cannot be read). Deno 2.9 reads /proc/cpuinfo only under --allow-all
 * ("Requires all access"), so without it the file comes through `cat` (--allow-run).
 */
export async function hostCpu(): Promise<string> {
  return describeCpu(await cpuinfo(), navigator.hardwareConcurrency);
}

async function cpuinfo(): Promise<string> {
  try {
    return await Deno.readTextFile("/proc/cpuinfo");
  } catch {
    return (await commandText("cat", ["/proc/cpuinfo"])) ?? "";
  }
}

/** "MODEL, N cores, EXTENSION" from the text of /proc/cpuinfo. */
export function describeCpu(cpuinfo: string, cores: number): string {
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU";
  const flags = new Set(/^flags\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? []);
  const ext = ["avx512f", "avx2", "avx", "sse2"].find((f) => flags.has(f));
  const name = { avx512f: "AVX-512", avx2: "AVX2", avx: "AVX", sse2: "SSE2" }[ext ?? ""];
  return `${model}, ${cores} cores${name ? `, ${name}` : ""}`;
}
