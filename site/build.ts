/**
 * `deno task site`'s build: a static HTML site generated from the reports folder, never edited by
 * hand. Each Markdown file there becomes a page (a folder's README.md its `index.html`, any other
 * `x.md` its `x.html`, at the same path under `reports/` in the site), its SVG plots inlined and
 * the files it links copied beside it; perf.md pages gain a chart of perf.csv; `index.html` lists
 * every report folder with its headline numbers and claim verdicts. Links are relative, so the
 * site works from any sub-path, and checked: a build with a broken link fails and writes nothing.
 * The site is built in a temporary sibling folder that then replaces the output folder.
 * @module
 */
import { basename, dirname, join, posix, relative, resolve, sep as SEPARATOR } from "node:path";
import { findClaims, reportFolders } from "../bench/claims_main.ts";
import { ConfigError } from "../suite/config.ts";
import { GENERATOR, type Page, pageHtml } from "./html.ts";
import { folderSummary, type IndexEntry, indexPage, type OtherPage } from "./index_page.ts";
import { brokenText, checkLinks, listFiles } from "./links.ts";
import { renderMarkdown, type Target } from "./markdown.ts";
import { perfChart, perfSummary, readPerf } from "./perf.ts";
import { runnerBody, runnerFiles } from "./runner/page.ts";

/** The stylesheet every page links (site/style.css, copied to the site's root). */
const STYLE = new URL("./style.css", import.meta.url);

/** The site path of the page made from Markdown file `md` (relative to the reports folder). */
export function pagePath(md: string): string {
  const page = posix.basename(md) === "README.md"
    ? posix.join(posix.dirname(md), "index.html")
    : md.replace(/\.md$/, ".html");
  return `reports/${page}`;
}

/** `name` in folder `folder` ("" the reports folder itself), relative to the reports folder. */
const sub = (folder: string, name: string) => (folder ? `${folder}/${name}` : name);

/** What a build wrote. */
export interface SiteResult {
  /** HTML pages, the index included */
  pages: number;
  /** all files */
  files: number;
  bytes: number;
  /** each page's site path and the Markdown it came from (as shown on the page) */
  sources: Map<string, string>;
}

/** A ConfigError unless `reports` is a folder. */
async function checkReports(reports: string): Promise<void> {
  const info = await Deno.stat(reports).catch(() => null);
  if (!info?.isDirectory) {
    throw new ConfigError(
      `the reports folder "${reports}" ${info ? "is not a folder" : "does not exist"}: pass ` +
        "--reports DIR, the folder deno task bench, sweep and report write (default reports)",
    );
  }
}

/** The reports folder's files, without hidden ones (a writer's temporary files). */
async function reportFiles(reports: string): Promise<string[]> {
  await checkReports(reports);
  return (await listFiles(reports)).filter((f) => !f.split("/").some((s) => s.startsWith(".")));
}

/**
 * Writes the site of reports folder `reports` into the empty folder `dir`; `label` is how pages
 * name the reports folder (e.g. "reports").
 */
export async function writeSite(
  reports: string,
  dir: string,
  label: string,
  runner: { commit: string } | null = null,
): Promise<SiteResult> {
  const files = await reportFiles(reports);
  const fileSet = new Set(files);
  const dirs = new Set(files.flatMap((f) => {
    const parts = f.split("/").slice(0, -1);
    return ["", ...parts.map((_, i) => parts.slice(0, i + 1).join("/"))];
  }));
  const toPosix = (p: string) => p.split(SEPARATOR).join("/");
  const checked = (await reportFolders(reports)).map((f) => toPosix(relative(reports, f)));
  const claims = await findClaims(checked.map((f) => join(reports, f)), reports);
  const folders = [...dirs].filter((d) =>
    fileSet.has(sub(d, "results.csv")) && !d.split("/").includes("runs")
  ).sort();
  const copies = new Set<string>();
  const written: { path: string; text: string }[] = [];
  const sources = new Map<string, string>();

  /** The files a page of folder `folder` links under its title. */
  const folderLinks = (folder: string, except: string) =>
    [["README.md", "report"], ["compare.md", "compare.md"], ["results.csv"], ["perf.csv"]]
      .filter(([f]) => fileSet.has(sub(folder, f!)) && sub(folder, f!) !== except)
      .map(([f, label]) => {
        const rel = sub(folder, f!);
        if (!rel.endsWith(".md")) copies.add(rel);
        return { label: label ?? f!, to: rel.endsWith(".md") ? pagePath(rel) : `reports/${rel}` };
      });

  /** A page's link or image target: an SVG to inline, a page, a file to copy, or nothing. */
  const resolveFrom = (md: string) => async (path: string, image: boolean): Promise<Target> => {
    const rel = posix.normalize(posix.join(posix.dirname(md), path)).replace(/\/$/, "");
    const at = rel === "." ? "" : rel;
    if (at === ".." || at.startsWith("../")) return { kind: "missing" };
    if (dirs.has(at) && !fileSet.has(at)) {
      const readme = sub(at, "README.md");
      return fileSet.has(readme) ? { kind: "site", path: pagePath(readme) } : { kind: "missing" };
    }
    if (!fileSet.has(at)) return { kind: "missing" };
    if (image && at.endsWith(".svg")) {
      return { kind: "svg", svg: await Deno.readTextFile(join(reports, at)) };
    }
    if (at.endsWith(".md")) return { kind: "site", path: pagePath(at) };
    copies.add(at);
    return { kind: "site", path: `reports/${at}` };
  };

  const others: OtherPage[] = [];
  for (const md of files.filter((f) => f.endsWith(".md"))) {
    const path = pagePath(md);
    const folder = posix.dirname(md) === "." ? "" : posix.dirname(md);
    const rendered = await renderMarkdown(
      await Deno.readTextFile(join(reports, md)),
      path,
      resolveFrom(md),
    );
    const source = `${label}/${md}`;
    const title = rendered.title ?? source;
    let body = rendered.html;
    const perfCsv = sub(folder, "perf.csv");
    const perf = posix.basename(md) === "perf.md" && fileSet.has(perfCsv)
      ? await readPerf(join(reports, perfCsv))
      : null;
    if (perf) {
      // the chart goes after the page's title, introduction and main table
      const at = body.indexOf("<h2");
      const chart = perfChart(perf);
      body = at < 0 ? `${body}\n${chart}` : `${body.slice(0, at)}${chart}\n${body.slice(at)}`;
    }
    const page: Page = {
      path,
      title,
      sources: perf ? [source, `${label}/${perfCsv}`] : [source],
      links: folderLinks(folder, md),
      body,
    };
    written.push({ path, text: pageHtml(page) });
    sources.set(path, source);
    const own = folders.includes(folder) && ["README.md", "compare.md"].includes(basename(md));
    if (!own) {
      others.push({ title, page: path, note: perf ? `${source}: ${perfSummary(perf)}` : source });
    }
  }
  if (fileSet.has("references.csv")) {
    copies.add("references.csv");
    others.push({
      title: "Published numbers (references.csv)",
      page: "reports/references.csv",
      note: "the published results every report's last table compares with",
    });
  }

  const entries: IndexEntry[] = [];
  for (const folder of folders) {
    const summary = await folderSummary(
      reports,
      folder,
      claims.filter((c) => toPosix(c.folder) === (folder || toPosix(join(reports, "")))),
      { hasRuns: dirs.has(sub(folder, "runs")), checked: checked.includes(folder) },
    );
    const readme = sub(folder, "README.md");
    entries.push({
      summary,
      page: fileSet.has(readme) ? pagePath(readme) : null,
      files: folderLinks(folder, readme),
    });
  }
  const binaries: { path: string; data: Uint8Array }[] = [];
  if (runner) {
    const path = "runner/index.html";
    written.push({
      path,
      text: pageHtml({
        path,
        title: "DrLIM in this tab",
        sources: ["site/runner/app.ts"],
        body: runnerBody(runner.commit),
      }),
    });
    sources.set(path, "site/runner/app.ts");
    binaries.push(...await runnerFiles());
    others.unshift({
      title: "DrLIM in this tab",
      page: path,
      note: "the DrLIM ci preset trained in your browser by the same code, with its results rows",
    });
  }
  // the index opens with the reference tier's results table, from its page's Markdown
  const tier = "reference/README.md";
  const results = fileSet.has(tier)
    ? {
      page: pagePath(tier),
      html: (await renderMarkdown(
        sectionOf(await Deno.readTextFile(join(reports, tier)), "## Results"),
        "index.html",
        resolveFrom(tier),
      )).html,
    }
    : null;
  written.push({
    path: "index.html",
    text: pageHtml(indexPage(`${label}/`, entries, others, results)),
  });
  sources.set("index.html", `${label}/`);
  written.push({ path: "style.css", text: await Deno.readTextFile(STYLE) });
  written.push({ path: ".nojekyll", text: "" });

  let bytes = 0;
  const write = async (path: string, data: Uint8Array) => {
    await Deno.mkdir(dirname(join(dir, path)), { recursive: true });
    await Deno.writeFile(join(dir, path), data);
    bytes += data.length;
  };
  for (const w of written) await write(w.path, new TextEncoder().encode(w.text));
  for (const c of [...copies].sort()) {
    await write(`reports/${c}`, await Deno.readFile(join(reports, c)));
  }
  for (const b of binaries) await write(b.path, b.data);
  const pages = written.filter((w) => w.path.endsWith(".html")).length;
  return { pages, files: written.length + copies.size + binaries.length, bytes, sources };
}

/** The lines of Markdown `text` under `heading`, up to the next heading of its level. */
export function sectionOf(text: string, heading: string): string {
  const lines = text.split("\n"), at = lines.indexOf(heading);
  if (at < 0) return "";
  const level = heading.split(" ")[0]!;
  const end = lines.findIndex((l, i) => i > at && l.split(" ")[0] === level);
  return lines.slice(at + 1, end < 0 ? undefined : end).join("\n");
}

/** Whether `inner` is `outer` or inside it. */
function within(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === "" ||
    (!rel.startsWith("..") && !rel.startsWith(SEPARATOR) && !/^[a-z]:/i.test(rel));
}

/** Refuses an output folder that holds the reports, lies in them, or is not a site of ours. */
async function checkOut(reports: string, out: string): Promise<void> {
  if (within(reports, out) || within(out, reports)) {
    throw new ConfigError(
      `--out "${out}" and the reports folder "${reports}" overlap: the site replaces its folder ` +
        "whole, so put it elsewhere (default out/site, which git ignores)",
    );
  }
  const info = await Deno.stat(out).catch(() => null);
  if (!info) return;
  const entries = info.isDirectory ? await Array.fromAsync(Deno.readDir(out)) : null;
  const index = await Deno.readTextFile(join(out, "index.html")).catch(() => "");
  if (entries === null || (entries.length > 0 && !index.includes(GENERATOR))) {
    throw new ConfigError(
      `--out "${out}" exists and is not a site deno task site built (no index.html naming it), ` +
        "so it is not replaced: remove it or choose another folder",
    );
  }
}

/**
 * Builds the site of reports folder `reports` into folder `out`: in a temporary sibling folder,
 * link-checked, then put in place of `out`. On any failure `out` is left as it was.
 */
export async function buildSite(
  opts: { reports: string; out: string; runner?: { commit: string } | null },
): Promise<SiteResult> {
  const { reports, out } = opts;
  await checkReports(reports); // before anything is made
  await checkOut(reports, out);
  const parent = dirname(resolve(out));
  await Deno.mkdir(parent, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: parent, prefix: `.${basename(resolve(out))}-build-` });
  const rel = relative(Deno.cwd(), resolve(reports));
  const label = (rel && !rel.startsWith("..") ? rel : resolve(reports)).split(SEPARATOR).join("/");
  let result: SiteResult;
  try {
    result = await writeSite(reports, tmp, label, opts.runner ?? null);
    const broken = await checkLinks(tmp);
    if (broken.length) {
      const named = broken.map((b) => ({ ...b, page: result.sources.get(b.page) ?? b.page }));
      throw new ConfigError(
        `the site would have ${broken.length} broken link(s), so nothing was written to ` +
          `"${out}". Each names the Markdown file (or page) and the link that names no file ` +
          `of the site: fix the link there, or add the file it names.\n${brokenText(named)}`,
      );
    }
    await Deno.chmod(tmp, 0o755).catch(() => {}); // makeTempDir's 0700 would hide it from a server
  } catch (e) {
    await Deno.remove(tmp, { recursive: true });
    throw e;
  }
  const old = `${tmp}-old`;
  const had = await Deno.stat(out).then(() => true, () => false);
  if (had) await Deno.rename(out, old);
  try {
    await Deno.rename(tmp, out);
  } catch (e) {
    if (had) await Deno.rename(old, out);
    await Deno.remove(tmp, { recursive: true });
    throw e;
  }
  if (had) await Deno.remove(old, { recursive: true });
  return result;
}
