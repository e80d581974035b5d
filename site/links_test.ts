import assert from "node:assert/strict";
import { brokenLinks, linksOf } from "./links.ts";

Deno.test("brokenLinks: relative links must name a site file; fragments, schemes and data are fine", () => {
  const files = new Set(["index.html", "reports/a/index.html", "reports/a/r.csv", "style.css"]);
  const html = '<link href="../../style.css"><a href=\'r.csv?x=1\'>r</a> <a href="./">me</a> ' +
    '<image href="data:image/png;base64,AA=="/> <a href="mailto:x@y.z">m</a> <a href=#t>t</a> ' +
    '<a href="r&amp;.csv">amp</a> <a href="">empty</a> <img src="//cdn.x/y.png">';
  assert.deepEqual(linksOf('<a href="a&amp;b&#47;c">'), ["a&b/c"]);
  assert.deepEqual(brokenLinks("reports/a/index.html", html, files), [
    { page: "reports/a/index.html", target: "r&.csv", why: "no such file in the site" },
    { page: "reports/a/index.html", target: "", why: "empty link" },
    {
      page: "reports/a/index.html",
      target: "//cdn.x/y.png",
      why: "starts with /: breaks when the site is served from a sub-path",
    },
  ]);
});
