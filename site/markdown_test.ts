import assert from "node:assert/strict";
import { esc, relHref } from "./html.ts";
import {
  inlineSvg,
  isLocal,
  renderMarkdown,
  safeHtml,
  scopeIds,
  splitHref,
  type Target,
} from "./markdown.ts";

Deno.test("esc and relHref: text safe in HTML, links relative and encoded", () => {
  assert.equal(esc(`a<b & "c" 'd'>`), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
  assert.equal(relHref("index.html", "reports/a+b/index.html"), "reports/a+b/index.html");
  assert.equal(relHref("reports/x/index.html", "style.css"), "../../style.css");
  assert.equal(relHref("reports/x/index.html", "reports/x/a b#c.csv", "#r"), "a%20b%23c.csv#r");
});

Deno.test("isLocal and splitHref: which hrefs point into the reports, and their path", () => {
  assert.deepEqual(
    ["a.svg", "runs/x/y.svg", "#top", "https://x.org", "data:image/png;base64,x", "/abs", ""]
      .map(isLocal),
    [true, true, false, false, false, false, false],
  );
  assert.deepEqual(splitHref("a%20b.md#sec?x"), { path: "a b.md", suffix: "#sec?x" });
  assert.deepEqual(splitHref("100%.csv"), { path: "100%.csv", suffix: "" });
});

Deno.test("safeHtml: raw HTML becomes text, but for <details> and <summary>; comments go", () => {
  assert.equal(
    safeHtml("<details><summary>config</summary>\n<!-- note --><b onclick=x>hi</b>"),
    "<details><summary>config</summary>\n&lt;b onclick=x&gt;hi&lt;/b&gt;",
  );
  assert.equal(safeHtml('<details open="">'), "&lt;details open=&quot;&quot;&gt;");
});

Deno.test("scopeIds and inlineSvg: ids prefixed with their references, a viewBox added", () => {
  const svg = '<svg width="10" height="5"><clipPath id="c"/><use href="#c"/>' +
    '<rect clip-path="url(#c)" fill="url(#other)"/></svg>';
  assert.equal(
    scopeIds(svg, "p"),
    '<svg width="10" height="5"><clipPath id="p-c"/><use href="#p-c"/>' +
      '<rect clip-path="url(#p-c)" fill="url(#other)"/></svg>',
  );
  assert.equal(scopeIds("<svg><rect/></svg>", "p"), "<svg><rect/></svg>");
  assert.equal(
    inlineSvg('<?xml version="1.0"?>\n<!-- x --><svg width="10" height="5"></svg>', "a<b", "p"),
    '<span class="plot" role="img" aria-label="a&lt;b">' +
      '<svg viewBox="0 0 10 5" width="10" height="5"></svg></span>',
  );
});

Deno.test("renderMarkdown: SVG images inline, links to their site path, others left for the check", async () => {
  const asked: string[] = [];
  const resolve = (path: string, image: boolean): Promise<Target> => {
    asked.push(`${image ? "img" : "a"} ${path}`);
    if (path === "p.svg") return Promise.resolve({ kind: "svg", svg: "<svg></svg>" });
    if (path === "b.md") return Promise.resolve({ kind: "site", path: "reports/b.html" });
    return Promise.resolve({ kind: "missing" });
  };
  const md = "# Title `x`\n\n![plot](p.svg) ![plot again](p.svg)\n\n[b](b.md#s) [c](c.csv) " +
    "[web](https://x.org) [here](#h)\n";
  const r = await renderMarkdown(md, "reports/a/index.html", resolve);
  assert.equal(r.title, "Title x");
  assert.deepEqual(asked, ["img p.svg", "a b.md", "a c.csv"]);
  assert.match(r.html, /aria-label="plot"><svg><\/svg><\/span> <span class="plot"/);
  assert.match(r.html, /<a href="..\/b.html#s">b<\/a> <a href="c.csv">c<\/a>/);
  assert.match(r.html, /<a href="https:\/\/x.org">web<\/a> <a href="#h">here<\/a>/);
  const table = await renderMarkdown("| a |\n| --- |\n| 1 |\n", "x.html", resolve);
  assert.match(table.html, /^<div class="table">\n<table>/);
  assert.equal(table.title, null);
});
