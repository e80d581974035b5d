import assert from "node:assert/strict";
import { join } from "node:path";
import { appendResults, type ResultRow } from "../io/csv.ts";
import { lineSvg } from "../io/svg.ts";
import { ConfigError } from "../suite/config.ts";
import { buildSite, pagePath } from "./build.ts";
import { checkLinks, listFiles } from "./links.ts";

/** An SVG with an id, as a plot with a clip path would have: two on a page must not clash. */
const CLIPPED = '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="200" ' +
  'height="100"><defs><clipPath id="c"><rect width="50" height="50"/></clipPath></defs>' +
  '<rect clip-path="url(#c)" width="200" height="100"/></svg>';

/** One results row of a DrLIM run at `seed` (every column results.csv requires). */
const drlimRow = (method: string, value: number, seed: number): ResultRow => ({
  method,
  dataset: "MNIST 4,9",
  protocol: "kNN (k<5)",
  metric: "knn_digit_accuracy",
  value,
  seed,
  config_hash: "c0ffee",
  backend: "cpu",
  adapter: "none",
  commit: "abc1234",
  started_at: "2026-12-06T00:00:00.000Z",
  wall_s: 1,
  images_per_s: 1,
  features: method === "drlim" ? "embedding" : "",
  run_id: `drlim-ci-seed${seed}-c0ffee`,
  preset: "ci",
});

/**
 * A small reports folder: one sweep folder of three DrLIM runs (one a seed; the map beats PCA:
 * the claim is supported), its README with a sweep plot and a run's plots, a compare.md, a
 * claims.md that links into it, and a perf folder.
 */
async function fixture(root: string, readme?: string): Promise<void> {
  const dir = join(root, "sweep-margin");
  await Deno.mkdir(dir, { recursive: true });
  const seeds = [0, 1, 2];
  await appendResults(
    join(dir, "results.csv"),
    seeds.flatMap((s) => [drlimRow("drlim", 0.7 + 0.01 * s, s), drlimRow("pca", 0.6, s)]),
  );
  for (const seed of seeds) {
    const runDir = join(dir, "runs", `drlim-ci-seed${seed}-c0ffee`);
    await Deno.mkdir(runDir, { recursive: true });
    const first = { type: "config", method: "drlim", seed, config: { margin: 1 } };
    await Deno.writeTextFile(join(runDir, "log.jsonl"), `${JSON.stringify(first)}\n`);
  }
  const loss = lineSvg({
    series: [{ name: "seed 0", points: [{ x: 1, y: 2 }, { x: 2, y: 1 }] }],
    title: "loss <seed 0>",
    xLabel: "step",
    yLabel: "loss",
  });
  await Deno.writeTextFile(join(dir, "runs", "drlim-ci-seed0-c0ffee", "loss.svg"), loss);
  await Deno.writeTextFile(join(dir, "runs", "drlim-ci-seed0-c0ffee", "clip.svg"), CLIPPED);
  await Deno.writeTextFile(join(dir, "sweep_knn_digit_accuracy_vs_margin.svg"), CLIPPED);
  await Deno.writeTextFile(
    join(dir, "README.md"),
    readme ?? [
      "# Benchmark report: sweep-margin",
      "",
      "| method | metric | protocol |",
      "| --- | --- | --- |",
      "| drlim | knn_digit_accuracy | kNN (k<5) & <script>alert(1)</script> |",
      "",
      "![kNN accuracy by margin](sweep_knn_digit_accuracy_vs_margin.svg)",
      "",
      "## drlim-ci-seed0-c0ffee",
      "",
      "<details><summary>resolved config</summary>",
      "",
      "`margin=1`",
      "",
      "</details>",
      "",
      "![loss.svg](runs/drlim-ci-seed0-c0ffee/loss.svg)",
      "",
      "![clip.svg](runs/drlim-ci-seed0-c0ffee/clip.svg)",
      "",
      "See [the comparison](compare.md#top), [the rows](results.csv) and " +
      "[the paper](https://example.org/paper).",
      "",
    ].join("\n"),
  );
  await Deno.writeTextFile(join(dir, "compare.md"), "# Compare\n\nBack to [the report](./).\n");
  await Deno.writeTextFile(
    join(root, "claims.md"),
    "# Claims\n\nTested in [sweep-margin](sweep-margin/README.md).\n",
  );
  await Deno.mkdir(join(root, "perf"));
  await Deno.writeTextFile(
    join(root, "perf", "perf.md"),
    "# Perf\n\n| work | ratio |\n| --- | --- |\n| step | 15.1 |\n\n## Where the time goes\n",
  );
  await Deno.writeTextFile(
    join(root, "perf", "perf.csv"),
    'work,ratio,ratio_range\n"step, as trained",15.1,12.6-18.3\nstep alone,0.5,0.5-0.5\n',
  );
}

/** Every file of a site and its bytes. */
async function snapshot(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const f of await listFiles(dir)) out.set(f, await Deno.readFile(join(dir, f)));
  return out;
}

async function withTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs `fn` with the fixture's reports folder and its site, built in tmp/site. */
async function withSite(
  fn: (paths: { tmp: string; reports: string; out: string }) => Promise<void>,
): Promise<void> {
  await withTemp(async (tmp) => {
    const reports = join(tmp, "reports"), out = join(tmp, "site");
    await fixture(reports);
    await buildSite({ reports, out });
    await fn({ tmp, reports, out });
  });
}

/** The names in folder `dir`, sorted. */
const names = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

Deno.test("deno task site: index with headline and verdict, SVGs inline, links resolve, escaped", async () => {
  await withTemp(async (tmp) => {
    const reports = join(tmp, "reports"), out = join(tmp, "out", "site");
    await fixture(reports);
    const result = await buildSite({ reports, out });
    assert.deepEqual(await checkLinks(out), []);
    // index, 3 Markdown pages of the sweep folder and root, the perf page
    assert.equal(result.pages, 5);
    const index = await Deno.readTextFile(join(out, "index.html"));
    assert.match(index, /<a href="reports\/sweep-margin\/index.html">sweep-margin<\/a>/);
    assert.match(index, /drlim knn_digit_accuracy \(embedding\): 0\.7100 ± 0\.0100 \(3\)/);
    assert.doesNotMatch(index, /pca knn_digit_accuracy/);
    assert.match(index, /DrLIM: the learned 2-D map &gt; PCA to 2-D: <strong>supported<\/strong>/);
    assert.match(index, /<a href="reports\/perf\/perf.html">Perf<\/a>.*2 workload\(s\)/);

    const page = await Deno.readTextFile(join(out, pagePath("sweep-margin/README.md")));
    assert.match(
      page,
      /from <code>.*reports\/sweep-margin\/README.md<\/code>; do not edit by hand/,
    );
    assert.equal(page.match(/<svg /g)?.length, 3);
    assert.doesNotMatch(page, /<img/);
    assert.match(page, /loss &lt;seed 0&gt;/);
    // the two inlined copies of one SVG keep distinct ids, each referenced by its own
    assert.match(page, /id="svg1-c".*url\(#svg1-c\)/s);
    assert.match(page, /id="svg3-c".*url\(#svg3-c\)/s);
    // raw HTML in the Markdown is text, but for the config's <details>
    assert.match(page, /kNN \(k&lt;5\) &amp; &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.doesNotMatch(page, /<script/);
    assert.match(page, /<details><summary>resolved config<\/summary>/);
    assert.match(page, /href="compare.html#top"/);
    assert.match(page, /href="results.csv"/);
    assert.match(page, /href="https:\/\/example.org\/paper"/);
    assert.match(page, /href="..\/..\/style.css"/);
    assert.doesNotMatch(page, /(href|src)="\//);
    assert.equal(
      await Deno.readTextFile(join(out, "reports", "sweep-margin", "results.csv")),
      await Deno.readTextFile(join(reports, "sweep-margin", "results.csv")),
    );
    const claims = await Deno.readTextFile(join(out, "reports", "claims.html"));
    assert.match(claims, /<a href="sweep-margin\/index.html">sweep-margin<\/a>/);
    const compare = await Deno.readTextFile(join(out, "reports", "sweep-margin", "compare.html"));
    assert.match(compare, /<a href="index.html">the report<\/a>/);
    const perf = await Deno.readTextFile(join(out, "reports", "perf", "perf.html"));
    assert.match(perf, /<section class="chart">.*<svg .*<li>step, as trained: ratio 15.1/s);
    assert.ok(perf.indexOf('class="chart"') < perf.indexOf("Where the time goes"));
  });
});

Deno.test("deno task site: the index opens with the reference tier's results table", async () => {
  await withTemp(async (tmp) => {
    const reports = join(tmp, "reports"), out = join(tmp, "site");
    await fixture(reports);
    await Deno.mkdir(join(reports, "reference"));
    await Deno.writeTextFile(
      join(reports, "reference", "README.md"),
      "# The tier\n\nIntro.\n\n## Results\n\n| method | kNN on h |\n| --- | --- |\n" +
        "| SimCLR | 42.0 [41.0, 43.0] |\n\n## Budget studies\n\nNot on the index.\n",
    );
    await buildSite({ reports, out });
    assert.deepEqual(await checkLinks(out), []);
    const index = await Deno.readTextFile(join(out, "index.html"));
    const at = index.indexOf("<h2>Results: the reference tier</h2>");
    assert.ok(at > 0 && at < index.indexOf("<h2>Report folders</h2>"), "results first");
    assert.match(index, /<td>SimCLR<\/td>\s*<td>42\.0 \[41\.0, 43\.0\]<\/td>/);
    assert.match(index, /<a href="reports\/reference\/index.html">the tier's page<\/a>/);
    assert.doesNotMatch(index, /Not on the index/);
  });
});

Deno.test("deno task site: the same reports give the same bytes, and a rebuild replaces the site", async () => {
  await withSite(async ({ tmp, reports, out }) => {
    const first = await snapshot(out);
    await Deno.writeTextFile(join(out, "stale.html"), "from before");
    await buildSite({ reports, out });
    assert.deepEqual(await snapshot(out), first);
    // nothing left beside the site: its temporary build folders are gone
    assert.deepEqual(await names(tmp), ["reports", "site"]);
  });
});

Deno.test("deno task site: a broken link fails the build, names the Markdown and the link, and leaves the site", async () => {
  await withSite(async ({ tmp, reports, out }) => {
    const before = await snapshot(out);
    const text = "# Report\n\n![missing](runs/nope/loss.svg)\n\n[data](../../elsewhere.csv)\n";
    await Deno.writeTextFile(join(reports, "sweep-margin", "README.md"), text);
    await assert.rejects(
      buildSite({ reports, out }),
      (e: Error) => {
        assert.ok(e instanceof ConfigError);
        assert.match(e.message, /2 broken link\(s\), so nothing was written/);
        assert.match(e.message, /reports\/sweep-margin\/README.md: "runs\/nope\/loss.svg"/);
        assert.match(e.message, /README.md: "..\/..\/elsewhere.csv" \(no such file in the site\)/);
        return true;
      },
    );
    assert.deepEqual(await snapshot(out), before);
    assert.deepEqual(await names(tmp), ["reports", "site"]);
  });
});

Deno.test("checkLinks: a page's missing or absolute target is reported with the page", async () => {
  await withSite(async ({ out }) => {
    await Deno.writeTextFile(
      join(out, "reports", "extra.html"),
      '<a href="claims.html">ok</a> <a href="sweep-margin/">folder</a> <a href="#x">here</a> ' +
        '<a href="nope.html#y">gone</a> <img src="/style.css"> <a href="../../x.html">out</a>',
    );
    assert.deepEqual(await checkLinks(out), [
      { page: "reports/extra.html", target: "nope.html#y", why: "no such file in the site" },
      {
        page: "reports/extra.html",
        target: "/style.css",
        why: "starts with /: breaks when the site is served from a sub-path",
      },
      { page: "reports/extra.html", target: "../../x.html", why: "points outside the site" },
    ]);
  });
});

Deno.test("deno task site: a missing reports folder, or an output folder it must not replace, is a clear error", async () => {
  await withTemp(async (tmp) => {
    await assert.rejects(
      buildSite({ reports: join(tmp, "nope"), out: join(tmp, "site") }),
      (e: Error) =>
        e instanceof ConfigError && /reports folder ".*nope" does not exist/.test(e.message),
    );
    assert.deepEqual([...Deno.readDirSync(tmp)], []);
    const reports = join(tmp, "reports");
    await fixture(reports);
    await assert.rejects(
      buildSite({ reports, out: join(reports, "site") }),
      (e: Error) => e instanceof ConfigError && /overlap/.test(e.message),
    );
    await assert.rejects(
      buildSite({ reports, out: tmp }),
      (e: Error) => e instanceof ConfigError && /overlap/.test(e.message),
    );
    const other = join(tmp, "other");
    await Deno.mkdir(other);
    await Deno.writeTextFile(join(other, "notes.txt"), "mine");
    await assert.rejects(
      buildSite({ reports, out: other }),
      (e: Error) =>
        e instanceof ConfigError && /is not a site deno task site built/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(join(other, "notes.txt")), "mine");
  });
});

Deno.test("deno task site on the repository's reports: every link resolves, every folder is listed", async () => {
  const reports = new URL("../reports", import.meta.url).pathname;
  await withTemp(async (tmp) => {
    const out = join(tmp, "site");
    await buildSite({ reports, out });
    assert.deepEqual(await checkLinks(out), []);
    const index = await Deno.readTextFile(join(out, "index.html"));
    assert.match(
      index,
      /<a href="reports\/sweep-drlim-ci-cpu\/index.html">sweep-drlim-ci-cpu<\/a>/,
    );
    const page = await Deno.readTextFile(join(out, "reports", "sweep-drlim-ci-cpu", "index.html"));
    assert.match(page, /<svg /);
    assert.doesNotMatch(page, /<img/);
  });
});
