import assert from "node:assert/strict";
import { perfChart, perfSummary } from "./perf.ts";

Deno.test("perfChart and perfSummary: one bar per workload, numbered in the list below", () => {
  const rows = [
    { work: "a <b>", ratio: "15.1", ratio_range: "12.6-18.3", ratio_read_once: "13" },
    { work: "c", ratio: "", ratio_range: "", ratio_read_once: "" },
  ];
  const html = perfChart(rows);
  assert.match(html, /<svg [^>]*viewBox=/);
  assert.match(html, /loss read once/);
  assert.match(html, /<li>a &lt;b&gt;: ratio 15.1, range 12.6-18.3, loss read once 13<\/li>/);
  assert.match(html, /<li>c<\/li>/);
  assert.equal(perfSummary(rows), "2 workload(s); TF.js time / PyTorch time 15.1");
  assert.equal(
    perfSummary([...rows, { work: "d", ratio: "0.5" }, { work: "e", ratio: "2" }]),
    "4 workload(s); TF.js time / PyTorch time 0.5 to 15.1, median 2",
  );
});
