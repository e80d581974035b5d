/**
 * The site in a real browser: serves a built site on a loopback port, opens pages in headless
 * Chromium (site/chromium.ts) and checks them (no console error, every image and same-site link
 * loads), takes screenshots, and trains DrLIM's ci preset in the browser runner to completion,
 * with a screenshot mid-training. `deno task site:browser` and the site's browser test run it.
 * @module
 */
import { extname, join } from "node:path";
import { launchChromium, type Tab } from "./chromium.ts";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".csv": "text/csv",
};

/** Serves folder `root` on 127.0.0.1 (a free port) until `close()`. */
export function serveFolder(root: string): { url: string; close: () => Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    let path = decodeURIComponent(new URL(req.url).pathname);
    if (path.endsWith("/")) path += "index.html";
    if (path.split("/").includes("..")) return new Response("bad path", { status: 400 });
    try {
      const data = await Deno.readFile(join(root, path));
      const type = TYPES[extname(path)] ?? "application/octet-stream";
      return new Response(data, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown() };
}

/** A page as the browser loaded it. */
export interface PageCheck {
  path: string;
  /** console errors and uncaught exceptions */
  errors: string[];
  /** <img> elements that did not load */
  brokenImages: string[];
  /** same-site links whose target answered with an error */
  brokenLinks: string[];
  /** inline SVG plots on the page */
  svgs: number;
  screenshot: Uint8Array;
}

/** The browser runner's run. */
export interface RunnerCheck {
  rows: Record<string, string | number>[];
  error: string | null;
  errors: string[];
  seconds: number;
  /** mid-training, and at the end */
  screenshots: { training: Uint8Array; done: Uint8Array };
  /** the progress bar's value and maximum when the mid-training screenshot was taken */
  at: [number, number];
  /** whether the 2-D map was on the page then (drawn as it trains) */
  mapWhileTraining: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function checkPage(tab: Tab, base: string, path: string): Promise<PageCheck> {
  const before = tab.errors.length;
  await tab.navigate(base + path);
  const found = await tab.evaluate<{ images: string[]; links: string[]; svgs: number }>(
    `(async () => {
    const images = [...document.images].filter((i) => !(i.complete && i.naturalWidth > 0))
      .map((i) => i.src);
    const hrefs = [...new Set([...document.querySelectorAll("a[href]")].map((a) => a.href)
      .filter((h) => h.startsWith(location.origin)).map((h) => h.split("#")[0]))];
    const links = (await Promise.all(hrefs.map(async (h) =>
      (await fetch(h, { method: "HEAD" })).ok ? null : h))).filter(Boolean);
    return { images, links, svgs: document.querySelectorAll("main svg").length };
  })()`,
  );
  return {
    path,
    errors: tab.errors.slice(before),
    brokenImages: found.images,
    brokenLinks: found.links,
    svgs: found.svgs,
    screenshot: await tab.screenshot(),
  };
}

/**
 * Opens `pages` of the built site in `siteDir` and runs the browser runner at `seed` (timeout
 * `limitS` seconds): what each page showed, and the runner's rows.
 */
export async function checkInBrowser(
  siteDir: string,
  o: { pages: string[]; seed: number; limitS: number },
): Promise<{ pages: PageCheck[]; runner: RunnerCheck }> {
  const server = serveFolder(siteDir);
  const browser = await launchChromium();
  try {
    const tab = await browser.tab();
    const pages: PageCheck[] = [];
    for (const p of o.pages) pages.push(await checkPage(tab, server.url, p));
    const before = tab.errors.length;
    const t0 = performance.now();
    await tab.navigate(`${server.url}runner/index.html?seed=${o.seed}&run`);
    let training: Uint8Array | null = null, at: [number, number] = [0, 0], map = false;
    let result: { rows?: Record<string, string | number>[]; error?: string } | null = null;
    while (!result) {
      if ((performance.now() - t0) / 1000 > o.limitS) {
        throw new Error(`the browser runner did not finish within ${o.limitS} s`);
      }
      await sleep(500);
      const [value, max] = await tab.evaluate<[number, number]>(
        `[document.getElementById("bar").value, document.getElementById("bar").max]`,
      );
      // mid-training: past a third of the steps, before the end
      if (!training && max > 1 && value >= max / 3 && value < max) {
        training = await tab.screenshot();
        at = [value, max];
        map = await tab.evaluate<boolean>(`document.querySelector("#map svg") !== null`);
      }
      result = await tab.evaluate(`globalThis.runnerResult ?? null`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const done = await tab.screenshot();
    return {
      pages,
      runner: {
        rows: result.rows ?? [],
        error: result.error ?? null,
        errors: tab.errors.slice(before),
        seconds,
        screenshots: { training: training ?? done, done },
        at,
        mapWhileTraining: map,
      },
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
