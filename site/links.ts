/**
 * The site's link check: every href and src of every page that is relative must name a file of
 * the site. Fragment-only links (`#x`) and links with a scheme (https:, mailto:, data:) are left
 * alone; a path from the root ("/x", "//host/x") is broken, since the site must work under any
 * sub-path (GitHub Pages serves `/<repo>/`).
 * @module
 */
import { join, posix } from "node:path";
import { splitHref } from "./markdown.ts";

/** A link of a page that does not resolve. */
export interface BrokenLink {
  /** the page's site path */
  page: string;
  /** the href or src as written */
  target: string;
  why: string;
}

/** Every file of the folder `dir`, as "/"-separated paths relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string) => {
    const entries = await Array.fromAsync(Deno.readDir(rel ? join(dir, rel) : dir));
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await visit(path);
      else if (e.isFile) out.push(path);
    }
  };
  await visit("");
  return out;
}

const CHAR_REFS: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** An attribute value with its character references decoded. */
function decodeAttr(v: string): string {
  return v.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, r: string) => {
    if (r[0] !== "#") return CHAR_REFS[r.toLowerCase()] ?? m;
    const code = r[1] === "x" || r[1] === "X" ? parseInt(r.slice(2), 16) : Number(r.slice(1));
    return String.fromCodePoint(code);
  });
}

/** The href, src and xlink:href values in `html`, decoded, in order. */
export function linksOf(html: string): string[] {
  const re = /\s(?:href|src|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))/gi;
  return [...html.matchAll(re)].map((m) => decodeAttr(m[1] ?? m[2] ?? m[3] ?? ""));
}

/**
 * The links of page `page` (site path) with content `html` that do not resolve among `files`
 * (the site's file paths; a folder resolves when it has an index.html).
 */
export function brokenLinks(page: string, html: string, files: ReadonlySet<string>): BrokenLink[] {
  const out: BrokenLink[] = [];
  for (const target of linksOf(html)) {
    const broken = (why: string) => out.push({ page, target, why });
    if (/^#|^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    if (target === "") {
      broken("empty link");
      continue;
    }
    if (target.startsWith("/")) {
      broken("starts with /: breaks when the site is served from a sub-path");
      continue;
    }
    const { path } = splitHref(target);
    const rel = posix.normalize(posix.join(posix.dirname(page), path)).replace(/\/$/, "");
    if (rel === ".." || rel.startsWith("../")) broken("points outside the site");
    else if (!files.has(rel) && !files.has(rel === "." ? "index.html" : `${rel}/index.html`)) {
      broken("no such file in the site");
    }
  }
  return out;
}

/** Every broken link of every page (.html file) of the site in folder `dir`. */
export async function checkLinks(dir: string): Promise<BrokenLink[]> {
  const files = await listFiles(dir);
  const set = new Set(files);
  const out: BrokenLink[] = [];
  for (const page of files.filter((f) => f.endsWith(".html"))) {
    out.push(...brokenLinks(page, await Deno.readTextFile(join(dir, page)), set));
  }
  return out;
}

/** The broken links as lines for an error message, at most `most` of them. */
export function brokenText(broken: BrokenLink[], most = 20): string {
  const lines = broken.slice(0, most).map((b) => `  ${b.page}: "${b.target}" (${b.why})`);
  if (broken.length > most) lines.push(`  ... and ${broken.length - most} more`);
  return lines.join("\n");
}
