/**
 * A report's Markdown as HTML (the `marked` package, GitHub's dialect): every SVG image it shows
 * inlined as markup (its ids scoped, so that several on one page never clash), links to the
 * folder's files pointed at their place in the site, and raw HTML escaped but for the
 * `<details>`/`<summary>` that hold the resolved configs.
 * @module
 */
import { Marked, Renderer, type Token, type Tokens } from "marked";
import { esc, relHref } from "./html.ts";

/** Where a Markdown link or image of a page points, as the build resolved it. */
export type Target =
  /** an SVG image: shown inline */
  | { kind: "svg"; svg: string }
  /** a page or a copied file, at this site path */
  | { kind: "site"; path: string }
  /** nothing to point at: left as written, for the link check to report */
  | { kind: "missing" };

/** Resolves the path part of a link (`image`: of an image) of the page being rendered. */
export type Resolver = (path: string, image: boolean) => Promise<Target>;

/** An href that points into the reports: not a fragment, a scheme (http:, data:) or "/...". */
export function isLocal(href: string): boolean {
  return href !== "" && !/^(#|\/|[a-z][a-z0-9+.-]*:)/i.test(href);
}

/** An href split into its path (percent-decoded) and its query and fragment. */
export function splitHref(href: string): { path: string; suffix: string } {
  const i = href.search(/[?#]/);
  const raw = i < 0 ? href : href.slice(0, i);
  let path = raw;
  try {
    path = decodeURIComponent(raw);
  } catch { /* not percent-encoding: the path as written */ }
  return { path, suffix: i < 0 ? "" : href.slice(i) };
}

/** Raw HTML of a Markdown file as text, but for bare `<details>` and `<summary>` tags. */
export function safeHtml(html: string): string {
  return esc(html.replace(/<!--[\s\S]*?-->/g, ""))
    .replace(/&lt;(\/?)(details|summary)&gt;/g, "<$1$2>");
}

/**
 * `svg` with every id prefixed by `prefix` and the references to them (`url(#id)`, `href="#id"`)
 * changed to match: SVGs inlined into one page share one id namespace.
 */
export function scopeIds(svg: string, prefix: string): string {
  const ids = new Set([...svg.matchAll(/\sid=(["'])(.*?)\1/g)].map((m) => m[2]!));
  if (ids.size === 0) return svg;
  const ref = (id: string) => (ids.has(id) ? `${prefix}-${id}` : id);
  return svg
    .replace(/(\sid=)(["'])(.*?)\2/g, (_, a, q, id) => `${a}${q}${prefix}-${id}${q}`)
    .replace(/url\(#([^)]+)\)/g, (_, id) => `url(#${ref(id)})`)
    .replace(/(\s(?:xlink:)?href=)(["'])#(.*?)\2/g, (_, a, q, id) => `${a}${q}#${ref(id)}${q}`);
}

/**
 * An SVG file's markup ready to inline: no XML declaration, doctype or comments, a viewBox from
 * its width and height where it has none (so that CSS can scale it), ids scoped by `prefix`,
 * wrapped in a span that names it by `label`.
 */
export function inlineSvg(svg: string, label: string, prefix: string): string {
  let body = svg.replace(/<\?xml[\s\S]*?\?>|<!DOCTYPE[^>]*>|<!--[\s\S]*?-->/gi, "").trim();
  const open = /^<svg\b[^>]*>/.exec(body)?.[0] ?? "";
  const w = /\swidth="([\d.]+)"/.exec(open)?.[1], h = /\sheight="([\d.]+)"/.exec(open)?.[1];
  if (open && !/\sviewBox=/.test(open) && w && h) {
    body = body.replace(/^<svg\b/, `<svg viewBox="0 0 ${w} ${h}"`);
  }
  return `<span class="plot" role="img" aria-label="${esc(label)}">${
    scopeIds(body, prefix)
  }</span>`;
}

/** A rendered page: its HTML and its title (the first top-level heading, if any). */
export interface Rendered {
  html: string;
  title: string | null;
}

/**
 * Renders Markdown `text` as the page at site path `page`: each local link and image is resolved
 * by `resolve` first (SVG images inlined, others pointed at their site path), tables wrapped so
 * that wide ones scroll.
 */
export async function renderMarkdown(
  text: string,
  page: string,
  resolve: Resolver,
): Promise<Rendered> {
  const targets = new Map<string, Target>();
  const key = (path: string, image: boolean) => `${image ? "img" : "a"}:${path}`;
  let plots = 0;
  const point = (token: Tokens.Link | Tokens.Image, image: boolean) => {
    if (!isLocal(token.href)) return null;
    const { path, suffix } = splitHref(token.href);
    const t = targets.get(key(path, image));
    return t?.kind === "site" ? { t, href: relHref(page, t.path, suffix) } : { t, href: null };
  };
  const marked = new Marked({
    gfm: true,
    renderer: {
      html: ({ text }) => safeHtml(text),
      table(token) {
        return `<div class="table">\n${Renderer.prototype.table.call(this, token)}</div>\n`;
      },
      link(token) {
        const p = point(token, false);
        return p?.href ? Renderer.prototype.link.call(this, { ...token, href: p.href }) : false;
      },
      image(token) {
        const p = point(token, true);
        if (p?.t?.kind === "svg") return inlineSvg(p.t.svg, token.text, `svg${++plots}`);
        return p?.href ? Renderer.prototype.image.call(this, { ...token, href: p.href }) : false;
      },
    },
  });
  const tokens = marked.lexer(text);
  const wanted = new Map<string, { path: string; image: boolean }>();
  marked.walkTokens(tokens, (t: Token) => {
    if ((t.type === "link" || t.type === "image") && isLocal(t.href)) {
      const { path } = splitHref(t.href);
      wanted.set(key(path, t.type === "image"), { path, image: t.type === "image" });
    }
  });
  for (const [k, w] of wanted) targets.set(k, await resolve(w.path, w.image));
  const heading = tokens.find((t): t is Tokens.Heading => t.type === "heading" && t.depth === 1);
  return {
    html: marked.parser(tokens),
    title: heading ? heading.text.replace(/[`*_]/g, "") : null,
  };
}
